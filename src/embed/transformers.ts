// Embedder backed by a local ONNX sentence-embedding model through @huggingface/transformers (the model's own pooling, L2-normalised).
import { existsSync, readFileSync } from 'node:fs';
import { basename, isAbsolute, join, resolve } from 'node:path';
import { AppError } from '../errors.js';
import { l2normalize, type Embedder } from './embedder.js';
import { fetchModel, onnxFileName } from './fetch-model.js';
import { readSentenceConfig } from './sentence-config.js';

export interface TransformersEmbedderOptions {
  /** Hub id (looked up as <modelsDir>/<id>/) or a path to a local model folder containing config.json. */
  model: string;
  modelsDir: string;
  allowRemote: boolean;
  maxTokens?: number;
  dtype?: string;
  threads?: number;
  /** Passages per forward pass; passages are length-sorted first so each batch pads only to its own longest. */
  batchSize?: number;
}

/** Beyond this, MiniLM-style models degrade (they were trained at 256 even when the config allows 512). */
const DEFAULT_MAX_TOKENS = 256;

const unavailable = (msg: string, cause?: unknown): AppError =>
  new AppError(
    'MODEL_UNAVAILABLE',
    `${msg} Run \`paperscope fetch-model\` to download it, use \`--model use-lite\` for the built-in lite embedder, ` +
      'or pass --model with a local model folder (config.json, tokenizer.json, onnx/model.onnx).',
    undefined,
    { cause },
  );

const isHubId = (s: string): boolean => /^[\w.-]+\/[\w.-]+$/.test(s) && !s.includes('..');

/** Finds the model folder: <modelsDir>/<id> first, then the string as a path. */
function locate(model: string, modelsDir: string): { dir: string; modelId: string } | { looked: string[] } {
  const looked: string[] = [];
  if (!isAbsolute(model) && !model.startsWith('.')) {
    const dir = resolve(modelsDir, model);
    if (existsSync(join(dir, 'config.json'))) return { dir, modelId: model };
    looked.push(dir);
  }
  const dir = resolve(model);
  if (existsSync(join(dir, 'config.json'))) return { dir, modelId: basename(dir) };
  if (!looked.includes(dir)) looked.push(dir);
  return { looked };
}

const readJson = (path: string): Record<string, unknown> =>
  existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>) : {};

/** Truncates like Python's tokenizers, keeping the closing [SEP] / </s> (transformers.js would cut it off). */
export function truncateIds(ids: number[], maxTokens: number, special: ReadonlySet<number>): number[] {
  if (ids.length <= maxTokens) return ids;
  const last = ids[ids.length - 1]!;
  return special.has(last) ? [...ids.slice(0, maxTokens - 1), last] : ids.slice(0, maxTokens);
}

/**
 * The forward passes of one embed call: indices of `seqs`, sorted by length and cut into batches, so each batch
 * pads only to its own longest sequence. Exported so the bench can run bare onnxruntime on exactly these batches.
 */
export function lengthSortedBatches(seqs: readonly (readonly number[])[], batchSize: number): number[][] {
  const order = seqs.map((_, i) => i).sort((a, b) => seqs[a]!.length - seqs[b]!.length);
  const batches: number[][] = [];
  for (let i = 0; i < order.length; i += batchSize) batches.push(order.slice(i, i + batchSize));
  return batches;
}

