// The search surface over HTTP: filters that keep `limit`, pagination, explain, snippets, POST search, recommend.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Embedder } from '../../src/embed/embedder.js';
import { Searcher } from '../../src/search/searcher.js';
import { openIndex } from '../../src/store/index.js';
import { buildTemp, removeTempDirs, serveIndex, tempDir, tinyEmbedder, writeLines } from '../helpers.js';

const TOPICS = ['graph neural networks', 'protein folding', 'speech recognition', 'pipeline parallelism', 'sparse attention'];
const CATS = ['cs.LG', 'q-bio.BM', 'eess.AS', 'cs.DC', 'cs.CL'];
const papers = Array.from({ length: 80 }, (_, i) => ({
  id: `p${String(i).padStart(3, '0')}`,
  title: `${TOPICS[i % 5]} study ${i}`,
  abstract: `We study ${TOPICS[i % 5]} with method ${i}. Results on benchmark ${i % 7} improve over baselines.`,
  authors: i % 20 === 0 ? ['Ada Lovelace', 'Grace Hopper'] : [`Author ${i}`],
  date: `${2015 + (i % 10)}-0${1 + (i % 9)}-15`,
  categories: [CATS[i % 5], ...(i % 40 === 3 ? ['math.OC'] : [])],
}));

let emb: Embedder;
let server: Awaited<ReturnType<typeof serveIndex>>;
let indexDir: string;

beforeAll(async () => {
  emb = await tinyEmbedder();
  const src = await writeLines(path.join(await tempDir(), 'synthetic.jsonl'), papers.map((p) => JSON.stringify(p)));
  ({ indexDir } = await buildTemp(emb, [src]));
  server = await serveIndex(indexDir, emb);
});
afterAll(async () => {
  await server?.close();
  await removeTempDirs();
});

const get = async (qs: string) => {
  const r = await fetch(`${server.url}/api/search?${qs}`);
  return { status: r.status, body: (await r.json()) as { total: number; results: Record<string, any>[]; detail?: string } };
};
const byId = new Map(papers.map((p) => [p.id, p]));

describe('filters', () => {
  it.each(['hybrid', 'semantic', 'keyword'])('%s: a filter matching few papers returns exactly those', async (mode) => {
    const r = await get(`mode=${mode}&q=study&category=math.OC&limit=10`);
    expect(r.status).toBe(200);
    expect(r.body.results.map((h) => h.id).sort()).toEqual(['p003', 'p043']);
    expect(r.body.total).toBe(2);
  });

  it.each(['hybrid', 'semantic', 'keyword'])('%s: a filter matching more than limit still fills the page', async (mode) => {
    const r = await get(`mode=${mode}&q=study+results&year_from=2016&year_to=2017&limit=10`);
    expect(r.body.results).toHaveLength(10);
    for (const h of r.body.results) expect([2016, 2017]).toContain(h.year);
    expect(r.body.total).toBe(16);
  });

  it('author is a case-insensitive substring; categories are OR-ed', async () => {
    const a = await get('q=study&author=grace+HOP&limit=20');
    expect(a.body.results.map((h) => h.id).sort()).toEqual(['p000', 'p020', 'p040', 'p060']);
    const c = await get('mode=semantic&q=x&category=cs.DC&category=eess.AS&limit=100');
    expect(c.body.results).toHaveLength(32);
    for (const h of c.body.results) expect(['cs.DC', 'eess.AS']).toContain(byId.get(h.id)!.categories[0]);
  });

  it('the filtered HNSW path (broad filters) also fills the page', async () => {
    const s = new Searcher(await openIndex(indexDir), emb, { exactFilterMax: 0 });
    const r = await s.search({ q: 'protein folding', mode: 'semantic', limit: 10, filters: { categories: ['q-bio.BM'] } });
    expect(r.results).toHaveLength(10);
    for (const h of r.results) expect(h.categories).toContain('q-bio.BM');
    s.index.close();
  });

  it('embeds a repeated query once (pages of one question cost one embedding)', async () => {
    let calls = 0;
    const counting = { ...emb, info: emb.info, embedQuery: async (q: string) => (calls++, emb.embedQuery(q)) };
    const s = new Searcher(await openIndex(indexDir), counting);
    const a = await s.search({ q: 'protein folding', limit: 5 });
    const b = await s.search({ q: 'protein folding', limit: 5, offset: 5 });
    await s.search({ q: 'speech', limit: 5 });
    expect(calls).toBe(2);
    expect(a.results.map((h) => h.id)).not.toEqual(b.results.map((h) => h.id));
    s.index.close();
  });

  it.each(['year_from=', 'year_to=', 'year_from=&year_to=%20'])('an empty year (%s, as a form sends it) means no filter, as on the page', async (qs) => {
    const r = await get(`q=study&limit=5&${qs}`);
    expect(r.status).toBe(200);
    expect(r.body.total).toBe(80);
    expect(r.body.results).toHaveLength(5);
  });

  it('rejects a reversed year range', async () => {
    const r = await get('q=x&year_from=2020&year_to=2010');
    expect(r.status).toBe(400);
    expect(r.body.detail).toMatch(/year_from/);
  });
});

