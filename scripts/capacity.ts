// `npm run capacity`: measures the slopes that size a deployment (bytes, RAM, embedding rate and queries per core) and computes the scale-out table for 100k, 2.5M and 200M papers, arithmetic shown.
//
//   npm run capacity -- --model models/all-MiniLM-L6-v2            print the figures
//   npm run capacity -- --model models/all-MiniLM-L6-v2 --write    and put them into docs/scale-out.md
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { buildIndex } from '../src/build/index.js';
import { PROJECT_ROOT } from '../src/config.js';
import { type Embedder, l2normalize, passageText } from '../src/embed/embedder.js';
import { loadLocalEmbedder } from '../src/embed/index.js';
import { normalRng } from '../src/embed/make-bert.js';
import { modelLocation } from '../src/runtime.js';
import { verifyBuild } from '../src/store/index.js';
import { manifestBytes, readManifest } from '../src/store/manifest.js';
import { publish } from './lib/publish-figures.js';
import { writePaperSample } from './lib/papers.js';
import { type Child, freePort, paperscope, waitFor } from './lib/servers.js';

const argv = process.argv.slice(2);
const { values } = parseArgs({
  args: argv,
  options: {
    model: { type: 'string' },
    dtype: { type: 'string' },
    sizes: { type: 'string', default: '5000,20000' },
    /** Seconds of embedding per measurement of the model's speed. */
    'embed-seconds': { type: 'string', default: '20' },
    /** Seconds of load per query measurement. */
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '8' },
    write: { type: 'boolean', default: false },
  },
});
const defaultModel = ['all-MiniLM-L6-v2', 'test-tiny'].map((m) => path.join(PROJECT_ROOT, 'models', m)).find((m) => existsSync(path.join(m, 'config.json')));
if (!values.model && !defaultModel) throw new Error('no model: give --model (npm run get-models, or npm run make-test-model)');
const MODEL: string = values.model ?? defaultModel!;
const MODELS_DIR = path.join(PROJECT_ROOT, 'models');
const [N1, N2] = values.sizes.split(',').map(Number) as [number, number];
const log = (s: string) => process.stderr.write(s + '\n');
const TASKSET = ['/usr/bin/taskset', '/bin/taskset'].find((p) => existsSync(p));

// ------------------------------------------------------------------ measurements

/** Papers/s of the model over real abstracts, after a warm-up, for about `seconds`; returns the vectors too. */
async function embedRate(e: Embedder, texts: string[], seconds: number): Promise<{ rate: number; n: number; vectors: Float32Array[] }> {
  await e.embedPassages(texts.slice(0, 8));
  const vectors: Float32Array[] = [];
  const t0 = performance.now();
  for (let i = 0; i < texts.length && (performance.now() - t0 < seconds * 1000 || vectors.length < 32); i += 16) {
    vectors.push(...(await e.embedPassages(texts.slice(i, i + 16))));
  }
  return { rate: vectors.length / ((performance.now() - t0) / 1000), n: vectors.length, vectors };
}

/**
 * Builds with the model's description but vectors that are the measured real vectors copied with noise: file
 * sizes depend on the dimension and the text, not on the values, and the graph still sees clustered vectors.
 */
function standIn(model: Embedder, real: Float32Array[]): Embedder {
  const dims = model.info.dims;
  return {
    info: model.info,
    async embedPassages(texts) {
      return texts.map((t) => {
        const h = createHash('sha256').update(t).digest();
        const base = real[h.readUInt32LE(0) % real.length]!;
        const rnd = normalRng(h.readUInt32LE(4));
        const scale = 0.5 / Math.sqrt(dims); // noise of norm ~0.5 around a unit vector
        return l2normalize(Float32Array.from(base, (x) => x + scale * rnd()));
      });
    },
    embedQuery: (t) => model.embedQuery(t),
    dispose: async () => {},
  };
}

interface Served {
  child: Child;
  url: string;
}

