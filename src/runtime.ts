// Wiring shared by the CLI and the server: open the published index and load the model that built it.
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Config } from './config.js';
import { loadEmbedder, type Embedder } from './embed/index.js';
import { AppError } from './errors.js';
import { Searcher } from './search/searcher.js';
import { openIndex, resolveBuildDir, type OpenIndex } from './store/index.js';

/**
 * The model that built the index embeds the queries, with the same weights (dtype): found by id under models/,
 * else at its recorded folder.
 */
export async function loadQueryEmbedder(index: OpenIndex, cfg: Config, workers = 0): Promise<Embedder> {
  const m = index.manifest.model;
  const opts = { modelsDir: cfg.modelsDir, ...(m.backend === 'transformers' ? { dtype: m.dtype } : {}) };
  // A pool of embedding threads for a server (every core embeds, the event loop never waits); in-process for one-shot commands.
  const load = async (model: string): Promise<Embedder> => {
    if (workers <= 0) return loadEmbedder(model, opts);
    const { loadEmbedderPool } = await import('./embed/pool.js');
    return loadEmbedderPool(model, { ...opts, workers });
  };
  try {
    return await load(m.modelId);
  } catch (e) {
    if (e instanceof AppError && e.code === 'MODEL_UNAVAILABLE' && m.location && existsSync(m.location)) {
      return load(m.location);
    }
    if (e instanceof AppError && e.code === 'MODEL_UNAVAILABLE') {
      throw new AppError('MODEL_UNAVAILABLE', `the index at ${index.dir} was built with ${m.modelId}, which is not available here: ${e.message}`);
    }
    throw e;
  }
}

/** Opens the index and its query model; `serving` embeds on cfg.workers threads. */
export async function openSearcher(cfg: Config, opts: { serving?: boolean } = {}): Promise<Searcher> {
  const index = await openIndex(cfg.indexDir);
  try {
    const embedder = await loadQueryEmbedder(index, cfg, opts.serving ? cfg.workers : 0);
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

export interface IndexWatcher {
  /** Checks the CURRENT pointer now (the timer calls this); resolves once any new build is being served. */
  check(): Promise<void>;
  stop(): void;
}

/**
 * Serves newly published builds without a restart: polls the index's CURRENT pointer (a tiny file read) and
 * swaps the new build into the searcher. The old build is closed after a grace period; a build that cannot be
 * opened, or was made with another model, is logged and the current one stays in service.
 */
export function watchIndex(
  searcher: Searcher,
  indexDir: string,
  opts: { intervalMs?: number; graceMs?: number; log: (line: string) => void },
): IndexWatcher {
  let busy = false;
  let failedDir: string | undefined;
  const check = async (): Promise<void> => {
    if (busy) return;
    const dir = resolveBuildDir(indexDir);
    if (!dir || dir === searcher.index.dir || dir === failedDir) return;
    busy = true;
    try {
      const next = await openIndex(indexDir);
      try {
        const previous = searcher.swapIndex(next);
        opts.log(`serving build ${next.manifest.buildId} (${next.manifest.counts.papers} papers)`);
        setTimeout(() => previous.close(), opts.graceMs ?? 30_000).unref();
      } catch (e) {
        next.close();
        throw e;
      }
    } catch (e) {
      failedDir = dir;
      opts.log(`not serving the new build in ${dir}: ${(e as Error).message}; still serving ${searcher.index.manifest.buildId}`);
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(() => void check(), opts.intervalMs ?? 2_000);
  timer.unref();
  return { check, stop: () => clearInterval(timer) };
}
