// Fixtures for the API tests: embedders that stall or fail on demand, and the real app on port 0 with chosen settings.
import { type AppDeps, createApp, type PaperscopeApp } from '../../src/api/app.js';
import { listen } from '../../src/api/server.js';
import { type Config, type ConfigSchema, loadConfig } from '../../src/config.js';
import type { Embedder } from '../../src/embed/embedder.js';
import type { Searcher } from '../../src/search/searcher.js';
import { openTempSearcher } from '../helpers.js';
import type { z } from 'zod';

export interface Gate {
  /** Resolves when a query embedding has started (the request is in flight inside the handler). */
  started: Promise<void>;
  /** Lets the held query embedding finish. */
  release(): void;
}

/**
 * Wraps an embedder so query embeddings wait for `gate` (tests decide when a request finishes, no sleeping)
 * or throw `fail` (to force an internal error carrying a file path and a stack).
 */
export function controlledEmbedder(inner: Embedder, opts: { fail?: Error; hold?: boolean } = {}): Embedder & { gate(): Gate } {
  let gate: { started: () => void; wait: Promise<void> } | undefined;
  return {
    get info() {
      return inner.info;
    },
    embedPassages: (t) => inner.embedPassages(t),
    dispose: async () => {},
    async embedQuery(text) {
      if (opts.fail) throw opts.fail;
      if (gate) {
        const g = gate;
        gate = undefined;
        g.started();
        await g.wait;
      }
      return inner.embedQuery(text);
    },
    gate(): Gate {
      let started!: () => void;
      let release!: () => void;
      const s = new Promise<void>((r) => (started = r));
      const wait = new Promise<void>((r) => (release = r));
      gate = { started, wait };
      return { started: s, release };
    },
  };
}

export interface Served {
  url: string;
  app: PaperscopeApp;
  searcher: Searcher;
  config: Config;
  logs: Record<string, unknown>[];
  close(): Promise<void>;
}

/** The real app over a temp index on 127.0.0.1:0, with settings as the environment would give them. */
export async function serveWith(
  indexDir: string,
  embedder: Embedder,
  settings: Partial<z.input<typeof ConfigSchema>> = {},
  deps: Partial<AppDeps> = {},
): Promise<Served> {
  const searcher = await openTempSearcher(indexDir, embedder);
  const config = loadConfig({ indexDir, port: 0, logRequests: false, ...settings }, {});
  const logs: Record<string, unknown>[] = [];
  const app = createApp({ searcher, config, log: (e) => logs.push(e), processMetrics: false, ...deps });
  const l = await listen(app, { host: '127.0.0.1', port: 0 });
  return {
    url: l.url,
    app,
    searcher,
    config,
    logs,
    close: async () => {
      await l.close();
      searcher.index.close();
    },
  };
}

export async function getJson(url: string, init?: RequestInit): Promise<{ status: number; headers: Headers; body: Record<string, unknown>; text: string }> {
  const r = await fetch(url, init);
  const text = await r.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // not JSON: callers look at text
  }
  return { status: r.status, headers: r.headers, body, text };
}