export async function loadTransformersEmbedder(opts: TransformersEmbedderOptions): Promise<Embedder> {
  let found = locate(opts.model, opts.modelsDir);
  if ('looked' in found && opts.allowRemote && isHubId(opts.model)) {
    await fetchModel(opts.model, opts.modelsDir, opts.dtype ? { dtype: opts.dtype } : {});
    found = locate(opts.model, opts.modelsDir);
  }
  if ('looked' in found) throw unavailable(`Model "${opts.model}" not found: no config.json in ${found.looked.join(' or ')}.`);
  const { dir, modelId } = found;

  const dtype = opts.dtype ?? (existsSync(join(dir, 'onnx', onnxFileName('q8'))) ? 'q8' : 'fp32');
  const onnxFile = `onnx/${onnxFileName(dtype)}`;
  if (!existsSync(join(dir, onnxFile))) throw unavailable(`Model folder ${dir} has no ${onnxFile} (dtype ${dtype}).`);

  const config = readJson(join(dir, 'config.json'));
  const dims = config.hidden_size ?? config.d_model ?? config.dim;
  if (typeof dims !== 'number') throw unavailable(`${dir}/config.json has no hidden_size.`);
  const maxPositions = typeof config.max_position_embeddings === 'number' ? config.max_position_embeddings : Infinity;

  // Imported lazily: it loads onnxruntime's native addon, which the lite backend never needs.
  const { env, AutoTokenizer, AutoModel, Tensor } = await import('@huggingface/transformers');
  env.localModelPath = opts.modelsDir;
  env.cacheDir = opts.modelsDir;
  env.allowLocalModels = true;
  env.allowRemoteModels = opts.allowRemote;

  let tokenizer: Awaited<ReturnType<typeof AutoTokenizer.from_pretrained>>;
  let model: Awaited<ReturnType<typeof AutoModel.from_pretrained>>;
  try {
    // An absolute folder is never mistaken for a Hub id, so transformers.js reads it directly.
    tokenizer = await AutoTokenizer.from_pretrained(dir);
    model = await AutoModel.from_pretrained(dir, {
      dtype: dtype as 'fp32',
      ...(opts.threads ? { session_options: { intraOpNumThreads: opts.threads } } : {}),
    });
  } catch (e) {
    throw unavailable(`Could not load model "${opts.model}" from ${dir} (dtype ${dtype}): ${(e as Error).message}.`, e);
  }

  // Pooling, trained length and query instruction from the model's sentence-transformers files (or its known usage).
  let sentence: ReturnType<typeof readSentenceConfig>;
  try {
    sentence = readSentenceConfig(dir, opts.model);
  } catch (e) {
    throw unavailable(`Model folder ${dir}: ${(e as Error).message}.`, e);
  }
  const maxTokens = Math.min(opts.maxTokens ?? sentence.maxTokens ?? DEFAULT_MAX_TOKENS, tokenizer.model_max_length, maxPositions);
  const batchSize = Math.max(1, opts.batchSize ?? 16);
  const prefix = { query: sentence.queryPrefix, passage: sentence.passagePrefix };
  const padId = BigInt(tokenizer.pad_token_id ?? 0);

  const special = new Set(tokenizer.all_special_ids);
  const tokenize = (text: string): number[] => truncateIds(tokenizer.encode(text), maxTokens, special);

  /** One forward pass; the batch is padded to its longest sequence. */
  async function forward(batch: number[][]): Promise<Float32Array[]> {
    const B = batch.length;
    const S = Math.max(...batch.map((ids) => ids.length));
    const ids = new BigInt64Array(B * S).fill(padId);
    const mask = new BigInt64Array(B * S);
    batch.forEach((seq, b) => {
      for (let s = 0; s < seq.length; s++) {
        ids[b * S + s] = BigInt(seq[s]!);
        mask[b * S + s] = 1n;
      }
    });
    const out = (await model({
      input_ids: new Tensor('int64', ids, [B, S]),
      attention_mask: new Tensor('int64', mask, [B, S]),
      token_type_ids: new Tensor('int64', new BigInt64Array(B * S), [B, S]),
    })) as Record<string, { data: Float32Array; dims: number[] } | undefined>;
    const hidden = out.last_hidden_state ?? out.token_embeddings;
    if (!hidden) throw new AppError('INTERNAL', `model ${modelId} returned no last_hidden_state`);
    const D = hidden.dims[2]!;
    const h = hidden.data;
    // CLS pooling: the first token's state. Mean: over real tokens only; the 1/n factor vanishes under L2
    // normalisation, but keeps the vector a true mean.
    if (sentence.pooling === 'cls') return batch.map((_, b) => l2normalize(h.slice(b * S * D, b * S * D + D)));
    return batch.map((seq, b) => {
      const v = new Float32Array(D);
      for (let s = 0; s < seq.length; s++) {
        const off = (b * S + s) * D;
        for (let d = 0; d < D; d++) v[d]! += h[off + d]!;
      }
      for (let d = 0; d < D; d++) v[d]! /= seq.length;
      return l2normalize(v);
    });
  }

  async function embed(texts: readonly string[], pre: string): Promise<Float32Array[]> {
    if (texts.length === 0) return [];
    const seqs = texts.map((t) => tokenize(pre + t));
    const result = new Array<Float32Array>(texts.length);
    for (const idx of lengthSortedBatches(seqs, batchSize)) {
      const vecs = await forward(idx.map((j) => seqs[j]!));
      idx.forEach((j, k) => (result[j] = vecs[k]!));
    }
    return result;
  }

  return {
    info: {
      modelId,
      backend: 'transformers',
      dims,
      maxTokens,
      pooling: sentence.pooling,
      normalize: true,
      dtype,
      ...(prefix.query ? { queryPrefix: prefix.query } : {}),
      ...(prefix.passage ? { passagePrefix: prefix.passage } : {}),
    },
    embedPassages: (texts) => embed(texts, prefix.passage),
    embedQuery: async (text) => (await embed([text], prefix.query))[0]!,
    dispose: async () => {
      await model.dispose();
    },
  };
}
