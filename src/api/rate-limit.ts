// Per-client token buckets (burst capacity, steady refill) and the middleware that answers 429 with Retry-After.
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context, MiddlewareHandler } from 'hono';
import { AppError } from '../errors.js';
import { type Problem, problemResponse, toProblem } from './problem.js';

export type Take = { ok: true; remaining: number } | { ok: false; retryAfterS: number };

/**
 * One bucket per key: `burst` tokens at most, refilled at `perMinute` tokens a minute; a request costs one.
 * The clock is injectable so tests can move time without sleeping.
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly perMs: number;

  constructor(
    readonly perMinute: number,
    readonly burst: number,
    private readonly now: () => number = () => performance.now(),
    /** Keys kept at most: a flood of distinct addresses must not grow memory without bound. */
    private readonly maxKeys = 50_000,
  ) {
    this.perMs = perMinute / 60_000;
  }

  get size(): number {
    return this.buckets.size;
  }

  take(key: string): Take {
    const t = this.now();
    let b = this.buckets.get(key);
    if (b) {
      b.tokens = Math.min(this.burst, b.tokens + (t - b.at) * this.perMs);
      b.at = t;
    } else {
      if (this.buckets.size >= this.maxKeys) this.evict(t);
      b = { tokens: this.burst, at: t };
      this.buckets.set(key, b);
    }
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return { ok: true, remaining: Math.floor(b.tokens) };
    }
    return { ok: false, retryAfterS: Math.max(1, Math.ceil((1 - b.tokens) / this.perMs / 1000)) };
  }

  /** Drops buckets that have refilled (forgetting them changes nothing), then the oldest if still full. */
  private evict(t: number): void {
    for (const [k, b] of this.buckets) {
      if (b.tokens + (t - b.at) * this.perMs >= this.burst) this.buckets.delete(k);
    }
    const over = this.buckets.size - Math.floor(this.maxKeys * 0.9);
    if (over > 0) {
      let n = 0;
      for (const k of this.buckets.keys()) {
        if (n++ >= over) break;
        this.buckets.delete(k);
      }
    }
  }
}

/**
 * The client's address as the socket reports it. X-Forwarded-For is deliberately not trusted: any client can
 * set it, so honouring it would let one client spread its requests over invented addresses. Behind a reverse
 * proxy, rate-limit at the proxy (see docs/operations.md).
 */
export function clientAddress(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

export function rateLimit(
  buckets: TokenBuckets,
  exempt: (path: string) => boolean,
  /** How to answer (pages get an HTML page, the API problem+json); Retry-After is added either way. */
  respond: (c: Context, problem: Problem) => Response | Promise<Response> = (c, p) => problemResponse(c, p),
): MiddlewareHandler {
  return async (c, next) => {
    if (exempt(c.req.path)) return next();
    const r = buckets.take(clientAddress(c));
    if (!r.ok) {
      const problem = toProblem(
        new AppError('RATE_LIMITED', `Too many requests from your address: the limit is ${buckets.perMinute} a minute (bursts of ${buckets.burst}). Retry in ${r.retryAfterS} s.`),
        c.req.path,
      );
      const res = await respond(c, problem);
      res.headers.set('retry-after', String(r.retryAfterS));
      return res;
    }
    return next();
  };
}
