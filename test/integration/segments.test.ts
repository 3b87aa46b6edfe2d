// Updates as a delta over an unchanged base, merges, HNSW shards and --vectors: each answers as a build from scratch would.
import { statSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildIndex, removePapers, type BuildOptions } from '../../src/build/index.js';
import type { Embedder } from '../../src/embed/embedder.js';
import { writeVectorsFile } from '../../src/ingest/vectors.js';
import { passageText } from '../../src/paper.js';
import { Searcher } from '../../src/search/searcher.js';
import { openIndex, resolveBuildDir, type OpenIndex } from '../../src/store/index.js';
import { SEED, removeTempDirs, tempDir, tinyEmbedder, writeLines } from '../helpers.js';

let emb: Embedder;
let seed: { id: string; title: string; abstract: string }[];
beforeAll(async () => {
  emb = await tinyEmbedder();
  seed = (await readFile(SEED, 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
});
afterAll(async () => {
  await emb.dispose();
  await removeTempDirs();
});

const NEW = [
  { id: 'new-1', title: 'Lossless compression of graph neural network activations', abstract: 'We compress activations of graph neural networks without loss.' },
  { id: 'new-2', title: 'Protein folding with diffusion transformers', abstract: 'A diffusion transformer predicts protein structures from sequences.' },
];
/** Always a delta, never merged (tests of the delta layout); merges forced below with mergeShare 0. */
const DELTA: Partial<BuildOptions> = { deltaMinPapers: 0, mergeShare: 1 };

async function sources(dir: string, change: { drop?: string; edit?: string; add?: typeof NEW }): Promise<string> {
  const papers = seed
    .filter((p) => p.id !== change.drop)
    .map((p) => (p.id === change.edit ? { ...p, abstract: `${p.abstract} Revised: we add sparse attention over long documents.` } : p));
  return writeLines(path.join(dir, `src-${Math.random().toString(36).slice(2)}.jsonl`), [...papers, ...(change.add ?? [])].map((p) => JSON.stringify(p)));
}

/** What a searcher answers for a few questions in every mode, and for related papers: ids in order. */
async function answers(index: OpenIndex): Promise<Record<string, string[]>> {
  const s = new Searcher(index, emb);
  const out: Record<string, string[]> = {};
  for (const q of ['graph neural networks', 'protein structure', 'pipeline parallel training of large models', 'sparse attention documents']) {
    for (const mode of ['semantic', 'keyword', 'hybrid'] as const) out[`${mode}:${q}`] = (await s.search({ q, mode, limit: 10 })).results.map((h) => h.id);
  }
  out.related = s.related(seed[3]!.id, { limit: 5 }).results.map((h) => h.id);
  return out;
}

/**
 * A delta build answers as a single build of the same papers: semantic and related exactly (at this size);
 * keyword and hybrid by their set of hits, since keyword ranks with statistics that still count the replaced
 * base papers (Lucene-style, until a merge).
 */
function expectAnswersOfSingleBuild(delta: Record<string, string[]>, single: Record<string, string[]>): void {
  for (const k of Object.keys(single)) {
    if (k.startsWith('keyword') || k.startsWith('hybrid')) expect(new Set(delta[k]), k).toEqual(new Set(single[k]));
    else expect(delta[k], k).toEqual(single[k]);
  }
}

describe('a delta over an unchanged base', () => {
  it('links the base, holds only the changes, and answers as a single build of the same papers does', async () => {
    const dir = await tempDir();
    const indexDir = path.join(dir, 'delta');
    await buildIndex({ indexDir, sources: [SEED], embedder: emb });
    const first = resolveBuildDir(indexDir)!;
    const src = await sources(dir, { drop: seed[0]!.id, edit: seed[1]!.id, add: NEW });
    const s = await buildIndex({ indexDir, sources: [src], embedder: emb, ...DELTA });
    expect(s).toMatchObject({ layout: 'delta', merged: false, added: 2, updated: 1, removed: 1, papers: 46, unchanged: 43, embedded: 3 });

    const index = await openIndex(indexDir);
    try {
      const [base, delta] = index.manifest.segments;
      expect(base!.role).toBe('base');
      expect(delta).toMatchObject({ role: 'delta', rows: 3, tombstones: 2 });
      // The base's files are the first build's, linked (same inode), not copied.
      expect(statSync(path.join(index.dir, base!.sqlite.name)).ino).toBe(statSync(path.join(first, 'papers.sqlite')).ino);
      expect(index.papers.count()).toBe(46);
      expect(index.papers.getById(seed[0]!.id)).toBeUndefined();
      expect(index.papers.getById(seed[1]!.id)!.abstract).toMatch(/Revised/);
      expect(index.papers.getById('new-2')!.title).toMatch(/Protein folding/);

      const single = path.join(dir, 'single');
      await buildIndex({ indexDir: single, sources: [src], embedder: emb });
      const fresh = await openIndex(single);
      try {
        const a = await answers(index);
        expectAnswersOfSingleBuild(a, await answers(fresh));
        expect(a['keyword:sparse attention documents']![0]).toBe(seed[1]!.id);
        expect(a['semantic:protein structure']).toContain('new-2');
      } finally {
        fresh.close();
      }
    } finally {
      index.close();
    }
  });

  it('grows the delta on the next update, merges it into a new base past the threshold, and removes papers by tombstone', async () => {
    const dir = await tempDir();
    const indexDir = path.join(dir, 'index');
    await buildIndex({ indexDir, sources: [SEED], embedder: emb });
    await buildIndex({ indexDir, sources: [await writeLines(path.join(dir, 'a.jsonl'), [JSON.stringify(NEW[0])])], embedder: emb, mode: 'update', ...DELTA });
    const second = await buildIndex({ indexDir, sources: [await writeLines(path.join(dir, 'b.jsonl'), [JSON.stringify(NEW[1])])], embedder: emb, mode: 'update', ...DELTA });
    expect(second).toMatchObject({ layout: 'delta', added: 1, papers: 47, embedded: 1 });
    let index = await openIndex(indexDir);
    expect(index.manifest.segments[1]).toMatchObject({ rows: 2, tombstones: 0 });
    index.close();

    const removed = await removePapers({ indexDir, ids: [seed[5]!.id, 'new-1'], deltaMinPapers: 0 });
    expect(removed).toMatchObject({ removed: 2, papers: 45 });
    index = await openIndex(indexDir);
    try {
      expect(index.manifest.segments[1]).toMatchObject({ rows: 1, tombstones: 1 });
      const s = new Searcher(index, emb);
      for (const mode of ['semantic', 'keyword', 'hybrid'] as const) {
        const ids = (await s.search({ q: seed[5]!.title, mode, limit: 50 })).results.map((h) => h.id);
        expect(ids, mode).not.toContain(seed[5]!.id);
      }
      expect(s.related(seed[6]!.id, { limit: 44 }).results.map((h) => h.id)).not.toContain(seed[5]!.id);
    } finally {
      index.close();
    }

    const merged = await buildIndex({ indexDir, sources: [await writeLines(path.join(dir, 'c.jsonl'), [JSON.stringify({ ...NEW[0], id: 'new-3' })])], embedder: emb, mode: 'update', deltaMinPapers: 0, mergeShare: 0 });
    expect(merged).toMatchObject({ layout: 'single', merged: true, added: 1, papers: 46 });
    index = await openIndex(indexDir);
    try {
      expect(index.manifest.segments).toHaveLength(1);
      expect(index.papers.getById(seed[5]!.id)).toBeUndefined();
      expect(index.papers.getById('new-2')).toBeDefined();
      expect(index.papers.getById('new-3')).toBeDefined();
      expect(index.vectors.count - 46).toBeGreaterThanOrEqual(0); // deleted points may remain in the graph until compaction
      const ids = (await new Searcher(index, emb).search({ q: NEW[1]!.title, mode: 'semantic', limit: 46 })).results.map((h) => h.id);
      expect(new Set(ids).size).toBe(46);
      expect(ids).not.toContain(seed[5]!.id);
    } finally {
      index.close();
    }
  });
});

describe('HNSW shards', () => {
  it('builds a new base in parallel shards and searches them as one graph', async () => {
    const dir = await tempDir();
    const sharded = path.join(dir, 'sharded');
    await buildIndex({ indexDir: sharded, sources: [SEED], embedder: emb, hnswShards: 2, shardMinPapers: 0 });
    const one = path.join(dir, 'one');
    await buildIndex({ indexDir: one, sources: [SEED], embedder: emb });
    const [a, b] = [await openIndex(sharded), await openIndex(one)];
    try {
      expect(a.manifest.segments[0]!.hnsw.map((h) => h.name)).toEqual(['vectors.hnsw', 'vectors.1.hnsw']);
      expect(a.vectors.parts.map((p) => p.count)).toEqual([22, 23]); // labels 1..45 by label % 2: even ones in shard 0
      expect(await answers(a)).toEqual(await answers(b));
    } finally {
      a.close();
      b.close();
    }
  });

  it('keeps a sharded delta over a sharded base through two updates, answering as a single build does', async () => {
    const dir = await tempDir();
    const indexDir = path.join(dir, 'sharded-delta');
    const SHARDED: Partial<BuildOptions> = { ...DELTA, hnswShards: 2, shardMinPapers: 0 };
    await buildIndex({ indexDir, sources: [SEED], embedder: emb, ...SHARDED });
    // First update: drops and edits base papers (tombstones in both base shards) and adds one paper.
    await buildIndex({ indexDir, sources: [await sources(dir, { drop: seed[0]!.id, edit: seed[1]!.id, add: [NEW[0]!] })], embedder: emb, ...SHARDED });
    // Second update: the delta's two graphs are carried over under their own names and extended.
    const src = await sources(dir, { drop: seed[0]!.id, edit: seed[1]!.id, add: NEW });
    const logs: string[] = [];
    const s = await buildIndex({ indexDir, sources: [src], embedder: emb, ...SHARDED, log: (l) => logs.push(l) });
    expect(s).toMatchObject({ layout: 'delta', added: 1, papers: 46, embedded: 1 });
    expect(logs.filter((l) => /building the vector index|rebuilding/.test(l))).toEqual([]); // extended, not rebuilt
    const index = await openIndex(indexDir);
    const single = path.join(dir, 'single');
    await buildIndex({ indexDir: single, sources: [src], embedder: emb });
    const fresh = await openIndex(single);
    try {
      const [base, delta] = index.manifest.segments;
      expect(base!.hnsw).toHaveLength(2);
      expect(delta!.hnsw).toHaveLength(2);
      expect(delta).toMatchObject({ rows: 3, tombstones: 2 });
      const counts = index.vectors.parts.map((p) => p.count);
      expect(counts.slice(0, 2)).toEqual([22, 23]);
      expect(counts[2]! + counts[3]!).toBe(3); // the delta's three papers, split by label % 2
      expectAnswersOfSingleBuild(await answers(index), await answers(fresh));
      expect(new Searcher(index, emb).related(seed[2]!.id, { limit: 45 }).results.map((h) => h.id)).not.toContain(seed[0]!.id);
    } finally {
      index.close();
      fresh.close();
    }
  });
});

describe('build --vectors', () => {
  /** A vectors set of the seed made with the tiny model itself (as a lab's GPU box would make it). */
  async function seedVectors(dir: string, meta?: { model: string; dims: number }): Promise<string> {
    const prefix = path.join(dir, 'vectors');
    const vecs = await emb.embedPassages(seed.map((p) => passageText(p)));
    await writeVectorsFile(prefix, meta ?? { model: emb.info.modelId, dtype: emb.info.dtype, dims: emb.info.dims }, seed.map((p) => p.id), vecs);
    return prefix;
  }

  it('indexes without embedding, and answers as an embedded build does', async () => {
    const dir = await tempDir();
    const prefix = await seedVectors(dir);
    const s = await buildIndex({ indexDir: path.join(dir, 'v'), sources: [SEED], embedder: emb, vectors: `${prefix}.npy` });
    expect(s).toMatchObject({ imported: 45, embedded: 0, papers: 45 });
    await buildIndex({ indexDir: path.join(dir, 'e'), sources: [SEED], embedder: emb });
    const [a, b] = [await openIndex(path.join(dir, 'v')), await openIndex(path.join(dir, 'e'))];
    try {
      expect(await answers(a)).toEqual(await answers(b));
    } finally {
      a.close();
      b.close();
    }
  });

  it('refuses another model, an id with no paper, and NaN, publishing nothing', async () => {
    const dir = await tempDir();
    const indexDir = path.join(dir, 'index');
    const bad = async (prefix: string) => buildIndex({ indexDir, sources: [SEED], embedder: emb, vectors: prefix }).catch((e: Error) => e);

    const other = await seedVectors(await tempDir(), { model: 'all-MiniLM-L6-v2', dims: emb.info.dims });
    expect(String(await bad(other))).toMatch(/made with all-MiniLM-L6-v2 .* but this index uses test-tiny/);

    const extra = await seedVectors(await tempDir());
    const ids = (await readFile(`${extra}.ids`, 'utf8')).replace(seed[2]!.id, 'no-such-paper');
    await writeFile(`${extra}.ids`, ids);
    expect(String(await bad(extra))).toMatch(/names 1 papers that are not in the sources, e\.g\. no-such-paper/);

    const nan = await seedVectors(await tempDir());
    const npy = await readFile(`${nan}.npy`);
    npy.writeFloatLE(Number.NaN, npy.length - 8);
    await writeFile(`${nan}.npy`, npy);
    expect(String(await bad(nan))).toMatch(/row 44 .*NaN/);
    expect(resolveBuildDir(indexDir)).toBeUndefined();
  });
});

describe('a delta build killed mid-way', () => {
  it('never touches the base it shares with the served build, and resumes', async () => {
    const { range, runCli, synthPaper, writePapers } = await import('./build-fixtures.js');
    const { tinyModelDir } = await import('../helpers.js');
    const { sha256File } = await import('../../src/store/index.js');
    const { setTimeout: sleep } = await import('node:timers/promises');
    const { readdirSync, existsSync } = await import('node:fs');
    const Database = (await import('better-sqlite3')).default;
    const dir = await tempDir();
    const indexDir = path.join(dir, 'index');
    await buildIndex({ indexDir, sources: [await writePapers(path.join(dir, 'base.jsonl'), range(0, 60).map((n) => synthPaper(n)))], embedder: emb });
    const served = resolveBuildDir(indexDir)!;
    const baseSum = await sha256File(path.join(served, 'papers.sqlite'));
    const more = await writePapers(path.join(dir, 'more.jsonl'), range(60, 260).map((n) => synthPaper(n)));
    const args = ['build', '--update', '--source', more, '--index', indexDir, '--model', await tinyModelDir(), '--json', '--commit-every', '20', '--delta-min-papers', '0'];
    const staged = (): number => {
      const partial = readdirSync(path.join(indexDir, 'builds')).find((n) => n.endsWith('.partial'));
      const file = partial && path.join(indexDir, 'builds', partial, 'delta.sqlite');
      if (!file || !existsSync(file)) return 0;
      let db: InstanceType<typeof Database> | undefined;
      try {
        db = new Database(file, { readonly: true, fileMustExist: true });
        return db.prepare('SELECT count(*) FROM vectors').pluck().get() as number;
      } catch {
        return 0; // being created
      } finally {
        // Always closed: a connection left open keeps the build from leaving WAL mode when it publishes.
        db?.close();
      }
    };
    const killed = await runCli([...args, '--batch-delay-ms', '150'], async (child) => {
      const deadline = Date.now() + 60_000;
      while (staged() < 40 && Date.now() < deadline) await sleep(20);
      child.kill('SIGKILL');
    });
    expect(killed.signal).toBe('SIGKILL');
    expect(resolveBuildDir(indexDir)).toBe(served);
    const resumed = await runCli(args);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ resumed: true, layout: 'delta', added: 200, papers: 260 });
    // The base file the served build had is byte for byte what it was, and the new build shares it.
    expect(await sha256File(path.join(served, 'papers.sqlite'))).toBe(baseSum);
    const index = await openIndex(indexDir);
    try {
      expect(index.papers.count()).toBe(260);
      const p = synthPaper(250);
      expect((await new Searcher(index, emb).search({ q: `${p.title}. ${p.abstract}`, mode: 'semantic', limit: 1 })).results[0]!.id).toBe(p.id);
    } finally {
      index.close();
    }
  });
});
