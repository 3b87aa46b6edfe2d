// Cross-cutting middleware: request id + one JSON log line + metrics per request, security headers, request timeout.
import { randomUUID } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import { AppError } from '../errors.js';
import type { Metrics } from './metrics.js';

/** An incoming x-request-id is kept (to correlate with a proxy's logs) only if it is short and plain: it goes into logs and headers. */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:@-]{1,128}$/;

export const UNMATCHED_ROUTE = '(unmatched)';

/**
 * The route pattern that answered (e.g. `/api/papers/:id{.+}/related`), never the raw path: metrics labels
 * must stay few. Middleware is registered with app.use (method ALL); the first matched route with a real
 * method is the handler that responds, because no handler of ours calls next().
 */
export function routeOf(c: Context<RouteEnv>): string {
  // A handler that serves several operations under one pattern names the one it served.
  return c.get('route') ?? matchedRoutes(c).find((r) => r.method !== 'ALL')?.path ?? UNMATCHED_ROUTE;
}

type RouteEnv = { Variables: { requestId: string; route?: string } };

export function requestContext(opts: { log?: ((entry: Record<string, unknown>) => void) | undefined; metrics: Metrics }): MiddlewareHandler<RouteEnv> {
  return async (c, next) => {
    const t0 = performance.now();
    const incoming = c.req.header('x-request-id');
    const requestId = incoming && SANE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
    c.set('requestId', requestId);
    await next();
    c.header('x-request-id', requestId);
    const ms = performance.now() - t0;
    const route = routeOf(c);
    const status = c.res.status;
    opts.metrics.observeRequest(c.req.method, route, status, ms / 1000);
    opts.log?.({
      time: new Date().toISOString(),
      level: status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info',
      msg: 'request',
      requestId,
      method: c.req.method,
      route,
      status,
      ms: Math.round(ms * 100) / 100,
    });
  };
}

/**
 * Pages may load scripts, styles and images from this origin only: no inline script, so injected markup
 * cannot run even if some escaping were missed. JSON and text get the strictest policy (they load nothing).
 */
export const PAGE_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
export const DATA_CSP = "default-src 'none'; frame-ancestors 'none'";

export function securityHeaders(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    const html = (c.res.headers.get('content-type') ?? '').startsWith('text/html');
    c.header('content-security-policy', html ? PAGE_CSP : DATA_CSP);
    c.header('x-content-type-options', 'nosniff');
    // Queries travel in page URLs (/?q=...): don't hand them to arXiv or any site a result links to.
    c.header('referrer-policy', 'no-referrer');
    c.header('x-frame-options', 'DENY');
    c.header('cross-origin-opener-policy', 'same-origin');
  };
}

/**
 * Fails a request that takes longer than `ms` with a 503 problem. The work itself is not cancelled (SQLite
 * and ONNX calls cannot be interrupted), but the client gets a definite answer and the connection is freed.
 */
export function requestTimeout(ms: number): MiddlewareHandler {
  return async (_c, next) => {
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new AppError('TIMEOUT', `the request took longer than ${ms} ms`)), ms);
    });
    try {
      await Promise.race([next(), expired]);
    } finally {
      clearTimeout(timer);
    }
  };
}
