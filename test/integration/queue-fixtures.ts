
import path from 'node:path';
import Database from 'better-sqlite3';
import { expect } from 'vitest';
import { cosine } from '../../src/queue/protocol.js';
import { openIndex, resolveBuildDir } from '../../src/store/index.js';
import { writePaperSample } from '../../scripts/lib/papers.js';
import { range, stagedRows } from './build-fixtures.js';
import { type Child, type RedisServer, paperscope, startRedis, waitFor } from '../../scripts/lib/servers.js';
import { buildIndex } from '../../src/build/index.js';
import { tempDir, tinyEmbedder, tinyModelDir } from '../helpers.js';

/** The first n records of the shared arXiv file, or n generated papers where ../shared is absent. */
export const writeSource = (file: string, n: number) => writePaperSample(file, n);

/** Where a queue fault test starts: n papers in a temp folder, a real Redis, the tiny model, and the same papers built locally (the reference). */
export async function queueSetup(prefix: string, n: number): Promise<{ dir: string; source: string; localIndex: string; model: string; redis: RedisServer }> {
  const dir = await tempDir(prefix);
  const model = await tinyModelDir();
  const { file: source } = await writeSource(path.join(dir, 'papers.jsonl'), n);
  const redis = await startRedis(path.join(dir, 'redis'));
  const localIndex = path.join(dir, 'local');
  await buildIndex({ indexDir: localIndex, sources: [source], embedder: await tinyEmbedder() });
  return { dir, source, localIndex, model, redis };
}

/** Every paper's stored vector by id, read from the published build's SQLite file. */
export function vectorsById(indexDir: string): Map<string, Float32Array> {
  const dir = resolveBuildDir(indexDir)!;
  const db = new Database(path.join(dir, 'papers.sqlite'), { readonly: true });
  try {
    const rows = db.prepare('SELECT p.id AS id, v.vector AS vector FROM papers p JOIN vectors v ON v.label = p.label').all() as { id: string; vector: Buffer }[];
    return new Map(rows.map((r) => [r.id, new Float32Array(r.vector.buffer.slice(r.vector.byteOffset, r.vector.byteOffset + r.vector.length))]));
  } finally {
    db.close();
  }
}

/**
 * The queue-built index holds exactly one vector per paper (SQLite and HNSW), for the same papers as the local
 * build, and each equals the local build's vector (cosine >= 0.9999). Returns the smallest cosine seen.
 */
export async function expectSameVectors(queueIndex: string, localIndex: string, papers: number): Promise<number> {
  const idx = await openIndex(queueIndex);
  try {
    expect(idx.papers.count()).toBe(papers);
    expect(idx.vectors.count).toBe(papers);
    const db = idx.db;
    expect(db.prepare('SELECT count(*) FROM vectors').pluck().get()).toBe(papers);
    // Every paper has a vector for its current content (none missing, none stale).
    expect(db.prepare('SELECT count(*) FROM papers p JOIN vectors v ON v.label = p.label AND v.content_hash = p.content_hash').pluck().get()).toBe(papers);
  } finally {
    idx.close();
  }
  const got = vectorsById(queueIndex);
  const want = vectorsById(localIndex);
  expect(got.size).toBe(want.size);
  let min = 1;
  for (const [id, v] of want) {
    const g = got.get(id);
    expect(g, `no vector for ${id}`).toBeDefined();
    min = Math.min(min, cosine(v, g!));
  }
  expect(min).toBeGreaterThanOrEqual(0.9999);
  return min;
}

/** Starts n workers on the queue and waits until each has registered (its start line is logged after registering). */
export async function startWorkers(n: number, url: string, model: string, extra: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<Child[]> {
  const workers = range(0, n).map((i) => paperscope(['worker', '--queue', url, '--model', model, ...extra], env, `worker${i}`));
  for (const w of workers) {
    await waitFor('a worker to register', () => {
      if (w.proc.exitCode !== null) throw new Error(`worker exited:\n${w.output()}`);
      return /worker \S+: .*queue "/.test(w.output());
    });
  }
  return workers;
}

/** The summary line a build prints on stderr ("built <id>: N papers ..."). */
export const builtPapers = (stderr: string): number | undefined => {
  const m = /built \S+(?: \(resumed\))?: (\d+) papers/.exec(stderr);
  return m ? Number(m[1]) : undefined;
};

/** Vectors committed so far in the staging folder of a running build (0 until it exists). */
export const stagedVectors = (indexDir: string): number => stagedRows(indexDir, 'vectors');
