// Request ids, one JSON log line per request, Prometheus metrics per route pattern, and graceful shutdown (in process and on SIGTERM).
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Embedder } from '../../src/embed/embedder.js';
import { ROOT, buildTemp, removeTempDirs, tempDir, tinyEmbedder, tinyModelDir } from '../helpers.js';
import { type Served, controlledEmbedder, getJson, serveWith } from './api-fixtures.js';

let emb: Embedder;
let indexDir: string;
let server: Served;
let paperId: string;

beforeAll(async () => {
  emb = await tinyEmbedder();
  ({ indexDir } = await buildTemp(emb));
  server = await serveWith(indexDir, emb, { logRequests: true });
  paperId = ((await getJson(server.url + '/api/search?q=gpu&limit=1')).body.results as { id: string }[])[0]!.id;
});
afterAll(async () => {
  await server?.close();
  await emb?.dispose();
  await removeTempDirs();
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('request ids', () => {
  it('gives every response a fresh id, errors included', async () => {
    const a = await fetch(server.url + '/api/stats');
    const b = await fetch(server.url + '/api/papers/nope-000000');
    const c = await fetch(server.url + '/nowhere');
    const ids = [a, b, c].map((r) => r.headers.get('x-request-id') ?? '');
    for (const id of ids) expect(id).toMatch(UUID);
    expect(new Set(ids).size).toBe(3);
    expect(b.status).toBe(404);
  });

  it('keeps a sane incoming id and replaces one that is not', async () => {
    const kept = await fetch(server.url + '/health', { headers: { 'x-request-id': 'lb-7f3a.42:abc' } });
    expect(kept.headers.get('x-request-id')).toBe('lb-7f3a.42:abc');
    for (const bad of ['has spaces in it', 'x'.repeat(129), '<script>', 'a"b']) {
      const r = await fetch(server.url + '/health', { headers: { 'x-request-id': bad } });
      expect(r.headers.get('x-request-id')).toMatch(UUID);
    }
  });
});

describe('request logs', () => {
  it('writes one JSON line per request with id, method, route pattern, status and duration', async () => {
    server.logs.length = 0;
    const r1 = await fetch(`${server.url}/api/papers/${paperId}/related?limit=2`, { headers: { 'x-request-id': 'trace-1' } });
    const r2 = await fetch(server.url + '/api/search?q=' + 'x'.repeat(5000));
    const r3 = await fetch(server.url + '/no/such/page');
    expect([r1.status, r2.status, r3.status]).toEqual([200, 400, 404]);
    const lines = server.logs.filter((l) => l.msg === 'request');
    expect(lines).toHaveLength(3);
    // Each entry survives a JSON round trip (it is what the server writes, one per line).
    for (const l of lines) expect(JSON.parse(JSON.stringify(l))).toEqual(l);
    expect(lines[0]).toMatchObject({ requestId: 'trace-1', method: 'GET', route: '/api/papers/:id/related', status: 200, level: 'info' });
    expect(lines[1]).toMatchObject({ method: 'GET', route: '/api/search', status: 400, level: 'warn', requestId: r2.headers.get('x-request-id') });
    expect(lines[2]).toMatchObject({ route: '(unmatched)', status: 404 });
    for (const l of lines) {
      expect(typeof l.ms).toBe('number');
      expect(l.ms as number).toBeGreaterThanOrEqual(0);
      expect(Number.isNaN(Date.parse(l.time as string))).toBe(false);
      // The raw path (ids, query text) stays out of the route field.
      expect(JSON.stringify(l)).not.toContain('xxxxxxxxxx');
    }
  });

  it('logs nothing per request when logRequests is off', async () => {
    const quiet = await serveWith(indexDir, emb, { logRequests: false });
    try {
      await fetch(quiet.url + '/api/stats');
      expect(quiet.logs.filter((l) => l.msg === 'request')).toEqual([]);
    } finally {
      await quiet.close();
    }
  });
});

describe('GET /metrics', () => {
  it('counts requests and latency per route pattern, never per raw path', async () => {
    const m = await serveWith(indexDir, emb);
    try {
      await fetch(m.url + '/api/search?q=pipeline');
      await fetch(m.url + '/api/search?q=memory&mode=semantic');
      await fetch(m.url + '/api/search?q=memory&mode=keyword');
      await fetch(`${m.url}/api/papers/${paperId}/related`);
      await fetch(`${m.url}/api/papers/${paperId}`);
      await fetch(m.url + '/api/papers/nope-000000');
      const r = await fetch(m.url + '/metrics');
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      const text = await r.text();
      expect(text).toContain('paperscope_http_requests_total{method="GET",route="/api/search",status="200"} 3');
      expect(text).toContain('paperscope_http_requests_total{method="GET",route="/api/papers/:id/related",status="200"} 1');
      expect(text).toContain('paperscope_http_requests_total{method="GET",route="/api/papers/:id",status="200"} 1');
      expect(text).toContain('paperscope_http_requests_total{method="GET",route="/api/papers/:id",status="404"} 1');
      expect(text).toContain('paperscope_http_request_duration_seconds_bucket{le="+Inf",method="GET",route="/api/search"} 3');
      expect(text).toMatch(/paperscope_http_request_duration_seconds_sum\{method="GET",route="\/api\/search"\} \d/);
      expect(text).not.toContain(paperId);
      // Hybrid and semantic embed the query; keyword does not.
      expect(text).toContain('paperscope_query_embedding_seconds_count 2');
      expect(text).toContain('paperscope_query_embedding_seconds_bucket{le="+Inf"} 2');
      expect(text).toContain(`paperscope_index_size_bytes ${m.searcher.index.sizeBytes}`);
      expect(text).toContain('paperscope_papers 45');
      expect(text).toMatch(/paperscope_index_info\{build="[^"]+",model="test-tiny",dims="32"\} 1/);
    } finally {
      await m.close();
    }
  });

  it('includes process metrics (resident memory) by default', async () => {
    const m = await serveWith(indexDir, emb, {}, { processMetrics: true });
    try {
      const text = await (await fetch(m.url + '/metrics')).text();
      expect(text).toMatch(/^process_resident_memory_bytes \d+/m);
      expect(text).toMatch(/^nodejs_eventloop_lag_seconds /m);
    } finally {
      await m.close();
    }
  });
});

/** A request on a fresh connection (no pooled socket), to see whether the server still accepts. */
const freshConnection = (url: string): Promise<number> =>
  new Promise((resolve, reject) => {
    const req = request(url, { agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });

describe('graceful shutdown', () => {
  it('close() refuses new connections but lets an in-flight request finish, then resolves', async () => {
    const slow = controlledEmbedder(emb);
    const s = await serveWith(indexDir, slow);
    const gate = slow.gate();
    const inFlight = getJson(s.url + '/api/search?q=gpu+memory&limit=3');
    await gate.started;
    const events: string[] = [];
    const closed = s.close().then(() => events.push('closed'));
    await expect(freshConnection(s.url + '/health')).rejects.toThrow(/ECONNREFUSED/);
    expect(events).toEqual([]);
    gate.release();
    const r = await inFlight;
    events.push('response');
    await closed;
    expect(r.status).toBe(200);
    expect((r.body.results as unknown[]).length).toBe(3);
    expect(events).toEqual(['response', 'closed']);
  });

  it('on SIGTERM the server process finishes the in-flight request and exits 0', async () => {
    const dir = await tempDir('paperscope-sigterm-');
    const release = path.join(dir, 'release');
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'test/integration/fixtures/slow-server.ts'), indexDir, await tinyModelDir(), release], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    const nextLine = async (): Promise<string> => {
      const n = await lines.next();
      if (n.done) throw new Error(`server exited early: ${stderr}`);
      return n.value;
    };
    try {
      const url = (await nextLine()).replace(/^LISTENING /, '');
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const inFlight = getJson(url + '/api/search?q=parallel+training&limit=2');
      expect(await nextLine()).toBe('IN_FLIGHT');
      child.kill('SIGTERM');
      await expect.poll(() => stderr, { timeout: 30_000 }).toContain('SIGTERM: no new connections');
      await writeFile(release, 'go');
      const r = await inFlight;
      expect(r.status).toBe(200);
      expect((r.body.results as unknown[]).length).toBe(2);
      expect(await exited).toBe(0);
      expect(stderr).toContain('all requests finished');
    } finally {
      child.kill('SIGKILL');
    }
  });
});
