// The Searcher on a small real index (tiny BERT, SQLite, HNSW): every mode checked against scores recomputed
// from the stored vectors and BM25, filters, paging, explain, snippets, related papers, recommend, query cache.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Embedder } from '../../src/embed/embedder.js';
import { relevanceFloor } from '../../src/search/floor.js';
import { MODES, defaultAlpha, RELEVANCE_POOL, SORTS, Searcher, paperCard } from '../../src/search/searcher.js';
import { openIndex, type OpenIndex } from '../../src/store/index.js';
import { buildTemp, removeTempDirs, tempDir, tinyEmbedder, writeLines } from '../helpers.js';

const TOPICS = ['turbine blade cooling', 'protein folding pathways', 'speech recognition errors', 'graph neural networks'];
const N = 24;
const papers = Array.from({ length: N }, (_, i) => ({
  id: `s${String(i).padStart(2, '0')}`,
  title: i === 5 ? '' : `${TOPICS[i % 4]} report ${i}`,
  abstract: `We examine ${TOPICS[i % 4]} in setting ${i}. ${i % 3 === 0 ? 'Cooling matters here.' : 'Nothing else.'}`,
  authors: [`Author ${i % 6}`],
  ...(i % 7 === 0 ? {} : { date: `${2010 + (i % 10)}-03-0${1 + (i % 9)}` }),
  categories: [`cat.${i % 4}`, ...(i === 9 ? ['rare.one'] : [])],
  ...(i % 2 ? { url: `https://example.org/${i}` } : {}),
}));

let emb: Embedder;
let index: OpenIndex;
let indexDir: string;
let s: Searcher;
let setupError: unknown;

beforeAll(async () => {
  emb = await tinyEmbedder();
  const src = await writeLines(path.join(await tempDir(), 'papers.jsonl'), papers.map((p) => JSON.stringify(p)));
  ({ indexDir } = await buildTemp(emb, [src]));
  index = await openIndex(indexDir);
  // Constructed here but checked in a test: an error thrown by a hook skips the tests rather than failing them,
  // which mutation testing would read as a surviving mutant.
  try {
    s = new Searcher(index, emb);
  } catch (e) {
    setupError = e;
  }
});
afterAll(async () => {
  index?.close();
  await removeTempDirs();
});

const codeOf = (f: () => unknown): [string, string] => {
  try {
    f();
  } catch (e) {
    return [(e as { code: string }).code, (e as Error).message];
  }
  throw new Error('expected an error');
};
const dot = (a: Float32Array, b: Float32Array): number => a.reduce((acc, x, i) => acc + x * b[i]!, 0);
const vec = (id: string): Float32Array => index.papers.getVector(index.papers.getById(id)!.label)!;
const r6 = (x: number): number => Math.round(x * 1e6) / 1e6;
/** Every paper by exact cosine to a query vector, best first, ties by label (what an exact search returns). */
const exact = (qv: Float32Array, ids = papers.map((p) => p.id)) =>
  ids.map((id) => ({ id, score: dot(qv, vec(id)), label: index.papers.getById(id)!.label })).sort((a, b) => b.score - a.score || a.label - b.label);

