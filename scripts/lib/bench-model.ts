// The measurements of one bench row, run in a child process of scripts/bench.ts so its peak RSS is this model's alone.
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createApp } from '../../src/api/app.js';
import { listen } from '../../src/api/server.js';
import { buildIndex } from '../../src/build/index.js';
import { PROJECT_ROOT, loadConfig } from '../../src/config.js';
import { passageText, type Embedder } from '../../src/embed/embedder.js';
import { onnxFileName } from '../../src/embed/fetch-model.js';
import { lengthSortedBatches, loadTransformersEmbedder, truncateIds } from '../../src/embed/transformers.js';
import { loadUseLiteEmbedder } from '../../src/embed/use-lite.js';
import { readLines } from '../../src/ingest/lines.js';
import { Searcher } from '../../src/search/searcher.js';
import { openIndex } from '../../src/store/index.js';

export interface RowSpec {
  label: string;
  /** "use-lite" or a model folder. */
  model: string;
  dtype?: string;
}

export interface BenchSettings {
  data: string;
  n: number;
  rounds: number;
  threads: number;
  batch: number;
}

export interface RowResult {
  label: string;
  modelId: string;
  dtype: string;
  dims: number;
  /** Abstracts embedded per pass and their mean token count after truncation (undefined: no tokenizer, or no data). */
  abstracts?: number;
  meanTokens?: number;
  /** Papers/s of each round, paperscope's embedder and bare onnxruntime, in the order they ran (ABAB). */
  paperscope: number[];
  ort: number[];
  /** Largest |difference| between paperscope's vectors and bare onnxruntime's pooled output: proves the batches are the same. */
  maxDiff?: number;
  queryMs: number;
  queryTokens?: number;
  /** A whole build (ingest, embedding, HNSW, keywords, publish) of the same abstracts, in papers/s. */
  buildRate?: number;
  buildS: number;
  seedPapers: number;
  /** [p50, p95] ms per endpoint. */
  lat: Record<string, [number, number]>;
  peakRssMB: number;
}

export const SEED = path.join(PROJECT_ROOT, 'index', 'papers.jsonl');
const REQUESTS = 100;
const WARMUP = 10;
const QUERIES = ['which papers split a model across accelerators?', 'weather foundation model', 'LLM serving throughput', 'reasoning without thinking', 'sparse coding priors'];
/** 10 word pieces + [CLS] [SEP] in the BERT uncased vocabulary: the "12-token query" of the table. */
export const QUERY12 = 'graph neural networks for molecular property prediction with few labels';

export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;
const ms = (t0: number) => performance.now() - t0;

/** The first `n` records of a JSONL(.gz) file with a title and an abstract, as passage texts. */
export async function readAbstracts(file: string, n: number): Promise<string[]> {
  const texts: string[] = [];
  for await (const { text } of readLines(file)) {
    if (!text.trim()) continue;
    const r = JSON.parse(text) as { title?: string; abstract?: string };
    if (r.title && r.abstract) texts.push(passageText({ title: r.title, abstract: r.abstract }));
    if (texts.length >= n) break;
  }
  return texts;
}

async function timeRequests(url: string, paths: string[]): Promise<[number, number]> {
  const times: number[] = [];
  for (let i = 0; i < WARMUP + REQUESTS; i++) {
    const t = performance.now();
    const r = await fetch(url + paths[i % paths.length]);
    await r.arrayBuffer();
    if (r.status !== 200) throw new Error(`${paths[i % paths.length]}: HTTP ${r.status}`);
    if (i >= WARMUP) times.push(ms(t));
  }
  return [median(times), pct(times, 0.95)];
}

