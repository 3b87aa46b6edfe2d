// Safety for a public endpoint: API key, rate limit, body/query/range limits, timeout, CORS, no leaks in errors, security headers.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyMatches } from '../../src/api/auth.js';
import { TokenBuckets } from '../../src/api/rate-limit.js';
import type { Embedder } from '../../src/embed/embedder.js';
import { AppError } from '../../src/errors.js';
import { buildTemp, removeTempDirs, tinyEmbedder } from '../helpers.js';
import { type Served, controlledEmbedder, getJson, serveWith } from './api-fixtures.js';

let emb: Embedder;
let indexDir: string;
let paperId: string;
const KEY = 'k3y-for-tests-0123456789';

beforeAll(async () => {
  emb = await tinyEmbedder();
  ({ indexDir } = await buildTemp(emb));
  const s = await serveWith(indexDir, emb);
  paperId = ((await getJson(s.url + '/api/search?q=gpu&limit=1')).body.results as { id: string }[])[0]!.id;
  await s.close();
});
afterAll(async () => {
  await emb?.dispose();
  await removeTempDirs();
});

/** Runs `fn` against a server with these settings, then closes it. */
async function withServer(settings: Parameters<typeof serveWith>[2], fn: (s: Served) => Promise<void>, embedder: Embedder = emb): Promise<void> {
  const s = await serveWith(indexDir, embedder, settings);
  try {
    await fn(s);
  } finally {
    await s.close();
  }
}

const expectProblem = (r: { status: number; headers: Headers; body: Record<string, unknown> }, status: number) => {
  expect(r.status).toBe(status);
  expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(r.body).toMatchObject({ status, type: expect.any(String), title: expect.any(String), detail: expect.any(String) });
};

describe('API key', () => {
  it('compares keys through hashes of equal length', () => {
    const expected = createHash('sha256').update(KEY).digest();
    expect(keyMatches(KEY, expected)).toBe(true);
    expect(keyMatches(KEY.slice(0, -1) + 'x', expected)).toBe(false);
    expect(keyMatches('short', expected)).toBe(false);
    expect(keyMatches(KEY + KEY, expected)).toBe(false);
  });

  it('when set, /api/* needs Authorization: Bearer <key> and answers 401 problem+json with WWW-Authenticate', () =>
    withServer({ apiKey: KEY }, async (s) => {
      const none = await getJson(s.url + '/api/search?q=gpu');
      expectProblem(none, 401);
      expect(none.headers.get('www-authenticate')).toBe('Bearer realm="paperscope"');
      for (const auth of [`Bearer ${KEY.slice(0, -1)}x`, 'Bearer short', `Basic ${Buffer.from('u:' + KEY).toString('base64')}`, `Bearer ${KEY} extra`, KEY]) {
        const r = await getJson(s.url + '/api/search?q=gpu', { headers: { authorization: auth } });
        expectProblem(r, 401);
        expect(r.headers.get('www-authenticate')).toMatch(/^Bearer realm="paperscope", error="invalid_token"$/);
        expect(r.text).not.toContain(KEY);
      }
      for (const auth of [`Bearer ${KEY}`, `bearer ${KEY}`]) {
        expect((await fetch(s.url + '/api/search?q=gpu', { headers: { authorization: auth } })).status).toBe(200);
      }
      // Checked before the body is read: an unauthenticated POST gets 401, not a validation error.
      const post = await getJson(s.url + '/api/recommend', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"positive":[]}' });
      expectProblem(post, 401);
      expect((await fetch(`${s.url}/api/papers/${paperId}/related`, { headers: { authorization: `Bearer ${KEY}` } })).status).toBe(200);
      expect((await fetch(s.url + '/api/stats')).status).toBe(401);
    }));

  it('when set, /metrics needs it too, while pages, assets, docs, the OpenAPI document and /health stay open', () =>
    withServer({ apiKey: KEY }, async (s) => {
      expect((await fetch(s.url + '/metrics')).status).toBe(401);
      expect((await fetch(s.url + '/metrics', { headers: { authorization: `Bearer ${KEY}` } })).status).toBe(200);
      for (const p of ['/', '/?q=gpu', `/papers/${paperId}`, '/assets/app.css', '/assets/favicon.svg', '/docs', '/api/openapi.json', '/health']) {
        expect((await fetch(s.url + p)).status, p).toBe(200);
      }
    }));

  it('when unset, the API is open', () =>
    withServer({}, async (s) => {
      expect((await fetch(s.url + '/api/search?q=gpu')).status).toBe(200);
      expect((await fetch(s.url + '/metrics')).status).toBe(200);
      // A stray Authorization header does no harm.
      expect((await fetch(s.url + '/api/stats', { headers: { authorization: 'Bearer whatever' } })).status).toBe(200);
    }));
});