describe('setup and wiring', () => {
  it('accepts the embedder of the model that built the index', () => {
    expect(setupError).toBeUndefined();
  });

  it('exports the modes and the default fusion', () => {
    expect(MODES).toEqual(['hybrid', 'semantic', 'keyword']);
    // The weight tuned per model on SciFact train: USE lite 0.2, transformer models (all-MiniLM-L6-v2) 0.5.
    expect(defaultAlpha('use-lite')).toBe(0.2);
    expect(defaultAlpha('all-MiniLM-L6-v2')).toBe(0.5);
    expect(s.fusion).toEqual({ kind: 'weighted', alpha: 0.5 });
    expect(new Searcher(index, emb, { fusion: { kind: 'rrf', k: 60 } }).fusion).toEqual({ kind: 'rrf', k: 60 });
    expect(s.modelId).toBe('test-tiny');
    expect(s.index).toBe(index);
  });

  it('refuses an embedder of another model or dimension', () => {
    const other = (info: Partial<Embedder['info']>) => ({ ...emb, info: { ...emb.info, ...info } }) as Embedder;
    expect(() => new Searcher(index, other({ modelId: 'else' }))).toThrow(/built with test-tiny \(32-d, fp32\) but queries would be embedded with else \(32-d, fp32\)/);
    expect(() => new Searcher(index, other({ dims: 31 }))).toThrow(/test-tiny \(31-d, fp32\)/);
    expect(() => new Searcher(index, other({ dtype: 'q8' }))).toThrow(/test-tiny \(32-d, q8\)/);
    expect(() => s.swapIndex({ ...index, manifest: { ...index.manifest, model: { ...index.manifest.model, modelId: 'x' } } })).toThrow(/INDEX_MISMATCH|built with x/);
  });

  it('swaps in a new build and hands back the previous one', async () => {
    const other = await openIndex(indexDir);
    const t = new Searcher(index, emb);
    expect(t.swapIndex(other)).toBe(index);
    expect(t.index).toBe(other);
    expect(t.swapIndex(index)).toBe(other);
    other.close();
  });

  it('shows a paper card with nulls for missing fields and flags a derived title', () => {
    const card = paperCard(s.getPaper('s00'));
    expect(card).toEqual({ id: 's00', title: 'turbine blade cooling report 0', authors: ['Author 0'], date: null, year: null, categories: ['cat.0'], url: null });
    expect(paperCard(s.getPaper('s01'))).toEqual({
      id: 's01',
      title: 'protein folding pathways report 1',
      authors: ['Author 1'],
      date: '2011-03-02',
      year: 2011,
      categories: ['cat.1'],
      url: 'https://example.org/1',
    });
    expect(paperCard(s.getPaper('s05'))).toMatchObject({ title: 'We examine protein folding pathways in setting 5', titleDerived: true });
    expect(() => s.getPaper('nope')).toThrow('no paper with id "nope"');
  });
});

