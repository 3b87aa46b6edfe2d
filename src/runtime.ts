// Wiring shared by the CLI and the server: open the published index and load the model that built it.
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Config } from './config.js';
import { loadEmbedder, type Embedder } from './embed/index.js';
import { AppError } from './errors.js';
import { Searcher } from './search/searcher.js';
import { openIndex, type OpenIndex } from './store/index.js';

/** The model that built the index embeds the queries: found by id under models/, else at its recorded folder. */
export async function loadQueryEmbedder(index: OpenIndex, cfg: Config): Promise<Embedder> {
  const m = index.manifest.model;
  try {
    return await loadEmbedder(m.modelId, { modelsDir: cfg.modelsDir });
  } catch (e) {
    if (e instanceof AppError && e.code === 'MODEL_UNAVAILABLE' && m.location && existsSync(m.location)) {
      return loadEmbedder(m.location, { modelsDir: cfg.modelsDir });
    }
    if (e instanceof AppError && e.code === 'MODEL_UNAVAILABLE') {
      throw new AppError('MODEL_UNAVAILABLE', `the index at ${index.dir} was built with ${m.modelId}, which is not available here: ${e.message}`);
    }
    throw e;
  }
}

export async function openSearcher(cfg: Config): Promise<Searcher> {
  const index = await openIndex(cfg.indexDir);
  try {
    const embedder = await loadQueryEmbedder(index, cfg);
    return new Searcher(index, embedder, { efSearch: cfg.efSearch, fusion: { kind: 'weighted', alpha: cfg.hybridAlpha } });
  } catch (e) {
    index.close();
    throw e;
  }
}

/** Where a model given as a path lives (absolute), or undefined for ids resolved under models/ and use-lite. */
export function modelLocation(model: string, modelsDir: string): string | undefined {
  if (model === 'use-lite') return undefined;
  if (existsSync(path.join(modelsDir, model, 'config.json'))) return undefined;
  const abs = path.resolve(model);
  return existsSync(path.join(abs, 'config.json')) ? abs : undefined;
}
