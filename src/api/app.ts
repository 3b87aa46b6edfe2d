// createApp(deps): the Hono application (API, pages, safety and observability middleware); it never listens, so tests and the server share it.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { PROJECT_ROOT, type Config } from '../config.js';
import { AppError } from '../errors.js';
import { paperCard, type Searcher, type SortOrder } from '../search/searcher.js';
import { manifestBytes, type PaperRow } from '../store/index.js';
import { errorPage, registerPages } from '../web/pages.js';
import { bearerAuth } from './auth.js';
import { createMetrics, observeQueryEmbedding, type Metrics } from './metrics.js';
import { requestContext, requestTimeout, securityHeaders } from './middleware.js';
import { documentedMethods, openApiDocument, type OpenApiDocument } from './openapi.js';
import { type Problem, problemResponse, toProblem } from './problem.js';
import { TokenBuckets, rateLimit } from './rate-limit.js';
import type { Readiness } from '../runtime.js';
import { jsonBody, parse } from './request.js';
import { isS2Path, s2ProblemResponse, s2Routes } from './s2.js';
import { type Health, PaperIdSchema, RecommendBodySchema, RelatedQuerySchema, SearchBodySchema, SearchQuerySchema, queryObject, toFilters, type Stats } from './schemas.js';

export interface AppDeps {
  searcher: Searcher;
  config: Config;
  /** Structured log line sink (one JSON object per line): request lines (when config.logRequests) and errors. */
  log?: (entry: Record<string, unknown>) => void;
  /** Process metrics (RSS, event loop, GC) in /metrics; tests that create many apps turn them off. */
  processMetrics?: boolean;
  /** Readiness for /health (the index watcher's); absent: always ready. */
  health?: () => Readiness;
}

export interface PaperscopeApp extends Hono<AppEnv> {
  metrics: Metrics;
}

const VERSION = (() => {
  try {
    return (JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version?: string }).version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
})();

/** Paths outside the API's guards: liveness for load balancers, and static assets that pages need. */
const isHealth = (p: string): boolean => p === '/health';
const isAsset = (p: string): boolean => p.startsWith('/assets/');
/** Client-facing JSON (problem+json errors); everything else is a page and gets HTML errors. */
const isApiPath = (p: string): boolean => p === '/api' || p.startsWith('/api/') || p === '/metrics' || p === '/health';

export type AppEnv = { Variables: { requestId: string; route?: string } };

export const paperJson = (p: PaperRow) => ({ ...paperCard(p), abstract: p.abstract, doi: p.doi ?? null });