describe('semantic', () => {
  it('ranks every paper by exact cosine, scores rounded to 6 decimals, total = all papers', async () => {
    const qv = await emb.embedQuery('turbine blade cooling');
    const r = await s.search({ q: 'turbine blade cooling', mode: 'semantic', limit: N });
    expect(r).toMatchObject({ query: 'turbine blade cooling', mode: 'semantic', model: 'test-tiny', total: N, limit: N, offset: 0 });
    const want = exact(qv);
    expect(r.results.map((h) => h.id)).toEqual(want.map((w) => w.id));
    r.results.forEach((h, i) => expect(h.score).toBeCloseTo(want[i]!.score, 5));
    for (const h of r.results) expect(h.score).toBe(r6(h.score));
    expect(r.results.some((h) => h.score !== want.find((w) => w.id === h.id)!.score)).toBe(true);
    for (const h of r.results) expect(h).not.toHaveProperty('snippet');
    expect(r.tookMs).toBeGreaterThanOrEqual(0);
  });

  it('defaults to 10 results from offset 0 and pages by offset', async () => {
    const all = await s.search({ q: 'protein', mode: 'semantic', limit: 20 });
    const first = await s.search({ q: 'protein', mode: 'semantic' });
    expect(first).toMatchObject({ limit: 10, offset: 0 });
    expect(first.results.map((h) => h.id)).toEqual(all.results.slice(0, 10).map((h) => h.id));
    const third = await s.search({ q: 'protein', mode: 'semantic', limit: 4, offset: 8 });
    expect(third.results.map((h) => h.id)).toEqual(all.results.slice(8, 12).map((h) => h.id));
  });

  it('explains dense score and rank', async () => {
    const r = await s.search({ q: 'graph', mode: 'semantic', limit: 3, offset: 2, explain: true });
    r.results.forEach((h, i) => expect(h.explain).toEqual({ dense: { score: h.score, rank: i + 3 }, keyword: null, fused: h.score }));
    expect((await s.search({ q: 'graph', mode: 'semantic', limit: 2 })).results[0]).not.toHaveProperty('explain');
  });

  it('scores a selective filter exactly (ties by label) and counts the filtered papers', async () => {
    const qv = await emb.embedQuery('cooling');
    const ids = papers.filter((p) => p.categories.includes('cat.2')).map((p) => p.id);
    const r = await s.search({ q: 'cooling', mode: 'semantic', limit: 4, filters: { categories: ['cat.2'] } });
    expect(r.total).toBe(6);
    expect(r.results.map((h) => h.id)).toEqual(exact(qv, ids).slice(0, 4).map((w) => w.id));
  });

  it('walks HNSW with a filter predicate above the exact-scoring limit, still filling the page', async () => {
    const t = new Searcher(index, emb, { exactFilterMax: 3 });
    const qv = await emb.embedQuery('cooling');
    const ids = papers.filter((p) => p.categories.includes('cat.1')).map((p) => p.id);
    const r = await t.search({ q: 'cooling', mode: 'semantic', limit: 5, filters: { categories: ['cat.1'] } });
    expect(r.results.map((h) => h.id)).toEqual(exact(qv, ids).slice(0, 5).map((w) => w.id));
    // At the limit itself, scoring stays exact.
    const atLimit = new Searcher(index, emb, { exactFilterMax: 6 });
    let walked = false;
    const search = index.vectors.search.bind(index.vectors);
    index.vectors.search = (...a) => {
      walked = true;
      return search(...a);
    };
    try {
      await atLimit.search({ q: 'cooling', mode: 'semantic', limit: 5, filters: { categories: ['cat.1'] } });
      expect(walked).toBe(false);
      await t.search({ q: 'cooling', mode: 'semantic', limit: 5, filters: { categories: ['cat.1'] } });
      expect(walked).toBe(true);
    } finally {
      index.vectors.search = search;
    }
  });

  it('asks HNSW for ef = max(efSearch, k + excluded)', async () => {
    const efs: number[] = [];
    const setEf = index.vectors.setEf.bind(index.vectors);
    index.vectors.setEf = (ef) => {
      efs.push(ef);
      setEf(ef);
    };
    try {
      // A semantic search walks for its candidate pool (100) or the page, whichever is deeper.
      await new Searcher(index, emb, { efSearch: 10 }).search({ q: 'x', mode: 'semantic', limit: 150 });
      await new Searcher(index, emb, { efSearch: 200 }).search({ q: 'x', mode: 'semantic', limit: 150 });
      new Searcher(index, emb, { efSearch: 10 }).related('s01', { limit: 10 });
      new Searcher(index, emb, { efSearch: 10, exactFilterMax: 0 }).related('s01', { limit: 12, filters: { categories: ['cat.1'] } });
      await s.search({ q: 'x', mode: 'semantic', limit: 5 });
      expect(efs).toEqual([150, 200, 11, 12, 128]);
    } finally {
      index.vectors.setEf = setEf;
    }
  });
});

