// Optional bearer-token guard for the API: constant-time comparison, 401 problem+json with WWW-Authenticate.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { AppError } from '../errors.js';
import { problemResponse, toProblem, type Problem } from './problem.js';

// Hashing both sides first gives equal-length buffers, so timingSafeEqual never throws and the key's length does not leak.
const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

export function keyMatches(given: string, expected: Buffer): boolean {
  return timingSafeEqual(digest(given), expected);
}

const BEARER = /^Bearer +([^\s]+) *$/i;

export interface AuthOptions {
  /** A header that may carry the key as it is, besides `Authorization: Bearer` (Semantic Scholar clients send `x-api-key`). */
  keyHeader?: string;
  /** Semantic Scholar answers a bad key with 403 and no challenge; the default is 401 with one (RFC 6750). */
  forbidden?: boolean;
  /** How to render the problem (the S2 routes add S2's `error` member). */
  respond?: (c: Context, problem: Problem, headers: Record<string, string>) => Response;
}

export function bearerAuth(apiKey: string, exempt: (path: string) => boolean, opts: AuthOptions = {}): MiddlewareHandler {
  const expected = digest(apiKey);
  const respond = opts.respond ?? problemResponse;
  return async (c, next) => {
    if (exempt(c.req.path)) return next();
    const header = c.req.header('authorization');
    const alt = opts.keyHeader ? c.req.header(opts.keyHeader) : undefined;
    const tokens = [header ? BEARER.exec(header)?.[1] : undefined, alt];
    if (tokens.some((t) => t !== undefined && keyMatches(t, expected))) return next();
    const sent = header !== undefined || alt !== undefined;
    const problem = toProblem(
      new AppError(opts.forbidden ? 'FORBIDDEN' : 'UNAUTHORIZED', sent ? 'the API key is not valid' : `this API needs a key: send Authorization: Bearer <key>${opts.keyHeader ? ` or ${opts.keyHeader}: <key>` : ''}`),
      c.req.path,
    );
    if (opts.forbidden) return respond(c, problem, {});
    // RFC 6750: say which scheme, and that a token was wrong (not just missing) when one was sent.
    const challenge = header ? 'Bearer realm="paperscope", error="invalid_token"' : 'Bearer realm="paperscope"';
    return respond(c, problem, { 'www-authenticate': challenge });
  };
}
