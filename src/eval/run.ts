// `paperscope eval`: builds (or reuses) an index of a BEIR collection and scores each search mode on its judged queries.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { buildIndex } from '../build.js';
import type { Embedder } from '../embed/index.js';
import type { Fusion } from '../search/fuse.js';
import { Searcher, type Mode } from '../search/searcher.js';
import { openIndex, resolveBuildDir } from '../store/index.js';
import { beirPaths, readQrels, readQueries } from './beir.js';
import { evaluate, type Scores } from './metrics.js';

export interface EvalOptions {
  dir: string;
  split?: string;
  modes?: readonly Mode[];
  embedder: Embedder;
  /** Where evaluation indexes are kept between runs (keyed by corpus hash and model). */
  cacheDir: string;
  fusion?: Fusion;
  log?: (line: string) => void;
  progress?: boolean;
}

export interface EvalReport {
  dataset: string;
  split: string;
  queries: number;
  model: string;
  modes: Partial<Record<Mode, Scores>>;
}

async function sha256File(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const c of createReadStream(file)) h.update(c as Buffer);
  return h.digest('hex');
}

/** Opens (building first if needed) the cached index of a collection for a model. */
export async function evalIndex(opts: Pick<EvalOptions, 'dir' | 'embedder' | 'cacheDir' | 'log' | 'progress'> & { split?: string }) {
  const log = opts.log ?? (() => {});
  const p = beirPaths(opts.dir, opts.split ?? 'test');
  const modelSlug = `${opts.embedder.info.modelId}-${opts.embedder.info.dtype}`.replace(/[^\w.-]+/g, '_');
  const key = `${p.name}-${(await sha256File(p.corpus)).slice(0, 12)}-${modelSlug}`;
  const root = path.join(opts.cacheDir, key);
  await mkdir(root, { recursive: true });
  if (!resolveBuildDir(root)) {
    log(`building the ${p.name} index with ${opts.embedder.info.modelId} in ${root} (reused by later runs)`);
    const s = await buildIndex({ indexDir: root, sources: [p.corpus], embedder: opts.embedder, progress: opts.progress ?? false, log });
    log(`built ${s.papers} papers in ${s.seconds.toFixed(1)} s`);
  }
  return { paths: p, index: await openIndex(root) };
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
  const { paths, index } = await evalIndex({ ...opts, split });
  try {
    const searcher = new Searcher(index, opts.embedder, opts.fusion ? { fusion: opts.fusion } : {});
    const qs = await loadQuerySet(paths.queries, paths.qrels);
    const vectors = new Map<string, Float32Array>();
    if (modes.some((m) => m !== 'keyword')) for (const q of qs.ids) vectors.set(q, await opts.embedder.embedQuery(qs.text.get(q)!));
    const report: EvalReport = { dataset: paths.name, split, queries: qs.ids.length, model: opts.embedder.info.modelId, modes: {} };
    for (const mode of modes) report.modes[mode] = await scoreMode(searcher, qs, mode, vectors);
    return report;
  } finally {
    index.close();
  }
}
