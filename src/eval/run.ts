// `paperscope eval`: builds (or reuses) an index of a BEIR collection and scores each search mode on its judged queries.
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { buildIndex } from '../build/index.js';
import type { Embedder } from '../embed/index.js';
import type { Fusion } from '../search/fuse.js';
import { Searcher, type Mode } from '../search/searcher.js';
import { AppError } from '../errors.js';
import { openIndex, rejectsFile, resolveBuildDir } from '../store/index.js';
import { beirPaths, corpusCoverage, readQrels, readQueries, type CorpusCoverage } from './beir.js';
import { cacheKey, readCacheKey, staleReasons, weightsFingerprint } from './cache.js';
import { evaluate, type Scores } from './metrics.js';

export interface EvalOptions {
  dir: string;
  split?: string;
  modes?: readonly Mode[];
  embedder: Embedder;
  /** Where evaluation indexes are kept between runs (one per collection and model, rebuilt when its key changes). */
  cacheDir: string;
  fusion?: Fusion;
  log?: (line: string) => void;
  progress?: boolean;
}

const KEY_FILE = 'cache-key.json';

export interface EvalReport {
  dataset: string;
  split: string;
  queries: number;
  model: string;
  /** Weights the model ran with (fp32, q8). */
  dtype: string;
  /** How much of the corpus the index holds: documents, indexed, and empty ones (which nothing can index). */
  corpus: { documents: number; indexed: number; empty: number };
  modes: Partial<Record<Mode, Scores>>;
}

/** One line on how much of the corpus the index holds (empty documents named: they cannot be indexed). */
export function coverageLine(name: string, c: CorpusCoverage): string {
  const empty = c.empty
    ? `; ${c.empty} ${c.empty === 1 ? 'is' : 'are'} empty (no title, no text: ${c.emptyIds.join(', ')}${c.empty > c.emptyIds.length ? ', ...' : ''}) and cannot be indexed, but stay${c.empty === 1 ? 's' : ''} in the qrels`
    : '';
  return `${name}: indexed ${c.indexed} of ${c.documents} corpus documents${empty}`;
}

/**
 * Opens (building first if needed) the cached index of a collection for a model, and checks that it holds the
 * whole corpus. The cache lives in <cacheDir>/<collection>-<model>-<dtype>/ with the key it was built under; a key that
 * no longer fits (other corpus, model dtype, index format or index-building code) means a rebuild, said in one line.
 */
export async function evalIndex(opts: Pick<EvalOptions, 'dir' | 'embedder' | 'cacheDir' | 'log' | 'progress'> & { split?: string; codeRoot?: string }) {
  const log = opts.log ?? (() => {});
  const p = beirPaths(opts.dir, opts.split ?? 'test');
  const model = opts.embedder.info;
  // One cache per collection, model and weights (fp32 and int8 runs of one model do not evict each other).
  const root = path.join(opts.cacheDir, `${p.name}-${model.modelId}-${model.dtype}`.replace(/[^\w.-]+/g, '_'));
  const keyFile = path.join(root, KEY_FILE);
  const key = await cacheKey(p.corpus, model, await weightsFingerprint(opts.embedder), opts.codeRoot);
  if (existsSync(root)) {
    const why = staleReasons(readCacheKey(keyFile), key);
    if (why) {
      log(`rebuilding the cached ${p.name} index (${model.modelId}, ${model.dtype}): ${why}`);
      await rm(root, { recursive: true, force: true });
    }
  }
  await mkdir(root, { recursive: true });
  // Written before building: an interrupted build resumes under the same key on the next run.
  await writeFile(keyFile, JSON.stringify(key, null, 2) + '\n');
  if (!resolveBuildDir(root)) {
    log(`building the ${p.name} index with ${model.modelId} in ${root} (reused by later runs)`);
    const s = await buildIndex({ indexDir: root, sources: [p.corpus], embedder: opts.embedder, progress: opts.progress ?? false, log });
    log(`built ${s.papers} papers in ${s.seconds.toFixed(1)} s`);
  }
  const index = await openIndex(root);
  try {
    const corpus = await corpusCoverage(p.corpus, index.papers.count(), (id) => index.papers.getById(id) !== undefined);
    if (corpus.dropped) {
      const rejects = rejectsFile(root, index.manifest.buildId);
      throw new AppError(
        'SOURCE_INVALID',
        `${p.name}: only ${corpus.indexed} of ${corpus.documents} corpus documents were indexed (${corpus.dropped} dropped, ` +
          `among them ${corpus.missing.join(', ') || 'duplicate ids'}${existsSync(rejects) ? `; reasons in ${rejects}` : ''}): ` +
          'scores against part of the corpus would be wrong, so none are reported',
      );
    }
    log(coverageLine(p.name, corpus));
    return { paths: p, index, corpus };
  } catch (e) {
    index.close();
    throw e;
  }
}

/** Judged queries of a collection, with their text and qrels. */
export interface QuerySet {
  ids: string[];
  text: Map<string, string>;
  qrels: Map<string, Map<string, number>>;
}

export async function loadQuerySet(queriesFile: string, qrelsFile: string): Promise<QuerySet> {
  const text = await readQueries(queriesFile);
  const qrels = await readQrels(qrelsFile);
  const ids = [...qrels.keys()].filter((q) => text.has(q));
  return { ids, text, qrels: new Map(ids.map((q) => [q, qrels.get(q)!])) };
}

/** Scores one mode; `vectors` (query id -> embedding) lets repeated runs skip re-embedding the queries. */
export async function scoreMode(searcher: Searcher, qs: QuerySet, mode: Mode, vectors?: Map<string, Float32Array>): Promise<Scores> {
  const runs = new Map<string, string[]>();
  for (const qid of qs.ids) {
    const queryVector = vectors?.get(qid);
    const r = await searcher.search({ q: qs.text.get(qid)!, mode, limit: 100, ...(queryVector ? { queryVector } : {}) });
    runs.set(qid, r.results.map((h) => h.id));
  }
  return evaluate(runs, qs.qrels);
}

export async function runEval(opts: EvalOptions): Promise<EvalReport> {
  const split = opts.split ?? 'test';
  const modes = opts.modes ?? (['hybrid', 'semantic', 'keyword'] as const);
  const { paths, index, corpus } = await evalIndex({ ...opts, split });
  try {
    const searcher = new Searcher(index, opts.embedder, opts.fusion ? { fusion: opts.fusion } : {});
    const qs = await loadQuerySet(paths.queries, paths.qrels);
    const vectors = new Map<string, Float32Array>();
    if (modes.some((m) => m !== 'keyword')) for (const q of qs.ids) vectors.set(q, await opts.embedder.embedQuery(qs.text.get(q)!));
    const report: EvalReport = {
      dataset: paths.name,
      split,
      queries: qs.ids.length,
      model: opts.embedder.info.modelId,
      dtype: opts.embedder.info.dtype,
      corpus: { documents: corpus.documents, indexed: corpus.indexed, empty: corpus.empty },
      modes: {},
    };
    for (const mode of modes) report.modes[mode] = await scoreMode(searcher, qs, mode, vectors);
    return report;
  } finally {
    index.close();
  }
}
