// End to end over real parts: build the seed with the tiny BERT (transformers.js), serve it on 127.0.0.1:0, query over HTTP.
import { readFileSync } from 'node:fs';
import { truncate } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Embedder } from '../../src/embed/embedder.js';
import { openIndex, resolveBuildDir } from '../../src/store/index.js';
import { Searcher } from '../../src/search/searcher.js';
import { SEED, buildTemp, removeTempDirs, serveIndex, tinyEmbedder, useLiteEmbedder, writeLines, tempDir } from '../helpers.js';

let emb: Embedder;
let indexDir: string;
let server: Awaited<ReturnType<typeof serveIndex>>;
const seedIds = readFileSync(SEED, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { id: string }).id);

beforeAll(async () => {
  emb = await tinyEmbedder();
  ({ indexDir } = await buildTemp(emb));
  server = await serveIndex(indexDir, emb);
});
afterAll(async () => {
  await server?.close();
  await emb?.dispose();
  await removeTempDirs();
});

const get = async (p: string) => {
  const r = await fetch(server.url + p);
  return { status: r.status, type: r.headers.get('content-type') ?? '', body: (await r.json()) as Record<string, any> };
};

describe('GET /api/search', () => {
  it('answers a plain-language question with ranked papers', async () => {
    const r = await get('/api/search?q=' + encodeURIComponent('which papers split a model across accelerators?') + '&limit=5');
    expect(r.status).toBe(200);
    expect(r.body.results).toHaveLength(5);
    expect(r.body).toMatchObject({ mode: 'hybrid', model: 'test-tiny', limit: 5, offset: 0, total: 45 });
    for (const h of r.body.results) expect(Object.keys(h)).toEqual(expect.arrayContaining(['id', 'title', 'authors', 'date', 'score']));
    const scores = r.body.results.map((h: { score: number }) => h.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
  });

  it.each(['semantic', 'keyword', 'hybrid'])('mode=%s returns results from the index', async (mode) => {
    const r = await get(`/api/search?q=pipeline+parallelism&mode=${mode}&limit=3`);
    expect(r.status).toBe(200);
    expect(r.body.mode).toBe(mode);
    expect(r.body.results.length).toBe(3);
    for (const h of r.body.results) expect(seedIds).toContain(h.id);
    if (mode === 'keyword') expect(r.body.results[0].snippet).toMatch(/<mark>pipeline<\/mark>/i);
  });

  it.each([
    ['', /q/],
    ['?q=', /q must not be empty/],
    ['?q=%20%20', /q must not be empty/],
    ['?q=' + 'x'.repeat(4097), /at most 4096/],
    ['?q=a&limit=0', /limit/],
    ['?q=a&limit=101', /limit/],
    ['?q=a&limit=ten', /limit/],
    ['?q=a&mode=magic', /mode/],
    ['?q=a&offset=1001', /offset/],
  ])('rejects bad input %s with a 400 problem', async (qs, detail) => {
    const r = await get('/api/search' + qs);
    expect(r.status).toBe(400);
    expect(r.type).toMatch(/^application\/problem\+json/);
    expect(r.body).toMatchObject({ status: 400, title: 'Invalid request' });
    expect(r.body.detail).toMatch(detail);
  });

  it('accepts a pasted abstract of 4,096 characters', async () => {
    const q = readFileSync(SEED, 'utf8').slice(0, 4096).replace(/[{}"]/g, ' ');
    expect((await get('/api/search?q=' + encodeURIComponent(q))).status).toBe(200);
  });

  it.each([
    '"unbalanced quote',
    'AND OR NOT NEAR(',
    'title:* -- ** "" ()',
    '🚀🧪👩‍🔬',
    "'; DROP TABLE papers; --",
    '<script>alert(1)</script>',
    '\u0000\u0001 nulls',
    'x'.repeat(4096),
    '%%% ^^^ $$$',
  ])('never fails on odd input %j', async (q) => {
    for (const mode of ['hybrid', 'keyword', 'semantic']) {
      const r = await get(`/api/search?mode=${mode}&q=` + encodeURIComponent(q));
      expect(r.status, `${mode}: ${JSON.stringify(r.body)}`).toBe(200);
      expect(JSON.stringify(r.body)).not.toMatch(/at .*\.ts:\d+|node_modules|\/work\//);
    }
  });

  it('answers a 10,000-character query with a clear 400, not a 500', async () => {
    const r = await get('/api/search?q=' + 'word '.repeat(2000));
    expect(r.status).toBe(400);
  });

  it('paginates with a stable order', async () => {
    const all = await get('/api/search?q=language+models&limit=20');
    const p2 = await get('/api/search?q=language+models&limit=10&offset=10');
    expect(p2.body.results.map((h: { id: string }) => h.id)).toEqual(all.body.results.slice(10).map((h: { id: string }) => h.id));
  });
});

describe('papers and related papers', () => {
  it('GET /api/papers/:id returns the paper', async () => {
    const r = await get('/api/papers/' + seedIds[3]);
    expect(r.status).toBe(200);
    expect(r.body.id).toBe(seedIds[3]);
    expect(r.body.abstract.length).toBeGreaterThan(100);
  });

  it('unknown ids answer 404 problems', async () => {
    for (const p of ['/api/papers/nope-000000', '/api/papers/nope-000000/related']) {
      const r = await get(p);
      expect(r.status).toBe(404);
      expect(r.type).toMatch(/^application\/problem\+json/);
      expect(r.body.detail).toMatch(/nope-000000/);
    }
  });

  it('related papers exclude the paper itself and are ordered by similarity', async () => {
    const r = await get(`/api/papers/${seedIds[0]}/related?limit=44`);
    expect(r.status).toBe(200);
    const ids = r.body.results.map((h: { id: string }) => h.id);
    expect(ids).toHaveLength(44);
    expect(ids).not.toContain(seedIds[0]);
    expect(new Set(ids).size).toBe(44);
    const scores = r.body.results.map((h: { score: number }) => h.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
  });

  it('related with limit out of range is a 400', async () => {
    expect((await get(`/api/papers/${seedIds[0]}/related?limit=1000`)).status).toBe(400);
  });

  it('unknown routes are 404 problems; /health reports the index', async () => {
    expect((await get('/api/nothing')).status).toBe(404);
    const h = await get('/health');
    expect(h.body).toMatchObject({ status: 'ok', papers: 45, model: 'test-tiny' });
  });
});

describe('index integrity', () => {
  it('the manifest records the model and the vectors match it', async () => {
    const idx = await openIndex(indexDir);
    expect(idx.manifest.model).toMatchObject({ modelId: 'test-tiny', dims: 32, backend: 'transformers', pooling: 'mean' });
    expect(idx.manifest.counts.papers).toBe(45);
    expect(idx.manifest.hnsw).toEqual({ space: 'cosine', M: 32, efConstruction: 100 });
    const v = idx.papers.getVector(idx.papers.getById(seedIds[0]!)!.label)!;
    const again = (await emb.embedPassages([`${idx.papers.getById(seedIds[0]!)!.title}. ${idx.papers.getById(seedIds[0]!)!.abstract}`]))[0]!;
    expect(Math.max(...v.map((x, i) => Math.abs(x - again[i]!)))).toBeLessThan(1e-5);
    idx.close();
  });

  it('refuses to answer queries with a different model than the one that built the index', async () => {
    const idx = await openIndex(indexDir);
    await expect(async () => new Searcher(idx, await useLiteEmbedder())).rejects.toThrow(/built with test-tiny.*use-lite/);
    idx.close();
  });

  it('refuses an incomplete index with a clear error', async () => {
    const { indexDir: dir } = await buildTemp(emb);
    const build = resolveBuildDir(dir)!;
    await truncate(path.join(build, 'vectors.hnsw'), 100);
    await expect(openIndex(dir)).rejects.toThrow(/incomplete: vectors\.hnsw is 100 bytes/);
  });

  it('reports bad records as file:line and builds the rest', async () => {
    const dir = await tempDir();
    const bad = await writeLines(path.join(dir, 'bad.jsonl'), [
      JSON.stringify({ id: 'ok-1', title: 'Good paper', abstract: 'A fine abstract about retrieval.' }),
      '{not json',
      '',
      JSON.stringify({ id: 'no-text', title: '  ', authors: ['Someone'] }),
      JSON.stringify({ id: 'ok-1', title: 'Duplicate', abstract: 'Same id again.' }),
    ]);
    const logs: string[] = [];
    const { summary } = await buildTemp(emb, [bad], { log: (l) => logs.push(l) });
    expect(summary).toMatchObject({ papers: 1, added: 1, rejected: 4 });
    expect(logs).toEqual(
      expect.arrayContaining([
        expect.stringMatching(new RegExp(`^${bad}:2: malformed JSON \\(Expected property name`)),
        `${bad}:3: empty line`,
        `${bad}:4: empty title and abstract`,
        `${bad}:5: duplicate id ok-1 (first at ${bad}:1)`,
      ]),
    );
    expect(readFileSync(summary.rejectsFile!, 'utf8').trim().split('\n')).toHaveLength(4);
  });
});
