// Crash safety: a build killed with SIGKILL mid-embedding leaves the served index intact and resumes without re-embedding.
import { readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildIndex } from '../../src/build/index.js';
import type { Embedder } from '../../src/embed/embedder.js';
import { Searcher } from '../../src/search/searcher.js';
import { openIndex, resolveBuildDir } from '../../src/store/index.js';
import { removeTempDirs, tempDir, tinyEmbedder, tinyModelDir } from '../helpers.js';
import { range, runCli, stagedRows, synthPaper, writePapers } from './build-fixtures.js';

afterAll(removeTempDirs);

const TOTAL = 400;
const BASE = 50;
const COMMIT = 20;

let emb: Embedder;
let dir: string;
let indexDir: string;
let source: string;

/** Vectors committed so far in the staging folder of the running build (0 until it exists). */
const stagedVectors = (): number => stagedRows(indexDir, 'hnsw_pending');

/** The served index answers a search (opened fresh each time, as a restarted server would). */
async function servedAnswers(): Promise<number> {
  const idx = await openIndex(indexDir);
  try {
    const p = synthPaper(7);
    const r = await new Searcher(idx, emb).search({ q: `${p.title}. ${p.abstract}`, mode: 'hybrid', limit: 3 });
    expect(r.results[0]!.id).toBe(p.id);
    return idx.papers.count();
  } finally {
    idx.close();
  }
}

beforeAll(async () => {
  emb = await tinyEmbedder();
  dir = await tempDir();
  indexDir = path.join(dir, 'index');
  // The served index: the first 50 papers, built with the same tiny model the child process loads from its folder.
  await buildIndex({ indexDir, sources: [await writePapers(path.join(dir, 'base.jsonl'), range(0, BASE).map((n) => synthPaper(n)))], embedder: emb });
  source = await writePapers(path.join(dir, 'all.jsonl'), range(0, TOTAL).map((n) => synthPaper(n)));
});

