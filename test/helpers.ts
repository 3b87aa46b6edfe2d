// Shared test fixtures: the generated tiny BERT, temp folders, real index builds and a real HTTP server on port 0.
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Hono } from 'hono';
import { type AppEnv, createApp } from '../src/api/app.js';
import { listen, type Listening } from '../src/api/server.js';
import { buildIndex, type BuildOptions, type BuildSummary } from '../src/build/index.js';
import { loadConfig, PROJECT_ROOT } from '../src/config.js';
import type { Embedder } from '../src/embed/embedder.js';
import { writeBertModel } from '../src/embed/make-bert.js';
import { loadTransformersEmbedder } from '../src/embed/transformers.js';
import { loadUseLiteEmbedder } from '../src/embed/use-lite.js';
import { Searcher } from '../src/search/searcher.js';
import { openIndex } from '../src/store/index.js';

export const ROOT = PROJECT_ROOT;
export const SEED = path.join(ROOT, 'index', 'papers.jsonl');
/** ../shared: benchmark data for tests that may use it; they skip with a message where it is absent. */
export const SHARED = path.resolve(ROOT, '..', 'shared');
export const hasShared = existsSync(path.join(SHARED, 'data'));

const cleanups: string[] = [];
export async function tempDir(prefix = 'paperscope-test-'): Promise<string> {
  const d = await mkdtemp(path.join(tmpdir(), prefix));
  cleanups.push(d);
  return d;
}
export async function removeTempDirs(): Promise<void> {
  await Promise.all(cleanups.splice(0).map((d) => rm(d, { recursive: true, force: true })));
}

export async function writeLines(file: string, lines: string[]): Promise<string> {
  await writeFile(file, lines.join('\n') + '\n');
  return file;
}

let tiny: Promise<string> | undefined;
/** The generated tiny BERT (random weights, real tokenizer format), written once per test worker. */
export function tinyModelDir(): Promise<string> {
  tiny ??= (async () => (await writeBertModel({ outDir: path.join(await tempDir('paperscope-tiny-'), 'test-tiny') })).dir)();
  return tiny;
}

export async function tinyEmbedder(): Promise<Embedder> {
  return loadTransformersEmbedder({ model: await tinyModelDir(), modelsDir: path.join(ROOT, 'models'), allowRemote: false });
}

let useLite: Promise<Embedder> | undefined;
export const useLiteEmbedder = (): Promise<Embedder> => (useLite ??= loadUseLiteEmbedder());

/** Builds an index (in a temp folder unless given) and returns the summary and the folder. */
export async function buildTemp(
  embedder: Embedder,
  sources: string[] = [SEED],
  extra: Partial<BuildOptions> = {},
): Promise<{ indexDir: string; summary: BuildSummary }> {
  const indexDir = extra.indexDir ?? (await tempDir('paperscope-index-'));
  const summary = await buildIndex({ indexDir, sources, embedder, ...extra });
  return { indexDir, summary };
}

export async function openTempSearcher(indexDir: string, embedder: Embedder): Promise<Searcher> {
  return new Searcher(await openIndex(indexDir), embedder);
}

/** Serves the real app on 127.0.0.1, port 0. */
export async function serveIndex(
  indexDir: string,
  embedder: Embedder,
  env: Record<string, string> = {},
): Promise<Listening & { app: Hono<AppEnv>; searcher: Searcher }> {
  const searcher = await openTempSearcher(indexDir, embedder);
  const config = loadConfig({ indexDir, port: 0, logRequests: false }, env);
  const app = createApp({ searcher, config });
  const l = await listen(app, { host: '127.0.0.1', port: 0 });
  return {
    ...l,
    app,
    searcher,
    close: async () => {
      await l.close();
      searcher.index.close();
    },
  };
}
