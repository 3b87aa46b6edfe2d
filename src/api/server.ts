// Listens with @hono/node-server and shuts down gracefully on SIGTERM/SIGINT, finishing in-flight requests.
import type { Server } from 'node:http';
import { AppError } from '../errors.js';
import { serve } from '@hono/node-server';
import type { Env, Hono } from 'hono';

export interface Listening {
  url: string;
  port: number;
  /** Stops accepting connections, waits for in-flight requests to finish, then resolves. */
  close(): Promise<void>;
}

/**
 * Largest request line plus headers accepted. A GET search may carry 4,096 characters of query, which
 * percent-encoded UTF-8 makes up to ~37 KB: Node's 16 KB default refused such valid requests with a bare 431.
 * The same as the default body limit, so a GET holds what a POST may.
 */
export const MAX_HEADER_BYTES = 64 * 1024;

export function listen<E extends Env>(app: Hono<E>, opts: { host: string; port: number }): Promise<Listening> {
  return new Promise((resolve, reject) => {
    let closing: Promise<void> | undefined;
    const onError = (e: NodeJS.ErrnoException) => {
      const where = `${opts.host}:${opts.port}`;
      if (e.code === 'EADDRINUSE') reject(new AppError('INVALID_INPUT', `${where} is already in use: stop the other server or choose another port (--port or PORT)`));
      else if (e.code === 'EACCES') reject(new AppError('INVALID_INPUT', `not allowed to listen on ${where}: ports below 1024 need privileges; choose another port (--port or PORT)`));
      else if (e.code === 'EADDRNOTAVAIL' || e.code === 'ENOTFOUND') reject(new AppError('INVALID_INPUT', `cannot listen on ${where}: no such local address (--host or HOST)`));
      else reject(e);
    };
    const server = serve({ fetch: app.fetch, hostname: opts.host, port: opts.port, serverOptions: { maxHeaderSize: MAX_HEADER_BYTES } }, (info) => {
      server.off('error', onError);
      const host = info.address.includes(':') ? `[${info.address}]` : info.address;
      resolve({
        url: `http://${host}:${info.port}`,
        port: info.port,
        close: () =>
          (closing ??= new Promise<void>((res) => {
            // Stop accepting, let in-flight requests finish, drop idle keep-alive sockets now...
            server.close(() => res());
            server.closeIdleConnections();
          })),
      });
    }) as Server;
    // ...and each keep-alive socket as soon as its in-flight response is sent, so shutdown does not wait out
    // the keep-alive timeout; a response finished during shutdown also tells the client not to reuse the socket.
    server.on('request', (_req, res) => {
      if (closing) res.shouldKeepAlive = false;
      res.on('finish', () => {
        if (closing) setImmediate(() => server.closeIdleConnections());
      });
    });
    server.once('error', onError);
  });
}

export interface SignalOptions {
  /** How long in-flight requests may take to finish before the process exits anyway (ms). */
  graceMs?: number;
  exit?: (code: number) => void;
  signals?: NodeJS.Signals[];
}

/**
 * On the first SIGTERM/SIGINT: stop accepting, finish in-flight requests, exit 0. A second signal, or the
 * grace period running out, exits 1 at once (an orchestrator's own kill timeout should be longer than graceMs).
 */
export function closeOnSignals(l: Listening, log: (msg: string) => void, opts: SignalOptions = {}): void {
  const exit = opts.exit ?? ((code: number) => process.exit(code));
  const graceMs = opts.graceMs ?? 10_000;
  let closing = false;
  const handler = (sig: NodeJS.Signals) => {
    if (closing) {
      log(`${sig} again: exiting without waiting`);
      exit(1);
      return;
    }
    closing = true;
    log(`${sig}: no new connections; finishing in-flight requests (up to ${graceMs} ms)`);
    const timer = setTimeout(() => {
      log(`requests still open after ${graceMs} ms: exiting`);
      exit(1);
    }, graceMs);
    timer.unref();
    void l.close().then(() => {
      clearTimeout(timer);
      log('all requests finished: exiting');
      exit(0);
    });
  };
  for (const s of opts.signals ?? ['SIGTERM', 'SIGINT']) process.on(s, handler);
}