describe('keyword', () => {
  it('ranks BM25 matches only, with their total, and explains keyword score and rank', async () => {
    const r = await s.search({ q: 'cooling', mode: 'keyword', limit: 3, offset: 1, explain: true });
    // "cooling" is in topic 0's title and abstract (6 papers) and in "Cooling matters here." (every third paper).
    const matching = papers.filter((p) => /cooling/i.test(p.title + p.abstract));
    expect(r.total).toBe(matching.length);
    const all = await s.search({ q: 'cooling', mode: 'keyword', limit: 100, explain: true });
    expect(all.results).toHaveLength(matching.length);
    expect(r.results.map((h) => h.id)).toEqual(all.results.slice(1, 4).map((h) => h.id));
    r.results.forEach((h, i) => expect(h.explain).toEqual({ dense: null, keyword: { score: h.score, rank: i + 2 }, fused: h.score }));
    expect(all.results[0]!.score).toBeGreaterThan(all.results.at(-1)!.score);
  });

  it('finds nothing for text without a searchable term, and embeds nothing in keyword mode', async () => {
    let calls = 0;
    const counting = async (q: string) => {
      calls++;
      return emb.embedQuery(q);
    };
    const t = new Searcher(index, { ...emb, info: emb.info, embedQuery: counting });
    const r = await t.search({ q: '-cooling', mode: 'keyword' });
    expect(r).toMatchObject({ total: 0, results: [] });
    await t.search({ q: 'cooling', mode: 'keyword' });
    expect(calls).toBe(0);
  });

  it('marks the matched terms in snippets, escaped', async () => {
    const r = await s.search({ q: 'recognition', mode: 'keyword', limit: 2 });
    for (const h of r.results) expect(h.snippet).toMatch(/<mark>recognition<\/mark>/);
  });
});

describe('hybrid', () => {
  it('fuses min-max dense and max-scaled BM25 scores with weight alpha over all candidates', async () => {
    const q = 'cooling matters';
    const qv = await emb.embedQuery(q);
    const kw = await s.search({ q, mode: 'keyword', limit: 100 });
    const bm25 = new Map(kw.results.map((h) => [h.id, h.score]));
    const kmax = Math.max(...bm25.values());
    const dense = exact(qv);
    const [dmax, dmin] = [dense[0]!.score, dense.at(-1)!.score];
    const want = dense
      .map((d) => ({ id: d.id, fused: 0.5 * ((d.score - dmin) / (dmax - dmin)) + 0.5 * ((bm25.get(d.id) ?? 0) / kmax) }))
      .sort((a, b) => Math.round(b.fused * 1e6) - Math.round(a.fused * 1e6) || (a.id < b.id ? -1 : 1));
    const r = await s.search({ q, limit: N, explain: true });
    expect(r).toMatchObject({ mode: 'hybrid', total: N });
    expect(r.results.map((h) => h.id)).toEqual(want.map((w) => w.id));
    r.results.forEach((h, i) => expect(h.score).toBeCloseTo(want[i]!.fused, 5));
    for (const h of r.results) {
      expect(h.explain!.fused).toBe(h.score);
      expect(h.explain!.dense!.score).toBeCloseTo(dot(qv, vec(h.id)), 5);
      expect(h.explain!.dense!.rank).toBe(dense.findIndex((d) => d.id === h.id) + 1);
      expect(h.explain!.keyword).toEqual(bm25.has(h.id) ? { score: bm25.get(h.id), rank: kw.results.findIndex((k) => k.id === h.id) + 1 } : null);
    }
  });

  it('gives keyword-only candidates their exact dense score (rank null in explain)', async () => {
    // Two dense candidates: most keyword matches are outside them and are scored from their stored vectors.
    const t = new Searcher(index, emb, { candidates: 2 });
    const qv = await emb.embedQuery('cooling');
    const r = await t.search({ q: 'cooling', limit: 2, explain: true });
    const top2 = exact(qv).slice(0, 2).map((d) => d.id);
    const outside = r.results.filter((h) => !top2.includes(h.id));
    for (const h of outside) expect(h.explain!.dense).toEqual({ score: r6(dot(qv, vec(h.id))), rank: null });
    for (const h of r.results.filter((x) => top2.includes(x.id))) expect(h.explain!.dense!.rank).toBeGreaterThan(0);
  });

  it('pages past the candidate pool without repeats or gaps, in one order', async () => {
    const t = new Searcher(index, emb, { candidates: 4 });
    const all = (await t.search({ q: 'protein cooling', limit: N })).results.map((h) => h.id);
    expect(new Set(all).size).toBe(N);
    const pages: string[] = [];
    for (let offset = 0; offset < N; offset += 3) pages.push(...(await t.search({ q: 'protein cooling', limit: 3, offset })).results.map((h) => h.id));
    expect(pages).toEqual(all);
    // The first pool holds the first `candidates` hits, fused among themselves.
    const pool = (await t.search({ q: 'protein cooling', limit: 4 })).results.map((h) => h.id);
    expect(all.slice(0, 4)).toEqual(pool);
  });

  it('carries a marked snippet for keyword matches and the opening words for the rest', async () => {
    const r = await s.search({ q: 'recognition', limit: N, explain: true });
    for (const h of r.results) {
      if (h.explain!.keyword) expect(h.snippet).toMatch(/<mark>recognition<\/mark>/);
      else expect(h.snippet).toBe(papers.find((p) => p.id === h.id)!.abstract);
    }
    expect(r.results.some((h) => !h.explain!.keyword)).toBe(true);
    const none = await s.search({ q: '-recognition', limit: 2 });
    for (const h of none.results) expect(h.snippet).toBe(papers.find((p) => p.id === h.id)!.abstract);
  });

  it('counts the filtered papers as its total and returns only them', async () => {
    const r = await s.search({ q: 'cooling', limit: 10, filters: { categories: ['rare.one'] } });
    expect(r.total).toBe(1);
    expect(r.results.map((h) => h.id)).toEqual(['s09']);
    const none = await s.search({ q: 'cooling', limit: 10, filters: { categories: ['missing'] } });
    expect(none).toMatchObject({ total: 0, results: [] });
  });

  it('reuses a precomputed query vector instead of embedding the text', async () => {
    const qv = await emb.embedQuery('graph neural networks');
    const t = new Searcher(index, { ...emb, info: emb.info, embedQuery: async () => Promise.reject(new Error('must not embed')) });
    const r = await t.search({ q: 'ignored words', mode: 'semantic', limit: 3, queryVector: qv });
    expect(r.results.map((h) => h.id)).toEqual(exact(qv).slice(0, 3).map((d) => d.id));
  });
});

