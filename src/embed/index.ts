// The embed stage's entry: turns a model spec ("use-lite", a Hub id, a local folder) into a loaded Embedder.
import { AppError } from '../errors.js';
import type { Embedder } from './embedder.js';
import { USE_LITE_ID, loadUseLiteEmbedder } from './use-lite.js';

export type { Embedder, ModelInfo } from './embedder.js';
export { passageText } from './embedder.js';
export { USE_LITE_ID } from './use-lite.js';

export interface LoadOptions {
  modelsDir: string;
  /** Download from the Hub when the model is not in modelsDir (fetch-model / start only; serving never downloads). */
  allowRemote?: boolean;
  batchSize?: number;
}

export async function loadEmbedder(model: string, opts: LoadOptions): Promise<Embedder> {
  if (model === USE_LITE_ID) return loadUseLiteEmbedder();
  const { loadTransformersEmbedder } = await import('./transformers.js');
  return loadTransformersEmbedder({
    model,
    modelsDir: opts.modelsDir,
    allowRemote: opts.allowRemote ?? false,
    ...(opts.batchSize ? { batchSize: opts.batchSize } : {}),
  });
}

/**
 * Loads the model to build with; when `fallback` is set and it is unavailable (not in models/ and the Hub
 * unreachable), warns once and uses the bundled offline model instead, so `npm start` works on any machine.
 */
export async function loadBuildEmbedder(
  model: string,
  opts: LoadOptions & { fallback: boolean; hubTimeoutMs: number; warn: (msg: string) => void },
): Promise<Embedder> {
  try {
    return await loadEmbedder(model, opts);
  } catch (e) {
    if (!(e instanceof AppError && e.code === 'MODEL_UNAVAILABLE') || !opts.fallback) throw e;
  }
  try {
    const { fetchModel } = await import('./fetch-model.js');
    await fetchModel(model, opts.modelsDir, { timeoutMs: opts.hubTimeoutMs });
    return await loadEmbedder(model, opts);
  } catch (e) {
    if (!(e instanceof AppError && e.code === 'MODEL_UNAVAILABLE')) throw e;
    opts.warn(
      `warning: model ${model} is not in ${opts.modelsDir} and could not be downloaded; using the bundled offline model "${USE_LITE_ID}" (run \`npx paperscope fetch-model\` with internet access, then rebuild with --rebuild, for the default model)`,
    );
    return loadUseLiteEmbedder();
  }
}
