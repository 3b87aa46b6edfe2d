// The keyword engine (keywords.bin) ranks every query of SciFact, Cranfield and the seed exactly as FTS5 bm25() does.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { evalIndex } from '../../src/eval/run.js';
import { readQueries } from '../../src/eval/beir.js';
import { toFtsQuery } from '../../src/search/fts.js';
import { openIndex, PaperStore, type OpenIndex } from '../../src/store/index.js';
import { buildTemp, hasShared, removeTempDirs, SEED, SHARED, tempDir, tinyEmbedder } from '../helpers.js';

afterAll(removeTempDirs);
const BEIR = path.join(SHARED, 'data', 'beir');
const DEPTH = 100;

/**
 * For each query: the engine's top 100 (ids, order, scores within 1e-9 relative) and total equal FTS5's on
 * the same build. Returns how many queries the engine answered itself (the rest fell back to FTS5).
 */
function compareAll(index: OpenIndex, queries: Iterable<string>): { fast: number; total: number } {
  const engine = index.papers;
  const fts = new PaperStore(index.db);
  expect(engine.keywords, 'the build wrote keywords.bin').toBeDefined();
  let fast = 0;
  let total = 0;
  for (const q of queries) {
    const match = toFtsQuery(q).match;
    if (!match) continue;
    total++;
    const want = fts.keywordSearch(match, undefined, DEPTH);
    const got = engine.keywordSearch(match, undefined, DEPTH);
    if (!engine.keywords!.last.fallback) fast++;
    expect(got.map((h) => h.label), q).toEqual(want.map((h) => h.label));
    got.forEach((h, i) => expect(Math.abs(h.score - want[i]!.score) / want[i]!.score, q).toBeLessThan(1e-9));
    expect(engine.keywordCount(match, undefined), q).toBe(fts.keywordCount(match, undefined));
  }
  return { fast, total };
}

describe.skipIf(!hasShared)('keyword engine equals FTS5 on the shared collections (needs ../shared; skipped where absent)', () => {
  it.each(['scifact', 'cranfield'])('%s: every query in queries.jsonl', async (name) => {
    const { index, paths } = await evalIndex({ dir: path.join(BEIR, name), embedder: await tinyEmbedder(), cacheDir: await tempDir() });
    try {
      const queries = await readQueries(paths.queries);
      const { fast, total } = compareAll(index, queries.values());
      expect(total).toBe(queries.size);
      // Only queries with a quoted phrase (two SciFact claims) go to FTS5; the engine answers all others.
      const phrases = [...queries.values()].filter((q) => /"[^"]*\s[^"]*"/.test(q)).length;
      expect(fast).toBe(total - phrases);
    } finally {
      index.close();
    }
  }, 600_000);
});

describe('keyword engine equals FTS5 on the seed', () => {
  it('for each seed title, each word of the seed vocabulary sample, and questions with filters off', async () => {
    const { indexDir } = await buildTemp(await tinyEmbedder(), [SEED]);
    const index = await openIndex(indexDir);
    try {
      const papers = readFileSync(SEED, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { title: string; abstract: string });
      const words = [...new Set(papers.flatMap((p) => p.abstract.split(/\W+/)).filter((w) => w.length > 3))].slice(0, 300);
      const queries = [...papers.map((p) => p.title), ...words, 'what is this', 'language models -reasoning', 'parallel training of large models'];
      const { fast, total } = compareAll(index, queries);
      expect(fast).toBe(total);
    } finally {
      index.close();
    }
  }, 300_000);
});

if (!hasShared) console.warn(`keyword exactness on BEIR skipped: ${BEIR} is absent`);