describe('query embedding cache', () => {
  it('embeds a repeated query once and evicts the least recently used past 512 entries', async () => {
    const seen: string[] = [];
    const fixed = await emb.embedQuery('x');
    const recording = async (q: string) => {
      seen.push(q);
      return fixed;
    };
    const t = new Searcher(index, { ...emb, info: emb.info, embedQuery: recording });
    expect(await t.embedQuery('a')).toBe(fixed);
    await t.embedQuery('a');
    expect(seen).toEqual(['a']);
    for (let i = 1; i < 512; i++) await t.embedQuery(`q${i}`);
    await t.embedQuery('a'); // a hit: now the most recent
    await t.embedQuery('q512'); // 513 entries: evicts q1, the oldest
    seen.length = 0;
    await t.embedQuery('a');
    await t.embedQuery('q2');
    expect(seen).toEqual([]);
    await t.embedQuery('q1');
    expect(seen).toEqual(['q1']);
  });
});

describe('related and recommend', () => {
  it('related: nearest papers by the stored vector, itself excluded, with limit, offset and filters', () => {
    const want = exact(vec('s02')).filter((d) => d.id !== 's02');
    const r = s.related('s02');
    expect(r).toMatchObject({ id: 's02', model: 'test-tiny' });
    expect(r.results.map((h) => h.id)).toEqual(want.slice(0, 10).map((d) => d.id));
    r.results.forEach((h, i) => expect(h.score).toBeCloseTo(want[i]!.score, 5));
    for (const h of r.results) expect(h.score).toBe(r6(h.score));
    expect(s.related('s02', { limit: 3, offset: 2 }).results.map((h) => h.id)).toEqual(want.slice(2, 5).map((d) => d.id));
    const filtered = s.related('s02', { limit: 10, filters: { categories: ['cat.2'] } }).results.map((h) => h.id);
    expect(filtered).toEqual(want.filter((d) => papers.find((p) => p.id === d.id)!.categories.includes('cat.2')).map((d) => d.id));
    expect(() => s.related('nope')).toThrow(/no paper with id "nope"/);
  });

  it('recommend: Rocchio query from positives minus half the negatives, examples excluded', () => {
    const mean = (ids: string[]) => ids.map(vec).reduce((acc, v) => acc.map((x, i) => x + v[i]! / ids.length), new Float32Array(32));
    const unit = (v: Float32Array) => v.map((x) => x / Math.sqrt(dot(v, v)));
    const check = (positive: string[], negative: string[], limit: number) => {
      const q = unit(mean(positive).map((x, i) => x - (negative.length ? 0.5 * mean(negative)[i]! : 0)));
      const want = exact(q).filter((d) => !positive.includes(d.id) && !negative.includes(d.id));
      const r = s.recommend({ positive, negative, limit });
      expect(r.model).toBe('test-tiny');
      expect(r.results.map((h) => h.id)).toEqual(want.slice(0, limit).map((d) => d.id));
      r.results.forEach((h, i) => expect(h.score).toBeCloseTo(want[i]!.score, 5));
    };
    check(['s01', 's05'], ['s02', 's06'], 20);
    check(['s01', 's05', 's09'], ['s02'], 20);
    check(['s03'], [], 5);
    // A filter scores exactly from the stored vectors, so the query must be a unit vector there too.
    const q = unit(mean(['s01', 's05']).map((x, i) => x - 0.5 * mean(['s02'])[i]!));
    const inCat = exact(q, papers.filter((p) => p.categories.includes('cat.1') && p.id !== 's01' && p.id !== 's05').map((p) => p.id));
    const filtered = s.recommend({ positive: ['s01', 's05'], negative: ['s02'], limit: 10, filters: { categories: ['cat.1'] } }).results;
    expect(filtered.map((h) => h.id)).toEqual(inCat.map((d) => d.id));
    filtered.forEach((h, i) => expect(h.score).toBeCloseTo(inCat[i]!.score, 5));
    expect(s.recommend({ positive: ['s01'] }).results).toHaveLength(10);
    expect(s.recommend({ positive: ['s01'], limit: 5, filters: { categories: ['rare.one'] } }).results.map((h) => h.id)).toEqual(['s09']);
    expect(() => s.recommend({ positive: [] })).toThrow('at least one positive example is needed');
    expect(() => s.recommend({ positive: ['s01'], negative: ['nope'] })).toThrow(/no paper with id "nope"/);
  });

  it('reports a paper without a stored vector as a corrupt index', () => {
    const getVector = index.papers.getVector.bind(index.papers);
    index.papers.getVector = () => undefined;
    try {
      expect(codeOf(() => s.related('s01'))).toEqual(['INDEX_CORRUPT', 'paper "s01" has no stored vector']);
      expect(codeOf(() => s.recommend({ positive: ['s01'] }))).toEqual(['INDEX_CORRUPT', 'paper "s01" has no stored vector']);
    } finally {
      index.papers.getVector = getVector;
    }
  });

  it('names its errors with the stable codes the API maps to HTTP statuses', () => {
    expect(codeOf(() => s.getPaper('nope'))).toEqual(['NOT_FOUND', 'no paper with id "nope"']);
    expect(codeOf(() => s.recommend({ positive: [] }))).toEqual(['INVALID_INPUT', 'at least one positive example is needed']);
    expect(codeOf(() => new Searcher(index, { ...emb, info: { ...emb.info, dims: 31 } }))[0]).toBe('INDEX_MISMATCH');
  });
});