/** Builds the seed with the embedder and times the HTTP endpoints (as the README's bench always did). */
async function seedAndLatency(emb: Embedder, batch: number): Promise<Pick<RowResult, 'buildS' | 'seedPapers' | 'lat'>> {
  const tmp = await mkdtemp(path.join(tmpdir(), 'paperscope-bench-'));
  try {
    const indexDir = path.join(tmp, 'index');
    const s = await buildIndex({ indexDir, sources: [SEED], embedder: emb, batchSize: batch });
    const searcher = new Searcher(await openIndex(indexDir), emb);
    const app = createApp({ searcher, config: loadConfig({ indexDir, logRequests: false }) });
    const l = await listen(app, { host: '127.0.0.1', port: 0 });
    const lat: Record<string, [number, number]> = {};
    // Each request a new query text (a number appended), so the query-embedding cache never hits.
    const distinct = (mode: string, from: number) =>
      Array.from({ length: WARMUP + REQUESTS }, (_, i) => `/api/search?mode=${mode}&q=${encodeURIComponent(`${QUERIES[i % QUERIES.length]} ${from + i}`)}`);
    for (const [m, mode] of ['hybrid', 'semantic', 'keyword'].entries()) lat[mode] = await timeRequests(l.url, distinct(mode, m * 1000));
    lat.repeated = await timeRequests(l.url, QUERIES.map((q) => `/api/search?mode=hybrid&q=${encodeURIComponent(q)}`));
    lat.related = await timeRequests(l.url, [`/api/papers/${searcher.index.papers.getByLabel(1)!.id}/related`]);
    await l.close();
    searcher.index.close();
    return { buildS: s.seconds, seedPapers: s.papers, lat };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

async function queryLatency(emb: Embedder): Promise<number> {
  for (let i = 0; i < 5; i++) await emb.embedQuery(QUERY12);
  const times: number[] = [];
  for (let i = 0; i < 50; i++) {
    const t0 = performance.now();
    await emb.embedQuery(QUERY12);
    times.push(ms(t0));
  }
  return median(times);
}

/** Loads the row's embedder the way the product does, with the bench's thread count and batch size made explicit. */
async function loadRowEmbedder(spec: RowSpec, s: BenchSettings): Promise<Embedder> {
  if (spec.model === 'use-lite') return loadUseLiteEmbedder();
  return loadTransformersEmbedder({
    model: path.resolve(spec.model),
    modelsDir: path.join(PROJECT_ROOT, 'models'),
    allowRemote: false,
    threads: s.threads,
    batchSize: s.batch,
    ...(spec.dtype ? { dtype: spec.dtype } : {}),
  });
}

/** One row: seed build, HTTP latency and query time with paperscope alone loaded (so peak RSS is its own), then the side by side. */
export async function benchRow(spec: RowSpec, s: BenchSettings): Promise<RowResult> {
  const emb = await loadRowEmbedder(spec, s);
  const seed = await seedAndLatency(emb, s.batch);
  const queryMs = await queryLatency(emb);
  const peakRssMB = process.resourceUsage().maxRSS / 1024;
  const texts = existsSync(s.data) ? await readAbstracts(s.data, s.n) : [];
  const side = texts.length
    ? spec.model === 'use-lite'
      ? { paperscope: await alone(emb, texts, s.rounds), ort: [] }
      : await sideBySide(emb, spec, texts, s)
    : { paperscope: [], ort: [] };
  const buildRate = texts.length && spec.model !== 'use-lite' ? await buildThroughput(emb, texts) : undefined;
  await emb.dispose();
  const { modelId, dtype, dims } = emb.info;
  return { label: spec.label, modelId, dtype, dims, ...side, queryMs, ...seed, peakRssMB, ...(buildRate ? { buildRate } : {}) };
}

/**
 * Papers/s of a whole build of the abstracts (each stored as an untitled paper, so its passage is the same text the
 * side-by-side embeds): what a user's build achieves next to what bare onnxruntime does with the same texts.
 */
async function buildThroughput(emb: Embedder, texts: string[]): Promise<number> {
  const tmp = await mkdtemp(path.join(tmpdir(), 'paperscope-bench-build-'));
  try {
    const src = path.join(tmp, 'abstracts.jsonl');
    await writeFile(src, texts.map((t, i) => JSON.stringify({ id: `a${i}`, title: '', abstract: t })).join('\n') + '\n');
    const s = await buildIndex({ indexDir: path.join(tmp, 'index'), sources: [src], embedder: emb });
    return s.papers / s.seconds;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** Papers/s of paperscope's embedder alone (a backend without an ONNX file to compare with). */
async function alone(emb: Embedder, texts: string[], rounds: number): Promise<number[]> {
  await emb.embedPassages(texts.slice(0, 8));
  const rates: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    await emb.embedPassages(texts);
    rates.push(texts.length / (ms(t0) / 1000));
  }
  return rates;
}

type Side = Pick<RowResult, 'paperscope' | 'ort' | 'abstracts' | 'meanTokens' | 'maxDiff' | 'queryTokens'>;

/**
 * paperscope's embedder (tokenize, length-sorted batches, forward, pooling) and a bare onnxruntime-node session on the
 * same onnx file with the same thread count, fed exactly the token batches the embedder forms, alternating A B A B.
 */
async function sideBySide(emb: Embedder, spec: RowSpec, texts: string[], s: BenchSettings): Promise<Side> {
  const dir = path.resolve(spec.model);
  const { AutoTokenizer } = await import('@huggingface/transformers');
  const ort = await import('onnxruntime-node');
  const tokenizer = await AutoTokenizer.from_pretrained(dir);
  const special = new Set<number>(tokenizer.all_special_ids);
  const pre = emb.info.passagePrefix ?? '';
  const tok = (t: string) => truncateIds(tokenizer.encode(pre + t), emb.info.maxTokens, special);
  const seqs = texts.map(tok);
  const batches = lengthSortedBatches(seqs, s.batch).map((idx) => idx.map((i) => seqs[i]!));
  const session = await ort.InferenceSession.create(path.join(dir, 'onnx', onnxFileName(emb.info.dtype)), {
    executionProviders: ['cpu'],
    intraOpNumThreads: s.threads,
  });
  const padId = BigInt(tokenizer.pad_token_id ?? 0);
  const feeds = (batch: number[][]) => {
    const B = batch.length;
    const S = Math.max(...batch.map((q) => q.length));
    const ids = new BigInt64Array(B * S).fill(padId);
    const mask = new BigInt64Array(B * S);
    batch.forEach((q, b) =>
      q.forEach((id, i) => {
        ids[b * S + i] = BigInt(id);
        mask[b * S + i] = 1n;
      }),
    );
    const all: Record<string, InstanceType<typeof ort.Tensor>> = {
      input_ids: new ort.Tensor('int64', ids, [B, S]),
      attention_mask: new ort.Tensor('int64', mask, [B, S]),
      token_type_ids: new ort.Tensor('int64', new BigInt64Array(B * S), [B, S]),
    };
    return Object.fromEntries(session.inputNames.map((n) => [n, all[n]!]));
  };
  const bare = async () => {
    const outs = [];
    for (const b of batches) outs.push(await session.run(feeds(b)));
    return outs;
  };

  // Warm-up of both (ORT allocates its arenas on the first runs), and the proof that both ran the same batches.
  const mine = await emb.embedPassages(texts);
  const maxDiff = compare(mine, await bare(), batches, lengthSortedBatches(seqs, s.batch), session.outputNames[0]!, emb.info.pooling);
  // float32 sums in another order differ by ~1e-7; anything near 1e-3 means the two did not compute the same thing.
  if (maxDiff !== undefined && maxDiff > 1e-4) throw new Error(`${spec.label}: paperscope and bare onnxruntime disagree (max |diff| ${maxDiff}): not the same batches`);
  const paperscope: number[] = [];
  const bareRates: number[] = [];
  for (let r = 0; r < s.rounds; r++) {
    let t0 = performance.now();
    await emb.embedPassages(texts);
    paperscope.push(texts.length / (ms(t0) / 1000));
    t0 = performance.now();
    await bare();
    bareRates.push(texts.length / (ms(t0) / 1000));
  }
  await session.release();
  const meanTokens = seqs.reduce((a, q) => a + q.length, 0) / seqs.length;
  return { paperscope, ort: bareRates, abstracts: texts.length, meanTokens, maxDiff, queryTokens: tokenizer.encode(QUERY12).length };
}

/** Pools bare onnxruntime's hidden states like the embedder (mean over real tokens, or CLS), L2-normalised, and returns the largest difference. */
function compare(
  mine: Float32Array[],
  outs: Record<string, { data: unknown; dims: readonly number[] }>[],
  batches: number[][][],
  order: number[][],
  output: string,
  pooling: string,
): number | undefined {
  if (pooling !== 'mean' && pooling !== 'cls') return undefined;
  let worst = 0;
  outs.forEach((out, bi) => {
    const h = out[output]!;
    const [, S, D] = h.dims as [number, number, number];
    const data = h.data as Float32Array;
    batches[bi]!.forEach((seq, k) => {
      const v = new Float64Array(D);
      const n = pooling === 'cls' ? 1 : seq.length;
      for (let t = 0; t < n; t++) for (let d = 0; d < D; d++) v[d]! += data[(k * S + t) * D + d]!;
      const norm = Math.hypot(...v) || 1;
      const ref = mine[order[bi]![k]!]!;
      for (let d = 0; d < D; d++) worst = Math.max(worst, Math.abs(v[d]! / norm - ref[d]!));
    });
  });
  return worst;
}
