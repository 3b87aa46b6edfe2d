// A real paperscope server for the dev checks (check:s2, check:api): the seed papers plus arXiv-style fixtures, tiny BERT, port 0.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createApp } from '../src/api/app.js';
import { listen } from '../src/api/server.js';
import { buildIndex } from '../src/build/index.js';
import { PROJECT_ROOT, loadConfig, type ConfigSchema } from '../src/config.js';
import { writeBertModel } from '../src/embed/make-bert.js';
import { loadTransformersEmbedder } from '../src/embed/transformers.js';
import { Searcher } from '../src/search/searcher.js';
import { openIndex } from '../src/store/index.js';
import type { z } from 'zod';

export const SOURCES = [path.join(PROJECT_ROOT, 'index', 'papers.jsonl'), path.join(PROJECT_ROOT, 'test', 'integration', 'fixtures', 's2-papers.jsonl')];

export interface CheckServer {
  url: string;
  close(): Promise<void>;
}

/** Builds the check index in a temp folder and serves it on 127.0.0.1 (no rate limit unless settings say so). */
export async function startCheckServer(settings: Partial<z.input<typeof ConfigSchema>> = {}): Promise<CheckServer> {
  const tmp = await mkdtemp(path.join(tmpdir(), 'paperscope-check-'));
  const { dir } = await writeBertModel({ outDir: path.join(tmp, 'test-tiny') });
  const embedder = await loadTransformersEmbedder({ model: dir, modelsDir: path.join(PROJECT_ROOT, 'models'), allowRemote: false });
  const indexDir = path.join(tmp, 'index');
  await buildIndex({ indexDir, sources: SOURCES, embedder, progress: false, log: () => {} });
  const searcher = new Searcher(await openIndex(indexDir), embedder);
  const config = loadConfig({ indexDir, port: 0, logRequests: false, ...settings }, {});
  const errors: unknown[] = [];
  const app = createApp({ searcher, config, processMetrics: false, log: (e) => errors.push(e) });
  const l = await listen(app, { host: '127.0.0.1', port: 0 });
  return {
    url: l.url,
    close: async () => {
      await l.close();
      searcher.index.close();
      await embedder.dispose();
      await rm(tmp, { recursive: true, force: true });
      // A 5xx is logged with its stack: print them, a check that saw none of them as responses still learns why.
      for (const e of errors) process.stderr.write(`server error: ${JSON.stringify(e)}\n`);
    },
  };
}
