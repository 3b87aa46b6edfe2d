// Redis connections for the embedding queue: URL parsing (passwords, TLS, db), redaction for logs, bounded connects.
import { Redis, type RedisOptions } from 'ioredis';
import { z } from 'zod';
import { AppError } from '../errors.js';

/** A Redis URL as users give it: redis://[user][:password]@host[:port][/db] or rediss:// for TLS. */
export const RedisUrlSchema = z
  .string()
  .trim()
  .transform((s, ctx) => {
    let u: URL;
    try {
      u = new URL(s);
    } catch {
      ctx.addIssue({ code: 'custom', message: `not a URL: ${redactUrl(s)} (expected redis://host:port/db or rediss://...)` });
      return z.NEVER;
    }
    if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') {
      ctx.addIssue({ code: 'custom', message: `${redactUrl(s)}: the scheme must be redis:// or rediss:// (TLS)` });
      return z.NEVER;
    }
    const dbText = u.pathname.replace(/^\//, '');
    const db = dbText === '' ? 0 : Number(dbText);
    if (!Number.isInteger(db) || db < 0 || db > 15) {
      ctx.addIssue({ code: 'custom', message: `${redactUrl(s)}: the path must be a database number 0..15, got "/${dbText}"` });
      return z.NEVER;
    }
    const port = u.port ? Number(u.port) : 6379;
    return {
      tls: u.protocol === 'rediss:',
      host: u.hostname.replace(/^\[|\]$/g, ''),
      port,
      db,
      username: decodeURIComponent(u.username) || undefined,
      password: decodeURIComponent(u.password) || undefined,
      /** The URL with the password replaced: the only form that may appear in a log line or an error. */
      display: redactUrl(s),
    };
  });
export type RedisTarget = z.output<typeof RedisUrlSchema>;

/** Replaces the password of a URL (and of anything URL-shaped in a message) with "***". */
export function redactUrl(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)([^:@/\s]*):([^@/\s]*)@/gi, (_m, scheme: string, user: string) => `${scheme}${user}:***@`);
}

export function parseRedisUrl(url: string): RedisTarget {
  const r = RedisUrlSchema.safeParse(url);
  if (!r.success) throw new AppError('INVALID_INPUT', r.error.issues.map((i) => i.message).join('; '));
  return r.data;
}

/** Removes a password from an error message before it is shown (ioredis messages name the host, never the password; this is belt and braces). */
export function redactError(e: unknown, target: RedisTarget): string {
  let msg = e instanceof Error ? e.message : String(e);
  if (target.password) msg = msg.split(target.password).join('***');
  return redactUrl(msg);
}

const AUTH_ERROR = /WRONGPASS|NOAUTH|invalid password|invalid username|AUTH failed/i;
const TLS_ERROR = /certificate|self[- ]signed|SSL|TLS|EPROTO/i;

export interface ConnectOptions {
  /**
   * BullMQ's blocking connections (workers) must queue commands while reconnecting; every other connection
   * fails fast when Redis is down, so the caller decides how long to wait instead of hanging in a queue.
   */
  blocking?: boolean;
  connectTimeoutMs?: number;
}

export function redisOptions(t: RedisTarget, opts: ConnectOptions = {}): RedisOptions {
  return {
    host: t.host,
    port: t.port,
    db: t.db,
    ...(t.username ? { username: t.username } : {}),
    ...(t.password ? { password: t.password } : {}),
    // Node's default CAs plus NODE_EXTRA_CA_CERTS: a private CA needs no extra setting of ours.
    ...(t.tls ? { tls: {} } : {}),
    lazyConnect: true,
    connectTimeout: opts.connectTimeoutMs ?? 5_000,
    maxRetriesPerRequest: opts.blocking ? null : 1,
    enableOfflineQueue: opts.blocking ?? false,
    // Keep reconnecting (Redis restarts are routine); callers bound how long they wait for it.
    retryStrategy: (times) => Math.min(200 * times, 2_000),
  };
}

/**
 * Connects and waits until Redis answers, at most `timeoutMs`; the error names the URL without its password
 * and says what failed (refused, timeout, authentication, TLS).
 */
export async function connectRedis(t: RedisTarget, opts: ConnectOptions & { timeoutMs?: number } = {}): Promise<Redis> {
  const client = new Redis(redisOptions(t, opts));
  const timeoutMs = opts.timeoutMs ?? 10_000;
  // ioredis emits 'error' on every failed attempt; without a listener Node would print them with the options.
  let last: unknown;
  let onError = (e: unknown) => void (last = e);
  client.on('error', (e) => onError(e));
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('timeout')), timeoutMs);
      const fail = (e: unknown) => {
        clearTimeout(timer);
        reject(e);
      };
      onError = (e) => {
        last = e;
        // A refused connection may be a restart and is retried until the timeout; a wrong password or a
        // certificate that is not trusted will not fix itself.
        if (AUTH_ERROR.test(String((e as Error).message)) || TLS_ERROR.test(String((e as Error).message))) fail(e);
      };
      client.once('ready', () => {
        clearTimeout(timer);
        resolve();
      });
      client.connect().catch((e) => onError(e));
    });
  } catch {
    client.disconnect();
    const why = last ? redactError(last, t) : `no answer within ${timeoutMs} ms`;
    const hint = AUTH_ERROR.test(why)
      ? 'check the password in the URL'
      : t.tls
        ? 'check that the server speaks TLS on that port and that its certificate is trusted (NODE_EXTRA_CA_CERTS)'
        : 'check that redis-server is running and reachable';
    throw new AppError('QUEUE_UNAVAILABLE', `cannot reach Redis at ${t.display}: ${why} (${hint})`);
  }
  onError = () => {};
  return client;
}
