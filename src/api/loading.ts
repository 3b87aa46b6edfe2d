// The port answers while the index and model load: /health says "loading" (503) so a load balancer waits, every other request gets 503 problem+json.
import { Hono } from 'hono';
import type { Env } from 'hono';
import { AppError } from '../errors.js';
import { problemResponse, toProblem } from './problem.js';
import type { Health } from './schemas.js';

export interface FrontApp {
  /** The app to listen with. */
  app: Hono;
  /** From now on every request goes to the real app. */
  ready<E extends Env>(app: Hono<E>): void;
}

/** `loading` describes what is being opened (read from the manifest before the slow part starts). */
export function loadingFront(loading: Omit<Health, 'status'>): FrontApp {
  let target: Hono<Env> | undefined;
  const front = new Hono();
  front.all('*', (c) => {
    if (target) return target.fetch(c.req.raw, c.env as object);
    // A client may retry in a second; the load balancer tries another replica (proxy_next_upstream http_503).
    if (c.req.path === '/health') return c.json({ status: 'loading', ...loading } satisfies Health, 503, { 'retry-after': '1' });
    return problemResponse(c, toProblem(new AppError('NOT_READY', 'the index is loading'), c.req.path), { 'retry-after': '1' });
  });
  return { app: front, ready: (app) => void (target = app as unknown as Hono<Env>) };
}
