// Maps every error to an RFC 9457 problem+json response, in one place; never leaks a stack trace or a file path.
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { z } from 'zod';
import { AppError, type ErrorCode } from '../errors.js';

const STATUS: Record<ErrorCode, { status: ContentfulStatusCode; title: string }> = {
  INVALID_INPUT: { status: 400, title: 'Invalid request' },
  NOT_FOUND: { status: 404, title: 'Not found' },
  METHOD_NOT_ALLOWED: { status: 405, title: 'Method not allowed' },
  UNAUTHORIZED: { status: 401, title: 'Unauthorized' },
  FORBIDDEN: { status: 403, title: 'Forbidden' },
  RATE_LIMITED: { status: 429, title: 'Too many requests' },
  PAYLOAD_TOO_LARGE: { status: 413, title: 'Payload too large' },
  TIMEOUT: { status: 503, title: 'Request timed out' },
  INDEX_MISSING: { status: 503, title: 'Index not available' },
  INDEX_MISMATCH: { status: 503, title: 'Index and model do not match' },
  INDEX_CORRUPT: { status: 503, title: 'Index not available' },
  MODEL_UNAVAILABLE: { status: 503, title: 'Model not available' },
  SOURCE_INVALID: { status: 400, title: 'Invalid source' },
  QUEUE_UNAVAILABLE: { status: 503, title: 'Embedding queue not available' },
  NOT_READY: { status: 503, title: 'Starting: the index is loading' },
  INTERNAL: { status: 500, title: 'Internal error' },
};

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  errors?: { path: string; message: string }[];
}

export const problemType = (code: string): string => `https://paperscope.dev/problems/${code.toLowerCase().replace(/_/g, '-')}`;

/** Problem details for an error; unknown errors become a generic 500 (the real error is logged, not sent). */
export function toProblem(err: unknown, instance?: string): Problem {
  if (err instanceof z.ZodError) {
    const errors = err.issues.map((i) => ({ path: i.path.join('.') || '(body)', message: i.message }));
    return {
      type: problemType('INVALID_INPUT'),
      title: STATUS.INVALID_INPUT.title,
      status: 400,
      detail: errors.map((e) => `${e.path}: ${e.message}`).join('; '),
      ...(instance ? { instance } : {}),
      errors,
    };
  }
  if (err instanceof AppError) {
    const s = STATUS[err.code];
    // 5xx details about the server's own files stay in the log; the client gets the category only.
    const detail = s.status >= 500 ? `${s.title}; see the server log` : err.message;
    return { type: problemType(err.code), title: s.title, status: s.status, detail, ...(instance ? { instance } : {}) };
  }
  if (err instanceof HTTPException && err.status < 500) {
    // Thrown by hono itself (e.g. a malformed request); its message is hono's, never a path or a stack.
    return { type: 'about:blank', title: err.message || 'Bad request', status: err.status, detail: err.message || 'the request was rejected', ...(instance ? { instance } : {}) };
  }
  return { type: problemType('INTERNAL'), title: 'Internal error', status: 500, detail: 'an unexpected error occurred; see the server log', ...(instance ? { instance } : {}) };
}

export function problemResponse(c: Context, problem: Problem, headers: Record<string, string> = {}): Response {
  return c.body(JSON.stringify(problem), problem.status as ContentfulStatusCode, {
    'content-type': 'application/problem+json; charset=utf-8',
    ...headers,
  });
}