describe('rate limit', () => {
  it('TokenBuckets: bursts, refills with time, keeps clients apart and bounds its memory', () => {
    let now = 0;
    const b = new TokenBuckets(60, 2, () => now, 10);
    expect(b.take('a')).toEqual({ ok: true, remaining: 1 });
    expect(b.take('a')).toEqual({ ok: true, remaining: 0 });
    expect(b.take('a')).toEqual({ ok: false, retryAfterS: 1 });
    expect(b.take('b').ok).toBe(true);
    now += 1000;
    expect(b.take('a').ok).toBe(true);
    expect(b.take('a').ok).toBe(false);
    now += 60_000;
    expect(b.take('a')).toEqual({ ok: true, remaining: 1 });
    for (let i = 0; i < 100; i++) b.take(`client-${i}`);
    expect(b.size).toBeLessThanOrEqual(10);
    const slow = new TokenBuckets(1, 1, () => now);
    slow.take('x');
    expect(slow.take('x')).toEqual({ ok: false, retryAfterS: 60 });
  });

  it('answers 429 problem+json with Retry-After once a client has used its burst; /health stays open', () =>
    withServer({ rateLimitPerMinute: 1, rateLimitBurst: 3 }, async (s) => {
      for (let i = 0; i < 3; i++) expect((await fetch(s.url + '/api/stats')).status).toBe(200);
      const r = await getJson(s.url + '/api/search?q=gpu');
      expectProblem(r, 429);
      const retry = Number(r.headers.get('retry-after'));
      expect(Number.isInteger(retry)).toBe(true);
      expect(retry).toBeGreaterThanOrEqual(1);
      expect(retry).toBeLessThanOrEqual(60);
      // Pages share the client's budget and say so in HTML.
      const page = await fetch(s.url + '/?q=gpu');
      expect(page.status).toBe(429);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      expect(page.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(await page.text()).toContain('Too many requests');
      expect((await fetch(s.url + '/health')).status).toBe(200);
      expect((await fetch(s.url + '/assets/app.css')).status).toBe(200);
    }));

  it('is off when rateLimitPerMinute is 0', () =>
    withServer({ rateLimitPerMinute: 0, rateLimitBurst: 1 }, async (s) => {
      const statuses = await Promise.all(Array.from({ length: 40 }, () => fetch(s.url + '/api/stats').then((r) => r.status)));
      expect(statuses.every((x) => x === 200)).toBe(true);
    }));
});

describe('limits', () => {
  it('rejects a body over maxBodyBytes with 413, declared or streamed', () =>
    withServer({ maxBodyBytes: 1024 }, async (s) => {
      const big = JSON.stringify({ q: 'gpu '.repeat(400) });
      expect(big.length).toBeGreaterThan(1024);
      const declared = await getJson(s.url + '/api/search', { method: 'POST', headers: { 'content-type': 'application/json' }, body: big });
      expectProblem(declared, 413);
      // Chunked, without content-length: counted as it arrives.
      const stream = new ReadableStream<Uint8Array>({
        start(c) {
          for (let i = 0; i < 4; i++) c.enqueue(new TextEncoder().encode(big.slice(i * 512, (i + 1) * 512)));
          c.close();
        },
      });
      const chunked = await getJson(s.url + '/api/search', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: stream,
        duplex: 'half',
      } as RequestInit);
      expectProblem(chunked, 413);
      const small = await getJson(s.url + '/api/search', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"q":"gpu","limit":2}' });
      expect(small.status).toBe(200);
    }));

  it('rejects an over-long query and out-of-range limit/offset with 400', () =>
    withServer({}, async (s) => {
      expectProblem(await getJson(s.url + '/api/search?q=' + 'a'.repeat(4097)), 400);
      expectProblem(await getJson(s.url + '/api/search?q=a&limit=101'), 400);
      expectProblem(await getJson(s.url + '/api/search?q=a&offset=1001'), 400);
      expectProblem(await getJson(`${s.url}/api/papers/${paperId}/related?limit=0`), 400);
      expectProblem(await getJson(s.url + '/api/papers/' + 'x'.repeat(201)), 400);
    }));

  it('answers 503 problem+json when a request outlives requestTimeoutMs (HTML on pages)', async () => {
    const slow = controlledEmbedder(emb);
    await withServer(
      { requestTimeoutMs: 100 },
      async (s) => {
        const gate = slow.gate();
        // (The abort only keeps a broken timeout from hanging the suite; it is far above the 100 ms under test.)
        const r = await getJson(s.url + '/api/search?q=gpu', { signal: AbortSignal.timeout(20_000) });
        expectProblem(r, 503);
        expect(r.body.title).toBe('Request timed out');
        await gate.started;
        gate.release();
        const gate2 = slow.gate();
        // Another query: "gpu" is now in the searcher's query-embedding cache and would not wait on the embedder.
        const page = await fetch(s.url + '/?q=tpu', { signal: AbortSignal.timeout(20_000) });
        expect(page.status).toBe(503);
        expect(page.headers.get('content-type')).toMatch(/^text\/html/);
        gate2.release();
        // Requests that need no embedding are unaffected.
        expect((await fetch(s.url + '/api/stats')).status).toBe(200);
      },
      slow,
    );
  });
});

