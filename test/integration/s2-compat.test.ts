// The Semantic Scholar compatible routes over a real index and server: shapes, ids, fields, errors, key, limits, 405s.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S2PaperSchema, S2RecommendationsSchema, S2SearchResponseSchema } from '../../src/api/s2-schemas.js';
import type { Embedder } from '../../src/embed/embedder.js';
import { ROOT, SEED, buildTemp, removeTempDirs, tinyEmbedder } from '../helpers.js';
import { getJson, type Served, serveWith } from './api-fixtures.js';

const FIXTURE = path.join(ROOT, 'test', 'integration', 'fixtures', 's2-papers.jsonl');
const KEY = 'k'.repeat(24);
let embedder: Embedder;
let indexDir: string;
let s: Served;

const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  getJson(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

beforeAll(async () => {
  embedder = await tinyEmbedder();
  ({ indexDir } = await buildTemp(embedder, [SEED, FIXTURE]));
  s = await serveWith(indexDir, embedder);
});
afterAll(async () => {
  await s.close();
  await embedder.dispose();
  await removeTempDirs();
});

describe('GET /graph/v1/paper/search', () => {
  it("answers in S2's shape, with S2's default fields (paperId and title)", async () => {
    const r = await getJson(`${s.url}/graph/v1/paper/search?query=graph+neural+networks+molecules&limit=3`);
    expect(r.status).toBe(200);
    const body = S2SearchResponseSchema.strict().parse(r.body);
    expect(body).toMatchObject({ total: 50, offset: 0, next: 3 });
    expect(body.data).toHaveLength(3);
    expect(body.data[0]).toEqual({ paperId: '2305.00001v2', title: 'Graph Neural Networks for Molecular Property Prediction' });
  });

  it('pages with offset and next, and has no next on the last page', async () => {
    const page = async (offset: number) => (await getJson(`${s.url}/graph/v1/paper/search?query=parallel+training&limit=20&offset=${offset}`)).body as { next?: number; data: { paperId: string }[] };
    const [a, b, c] = [await page(0), await page(20), await page(40)];
    expect([a.next, b.next, c.next]).toEqual([20, 40, undefined]);
    expect(c.data).toHaveLength(10);
    const ids = [...a.data, ...b.data, ...c.data].map((p) => p.paperId);
    expect(new Set(ids).size).toBe(50);
  });

  it('selects fields, and filters by year range and field of study', async () => {
    const r = await getJson(`${s.url}/graph/v1/paper/search?query=theory&fields=year,fieldsOfStudy,externalIds&fieldsOfStudy=Physics,Biology&year=1990-2023`);
    expect(r.body).toMatchObject({ total: 2 });
    const data = (r.body as { data: Record<string, unknown>[] }).data;
    expect(data.map((p) => p.paperId).sort()).toEqual(['2305.00001v2', 'hep-th/9901001']);
    expect(data.find((p) => p.paperId === 'hep-th/9901001')).toEqual({ paperId: 'hep-th/9901001', externalIds: { ArXiv: 'hep-th/9901001' }, year: 1999, fieldsOfStudy: ['Physics'] });
    const none = await getJson(`${s.url}/graph/v1/paper/search?query=theory&fieldsOfStudy=Law`);
    expect(none.body).toEqual({ total: 0, offset: 0, data: [] });
  });

  it("refuses what it cannot do, as S2 does: status and an `error` member in a problem document", async () => {
    const cases: [string, RegExp][] = [
      ['fields=title,bogus', /Unrecognized or unsupported fields: \[bogus\]/],
      ['venue=Nature', /not supported by this server: venue/],
      ['limit=101', /limit: must be at most 100/],
      ['year=19', /year must be YYYY/],
    ];
    for (const [qs, message] of cases) {
      const r = await getJson(`${s.url}/graph/v1/paper/search?query=x&${qs}`);
      expect(r.status, qs).toBe(400);
      expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(r.body, qs).toMatchObject({ status: 400, error: expect.stringMatching(message), detail: r.body.error });
    }
    expect((await getJson(`${s.url}/graph/v1/paper/search`)).body).toMatchObject({ error: expect.stringMatching(/Missing required parameter: query/) });
    expect((await getJson(`${s.url}/graph/v1/paper/search?query=%20%20`)).status).toBe(400);
  });
});

describe('GET /graph/v1/paper/{paper_id}', () => {
  it('finds a paper by its own id, ARXIV:/arXiv: (any version), DOI: (any case), URL: and a bare arXiv id', async () => {
    const forms: [string, string][] = [
      ['2401.01234', '2401.01234'],
      ['ARXIV:2401.01234', '2401.01234'],
      ['arXiv:2305.00001v1', '2305.00001v2'],
      ['arXiv:hep-th/9901001', 'hep-th/9901001'],
      ['hep-th/9901001', 'hep-th/9901001'],
      ['DOI:10.1000/bayes.2021', 'lab-note-7'],
      ['arXiv:2107.00007', 'lab-note-7'],
      ['URL:https://arxiv.org/abs/2401.01234v2', '2401.01234'],
      ['2305.00001', '2305.00001v2'],
    ];
    for (const [ref, id] of forms) {
      const r = await getJson(`${s.url}/graph/v1/paper/${ref}`);
      expect(r.status, ref).toBe(200);
      expect(r.body, ref).toMatchObject({ paperId: id });
    }
  });

  it('returns every S2 field it is asked for, as the published schema says', async () => {
    const fields = 'paperId,corpusId,externalIds,url,title,abstract,venue,publicationVenue,year,referenceCount,citationCount,influentialCitationCount,isOpenAccess,openAccessPdf,fieldsOfStudy,s2FieldsOfStudy,publicationTypes,publicationDate,journal,citationStyles,authors,citations,references,embedding,tldr';
    const r = await getJson(`${s.url}/graph/v1/paper/ARXIV:2401.01234?fields=${fields},authors.hIndex`);
    const p = S2PaperSchema.strict().parse(r.body);
    expect(Object.keys(p)).toEqual(fields.split(','));
    expect(p).toMatchObject({
      url: `${s.url}/papers/2401.01234`,
      externalIds: { ArXiv: '2401.01234', DOI: '10.48550/arXiv.2401.01234' },
      publicationDate: '2024-01-03',
      s2FieldsOfStudy: [{ category: 'Computer Science', source: 'external' }],
      authors: [{ authorId: null, name: 'Ada Lovelace', hIndex: null }, { authorId: null, name: 'Alan Turing', hIndex: null }],
      citationCount: null,
      citations: [],
    });
    expect(p.embedding).toMatchObject({ model: 'test-tiny', vector: expect.any(Array) });
    expect(p.embedding!.vector).toHaveLength(32);
  });

  it('answers 404 for unknown ids, ids of schemes it does not hold, and sub-resources it does not have', async () => {
    for (const [ref, message] of [
      ['arXiv:9999.99999', /Paper with id arXiv:9999.99999 not found/],
      ['CorpusId:215416146', /not CorpusId ids/],
      ['2401.01234/citations', /citations are not available/],
    ] as const) {
      const r = await getJson(`${s.url}/graph/v1/paper/${ref}`);
      expect(r.status, ref).toBe(404);
      expect(r.body.error, ref).toMatch(message);
    }
  });
});

describe('recommendations', () => {
  it('forpaper: the nearest papers, itself excluded, with fields', async () => {
    const r = await getJson(`${s.url}/recommendations/v1/papers/forpaper/arXiv:2401.01234?limit=5&fields=title,year&from=all-cs`);
    const body = S2RecommendationsSchema.strict().parse(r.body);
    expect(body.recommendedPapers).toHaveLength(5);
    expect(body.recommendedPapers.map((p) => p.paperId)).not.toContain('2401.01234');
    expect(Object.keys(body.recommendedPapers[0]!)).toEqual(['paperId', 'title', 'year']);
    // The same neighbours as the native related route, in the same order.
    const related = (await getJson(`${s.url}/api/papers/2401.01234/related?limit=5`)).body as { results: { id: string }[] };
    expect(body.recommendedPapers.map((p) => p.paperId)).toEqual(related.results.map((h) => h.id));
    expect((await getJson(`${s.url}/recommendations/v1/papers/forpaper/2401.01234?from=everything`)).status).toBe(400);
  });

  it('POST /papers (with or without the slash): positives and negatives by any id form, examples excluded', async () => {
    const body = { positivePaperIds: ['arXiv:2401.01234', '2305.00001'], negativePaperIds: ['DOI:10.1000/BAYES.2021'] };
    for (const route of ['/recommendations/v1/papers', '/recommendations/v1/papers/']) {
      const r = await post(`${s.url}${route}?limit=4`, body);
      expect(r.status, route).toBe(200);
      const ids = S2RecommendationsSchema.strict().parse(r.body).recommendedPapers.map((p) => p.paperId);
      expect(ids).toHaveLength(4);
      expect(ids.filter((id) => ['2401.01234', '2305.00001v2', 'lab-note-7'].includes(id))).toEqual([]);
    }
    // The same as the native recommend route given the resolved ids.
    const native = (await post(`${s.url}/api/recommend`, { positive: ['2401.01234', '2305.00001v2'], negative: ['lab-note-7'], limit: 4 })).body as { results: { id: string }[] };
    const s2 = (await post(`${s.url}/recommendations/v1/papers?limit=4`, body)).body as { recommendedPapers: { paperId: string }[] };
    expect(s2.recommendedPapers.map((p) => p.paperId)).toEqual(native.results.map((h) => h.id));
  });

  it('refuses bad bodies and unknown examples', async () => {
    expect((await post(`${s.url}/recommendations/v1/papers`, { positivePaperIds: [] })).status).toBe(400);
    expect((await post(`${s.url}/recommendations/v1/papers`, { positivePaperIds: ['nope'] })).body).toMatchObject({ status: 404, error: expect.stringMatching(/nope/) });
    const text = await getJson(`${s.url}/recommendations/v1/papers`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' });
    expect(text.body).toMatchObject({ status: 400, error: expect.stringMatching(/must be JSON/) });
  });
});

describe('POST /graph/v1/paper/batch', () => {
  it('one entry per id, in order, null where unknown', async () => {
    const r = await post(`${s.url}/graph/v1/paper/batch?fields=year`, { ids: ['arXiv:2401.01234', 'nope', 'hep-th/9901001'] });
    expect(r.body).toEqual([{ paperId: '2401.01234', year: 2024 }, null, { paperId: 'hep-th/9901001', year: 1999 }]);
  });
});

describe('the rest of the API around the S2 routes', () => {
  it('undocumented methods get 405 with Allow; unknown S2 routes get an S2-shaped 404', async () => {
    const trace = await getJson(`${s.url}/graph/v1/paper/search`, { method: 'DELETE' });
    expect(trace).toMatchObject({ status: 405, body: { error: expect.stringMatching(/answers GET, HEAD/) } });
    expect(trace.headers.get('allow')).toBe('GET, HEAD');
    const batch = await getJson(`${s.url}/graph/v1/paper/batch`, { method: 'PUT' });
    expect(batch.headers.get('allow')).toBe('POST');
    const native = await getJson(`${s.url}/api/stats`, { method: 'DELETE' });
    expect(native.status).toBe(405);
    expect(native.body.error).toBeUndefined();
    const author = await getJson(`${s.url}/graph/v1/author/1`);
    expect(author).toMatchObject({ status: 404, body: { error: expect.stringMatching(/no route/) } });
  });

  it('metrics name the route pattern, not the id', async () => {
    await getJson(`${s.url}/graph/v1/paper/arXiv:2401.01234`);
    const metrics = await (await fetch(`${s.url}/metrics`)).text();
    expect(metrics).toMatch(/route="\/graph\/v1\/paper\/:paper_id"/);
    expect(metrics).not.toMatch(/route="[^"]*2401\.01234/);
  });

  it('the OpenAPI document lists the S2 operations', async () => {
    const doc = (await getJson(`${s.url}/api/openapi.json`)).body as { paths: Record<string, Record<string, { operationId: string }>> };
    expect(doc.paths['/graph/v1/paper/search']?.get?.operationId).toBe('s2PaperSearch');
    expect(doc.paths['/recommendations/v1/papers']?.post?.operationId).toBe('s2Recommend');
  });
});

describe('with an API key and a rate limit', () => {
  let guarded: Served;
  let limited: Served;
  beforeAll(async () => {
    guarded = await serveWith(indexDir, embedder, { apiKey: KEY });
    limited = await serveWith(indexDir, embedder, { rateLimitPerMinute: 60, rateLimitBurst: 2 });
  });
  afterAll(async () => {
    await guarded.close();
    await limited.close();
  });

  it("takes the key as S2 clients send it (x-api-key) or as a bearer token; refuses others with S2's 403", async () => {
    const url = `${guarded.url}/graph/v1/paper/2401.01234`;
    expect((await getJson(url, { headers: { 'x-api-key': KEY } })).status).toBe(200);
    expect((await getJson(url, { headers: { authorization: `Bearer ${KEY}` } })).status).toBe(200);
    const missing = await getJson(url);
    expect(missing).toMatchObject({ status: 403, body: { error: expect.stringMatching(/needs a key.*x-api-key/) } });
    expect((await getJson(url, { headers: { 'x-api-key': 'wrong' } })).body).toMatchObject({ status: 403, error: 'the API key is not valid' });
    // The native API keeps its 401 and challenge.
    const native = await getJson(`${guarded.url}/api/stats`);
    expect(native.status).toBe(401);
    expect(native.headers.get('www-authenticate')).toMatch(/^Bearer/);
  });

  it('is rate limited like /api/*, with Retry-After and the error member', async () => {
    const statuses = [];
    let last = await getJson(`${limited.url}/graph/v1/paper/2401.01234`);
    statuses.push(last.status);
    for (let i = 0; i < 5 && last.status !== 429; i++) statuses.push((last = await getJson(`${limited.url}/graph/v1/paper/2401.01234`)).status);
    expect(statuses.slice(0, 2)).toEqual([200, 200]);
    expect(last.status).toBe(429);
    expect(Number(last.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(last.body.error).toMatch(/Too many requests/);
  });
});