async function serve(indexDir: string, workers: number, pin: boolean): Promise<Served> {
  const port = await freePort();
  const args = ['serve', '--index', indexDir, '--port', String(port), '--workers', String(workers)];
  const env = { PAPERSCOPE_LOG_REQUESTS: 'false', PAPERSCOPE_RATE_LIMIT: '0', PAPERSCOPE_MODELS: MODELS_DIR };
  const child = pin && TASKSET ? paperscopePinned(args, env) : paperscope(args, env, 'serve');
  const url = `http://127.0.0.1:${port}`;
  await waitFor('the replica to load', async () => {
    if (child.proc.exitCode !== null) throw new Error(`serve exited:\n${child.output()}`);
    return fetch(`${url}/health`).then((r) => r.status === 200, () => false);
  }, 300_000, 200);
  return { child, url };
}

/** `paperscope serve` on core 0 only (taskset): every thread of it, ONNX Runtime's included, shares one core. */
function paperscopePinned(args: string[], env: NodeJS.ProcessEnv): Child {
  const c = paperscope(args, env, 'serve');
  execFileSync(TASKSET!, ['-a', '-p', '-c', '0', String(c.proc.pid)], { stdio: 'ignore' });
  return c;
}

const rss = async (url: string): Promise<number> => {
  const m = /^process_resident_memory_bytes (\S+)/m.exec(await (await fetch(`${url}/metrics`)).text());
  if (!m) throw new Error('no process_resident_memory_bytes in /metrics');
  return Number(m[1]);
};

function cannon(url: string, paths: string[], seconds: number, connections: number): Promise<autocannon.Result> {
  let i = 0;
  return new Promise((resolve, reject) => {
    autocannon(
      { url, connections, duration: seconds, requests: [{ setupRequest: (req) => ({ ...req, path: paths[i++ % paths.length]! }) }] },
      (err, res) => (err ? reject(err) : resolve(res)),
    );
  });
}

/** Warm-up traffic before reading RSS: searches in every mode and related papers. */
async function warm(url: string, titles: string[], ids: string[]): Promise<void> {
  for (let i = 0; i < 60; i++) {
    const q = encodeURIComponent(titles[i % titles.length]!);
    for (const p of [`/api/search?q=${q}`, `/api/search?q=${q}&mode=keyword`, `/api/papers/${encodeURIComponent(ids[i % ids.length]!)}/related`]) {
      const r = await fetch(url + p);
      if (!r.ok) throw new Error(`warm-up ${p}: HTTP ${r.status}`);
      await r.arrayBuffer();
    }
  }
}

/**
 * Recall@10 of exact search over int8 vectors against float32, each vector a query over the others. Scalar
 * quantisation as vector engines do it (FAISS SQ8, usearch i8): per dimension, its range mapped onto 256 levels.
 */
function int8Recall(vs: Float32Array[]): number {
  const dims = vs[0]!.length;
  const lo = new Float32Array(dims).fill(Number.POSITIVE_INFINITY);
  const hi = new Float32Array(dims).fill(Number.NEGATIVE_INFINITY);
  for (const v of vs) {
    v.forEach((x, d) => {
      lo[d] = Math.min(lo[d]!, x);
      hi[d] = Math.max(hi[d]!, x);
    });
  }
  const deq = vs.map((v) =>
    Float32Array.from(v, (x, d) => {
      const span = hi[d]! - lo[d]! || 1;
      return lo[d]! + (Math.round(((x - lo[d]!) / span) * 255) / 255) * span;
    }),
  );
  const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, d) => s + x * b[d]!, 0);
  const top = (q: Float32Array, set: Float32Array[], i: number) =>
    set
      .map((v, j) => ({ j, s: j === i ? Number.NEGATIVE_INFINITY : dot(q, v) }))
      .sort((a, b) => b.s - a.s)
      .slice(0, 10)
      .map((x) => x.j);
  let hit = 0;
  const queries = Math.min(200, vs.length);
  for (let i = 0; i < queries; i++) {
    const exact = new Set(top(vs[i]!, vs, i));
    hit += top(deq[i]!, deq, i).filter((j) => exact.has(j)).length;
  }
  return hit / (queries * 10);
}

