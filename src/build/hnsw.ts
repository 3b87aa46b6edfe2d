// The build's HNSW step: extends the staged graphs with new vectors, or builds them anew (shards in parallel).
import { existsSync, readdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { AppError } from '../errors.js';
import { type HnswParams, type PaperWriter, VectorIndex } from '../store/index.js';

/** Rebuild a graph from the stored vectors once this share of its points are deleted ones. */
const COMPACT_DELETED_SHARE = 0.25;

export interface HnswPlan {
  dir: string;
  /** The work database (its vectors table and pending lists). */
  dbFile: string;
  /** File name of shard 0; shard k > 0 is named with .k before the extension. */
  baseName: string;
  /** Shard files the staged graph has now (none: build anew). */
  existing: string[];
  dims: number;
  params: HnswParams;
  /** Shards for a graph built anew from at least `shardMin` vectors. */
  shards: number;
  shardMin: number;
  log: (l: string) => void;
}

/** Work-database meta key: how many shard files the saved graph has (0 while it is being built anew). */
export const SHARDS_META = 'hnsw_shards';

/**
 * The shard files of the staged graph that may be extended: exactly as many as were saved together (older builds,
 * which did not record the count, had one file), or none when a rebuild was under way or a shard is missing.
 */
export function stagedShards(dir: string, baseName: string, recorded: string | undefined): string[] {
  const n = recorded === undefined ? (existsSync(path.join(dir, baseName)) ? 1 : 0) : Number(recorded);
  const names = Array.from({ length: n }, (_, k) => shardName(baseName, k));
  return names.every((f) => existsSync(path.join(dir, f))) ? names : [];
}

export const shardName = (baseName: string, k: number): string => (k === 0 ? baseName : baseName.replace(/(\.[^.]+)$/, `.${k}$1`));

/** The shard files of a graph in the stage, and any temporary file a killed save left (vectors.hnsw.tmp-123). */
function graphFiles(dir: string, baseName: string): string[] {
  const stem = baseName.replace(/\.[^.]+$/, '');
  const ext = baseName.slice(stem.length);
  const shard = new RegExp(`^${stem.replace(/\./g, '\\.')}(\\.\\d+)?${ext.replace(/\./g, '\\.')}(\\.tmp-.*)?$`);
  return readdirSync(dir).filter((n) => shard.test(n));
}

/** Removes a graph's shard and temporary files before it is built anew: none of an older shard count may survive. */
async function clearGraph(dir: string, baseName: string): Promise<void> {
  for (const n of graphFiles(dir, baseName)) await rm(path.join(dir, n), { force: true });
}

/** Loads the staged shards, or undefined when one is missing or unreadable (a crash while it was written). */
async function loadShards(p: HnswPlan): Promise<VectorIndex[] | undefined> {
  if (!p.existing.length) return undefined;
  const out: VectorIndex[] = [];
  for (const name of p.existing) {
    const file = path.join(p.dir, name);
    if (!existsSync(file)) return undefined;
    try {
      out.push(await VectorIndex.load(file, p.dims));
    } catch (e) {
      p.log(`the staged vector index ${name} is unreadable (${(e as Error).message}); rebuilding it from the stored vectors`);
      return undefined;
    }
  }
  return out;
}

/**
 * Brings the stage's HNSW graphs up to date with its SQLite vectors: adds the vectors not yet indexed (to shard
 * label % shards), marks removed labels deleted, and builds the graphs anew from all stored vectors when a file
 * is missing or unreadable or deleted points have piled up. Returns the shard file names.
 */
export async function syncHnsw(p: HnswPlan, w: PaperWriter): Promise<string[]> {
  const papers = w.rows();
  let shards = await loadShards(p);
  if (shards) {
    const n = shards.length;
    shards.forEach((s) => s.reserve(s.count + Math.ceil(w.countUnindexed() / n) + 16));
    for (const { label, vector } of w.unindexedVectors()) shards[label % n]!.add(label, vector);
    for (const label of w.pendingRemovals()) shards[label % n]!.markDeleted(label);
    const points = shards.reduce((a, s) => a + s.count, 0);
    const deleted = points - papers;
    if (deleted > 1000 && deleted > points * COMPACT_DELETED_SHARE) {
      p.log(`compacting the vector index: ${deleted} of its ${points} points are deleted papers`);
      shards = undefined;
    } else {
      const names = p.existing;
      await Promise.all(shards.map((s, k) => s.save(path.join(p.dir, names[k]!))));
      w.setMeta(SHARDS_META, String(names.length));
      w.markAllIndexed();
      return names;
    }
  }
  const n = papers >= p.shardMin ? Math.max(1, p.shards) : 1;
  const names = Array.from({ length: n }, (_, k) => shardName(p.baseName, k));
  // 0 until every shard is saved: a build killed meanwhile finds no half set of shards to extend, and starts over.
  w.setMeta(SHARDS_META, '0');
  await clearGraph(p.dir, p.baseName);
  if (n === 1) {
    const index = VectorIndex.create(p.dims, papers, p.params);
    for (const { label, vector } of w.unindexedVectors(true)) index.add(label, vector);
    await index.save(path.join(p.dir, names[0]!));
  } else {
    await buildShardsInParallel(p, n, papers, names);
  }
  w.setMeta(SHARDS_META, String(n));
  w.markAllIndexed();
  return names;
}

/**
 * One worker thread per shard, each reading its vectors from the work database and writing its file. The first
 * failure stops them all (none goes on writing into the stage), and the half-built graph is cleared.
 */
async function buildShardsInParallel(p: HnswPlan, n: number, papers: number, names: string[]): Promise<void> {
  p.log(`building the vector index in ${n} shards on ${n} threads (${papers} vectors)`);
  const url = new URL('./hnsw-shard-worker.mjs', import.meta.url);
  const capacity = Math.ceil(papers / n) + 1024;
  const workers: Worker[] = [];
  try {
    await Promise.all(
      names.map(
        (name, shard) =>
          new Promise<void>((resolve, reject) => {
            const worker = new Worker(url, {
              workerData: { dbFile: p.dbFile, shard, shards: n, dims: p.dims, capacity, file: path.join(p.dir, name), M: p.params.M, efConstruction: p.params.efConstruction },
            });
            workers.push(worker);
            worker.on('message', (m: { kind: string; message?: string }) => {
              if (m.kind === 'done') resolve();
              else if (m.kind === 'failed') reject(new AppError('INTERNAL', `building vector shard ${shard} failed: ${m.message}`));
            });
            worker.on('error', reject);
            worker.on('exit', (code) => code !== 0 && reject(new AppError('INTERNAL', `vector shard ${shard} worker exited with ${code}`)));
          }),
      ),
    );
  } catch (e) {
    await Promise.all(workers.map((w) => w.terminate()));
    await clearGraph(p.dir, p.baseName);
    throw e;
  }
}

export const defaultShards = (): number => availableParallelism();