describe('more of search', () => {
  it('leaves explain out unless asked, in every mode', async () => {
    for (const mode of MODES) for (const h of (await s.search({ q: 'cooling', mode, limit: 3 })).results) expect(h).not.toHaveProperty('explain');
  });

  it('reports tookMs as the time the search took, not a timestamp', async () => {
    const before = performance.now();
    const r = await s.search({ q: 'cooling', limit: 3 });
    expect(r.tookMs).toBeLessThanOrEqual(performance.now() - before);
  });

  it('fills a hybrid page past the first pool from the deeper pool, which is ordered like a search over everything', async () => {
    const t = new Searcher(index, emb, { candidates: 4 });
    const first = (await t.search({ q: 'protein cooling', limit: 4 })).results.map((h) => h.id);
    const everything = (await s.search({ q: 'protein cooling', limit: N })).results.map((h) => h.id).filter((id) => !first.includes(id));
    const page = (await t.search({ q: 'protein cooling', limit: 8 })).results.map((h) => h.id);
    expect(page).toEqual([...first, ...everything.slice(0, 4)]);
  });

  it('skips a hit whose paper the store no longer returns instead of failing', async () => {
    const getByLabels = index.papers.getByLabels.bind(index.papers);
    const all = await s.search({ q: 'cooling', mode: 'semantic', limit: 5 });
    const dropped = index.papers.getById(all.results[0]!.id)!.label;
    index.papers.getByLabels = (labels) => {
      const m = getByLabels(labels);
      m.delete(dropped);
      return m;
    };
    try {
      const r = await s.search({ q: 'cooling', mode: 'semantic', limit: 5 });
      expect(r.results.map((h) => h.id)).toEqual(all.results.slice(1).map((h) => h.id));
    } finally {
      index.papers.getByLabels = getByLabels;
    }
  });
});