// ------------------------------------------------------------------ the run

const fmt = (x: number, digits = 0) => x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
/** "+ 1.2 MB" or "− 0.3 MB": an intercept, signed. */
const plusMb = (bytes: number) => `${bytes < 0 ? '−' : '+'} ${fmt(Math.abs(bytes) / 1e6, 1)} MB`;
const gb = (bytes: number) => `${fmt(bytes / 1e9, bytes < 10e9 ? 2 : bytes < 1e12 ? 1 : 0)} GB`;

async function main(): Promise<void> {
  const work = await mkdtemp(path.join(tmpdir(), 'paperscope-capacity-'));
  const children: Child[] = [];
  try {
    const sample = await writePaperSample(path.join(work, 'papers.jsonl'), N2);
    const records = readFileSync(sample.file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { id?: string; title: string; abstract: string });
    const texts = records.map(passageText);
    const meanChars = texts.reduce((s, t) => s + t.length, 0) / texts.length;

    // 1. Embedding speed: one ONNX Runtime thread (a worker-core), then every core in one process.
    log(`embedding with ${MODEL} on one thread, then on all ${cpus().length}`);
    const dtype = values.dtype ? { dtype: values.dtype } : {};
    const one = await loadLocalEmbedder(MODEL, { modelsDir: MODELS_DIR, threads: 1, ...dtype });
    const info = one.info;
    const perCore = await embedRate(one, texts, Number(values['embed-seconds']));
    const all = await loadLocalEmbedder(MODEL, { modelsDir: MODELS_DIR, ...dtype });
    const perProcess = await embedRate(all, texts, Number(values['embed-seconds']) / 2);
    await all.dispose();
    const recall8 = int8Recall(perCore.vectors.slice(0, 1000));

    // 2. Bytes per paper: two builds with the model's dimension.
    const location = modelLocation(MODEL, MODELS_DIR);
    const sizes: { n: number; sqlite: number; hnsw: number; dir: string }[] = [];
    for (const n of [N1, N2]) {
      log(`building ${n} papers (${info.dims}-d vectors)`);
      const src = await writePaperSample(path.join(work, `p${n}.jsonl`), n);
      const indexDir = path.join(work, `index-${n}`);
      await buildIndex({ indexDir, sources: [src.file], embedder: standIn(one, perCore.vectors), ...(location ? { modelLocation: location } : {}) });
      const bytes = manifestBytes(readManifest(path.join(indexDir, 'builds', readFileSync(path.join(indexDir, 'CURRENT'), 'utf8').trim(), 'manifest.json')));
      // What a replica holds in RAM beside its process: the HNSW graph and the keyword file (keywords.bin is read whole).
      sizes.push({ n, sqlite: bytes.sqlite, hnsw: bytes.hnsw + bytes.keywords, dir: indexDir });
    }
    await one.dispose();
    // What a replica pays to verify a copied build: sha256 of its files, streamed as the server does it.
    const th = performance.now();
    await verifyBuild(path.join(sizes[1]!.dir, 'builds', readFileSync(path.join(sizes[1]!.dir, 'CURRENT'), 'utf8').trim()));
    const hashRate = (sizes[1]!.sqlite + sizes[1]!.hnsw) / ((performance.now() - th) / 1000);

    // 3. RAM per paper: a replica with one embedding thread at both sizes, after warm-up; then one more thread.
    const titles = records.map((r) => r.title);
    const ids = records.filter((r) => r.id).map((r) => r.id!);
    const rssAt: number[] = [];
    for (const s of sizes) {
      const r = await serve(s.dir, 1, false);
      children.push(r.child);
      await warm(r.url, titles.slice(0, s.n), ids.slice(0, s.n));
      rssAt.push(await rss(r.url));
      await r.child.kill();
    }
    const r2 = await serve(sizes[1]!.dir, 2, false);
    children.push(r2.child);
    await warm(r2.url, titles, ids);
    const rssTwoThreads = await rss(r2.url);
    await r2.child.kill();

    // 4. Queries per core: the larger index, the replica pinned to one core.
    log(`queries on one core${TASKSET ? '' : ' (taskset missing: not pinned)'}, ${values.seconds} s each`);
    const pinned = await serve(sizes[1]!.dir, 1, true);
    children.push(pinned.child);
    await warm(pinned.url, titles, ids);
    const secs = Number(values.seconds);
    const conns = Number(values.connections);
    // The same questions (a title's first six words) new each time, or eight of them repeated (embeddings cached).
    const question = (i: number) => titles[i % titles.length]!.split(' ').slice(0, 6).join(' ');
    const distinct = Array.from({ length: 200_000 }, (_, i) => `/api/search?limit=10&q=${encodeURIComponent(`${question(i)} ${i}`)}`);
    const repeated = Array.from({ length: 8 }, (_, i) => `/api/search?limit=10&q=${encodeURIComponent(question(i))}`);
    const related = ids.map((id) => `/api/papers/${encodeURIComponent(id)}/related?limit=10`);
    const q = {
      distinct: await cannon(pinned.url, distinct, secs, conns),
      repeated: await cannon(pinned.url, repeated, secs, conns),
      related: await cannon(pinned.url, related, secs, conns),
    };
    await pinned.child.kill();
    for (const r of Object.values(q)) if (r.errors || r.non2xx) throw new Error(`query load had ${r.errors} errors and ${r.non2xx} non-2xx`);

    publish('capacity', 'capacity', report({ info, meanChars, real: sample.real, perCore, perProcess, recall8, sizes, rssAt, rssTwoThreads, q, hashRate }), argv);
  } finally {
    for (const c of children) await c.kill();
    await rm(work, { recursive: true, force: true });
  }
}

