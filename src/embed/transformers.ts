// Embedder backed by a local ONNX sentence-embedding model through @huggingface/transformers: resolves the folder here, runs it in onnx-core.mjs.
import { existsSync, readFileSync } from 'node:fs';
import { basename, isAbsolute, join, resolve } from 'node:path';
import { AppError } from '../errors.js';
import type { Embedder, ModelInfo } from './embedder.js';
import { fetchModel, onnxFileName } from './fetch-model.js';
import { loadOnnxCore, type OnnxSpec } from './onnx-core.mjs';
import { readSentenceConfig } from './sentence-config.js';

export { lengthSortedBatches, truncateIds } from './onnx-core.mjs';

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

/** A model folder resolved for loading: where it is, which weights, how it pools and prompts (no model loaded yet). */
export interface ResolvedModel {
  spec: OnnxSpec;
  modelId: string;
  dims: number;
  queryPrefix: string;
  passagePrefix: string;
}

/**
 * Finds the model folder (downloading it when allowed), picks the weights (q8 where the folder has them) and reads
 * its config and sentence-transformers files. Cheap: the embedding pool resolves here once and sends the result to
 * its worker threads, which load the model itself.
 */
export async function resolveTransformersModel(opts: TransformersEmbedderOptions): Promise<ResolvedModel> {
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
  // Pooling, trained length and query instruction from the model's sentence-transformers files (or its known usage).
  let sentence: ReturnType<typeof readSentenceConfig>;
  try {
    sentence = readSentenceConfig(dir, opts.model);
  } catch (e) {
    throw unavailable(`Model folder ${dir}: ${(e as Error).message}.`, e);
  }
  return {
    spec: {
      dir,
      modelsDir: opts.modelsDir,
      dtype,
      maxTokens: opts.maxTokens ?? sentence.maxTokens ?? DEFAULT_MAX_TOKENS,
      maxPositions: typeof config.max_position_embeddings === 'number' ? config.max_position_embeddings : Number.POSITIVE_INFINITY,
      pooling: sentence.pooling,
      threads: opts.threads,
      batchSize: opts.batchSize,
    },
    modelId,
    dims,
    queryPrefix: sentence.queryPrefix,
    passagePrefix: sentence.passagePrefix,
  };
}

/** What the manifest records of a resolved model, with the passage length the loaded tokenizer settled on. */
export function transformersInfo(r: ResolvedModel, maxTokens: number): ModelInfo {
  return {
    modelId: r.modelId,
    backend: 'transformers',
    dims: r.dims,
    maxTokens,
    pooling: r.spec.pooling,
    normalize: true,
    dtype: r.spec.dtype,
    ...(r.queryPrefix ? { queryPrefix: r.queryPrefix } : {}),
    ...(r.passagePrefix ? { passagePrefix: r.passagePrefix } : {}),
  };
}

export async function loadTransformersEmbedder(opts: TransformersEmbedderOptions): Promise<Embedder> {
  const r = await resolveTransformersModel(opts);
  let core: Awaited<ReturnType<typeof loadOnnxCore>>;
  try {
    core = await loadOnnxCore(r.spec);
  } catch (e) {
    throw unavailable(`Could not load model "${opts.model}" from ${r.spec.dir} (dtype ${r.spec.dtype}): ${(e as Error).message}.`, e);
  }
  return {
    info: transformersInfo(r, core.maxTokens),
    embedPassages: (texts) => core.embed(texts, r.passagePrefix),
    embedQuery: async (text) => (await core.embed([text], r.queryPrefix))[0]!,
    dispose: () => core.dispose(),
  };
}
