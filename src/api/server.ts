// Listens with @hono/node-server and shuts down gracefully on SIGTERM/SIGINT, finishing in-flight requests.
import { serve, type ServerType } from '@hono/node-server';
import type { Env, Hono } from 'hono';

export interface Listening {
  url: string;
  port: number;
  close(): Promise<void>;
}

export function listen<E extends Env>(app: Hono<E>, opts: { host: string; port: number }): Promise<Listening> {
  return new Promise((resolve, reject) => {
    let server: ServerType;
    const onError = (e: Error) => reject(e);
    server = serve({ fetch: app.fetch, hostname: opts.host, port: opts.port }, (info) => {
      server.off('error', onError);
      const host = info.address.includes(':') ? `[${info.address}]` : info.address;
      resolve({
        url: `http://${host}:${info.port}`,
        port: info.port,
        close: () =>
          new Promise<void>((res) => {
            // Stop accepting, let in-flight requests finish, drop idle keep-alive sockets.
            server.close(() => res());
            (server as unknown as { closeIdleConnections?: () => void }).closeIdleConnections?.();
          }),
      });
    });
    server.once('error', onError);
  });
}

/** Closes the server on the first SIGTERM/SIGINT; a second signal exits at once. */
export function closeOnSignals(l: Listening, log: (msg: string) => void): void {
  let closing = false;
  const handler = (sig: NodeJS.Signals) => {
    if (closing) process.exit(1);
    closing = true;
    log(`${sig}: finishing in-flight requests`);
    void l.close().then(() => process.exit(0));
    setTimeout(() => process.exit(0), 10_000).unref();
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}