describe('ties and title-only matches (a second small index)', () => {
  let t: Searcher;
  let long: string;
  beforeAll(async () => {
    long = Array.from({ length: 60 }, (_, i) => `word${i}`).join(' ');
    const src = await writeLines(path.join(await tempDir(), 'ties.jsonl'), [
      // Identical papers whose ids run against insertion (label) order.
      JSON.stringify({ id: 'tw-b', title: 'Lattice twins', abstract: 'Identical text for a tie.', categories: ['twin'] }),
      JSON.stringify({ id: 'tw-a', title: 'Lattice twins', abstract: 'Identical text for a tie.', categories: ['twin'] }),
      JSON.stringify({ id: 'zebra', title: 'Zebra stripes', abstract: long, categories: ['other'] }),
    ]);
    t = new Searcher(await openIndex((await buildTemp(emb, [src])).indexDir), emb);
  });
  afterAll(() => t?.index.close());

  it('exact (filtered) dense scoring breaks ties by label; hybrid fusion by id', async () => {
    const sem = await t.search({ q: 'lattice', mode: 'semantic', limit: 2, filters: { categories: ['twin'] } });
    expect(sem.results.map((h) => h.id)).toEqual(['tw-b', 'tw-a']);
    expect(sem.results[0]!.score).toBe(sem.results[1]!.score);
    for (const filters of [undefined, { categories: ['twin'] }]) {
      const hyb = await t.search({ q: 'lattice twins', limit: 2, ...(filters ? { filters } : {}) });
      expect(hyb.results.map((h) => h.id)).toEqual(['tw-a', 'tw-b']);
    }
  });

  it('a match in the title only shows the opening words of the abstract, not an unmarked fragment', async () => {
    const r = await t.search({ q: 'zebra', mode: 'keyword', limit: 1 });
    expect(r.results[0]!.snippet).toBe(`${long.split(' ').slice(0, 40).join(' ')} …`);
  });
});