describe('a build killed mid-way', () => {
  it('keeps the served index intact, then resumes where it stopped', async () => {
    const served = resolveBuildDir(indexDir);
    const args = ['build', '--update', '--source', source, '--index', indexDir, '--model', await tinyModelDir(), '--json', '--commit-every', String(COMMIT)];

    let atKill = 0;
    let checks = 0;
    const killed = await runCli([...args, '--batch-delay-ms', '150'], async (child) => {
      // Wait until a few batches are committed, checking all along that the served index still answers.
      const deadline = Date.now() + 60_000;
      while (stagedVectors() < 3 * COMMIT && Date.now() < deadline) {
        expect(await servedAnswers()).toBe(BASE);
        checks++;
        await sleep(20);
      }
      child.kill('SIGKILL');
    });
    expect(killed.signal).toBe('SIGKILL');
    atKill = stagedVectors();
    expect(atKill).toBeGreaterThanOrEqual(3 * COMMIT);
    expect(atKill).toBeLessThan(TOTAL - BASE);
    expect(checks).toBeGreaterThan(0);

    // Nothing was published: the same build is current and serves the 50 papers.
    expect(resolveBuildDir(indexDir)).toBe(served);
    expect(await servedAnswers()).toBe(BASE);

    const resumed = await runCli(args);
    expect(resumed.stderr).toMatch(/resuming interrupted build/);
    expect(resumed.code).toBe(0);
    const summary = JSON.parse(resumed.stdout) as Record<string, unknown>;
    expect(summary).toMatchObject({ added: TOTAL - BASE, updated: 0, unchanged: BASE, removed: 0, rejected: 0, papers: TOTAL, resumed: true });
    // Only what the killed run had not committed is embedded again.
    expect(summary.embedded).toBe(TOTAL - BASE - atKill);

    expect(resolveBuildDir(indexDir)).not.toBe(served);
    expect(await servedAnswers()).toBe(TOTAL);
    const idx = await openIndex(indexDir);
    expect(idx.vectors.count).toBe(TOTAL);
    expect(idx.db.prepare('SELECT count(*) FROM vectors').pluck().get()).toBe(TOTAL);
    const last = synthPaper(TOTAL - 1);
    expect((await new Searcher(idx, emb).search({ q: `${last.title}. ${last.abstract}`, mode: 'semantic', limit: 1 })).results[0]!.id).toBe(last.id);
    idx.close();
    expect(readdirSync(path.join(indexDir, 'builds')).filter((n) => n.endsWith('.partial'))).toEqual([]);

    // `paperscope remove` publishes a build without the papers.
    const removed = await runCli(['remove', 'syn-00007', 'syn-00008', '--index', indexDir, '--json']);
    expect(removed.code).toBe(0);
    expect(JSON.parse(removed.stdout)).toMatchObject({ removed: 2, papers: TOTAL - 2, notFound: [] });
    const after = await openIndex(indexDir);
    const p7 = synthPaper(7);
    const hits = (await new Searcher(after, emb).search({ q: `${p7.title}. ${p7.abstract}`, mode: 'hybrid', limit: 50 })).results.map((h) => h.id);
    expect(hits).not.toContain('syn-00007');
    expect(hits).not.toContain('syn-00008');
    after.close();
    expect((await runCli(['remove', 'syn-00007', '--index', indexDir])).code).toBe(1);
  });

  it('salvages the vectors of a killed build when the next build is a different one', async () => {
    const more = await writePapers(path.join(dir, 'more.jsonl'), range(TOTAL, TOTAL + 200).map((n) => synthPaper(n)));
    const args = ['build', '--update', '--index', indexDir, '--model', await tinyModelDir(), '--json', '--commit-every', String(COMMIT)];
    await runCli([...args, '--source', more, '--batch-delay-ms', '150'], async (child) => {
      const deadline = Date.now() + 60_000;
      while (stagedVectors() < 2 * COMMIT && Date.now() < deadline) await sleep(20);
      child.kill('SIGKILL');
    });
    const atKill = stagedVectors();
    expect(atKill).toBeGreaterThanOrEqual(2 * COMMIT);
    // Same papers plus the originals: another source list, so not a resume; the finished vectors are reused.
    const r = await runCli([...args, '--source', source, more]);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout) as Record<string, unknown>;
    // (Papers 7 and 8, removed by the first test, come back with the original source.)
    expect(s).toMatchObject({ resumed: false, salvaged: atKill, added: 202, unchanged: TOTAL - 2, papers: TOTAL + 200, embedded: 202 - atKill });
  });

  it('rebuilds an unreadable staged vector index from the vectors kept in SQLite', async () => {
    const root = path.join(dir, 'torn');
    const src = await writePapers(path.join(dir, 'torn.jsonl'), range(0, 120).map((n) => synthPaper(n)));
    // An in-process "crash" after the second committed batch: the on-disk state is what a kill leaves.
    await expect(
      buildIndex({ indexDir: root, sources: [src], embedder: emb, commitEvery: 30, onBatch: (n) => { if (n >= 60) throw new Error('power cut'); } }),
    ).rejects.toThrow('power cut');
    const partial = readdirSync(path.join(root, 'builds')).find((n) => n.endsWith('.partial'))!;
    writeFileSync(path.join(root, 'builds', partial, 'vectors.hnsw'), 'torn write');
    const logs: string[] = [];
    const s = await buildIndex({ indexDir: root, sources: [src], embedder: emb, commitEvery: 30, log: (l) => logs.push(l) });
    expect(s).toMatchObject({ resumed: true, embedded: 60, added: 120, papers: 120 });
    expect(logs.join('\n')).toMatch(/unreadable.*rebuilding it from the stored vectors/);
    const idx = await openIndex(root);
    expect(idx.vectors.count).toBe(120);
    const p = synthPaper(5);
    expect((await new Searcher(idx, emb).search({ q: `${p.title}. ${p.abstract}`, mode: 'semantic', limit: 1 })).results[0]!.id).toBe(p.id);
    idx.close();
  });
});
