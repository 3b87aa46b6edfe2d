// Request input helpers shared by the API's route modules: zod parsing that throws for the one error mapping, and JSON bodies.
import type { Context } from 'hono';
import type { z } from 'zod';
import { AppError } from '../errors.js';

/** Parses with a zod schema; a failure is thrown as the ZodError, which problem.ts maps to a 400. */
export function parse<T extends z.ZodType>(schema: T, input: unknown): z.infer<T> {
  const r = schema.safeParse(input);
  if (!r.success) throw r.error;
  return r.data;
}

export async function jsonBody(c: Context): Promise<unknown> {
  const type = c.req.header('content-type') ?? '';
  if (!type.includes('application/json')) throw new AppError('INVALID_INPUT', 'the body must be JSON (content-type: application/json)');
  try {
    return await c.req.json();
  } catch {
    throw new AppError('INVALID_INPUT', 'the body is not valid JSON');
  }
}