export function createApp(deps: AppDeps): PaperscopeApp {
  const { searcher, config } = deps;
  const log = deps.log ?? (() => {});
  const app = new Hono<AppEnv>() as PaperscopeApp;
  const metrics = createMetrics(searcher, { processMetrics: deps.processMetrics ?? true });
  app.metrics = metrics;
  observeQueryEmbedding(searcher, (s) => metrics.observeEmbedding(s));
  const auth = !!config.apiKey;
  let openapi: OpenApiDocument | undefined;
  const openapiDoc = (): OpenApiDocument => (openapi ??= openApiDocument({ version: VERSION, auth }));

  /** Errors in each client's terms: S2's shape on its compatible routes, problem+json on the API, an HTML page elsewhere. */
  const renderProblem = (c: Context, problem: Problem, headers: Record<string, string> = {}) =>
    isS2Path(c.req.path) ? s2ProblemResponse(c, problem, headers) : isApiPath(c.req.path) ? problemResponse(c, problem, headers) : errorPage(c, searcher, problem);

  app.onError((err, c) => {
    const problem = toProblem(err, c.req.path);
    // The full error (message, code, stack) goes to the log only; the client gets the category and the request id.
    if (problem.status >= 500) {
      log({ time: new Date().toISOString(), level: 'error', msg: 'request failed', requestId: c.get('requestId'), path: c.req.path, error: err.message, code: (err as AppError).code, stack: err.stack });
    }
    return renderProblem(c, problem);
  });
  app.notFound((c) => {
    // A documented path asked with another method: 405 and what it allows (RFC 9110), not a 404.
    const allow = isApiPath(c.req.path) || isS2Path(c.req.path) ? documentedMethods(openapiDoc(), c.req.path) : [];
    if (allow.length && !allow.includes(c.req.method)) {
      const problem = toProblem(new AppError('METHOD_NOT_ALLOWED', `${c.req.path} answers ${allow.join(', ')}, not ${c.req.method}`), c.req.path);
      return renderProblem(c, problem, { allow: allow.join(', ') });
    }
    const problem = toProblem(new AppError('NOT_FOUND', `no route for ${c.req.method} ${c.req.path}`), c.req.path);
    return renderProblem(c, problem);
  });

  // Order matters: the request id and log wrap everything (so 401/413/429 are logged and carry the id), CORS
  // answers preflights before the key is asked for, and the timeout wraps the handlers only.
  app.use('*', requestContext({ log: config.logRequests ? log : undefined, metrics }));
  app.use('*', securityHeaders());
  if (config.corsOrigins.length) {
    app.use(
      '/api/*',
      cors({
        origin: [...config.corsOrigins],
        allowMethods: ['GET', 'POST', 'OPTIONS'],
        allowHeaders: ['Authorization', 'Content-Type', 'X-Request-Id'],
        exposeHeaders: ['X-Request-Id', 'Retry-After'],
        maxAge: 600,
      }),
    );
  }
  if (config.rateLimitPerMinute > 0) {
    const buckets = new TokenBuckets(config.rateLimitPerMinute, config.rateLimitBurst);
    app.use(
      '*',
      rateLimit(
        buckets,
        (p) => isHealth(p) || isAsset(p) || p === '/metrics',
        renderProblem,
      ),
    );
  }
  if (config.apiKey) {
    // /metrics is behind the key too: request counts and latencies describe the service's traffic, which a
    // public endpoint should not publish (Prometheus sends the key with `authorization: {credentials: ...}`).
    // The OpenAPI document stays open: it is the same text as the public /docs page and says how to authenticate.
    const guard = bearerAuth(config.apiKey, (p) => p === '/api/openapi.json' || p === '/api');
    app.use('/api/*', guard);
    app.use('/metrics', guard);
  }
  app.use(
    '*',
    bodyLimit({
      maxSize: config.maxBodyBytes,
      onError: (c) => (isS2Path(c.req.path) ? s2ProblemResponse : problemResponse)(c, toProblem(new AppError('PAYLOAD_TOO_LARGE', `the body is larger than ${config.maxBodyBytes} bytes`), c.req.path)),
    }),
  );
  app.use('*', requestTimeout(config.requestTimeoutMs));

  const runSearch = async (c: Context, schema: typeof SearchQuerySchema | typeof SearchBodySchema, input: unknown) => {
    const q = parse(schema, input);
    const result = await searcher.search({
      q: q.q,
      mode: q.mode as 'hybrid' | 'semantic' | 'keyword',
      limit: q.limit,
      offset: q.offset,
      explain: q.explain,
      sort: q.sort as SortOrder,
      facets: q.facets,
      filters: toFilters(q),
    });
    return c.json(result);
  };

  app.get('/health', (c) => {
    const r = deps.health?.() ?? { status: 'ok' };
    const body: Health = { status: r.status, papers: searcher.index.papers.count(), model: searcher.modelId, build: searcher.index.manifest.buildId };
    if ('reason' in r) body.reason = r.reason;
    if ('pending' in r && r.pending) body.pending = r.pending;
    return c.json(body, r.status === 'ok' ? 200 : 503);
  });

  app.get('/api/search', (c) => runSearch(c, SearchQuerySchema, queryObject(c.req.queries())));
  app.post('/api/search', async (c) => runSearch(c, SearchBodySchema, await jsonBody(c)));

  // One wildcard route: ids may contain a slash (old arXiv ids like hep-th/9901001), so the path is split by hand.
  app.get('/api/papers/*', (c) => {
    // "/related" is looked for before decoding (the path keeps %2F encoded), so the id "x/related" stays reachable as x%2Frelated.
    const encoded = c.req.path.slice('/api/papers/'.length);
    const related = encoded.endsWith('/related');
    let rest: string;
    try {
      rest = decodeURIComponent(related ? encoded.slice(0, -'/related'.length) : encoded);
    } catch {
      throw new AppError('INVALID_INPUT', 'the paper id is not valid percent-encoding');
    }
    // Metrics and logs label requests by route: name the two operations this one pattern serves.
    c.set('route', related ? '/api/papers/:id/related' : '/api/papers/:id');
    const id = parse(PaperIdSchema, rest);
    if (!related) return c.json(paperJson(searcher.getPaper(id)));
    const q = parse(RelatedQuerySchema, queryObject(c.req.queries()));
    return c.json(searcher.related(id, { limit: q.limit, offset: q.offset }));
  });

  app.post('/api/recommend', async (c) => {
    const body = parse(RecommendBodySchema, await jsonBody(c));
    return c.json(searcher.recommend({ positive: body.positive, negative: body.negative, limit: body.limit, filters: toFilters(body.filters) }));
  });

  app.get('/api/stats', (c) => {
    const { manifest, sizeBytes, papers } = searcher.index;
    const stats: Stats = {
      papers: papers.count(),
      model: { id: manifest.model.modelId, backend: manifest.model.backend, dims: manifest.model.dims, maxTokens: manifest.model.maxTokens },
      build: { id: manifest.buildId, createdAt: manifest.createdAt, seconds: manifest.buildSeconds },
      index: { sizeBytes, sqliteBytes: manifestBytes(manifest).sqlite, hnswBytes: manifestBytes(manifest).hnsw, segments: manifest.segments.length, hnsw: manifest.hnsw },
    };
    return c.json(stats);
  });

  app.get('/api/openapi.json', (c) => c.json(openapiDoc()));
  // People type /api into the address bar: send them to the readable reference.
  app.get('/api', (c) => c.redirect('/docs', 302));

  app.get('/metrics', async (c) => c.body(await metrics.registry.metrics(), 200, { 'content-type': metrics.registry.contentType }));

  // The Semantic Scholar compatible subset (src/api/s2.ts): behind the same limits, key and timeout as /api/*.
  app.route('/', s2Routes({ searcher, config }));

  registerPages(app, { searcher, openapi: openapiDoc, auth });

  return app;
}