describe('date order, facets and topic feeds', () => {
  const sortDate = (id: string) => papers.find((p) => p.id === id)!.date ?? '';
  /** Newest first, undated last, then by score, then by label (insertion order = id order here). */
  const byDate = (list: { id: string; score: number }[]) =>
    [...list].sort((a, b) => (sortDate(a.id) < sortDate(b.id) ? 1 : sortDate(a.id) > sortDate(b.id) ? -1 : b.score - a.score || (a.id < b.id ? -1 : 1)));

  it('sorts the relevance candidates newest first, undated last, in every mode', async () => {
    expect(SORTS).toEqual(['relevance', 'date']);
    expect(RELEVANCE_POOL).toBe(100);
    for (const mode of MODES) {
      const rel = await s.search({ q: 'cooling report', mode, limit: 100 });
      const r = await s.search({ q: 'cooling report', mode, limit: 100, sort: 'date' });
      expect(r).toMatchObject({ sort: 'date', total: rel.results.length });
      expect(r.results.map((h) => h.id)).toEqual(byDate(rel.results).map((h) => h.id));
      expect(sortDate(r.results.at(-1)!.id)).toBe('');
      const page = await s.search({ q: 'cooling report', mode, limit: 3, offset: 2, sort: 'date' });
      expect(page.results.map((h) => h.id)).toEqual(r.results.slice(2, 5).map((h) => h.id));
    }
    expect((await s.search({ q: 'cooling', limit: 3 })).sort).toBe('relevance');
  });

  it('counts years, undated papers and categories over the candidates', async () => {
    const r = await s.search({ q: 'cooling', mode: 'keyword', limit: 1, facets: true });
    const ids = (await s.search({ q: 'cooling', mode: 'keyword', limit: 100 })).results.map((h) => h.id);
    const mine = papers.filter((p) => ids.includes(p.id));
    const years = new Map<number, number>();
    for (const p of mine) if (p.date) years.set(Number(p.date.slice(0, 4)), (years.get(Number(p.date.slice(0, 4))) ?? 0) + 1);
    const cats = new Map<string, number>();
    for (const p of mine) for (const c of p.categories) cats.set(c, (cats.get(c) ?? 0) + 1);
    expect(r.facets).toEqual({
      counted: ids.length,
      years: [...years].sort((a, b) => b[0] - a[0]).map(([value, count]) => ({ value, count })),
      undated: mine.filter((p) => !p.date).length,
      categories: [...cats].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([value, count]) => ({ value, count })),
    });
    expect(await s.search({ q: 'cooling', limit: 1 })).not.toHaveProperty('facets');
    // Facets of a date-ordered or deeper-paged search count the same candidates.
    const dated = await s.search({ q: 'cooling', mode: 'keyword', limit: 1, facets: true, sort: 'date' });
    expect(dated.facets).toEqual(r.facets);
    // In hybrid mode every paper has a dense score: all of this small index are candidates.
    expect((await s.search({ q: 'cooling', limit: 1, facets: true })).facets!.counted).toBe(N);
    const semantic = await s.search({ q: 'cooling', mode: 'semantic', limit: 1, facets: true, filters: { categories: ['cat.2'] } });
    expect(semantic.facets).toMatchObject({ counted: 6, categories: [{ value: 'cat.2', count: 6 }] });
  });

  it('a topic feed keeps the candidates above the relevance floor, newest first', async () => {
    for (const mode of MODES) {
      const pool = (await s.search({ q: 'protein folding', mode, limit: 100 })).results;
      const feed = await s.newest({ q: 'protein folding', mode });
      const floor = relevanceFloor(pool.map((h) => h.score));
      expect(feed).toMatchObject({ mode, candidates: pool.length });
      expect(feed.floor).toBeCloseTo(floor, 5);
      const kept = byDate(pool.filter((h) => h.score >= floor - 1e-6)).slice(0, 20);
      expect(feed.entries.map((e) => e.hit.id)).toEqual(kept.map((h) => h.id));
      for (const e of feed.entries) expect(e.paper.id).toBe(e.hit.id);
    }
    expect((await s.newest({ q: 'protein folding', limit: 2 })).entries).toHaveLength(2);
    expect((await s.newest({ q: 'protein folding' })).mode).toBe('hybrid');
    expect(await s.newest({ q: '-protein', mode: 'keyword' })).toEqual({ mode: 'keyword', candidates: 0, floor: 0, entries: [] });
  });
});
