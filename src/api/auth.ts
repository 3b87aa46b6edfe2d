// Optional bearer-token guard for the API: constant-time comparison, 401 problem+json with WWW-Authenticate.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { AppError } from '../errors.js';
import { problemResponse, toProblem } from './problem.js';

// Hashing both sides first gives equal-length buffers, so timingSafeEqual never throws and the key's length does not leak.
const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

export function keyMatches(given: string, expected: Buffer): boolean {
  return timingSafeEqual(digest(given), expected);
}

const BEARER = /^Bearer +([^\s]+) *$/i;

export function bearerAuth(apiKey: string, exempt: (path: string) => boolean): MiddlewareHandler {
  const expected = digest(apiKey);
  return async (c, next) => {
    if (exempt(c.req.path)) return next();
    const header = c.req.header('authorization');
    const token = header ? BEARER.exec(header)?.[1] : undefined;
    if (token !== undefined && keyMatches(token, expected)) return next();
    const problem = toProblem(
      new AppError('UNAUTHORIZED', header ? 'the API key is not valid' : 'this API needs a key: send Authorization: Bearer <key>'),
      c.req.path,
    );
    // RFC 6750: say which scheme, and that a token was wrong (not just missing) when one was sent.
    const challenge = header ? 'Bearer realm="paperscope", error="invalid_token"' : 'Bearer realm="paperscope"';
    return problemResponse(c, problem, { 'www-authenticate': challenge });
  };
}