// ------------------------------------------------------------------ the arithmetic

interface Measured {
  info: Embedder['info'];
  meanChars: number;
  real: boolean;
  perCore: { rate: number; n: number };
  perProcess: { rate: number; n: number };
  recall8: number;
  sizes: { n: number; sqlite: number; hnsw: number }[];
  rssAt: number[];
  rssTwoThreads: number;
  /** Bytes/s of sha256 over a build's files (a replica verifying a copy). */
  hashRate: number;
  q: Record<'distinct' | 'repeated' | 'related', autocannon.Result>;
}

/** Slope and intercept through two points. */
const line = (x1: number, y1: number, x2: number, y2: number) => {
  const slope = (y2 - y1) / (x2 - x1);
  return { slope, at0: y1 - slope * x1 };
};

export function report(m: Measured): string {
  const [a, b] = m.sizes as [Measured['sizes'][0], Measured['sizes'][0]];
  const dn = b.n - a.n;
  const sql = line(a.n, a.sqlite, b.n, b.sqlite);
  const hnsw = line(a.n, a.hnsw, b.n, b.hnsw);
  const rssSlope = line(a.n, m.rssAt[0]!, b.n, m.rssAt[1]!).slope;
  // RAM: the process without its graph (RSS at the smaller size minus that graph) plus the graph, which hnswlib
  // holds in memory at its file size. The RSS slope between the two sizes is shown beside it as a check (at these
  // sizes it is within the heap's noise).
  const ram = { slope: hnsw.slope, at0: m.rssAt[0]! - a.hnsw };
  const perThread = m.rssTwoThreads - m.rssAt[1]!;
  const dims = m.info.dims;
  const rate = m.perCore.rate;
  const qps = { distinct: m.q.distinct.requests.average, repeated: m.q.repeated.requests.average, related: m.q.related.requests.average };
  const out: string[] = [];
  out.push(
    `Model ${m.info.modelId} (${dims}-d, ${m.info.dtype}); ${m.real ? 'real arXiv records' : 'generated records (../shared absent)'}, mean passage ${fmt(m.meanChars)} characters; ${cpus().length}-core machine, Node ${process.version}.`,
    '',
    '**Measured slopes**',
    '',
    '| quantity | measured | slope |',
    '| --- | --- | --- |',
    `| SQLite file (papers, FTS5, vectors) | ${fmt(a.sqlite)} B at ${fmt(a.n)} papers, ${fmt(b.sqlite)} B at ${fmt(b.n)} | (${fmt(b.sqlite)} − ${fmt(a.sqlite)}) / ${fmt(dn)} = **${fmt(sql.slope)} B/paper** (${plusMb(sql.at0)}) |`,
    `| HNSW graph + keyword file (both held in RAM) | ${fmt(a.hnsw)} B, ${fmt(b.hnsw)} B | (${fmt(b.hnsw)} − ${fmt(a.hnsw)}) / ${fmt(dn)} = **${fmt(hnsw.slope)} B/paper** (${fmt(dims * 4)} of it the float32 vector) |`,
    `| replica RSS (1 embedding thread, after warm-up) | ${gb(m.rssAt[0]!)} at ${fmt(a.n)}, ${gb(m.rssAt[1]!)} at ${fmt(b.n)} | ${fmt(rssSlope)} B/paper between the two; RAM = ${gb(m.rssAt[0]!)} − ${gb(a.hnsw)} of graph and keyword file = **${gb(ram.at0)}** (process, model, caches) **+ their slope** per paper |`,
    `| each further embedding thread (\`serve --workers\`) | RSS ${gb(m.rssTwoThreads)} with 2 threads at ${fmt(b.n)} papers | **+${gb(perThread)}** per thread |`,
    `| verifying a copied build (sha256 of its files, streamed) | ${gb(b.sqlite + b.hnsw)} | **${fmt(m.hashRate / 1e6)} MB/s** |`,
    `| embedding, one worker-core (1 ONNX Runtime thread) | ${m.perCore.n} abstracts | **${fmt(rate, 1)} papers/s** |`,
    `| embedding, one process on all ${cpus().length} cores | ${m.perProcess.n} abstracts | ${fmt(m.perProcess.rate, 1)} papers/s (${fmt(m.perProcess.rate / rate, 2)}× one core) |`,
    `| queries on one replica core (${fmt(b.n)} papers, ${m.q.distinct.connections} connections) | new hybrid queries (each embedded) / repeated (embedding cached) / related papers | **${fmt(qps.distinct)} / ${fmt(qps.repeated)} / ${fmt(qps.related)} per s**, p50 ${m.q.distinct.latency.p50} / ${m.q.repeated.latency.p50} / ${m.q.related.latency.p50} ms |`,
    '',
    '**Per collection** (disk = SQLite + HNSW + keyword-file slopes × N + intercepts; RAM = (HNSW + keyword file) slope × N + the process without them, plus the SQLite file in the page cache for steady latency; hours = N / papers/s per core / 3600; queries/s as measured at ' +
      `${fmt(b.n)} papers: an HNSW search grows with log N, so larger collections answer somewhat slower)`,
    '',
    '| papers | disk per replica | RAM per replica | embedding hours per worker-core | worker-cores for a 24 h rebuild | queries/s per replica core (new / cached / related) | verifying a new build |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  );
  const rows: string[] = [];
  for (const [label, n] of [['100k', 100_000], ['2.5M (arXiv)', 2_500_000], ['200M (Semantic Scholar)', 200_000_000]] as const) {
    const disk = (sql.slope + hnsw.slope) * n + sql.at0 + hnsw.at0;
    const r = ram.slope * n + ram.at0;
    const hours = n / rate / 3600;
    const cores = Math.ceil(hours / 24);
    const verify = disk / m.hashRate;
    out.push(
      `| ${label} | ${gb(disk)} | ${gb(r)} | ${fmt(hours, hours < 10 ? 1 : 0)} | ${fmt(cores)} | ${fmt(qps.distinct)} / ${fmt(qps.repeated)} / ${fmt(qps.related)} | ${verify < 90 ? `${fmt(verify, 1)} s` : `${fmt(verify / 60, 1)} min`} |`,
    );
    rows.push(
      `- ${label}: disk ${fmt(sql.slope + hnsw.slope)} B × ${fmt(n)} ${plusMb(sql.at0 + hnsw.at0)} = ${gb(disk)}; RAM ${fmt(ram.slope)} B × ${fmt(n)} + ${gb(ram.at0)} = ${gb(r)}; ` +
        `${fmt(n)} / ${fmt(rate, 1)} / 3600 = ${fmt(hours, 1)} h per core; / 24 h = ${fmt(cores)} worker-core${cores === 1 ? '' : 's'}; ` +
        `verify ${gb(disk)} / ${fmt(m.hashRate / 1e6)} MB/s = ${fmt(verify, 1)} s (once per build, while the old one serves).`,
    );
  }
  out.push('', ...rows, '');
  const papersIn = (bytes: number) => Math.max(0, (bytes - ram.at0) / ram.slope);
  const n200 = 200_000_000;
  const ram200 = ram.slope * n200 + ram.at0;
  const int8Slope = ram.slope - 3 * dims;
  const shards = Math.ceil(ram200 / 256e9);
  // A query on S shards: one embedding, and a search on every shard (a related-papers request is one search without embedding).
  const perQuery = 1 / qps.distinct + (shards - 1) / qps.related;
  out.push(
    '**When one replica no longer holds the index** (the HNSW graph must be in RAM; the SQLite file is read through the page cache, and wants RAM too for steady latency: the disk column)',
    '',
    `- One replica's graph fits about ${fmt(papersIn(64e9) / 1e6, 1)}M papers in 64 GB and ${fmt(papersIn(256e9) / 1e6, 1)}M in 256 GB ((RAM − ${gb(ram.at0)}) / ${fmt(ram.slope)} B); with the SQLite file cached too, ${fmt((64e9 - ram.at0) / (ram.slope + sql.slope) / 1e6, 1)}M and ${fmt((256e9 - ram.at0) / (ram.slope + sql.slope) / 1e6, 1)}M. At 200M the graph alone needs ${gb(ram200)}.`,
    `- **int8 vectors**: 1 byte per dimension instead of 4 saves ${fmt(3 * dims)} B per paper (${fmt(int8Slope)} B/paper in RAM, ${gb(int8Slope * n200 + ram.at0)} at 200M). Measured cost here: recall@10 of exact int8 search against float32 = **${fmt(m.recall8, 4)}** (${Math.min(200, m.perCore.n)} queries over ${Math.min(1000, m.perCore.n)} real vectors). hnswlib-node has no int8 space: this means another HNSW library (e.g. usearch) or re-ranking int8 candidates with the float32 vectors from SQLite.`,
    `- **Sharding by id with scatter-gather**: at 200M, ${fmt(shards)} shards of 256 GB. Every query is embedded once and searched on all ${fmt(shards)} shards: about 1/${fmt(qps.distinct)} + ${fmt(shards - 1)}/${fmt(qps.related)} = ${fmt(perQuery * 1000, 1)} core-ms per query, ${fmt(1 / perQuery, 1)} queries/s per core of the whole set, and the latency of the slowest shard. Keyword scores need collection-wide BM25 statistics to be comparable across shards (not built here).`,
    '- **A distributed vector engine** (Qdrant, Milvus, Vespa, OpenSearch k-NN): sharding, replication and quantisation come with it; the cost is one more system to run and the search code moving to it. Not measured here.',
  );
  return out.join('\n');
}

await main();
