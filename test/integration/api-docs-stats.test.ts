// API completeness: the OpenAPI document is generated from the zod schemas and covers every route; /docs renders it offline; /api/stats.
import { statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonSchema } from '../../src/api/openapi.js';
import {
  HealthSchema,
  PaperSchemaOut,
  RecommendResponseSchema,
  RelatedResponseSchema,
  SearchQuerySchema,
  SearchResponseSchema,
  StatsSchema,
} from '../../src/api/schemas.js';
import type { Embedder } from '../../src/embed/embedder.js';
import { resolveBuildDir } from '../../src/store/index.js';
import { buildTemp, removeTempDirs, tinyEmbedder } from '../helpers.js';
import { type Served, getJson, serveWith } from './api-fixtures.js';

let emb: Embedder;
let indexDir: string;
let open: Served;
let keyed: Served;
const KEY = 'lab-key-0123456789abcdef';

type Doc = {
  openapi: string;
  paths: Record<string, Record<string, { parameters?: { name: string; in: string; schema: Record<string, unknown> }[]; security?: unknown[]; responses: Record<string, unknown> }>>;
  components: { schemas: Record<string, unknown> };
};

beforeAll(async () => {
  emb = await tinyEmbedder();
  ({ indexDir } = await buildTemp(emb));
  open = await serveWith(indexDir, emb);
  keyed = await serveWith(indexDir, emb, { apiKey: KEY });
});
afterAll(async () => {
  await open?.close();
  await keyed?.close();
  await emb?.dispose();
  await removeTempDirs();
});

/** Every `$ref` string anywhere in a JSON value. */
function refs(v: unknown, out: string[] = []): string[] {
  if (Array.isArray(v)) v.forEach((x) => refs(x, out));
  else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      if (k === '$ref' && typeof x === 'string') out.push(x);
      else refs(x, out);
    }
  }
  return out;
}

describe('GET /api/openapi.json', () => {
  let doc: Doc;
  beforeAll(async () => {
    const r = await getJson(open.url + '/api/openapi.json');
    expect(r.status).toBe(200);
    doc = r.body as unknown as Doc;
  });

  it('is an OpenAPI 3.1 document whose references all resolve', () => {
    expect(doc.openapi).toBe('3.1.0');
    const all = refs(doc);
    expect(all.length).toBeGreaterThan(10);
    for (const r of all) {
      expect(r).toMatch(/^#\/components\/schemas\//);
      expect(doc.components.schemas).toHaveProperty(r.split('/').pop()!);
    }
  });

  it('documents every API route the app serves, and serves every documented operation', async () => {
    const served = open.app.routes
      .filter((r) => r.method !== 'ALL' && (/^\/(api|graph|recommendations)\//.test(r.path) || r.path === '/health' || r.path === '/metrics'))
      .filter((r) => r.path !== '/api/openapi.json');
    const documented = Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => ({ method: m.toUpperCase(), path: p })));
    expect(documented.length).toBe(13);
    // A served pattern (hono syntax) as a regex over documented paths, where {id} stands for any id.
    // A trailing slash is the same route (the S2 Python client posts to /recommendations/v1/papers/).
    const pattern = (p: string) => new RegExp('^' + p.replace(/(.)\/$/, '$1').replace(/[.]/g, '\\.').replace(/:\w+(\{[^}]*\})?/g, '[^/]+').replace(/\*/g, '.+') + '$');
    for (const r of served) {
      expect(documented.some((d) => d.method === r.method && pattern(r.path).test(d.path)), `${r.method} ${r.path} is documented`).toBe(true);
    }
    // Each documented operation answers (not 404 "no route") with a real id.
    const id = (open.searcher.index.papers.getByLabel(0) ?? open.searcher.index.papers.getByLabel(1))!.id;
    for (const d of documented) {
      const query = d.method !== 'GET' ? '' : d.path === '/api/search' ? '?q=gpu' : d.path === '/graph/v1/paper/search' ? '?query=gpu' : '';
      const url = open.url + d.path.replace('{id}', id).replace('{paper_id}', id) + query;
      const bodies: Record<string, unknown> = { '/api/search': { q: 'gpu' }, '/graph/v1/paper/batch': { ids: [id] }, '/recommendations/v1/papers': { positivePaperIds: [id] } };
      const body = bodies[d.path] ?? { positive: [id] };
      const r = await fetch(url, d.method === 'POST' ? { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {});
      expect(r.status, `${d.method} ${d.path}`).toBe(200);
    }
  });

  it('derives the search parameters and their limits from the zod schema, not a copy', () => {
    const params = doc.paths['/api/search']!.get!.parameters!;
    expect(params.map((p) => p.name)).toEqual(Object.keys(SearchQuerySchema.shape));
    const byName = Object.fromEntries(params.map((p) => [p.name, p.schema]));
    expect(byName.q).toMatchObject({ type: 'string', maxLength: 4096 });
    expect(byName.limit).toMatchObject({ maximum: 100, minimum: 1, default: 10 });
    expect(byName.offset).toMatchObject({ maximum: 1000 });
    expect(doc.components.schemas.SearchResponse).toEqual(jsonSchema(SearchResponseSchema, 'output'));
  });

  it('marks operations as needing the key only when the server has one, and stays readable without it', async () => {
    expect(doc.paths['/api/search']!.get!.security).toBeUndefined();
    const r = await getJson(keyed.url + '/api/openapi.json');
    expect(r.status).toBe(200);
    const k = r.body as unknown as Doc;
    expect(k.paths['/api/search']!.get!.security).toEqual([{ bearerAuth: [] }]);
    expect(k.paths['/api/search']!.get!.responses).toHaveProperty('401');
    expect(k.paths['/health']!.get!.security).toBeUndefined();
  });
});

describe('GET /docs', () => {
  it('renders every operation and parameter from the document, with nothing loaded from elsewhere', async () => {
    const r = await fetch(open.url + '/docs');
    const html = await r.text();
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/html/);
    const doc = (await getJson(open.url + '/api/openapi.json')).body as unknown as Doc;
    for (const [p, ops] of Object.entries(doc.paths)) {
      for (const [m, op] of Object.entries(ops)) {
        expect(html).toContain(`${m.toUpperCase()} ${p}`);
        for (const param of op.parameters ?? []) expect(html).toContain(`<code>${param.name}</code>`);
      }
    }
    for (const name of Object.keys(doc.components.schemas)) expect(html).toContain(`id="schema-${name}"`);
    // Works offline: no script at all, and no stylesheet, image or script from another host.
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//i);
  });

  it('/api sends people to the readable reference, key or not', async () => {
    const r = await fetch(keyed.url + '/api', { redirect: 'manual' });
    expect(r.status).toBe(302);
    expect(r.headers.get('location')).toBe('/docs');
  });
});