describe('pagination, explain, snippets', () => {
  it.each(['hybrid', 'semantic', 'keyword'])('%s: pages are consecutive slices of one stable order', async (mode) => {
    const all = await get(`mode=${mode}&q=study+method&limit=30`);
    const pages = [];
    for (const offset of [0, 10, 20]) pages.push(...(await get(`mode=${mode}&q=study+method&limit=10&offset=${offset}`)).body.results);
    expect(pages.map((h) => h.id)).toEqual(all.body.results.map((h) => h.id));
    const again = await get(`mode=${mode}&q=study+method&limit=30`);
    expect(again.body.results.map((h) => h.id)).toEqual(all.body.results.map((h) => h.id));
  });

  it('hybrid pages past the first candidate pool neither repeat nor skip papers', async () => {
    // A pool of 10 candidates per list, so pages past the first go beyond it (the default is 100).
    const s = new Searcher(await openIndex(indexDir), emb, { candidates: 10 });
    const q = 'protein folding results';
    const pages: string[] = [];
    for (let offset = 0; offset < 80; offset += 5) pages.push(...(await s.search({ q, limit: 5, offset })).results.map((h) => h.id));
    expect(new Set(pages).size).toBe(80);
    const all = (await s.search({ q, limit: 80 })).results.map((h) => h.id);
    expect(pages).toEqual(all);
    s.index.close();
  });

  it('an id ending in /related is reachable over the API with its slash encoded', async () => {
    // One "/" is allowed in ids (old arXiv ids): this one ends like the related-papers route.
    const src = await writeLines(path.join(await tempDir(), 'slash.jsonl'), [
      JSON.stringify({ id: 'hep-th/related', title: 'Branes in ten dimensions', abstract: 'String dualities relate branes of different dimensions.' }),
      JSON.stringify({ id: 'hep-th', title: 'Strings on orbifolds', abstract: 'Orbifold compactifications of string theory.' }),
    ]);
    const served = await serveIndex((await buildTemp(emb, [src])).indexDir, emb);
    try {
      const paper = (await (await fetch(`${served.url}/api/papers/${encodeURIComponent('hep-th/related')}`)).json()) as { id: string };
      expect(paper.id).toBe('hep-th/related');
      const rel = (await (await fetch(`${served.url}/api/papers/${encodeURIComponent('hep-th/related')}/related`)).json()) as { id: string; results: { id: string }[] };
      expect(rel).toMatchObject({ id: 'hep-th/related', results: [{ id: 'hep-th' }] });
      // Unencoded, the suffix is the route: the related papers of "hep-th".
      expect(((await (await fetch(`${served.url}/api/papers/hep-th/related`)).json()) as { id: string }).id).toBe('hep-th');
    } finally {
      await served.close();
    }
  });

  it('explain=true gives dense and keyword score and rank and the fused score', async () => {
    const r = await get('q=protein+folding&explain=true&limit=5');
    for (const h of r.body.results) {
      expect(h.explain).toHaveProperty('fused', h.score);
      expect(h.explain.keyword).toMatchObject({ score: expect.any(Number), rank: expect.any(Number) });
      expect(h.explain.dense).toMatchObject({ score: expect.any(Number) });
    }
  });

  it('keyword hits carry a snippet with the matched terms marked', async () => {
    const r = await get('q=protein&mode=keyword&limit=20');
    expect(r.body.results).toHaveLength(16);
    for (const h of r.body.results) expect(h.snippet).toMatch(/<mark>protein<\/mark>/i);
  });

  it('hybrid hits carry a marked snippet where the keyword matched and the opening words elsewhere', async () => {
    // 16 of the 80 papers mention protein: a page of 24 holds keyword matches and dense-only hits.
    const r = await get('q=protein&mode=hybrid&limit=24&explain=true');
    const matched = r.body.results.filter((h) => h.explain.keyword);
    const denseOnly = r.body.results.filter((h) => !h.explain.keyword);
    expect(matched).toHaveLength(16);
    expect(denseOnly).toHaveLength(8);
    for (const h of matched) expect(h.snippet).toMatch(/<mark>protein<\/mark>/i);
    for (const h of denseOnly) {
      expect(h.snippet).toBe(byId.get(h.id)!.abstract);
      expect(h.snippet).not.toContain('<mark>');
    }
    // Semantic mode has no keyword match to show.
    for (const h of (await get('q=protein&mode=semantic&limit=5')).body.results) expect(h).not.toHaveProperty('snippet');
  });
});

