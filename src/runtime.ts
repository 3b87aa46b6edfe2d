// Wiring shared by the CLI and the server: open the published index and load the model that built it.
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Config } from './config.js';
import { loadEmbedder, type Embedder } from './embed/index.js';
import { AppError } from './errors.js';
import { Searcher } from './search/searcher.js';
import { folderSignature, openIndex, resolveBuildDir, verifyBuild, type OpenIndex } from './store/index.js';

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

/** The hybrid fusion a setting forces; without one the Searcher takes the weight tuned for the index's model. */
export const fusionOption = (cfg: Config): { fusion?: { kind: 'weighted'; alpha: number } } =>
  cfg.hybridAlpha === undefined ? {} : { fusion: { kind: 'weighted', alpha: cfg.hybridAlpha } };

/** Opens the index and its query model; `serving` embeds on cfg.workers threads. */
export async function openSearcher(cfg: Config, opts: { serving?: boolean } = {}): Promise<Searcher> {
  const index = await openIndex(cfg.indexDir);
  try {
    const embedder = await loadQueryEmbedder(index, cfg, opts.serving ? cfg.workers : 0);
    return new Searcher(index, embedder, { efSearch: cfg.efSearch, ...fusionOption(cfg) });
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

/** What /health reports to a load balancer: serving what CURRENT names, still loading, or unable to serve it. */
export type Readiness = { status: 'ok'; pending?: string } | { status: 'loading' | 'degraded'; reason: string };

export interface IndexWatcher {
  /** Checks the CURRENT pointer now (the timer calls this); resolves once any new build is being served. */
  check(): Promise<void>;
  stop(): void;
  /** 'degraded' while CURRENT names a build this process cannot serve (with the reason); else 'ok'. */
  readiness(): Readiness;
  /** Resolves when the checksum verification of the build served at start is done (tests). */
  readonly startupVerified: Promise<void>;
}

export interface WatchOptions {
  intervalMs?: number;
  graceMs?: number;
  log: (line: string) => void;
  /** Compare sha256 checksums before serving a new build (default), or sizes only (very large builds on trusted storage). */
  checksums?: boolean;
}

/**
 * Serves newly published builds without a restart: polls the index's CURRENT pointer (a tiny file read),
 * verifies the new build against its manifest (sizes and sha256, streamed, once per build folder state),
 * and swaps it into the searcher. The old build is closed after a grace period. A build that cannot be
 * verified or opened, or was made with another model, is logged, reported by readiness(), and the current
 * build stays in service; it is tried again when its files change (a copy that was still arriving).
 * The build served at start (opened on sizes only, for a fast cold start) is checksummed in the background.
 */
export function watchIndex(searcher: Searcher, indexDir: string, opts: WatchOptions): IndexWatcher {
  let busy = false;
  let pending: string | undefined;
  let failed: { dir: string; signature: string; reason: string } | undefined;
  let startupProblem: string | undefined;
  const checksums = opts.checksums ?? true;
  const verified = new Set<string>();

  const startupDir = searcher.index.dir;
  const startupVerified = verifyBuild(startupDir, { checksums }).then(
    (v) => {
      verified.add(folderSignature(startupDir));
      if (v.checked === 'sizes' && checksums) opts.log(`build ${v.manifest.buildId} has no checksums in its manifest (built before they were recorded): verified by size only`);
    },
    (e) => {
      startupProblem = (e as Error).message;
      opts.log(`the served build does not match its manifest: ${startupProblem}`);
    },
  );

  const check = async (): Promise<void> => {
    if (busy) return;
    const dir = resolveBuildDir(indexDir);
    if (!dir || dir === searcher.index.dir) {
      if (dir) failed = undefined; // CURRENT points back at the served build (a rollback)
      return;
    }
    const signature = folderSignature(dir);
    if (failed?.dir === dir && failed.signature === signature) return;
    busy = true;
    pending = path.basename(dir);
    try {
      if (!verified.has(signature)) {
        const v = await verifyBuild(dir, { checksums });
        verified.add(signature);
        opts.log(`build ${v.manifest.buildId} verified (${v.checked}, ${(v.bytes / 1e6).toFixed(1)} MB in ${v.seconds.toFixed(2)} s)`);
      }
      const next = await openIndex(dir);
      try {
        const previous = searcher.swapIndex(next);
        opts.log(`serving build ${next.manifest.buildId} (${next.manifest.counts.papers} papers)`);
        setTimeout(() => previous.close(), opts.graceMs ?? 30_000).unref();
        failed = undefined;
        startupProblem = undefined;
      } catch (e) {
        next.close();
        throw e;
      }
    } catch (e) {
      failed = { dir, signature, reason: (e as Error).message };
      opts.log(`not serving the new build in ${dir}: ${(e as Error).message}; still serving ${searcher.index.manifest.buildId}`);
    } finally {
      busy = false;
      pending = undefined;
    }
  };

  const readiness = (): Readiness => {
    const served = searcher.index.manifest.buildId;
    if (failed && resolveBuildDir(indexDir) === failed.dir) {
      // Only the folder name and the reason: /health is public, file paths are not.
      const reason = failed.reason.split(failed.dir).join(path.basename(failed.dir));
      return { status: 'degraded', reason: `the current build ${path.basename(failed.dir)} cannot be served (${reason}); still serving ${served}` };
    }
    if (startupProblem && searcher.index.dir === startupDir) return { status: 'degraded', reason: `the served build ${served} does not match its manifest: ${startupProblem}` };
    return pending ? { status: 'ok', pending } : { status: 'ok' };
  };

  const timer = setInterval(() => void check(), opts.intervalMs ?? 2_000);
  timer.unref();
  return { check, stop: () => clearInterval(timer), readiness, startupVerified };
}
