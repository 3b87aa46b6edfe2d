// Downloads a Hub model's tokenizer, config and ONNX weights into <modelsDir>/<id>/, failing fast when the Hub is unreachable.
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { once } from 'node:events';
import { AppError } from '../errors.js';

export interface FetchModelOptions {
  /** Reachability probe timeout, and the longest a download may stall without receiving a byte. Default 10 s. */
  timeoutMs?: number;
  /** Which ONNX weights to fetch: q8 (onnx/model_quantized.onnx, the default) or fp32 (onnx/model.onnx), ... */
  dtype?: string;
  /** Hub mirror; default $HF_ENDPOINT or https://huggingface.co/. */
  remoteHost?: string;
}

/** transformers.js file-name suffixes per dtype (utils/dtypes.js). */
const DTYPE_SUFFIX: Record<string, string> = {
  fp32: '', fp16: '_fp16', q8: '_quantized', int8: '_int8', uint8: '_uint8', q4: '_q4', q4f16: '_q4f16', bnb4: '_bnb4',
};

export function onnxFileName(dtype: string): string {
  const suffix = DTYPE_SUFFIX[dtype];
  if (suffix === undefined) throw new AppError('INVALID_INPUT', `Unknown dtype "${dtype}"; one of ${Object.keys(DTYPE_SUFFIX).join(', ')}.`);
  return `model${suffix}.onnx`;
}

/** What loadTransformersEmbedder reads (tokenizer.json + tokenizer_config.json + config.json + the ONNX file). */
const REQUIRED = ['config.json', 'tokenizer.json', 'tokenizer_config.json'];
/** Sentence-transformers files, where the repo has them: pooling (CLS for bge), trained length, prompts. */
const OPTIONAL = ['special_tokens_map.json', 'modules.json', '1_Pooling/config.json', 'sentence_bert_config.json', 'config_sentence_transformers.json'];

const offlineHelp = (dir: string): string =>
  `Copy a model folder (config.json, tokenizer.json, tokenizer_config.json, onnx/model.onnx) to ${dir}, ` +
  'or use `--model use-lite` for the built-in lite embedder, which needs no download.';

export async function fetchModel(id: string, modelsDir: string, opts: FetchModelOptions = {}): Promise<{ dir: string }> {
  if (!/^[\w.-]+\/[\w.-]+$/.test(id) || id.includes('..'))
    throw new AppError('INVALID_INPUT', `"${id}" is not a Hub model id (owner/name).`);
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const host = (opts.remoteHost ?? process.env.HF_ENDPOINT ?? 'https://huggingface.co/').replace(/\/?$/, '/');
  const dir = resolve(modelsDir, id);

  // Probe first: offline, fetch() can wait minutes on DNS or TCP before failing.
  try {
    await fetch(host, { method: 'HEAD', signal: AbortSignal.timeout(timeoutMs) });
  } catch (e) {
    const why = (e as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : describe(e);
    throw new AppError('MODEL_UNAVAILABLE', `Could not download ${id}: the Hub at ${host} could not be reached (${why}). ${offlineHelp(dir)}`, undefined, { cause: e });
  }

  // Quantized (int8) by default: 4x smaller to download and faster on CPU, the form Xenova publishes for transformers.js.
  const files = [...REQUIRED, `onnx/${onnxFileName(opts.dtype ?? 'q8')}`];
  for (const file of [...files, ...OPTIONAL]) {
    const dest = join(dir, file);
    if (existsSync(dest) && (await stat(dest)).size > 0) continue;
    const url = `${host}${id}/resolve/main/${file}`;
    const ok = await download(url, dest, timeoutMs).catch((e: unknown) => {
      throw new AppError('MODEL_UNAVAILABLE', `Download of ${url} failed (${describe(e)}). ${offlineHelp(dir)}`, undefined, { cause: e });
    });
    if (!ok && files.includes(file))
      throw new AppError('MODEL_UNAVAILABLE', `${url} does not exist: is "${id}" an ONNX (transformers.js) model with that dtype? ${offlineHelp(dir)}`);
  }
  return { dir };
}

const describe = (e: unknown): string => {
  const err = e as Error & { cause?: { code?: string; message?: string } };
  return err.cause?.code ?? err.cause?.message ?? err.message;
};

/** Streams url to dest via a temp file (a crash never leaves a truncated file behind); false on 404. */
async function download(url: string, dest: string, stallMs: number): Promise<boolean> {
  const ctl = new AbortController();
  let timer = setTimeout(() => ctl.abort(new Error(`stalled for ${stallMs} ms`)), stallMs);
  const tmp = `${dest}.part-${process.pid}`;
  try {
    const res = await fetch(url, { signal: ctl.signal, headers: authHeaders(url) });
    if (res.status === 404 || res.status === 401) return false; // the Hub answers 401 for repos that do not exist
    if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
    await mkdir(dirname(dest), { recursive: true });
    const out = createWriteStream(tmp);
    try {
      for await (const chunk of res.body) {
        clearTimeout(timer);
        timer = setTimeout(() => ctl.abort(new Error(`stalled for ${stallMs} ms`)), stallMs);
        if (!out.write(chunk)) await once(out, 'drain');
      }
    } finally {
      out.end();
      await once(out, 'close');
    }
    await rename(tmp, dest);
    return true;
  } finally {
    clearTimeout(timer);
    await rm(tmp, { force: true });
  }
}

const authHeaders = (url: string): Record<string, string> => {
  const token = process.env.HF_TOKEN;
  return token && new URL(url).hostname.endsWith('huggingface.co') ? { authorization: `Bearer ${token}` } : {};
};