describe('ties are broken by id, not by insertion order', () => {
  // Identical text, so every paper scores exactly alike in every mode; the ids run backwards to insertion (label)
  // order, so an order that merely follows labels or the FTS5 scan is the reverse of the id order.
  const ids = ['tie-e', 'tie-d', 'tie-c', 'tie-b', 'tie-a'];
  let tied: Searcher;
  beforeAll(async () => {
    const src = await writeLines(
      path.join(await tempDir(), 'ties.jsonl'),
      ids.map((id) => JSON.stringify({ id, title: 'Laminar flow over plates', abstract: 'Boundary layer growth on a flat plate.', categories: ['physics.flu-dyn'] })),
    );
    tied = new Searcher(await openIndex((await buildTemp(emb, [src])).indexDir), emb);
    expect(tied.index.db.prepare('SELECT id FROM papers ORDER BY label').pluck().all()).toEqual(ids);
  });
  afterAll(() => tied?.index.close());

  it.each([
    ['keyword', undefined],
    ['keyword', { categories: ['physics.flu-dyn'] }],
    ['hybrid', undefined],
    ['hybrid', { categories: ['physics.flu-dyn'] }],
  ] as const)('%s (filters %j)', async (mode, filters) => {
    const r = await tied.search({ q: 'laminar boundary layer', mode, limit: 5, ...(filters ? { filters } : {}) });
    expect(new Set(r.results.map((h) => h.score)).size).toBe(1);
    expect(r.results.map((h) => h.id)).toEqual([...ids].sort());
  });
});