describe('CORS', () => {
  const preflight = (url: string, origin: string) =>
    fetch(url, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' } });

  it('is off by default: no Access-Control headers for any origin', () =>
    withServer({}, async (s) => {
      const r = await fetch(s.url + '/api/search?q=gpu', { headers: { origin: 'https://elsewhere.example' } });
      expect(r.status).toBe(200);
      expect(r.headers.get('access-control-allow-origin')).toBeNull();
      expect((await preflight(s.url + '/api/search', 'https://elsewhere.example')).headers.get('access-control-allow-origin')).toBeNull();
    }));

  it('allows only the configured origins, and preflights pass before the key is asked for', () =>
    withServer({ corsOrigins: 'https://lab.example.org, https://app.example.org', apiKey: KEY }, async (s) => {
      const pre = await preflight(s.url + '/api/search', 'https://lab.example.org');
      expect(pre.status).toBe(204);
      expect(pre.headers.get('access-control-allow-origin')).toBe('https://lab.example.org');
      expect(pre.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization');
      const ok = await fetch(s.url + '/api/search?q=gpu', { headers: { origin: 'https://app.example.org', authorization: `Bearer ${KEY}` } });
      expect(ok.status).toBe(200);
      expect(ok.headers.get('access-control-allow-origin')).toBe('https://app.example.org');
      expect(ok.headers.get('access-control-expose-headers')?.toLowerCase()).toContain('x-request-id');
      const other = await fetch(s.url + '/api/search?q=gpu', { headers: { origin: 'https://evil.example', authorization: `Bearer ${KEY}` } });
      expect(other.headers.get('access-control-allow-origin')).toBeNull();
    }));
});

describe('errors never leak internals', () => {
  const SECRET_PATH = '/srv/secret-models/onnx/model.onnx';

  it('an unexpected error is a generic 500 (API: problem+json, page: HTML); the details go to the log only', async () => {
    const failing = controlledEmbedder(emb, { fail: new Error(`ENOENT: no such file or directory, open '${SECRET_PATH}'`) });
    const s = await serveWith(indexDir, failing);
    try {
      const api = await getJson(s.url + '/api/search?q=gpu');
      expectProblem(api, 500);
      const page = await fetch(s.url + '/?q=gpu');
      expect(page.status).toBe(500);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      for (const body of [api.text, await page.text()]) {
        expect(body).not.toContain('secret-models');
        expect(body).not.toContain('ENOENT');
        expect(body).not.toMatch(/\bat .+:\d+:\d+/); // stack frames
        expect(body).not.toMatch(/\.(ts|js|tsx):\d+/);
        expect(body).not.toContain(indexDir);
      }
      const logged = s.logs.filter((l) => l.level === 'error');
      expect(logged).toHaveLength(2);
      expect(logged[0]).toMatchObject({ requestId: api.headers.get('x-request-id'), error: expect.stringContaining(SECRET_PATH) });
      expect(String(logged[0]!.stack)).toMatch(/\n\s+at /);
    } finally {
      await s.close();
    }
  });

  it('a 5xx AppError keeps its category but not its message (which names server files)', async () => {
    const failing = controlledEmbedder(emb, { fail: new AppError('INDEX_CORRUPT', `index ${SECRET_PATH} is incomplete`) });
    const s = await serveWith(indexDir, failing);
    try {
      const r = await getJson(s.url + '/api/search?q=gpu&mode=semantic');
      expectProblem(r, 503);
      expect(r.text).not.toContain('secret-models');
    } finally {
      await s.close();
    }
  });
});

describe('security headers', () => {
  it('pages forbid inline script and framing, and never sniff or leak the query as a referrer', () =>
    withServer({}, async (s) => {
      for (const p of ['/', '/?q=gpu', `/papers/${paperId}`, '/docs', '/no/such/page']) {
        const r = await fetch(s.url + p);
        const csp = r.headers.get('content-security-policy') ?? '';
        expect(r.headers.get('content-type'), p).toMatch(/^text\/html/);
        expect(csp).toContain("script-src 'self'");
        expect(csp).toContain("style-src 'self'");
        expect(csp).toContain("frame-ancestors 'none'");
        expect(csp).not.toContain('unsafe-inline');
        expect(r.headers.get('x-content-type-options')).toBe('nosniff');
        expect(r.headers.get('referrer-policy')).toBe('no-referrer');
        expect(r.headers.get('x-frame-options')).toBe('DENY');
      }
    }));

  it('JSON responses get a policy that loads nothing', () =>
    withServer({}, async (s) => {
      for (const p of ['/api/search?q=gpu', '/api/nope', '/health']) {
        const r = await fetch(s.url + p);
        expect(r.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'");
        expect(r.headers.get('x-content-type-options')).toBe('nosniff');
      }
    }));
});
