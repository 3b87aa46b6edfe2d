// `npm run bench`: seed build time and papers/s per backend, and HTTP latency of search/related (medians, one run).
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createApp } from '../src/api/app.js';
import { listen } from '../src/api/server.js';
import { buildIndex } from '../src/build.js';
import { PROJECT_ROOT, loadConfig } from '../src/config.js';
import { loadEmbedder, type Embedder } from '../src/embed/index.js';
import { writeBertModel } from '../src/embed/make-bert.js';
import { Searcher } from '../src/search/searcher.js';
import { openIndex } from '../src/store/index.js';

const SEED = path.join(PROJECT_ROOT, 'index', 'papers.jsonl');
const MINILM_SRC = path.resolve(PROJECT_ROOT, '..', 'shared', 'models', 'all-MiniLM-L6-v2');
const REQUESTS = 100;
const WARMUP = 10;
const QUERIES = ['which papers split a model across accelerators?', 'weather foundation model', 'LLM serving throughput', 'reasoning without thinking', 'sparse coding priors'];

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;

async function timeRequests(url: string, paths: string[]): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < WARMUP + REQUESTS; i++) {
    const t = performance.now();
    const r = await fetch(url + paths[i % paths.length]);
    await r.arrayBuffer();
    if (r.status !== 200) throw new Error(`${paths[i % paths.length]}: HTTP ${r.status}`);
    if (i >= WARMUP) times.push(performance.now() - t);
  }
  return times;
}

async function benchModel(name: string, model: string, tmp: string, modelsDir: string) {
  const t0 = performance.now();
  const emb: Embedder = await loadEmbedder(model, { modelsDir });
  const loadS = (performance.now() - t0) / 1000;
  const indexDir = path.join(tmp, name);
  const s = await buildIndex({ indexDir, sources: [SEED], embedder: emb, batchSize: 16 });
  const searcher = new Searcher(await openIndex(indexDir), emb);
  const app = createApp({ searcher, config: loadConfig({ indexDir, logRequests: false }) });
  const l = await listen(app, { host: '127.0.0.1', port: 0 });
  const lat: Record<string, number[]> = {};
  // Each request a new query text (a number appended), so the query-embedding cache never hits.
  const distinct = (mode: string, from: number) =>
    Array.from({ length: WARMUP + REQUESTS }, (_, i) => `/api/search?mode=${mode}&q=${encodeURIComponent(`${QUERIES[i % QUERIES.length]} ${from + i}`)}`);
  for (const [m, mode] of ['hybrid', 'semantic', 'keyword'].entries()) lat[mode] = await timeRequests(l.url, distinct(mode, m * 1000));
  lat.cached = await timeRequests(l.url, QUERIES.map((q) => `/api/search?mode=hybrid&q=${encodeURIComponent(q)}`));
  const id = searcher.index.papers.getByLabel(1)!.id;
  lat.related = await timeRequests(l.url, [`/api/papers/${id}/related`]);
  await l.close();
  searcher.index.close();
  await emb.dispose();
  return { name, model, dims: emb.info.dims, loadS, buildS: s.seconds, embedS: s.embedSeconds, papers: s.papers, lat };
}

const tmp = await mkdtemp(path.join(tmpdir(), 'paperscope-bench-'));
try {
  const modelsDir = path.join(tmp, 'models');
  const rows = [];
  rows.push(await benchModel('use-lite', 'use-lite', tmp, modelsDir));
  const tiny = (await writeBertModel({ outDir: path.join(modelsDir, 'test-tiny') })).dir;
  rows.push(await benchModel('tiny BERT (transformers.js)', tiny, tmp, modelsDir));
  if (existsSync(MINILM_SRC)) {
    const shape = (await writeBertModel({ outDir: path.join(modelsDir, 'minilm-shape'), from: MINILM_SRC })).dir;
    rows.push(await benchModel('MiniLM-L6 shape, fp32 (transformers.js)', shape, tmp, modelsDir));
  } else {
    console.error(`skipping the MiniLM-shape model: ${MINILM_SRC} is absent`);
  }
  console.log(
    `\nSeed: ${rows[0]!.papers} papers; latency = median (p95) of ${REQUESTS} sequential HTTP requests after ${WARMUP} warm-up, 127.0.0.1; ` +
      'search columns use a new query text per request (embedding included), "repeated" rotates 5 queries (embedding cached)\n',
  );
  console.log('| model | dims | build s | embed papers/s | search hybrid ms | search semantic ms | search keyword ms | hybrid, repeated query ms | related ms |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  const f = (xs: number[]) => `${median(xs).toFixed(1)} (${pct(xs, 0.95).toFixed(1)})`;
  for (const r of rows) {
    console.log(
      `| ${r.name} | ${r.dims} | ${r.buildS.toFixed(2)} | ${(r.papers / r.embedS).toFixed(1)} | ${f(r.lat.hybrid!)} | ${f(r.lat.semantic!)} | ${f(r.lat.keyword!)} | ${f(r.lat.cached!)} | ${f(r.lat.related!)} |`,
    );
  }
} finally {
  await rm(tmp, { recursive: true, force: true });
}