describe('POST /api/search and /api/recommend', () => {
  const post = async (p: string, body: unknown, type = 'application/json') => {
    const r = await fetch(server.url + p, { method: 'POST', headers: { 'content-type': type }, body: typeof body === 'string' ? body : JSON.stringify(body) });
    return { status: r.status, type: r.headers.get('content-type'), body: (await r.json()) as Record<string, any> };
  };

  it('POST /api/search takes the same fields as JSON', async () => {
    const r = await post('/api/search', { q: 'study', category: ['math.OC'], limit: 5, mode: 'keyword' });
    expect(r.status).toBe(200);
    expect(r.body.results.map((h: { id: string }) => h.id).sort()).toEqual(['p003', 'p043']);
  });

  it('malformed JSON and wrong types are 400 problems', async () => {
    expect((await post('/api/search', '{"q":')).status).toBe(400);
    expect((await post('/api/search', { q: 42 })).status).toBe(400);
    expect((await post('/api/search', { q: 'x' }, 'text/plain')).status).toBe(400);
  });

  it('recommend excludes the examples', async () => {
    const r = await post('/api/recommend', { positive: ['p001', 'p006'], negative: ['p002'], limit: 10 });
    expect(r.status).toBe(200);
    const ids = r.body.results.map((h: { id: string }) => h.id);
    expect(ids).toHaveLength(10);
    expect(ids).not.toContain('p001');
    expect(ids).not.toContain('p006');
    expect(ids).not.toContain('p002');
  });

  describe('recommend with negatives', () => {
    // Positives about protein folding (topic 1), a negative about speech recognition (topic 2): all 77 other papers ranked.
    const positive = ['p001', 'p006'];
    const negative = ['p002'];
    const vec = (id: string) => server.searcher.index.papers.getVector(server.searcher.getPaper(id).label)!;
    const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i]!, 0);
    // Every paper but the examples; the negative itself is left out of both lists so ranks compare like for like.
    const ranked = async (body: object) =>
      ((await post('/api/recommend', { ...body, limit: 100 })).body.results as { id: string; score: number }[]).filter((h) => h.id !== 'p002');

    it('scores every paper by the Rocchio query: centroid of positives minus half the centroid of negatives', async () => {
      const pos = vec('p001').map((x, i) => (x + vec('p006')[i]!) / 2);
      const withNeg = pos.map((x, i) => x - 0.5 * vec('p002')[i]!);
      const unit = (v: Float32Array) => v.map((x) => x / Math.sqrt(dot(v, v)));
      const [q, qPos] = [unit(withNeg), unit(pos)];
      const hits = await ranked({ positive, negative });
      expect(hits).toHaveLength(77);
      for (const h of hits) expect(h.score, h.id).toBeCloseTo(dot(q, vec(h.id)), 5);
      // The fixture tells the two apart: without the negative term, scores would differ well beyond rounding.
      expect(Math.max(...hits.map((h) => Math.abs(dot(q, vec(h.id)) - dot(qPos, vec(h.id)))))).toBeGreaterThan(0.01);
    });

    it("ranks the negative's topic lower and the top results less like the negative than positives alone", async () => {
      const alone = await ranked({ positive });
      const away = await ranked({ positive, negative });
      const topic2 = (list: { id: string }[]) => list.map((h, i) => [h.id, i] as const).filter(([id]) => Number(id.slice(1)) % 5 === 2 && id !== 'p002');
      const meanRank = (list: { id: string }[]) => topic2(list).reduce((s, [, i]) => s + i, 0) / topic2(list).length;
      expect(topic2(alone)).toHaveLength(15);
      expect(meanRank(away)).toBeGreaterThan(meanRank(alone));
      const likeNegative = (list: { id: string }[]) => list.slice(0, 10).reduce((s, h) => s + dot(vec(h.id), vec('p002')), 0) / 10;
      expect(likeNegative(away)).toBeLessThan(likeNegative(alone));
      // The paper most like the negative drops.
      const nearest = alone.reduce((best, h) => (dot(vec(h.id), vec('p002')) > dot(vec(best.id), vec('p002')) ? h : best));
      expect(away.findIndex((h) => h.id === nearest.id)).toBeGreaterThan(alone.findIndex((h) => h.id === nearest.id));
    });
  });

  it('recommend with filters and unknown ids', async () => {
    const f = await post('/api/recommend', { positive: ['p001'], limit: 5, filters: { category: ['math.OC'] } });
    expect(f.body.results.map((h: { id: string }) => h.id).sort()).toEqual(['p003', 'p043']);
    expect((await post('/api/recommend', { positive: ['nope'] })).status).toBe(404);
    expect((await post('/api/recommend', { positive: [] })).status).toBe(400);
  });
});