describe('GET /api/stats', () => {
  it('reports papers, model, build and size on disk matching the index files', async () => {
    const r = await getJson(open.url + '/api/stats');
    expect(r.status).toBe(200);
    const stats = StatsSchema.parse(r.body);
    const build = resolveBuildDir(indexDir)!;
    const manifest = open.searcher.index.manifest;
    const sqlite = statSync(path.join(build, manifest.segments[0]!.sqlite.name)).size;
    const hnsw = statSync(path.join(build, manifest.segments[0]!.hnsw[0]!.name)).size;
    expect(stats).toMatchObject({
      papers: 45,
      model: { id: 'test-tiny', dims: 32, backend: 'transformers' },
      build: { id: manifest.buildId, createdAt: manifest.createdAt },
      index: { sqliteBytes: sqlite, hnswBytes: hnsw, sizeBytes: sqlite + hnsw },
    });
    expect(Number.isNaN(Date.parse(stats.build.createdAt))).toBe(false);
    // The operator's file layout is not the client's business.
    expect(r.text).not.toContain(indexDir);
  });
});

describe('responses match their documented schemas exactly', () => {
  const noExtraKeys = (body: Record<string, unknown>, schema: { shape: Record<string, unknown> }) =>
    expect(Object.keys(body).filter((k) => !(k in schema.shape))).toEqual([]);

  it('search, paper, related, recommend and health', async () => {
    const search = await getJson(open.url + '/api/search?q=pipeline+parallel+training&explain=true&limit=3');
    SearchResponseSchema.parse(search.body);
    noExtraKeys(search.body, SearchResponseSchema);
    const id = (search.body.results as { id: string }[])[0]!.id;
    const paper = await getJson(open.url + '/api/papers/' + id);
    PaperSchemaOut.parse(paper.body);
    noExtraKeys(paper.body, PaperSchemaOut);
    const related = await getJson(`${open.url}/api/papers/${id}/related?limit=3`);
    RelatedResponseSchema.parse(related.body);
    const rec = await getJson(open.url + '/api/recommend', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ positive: [id] }),
    });
    RecommendResponseSchema.parse(rec.body);
    HealthSchema.parse((await getJson(open.url + '/health')).body);
  });
});
