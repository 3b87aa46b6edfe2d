// `npm run bench:scale -- --papers 100000,1000000 [--write]`: paperscope at scale beside the libraries it wraps (HNSW, FTS5, ORT).
//
// Data (scripts/lib/scale-data.ts): the 120k shared arXiv records repeated with new ids, and real all-MiniLM-L6-v2
// vectors of 20k of them copied with noise (σ from the real nearest-neighbour distance extrapolated to N).
// Each N gets an index built with `build --vectors` (kept in .cache/scale/index-N; --rebuild makes it again), a
// served instance (`serve --workers 2`) timed over HTTP with query embeddings cached, and the bare libraries on the
// same files: hnswlib-node searchKnn, SQLite FTS5 `MATCH … ORDER BY rank LIMIT k`, an onnxruntime session.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import hnswlib from 'hnswlib-node';
import { PROJECT_ROOT } from '../src/config.js';
import { loadEmbedder } from '../src/embed/index.js';
import { openVectorsFile, readVectorRows, writeVectorsFile } from '../src/ingest/vectors.js';
import { toFtsQuery } from '../src/search/fts.js';
import { manifestBytes, openIndex, readManifest, resolveBuildDir, type Manifest } from '../src/store/index.js';
import { publishFigures } from './lib/figures.js';
import { REAL_MODEL, hasRealModel } from './lib/models.js';
import { type Child, startServe } from './lib/servers.js';
import { type ArxivRecord, extrapolateNearestCosine, noisyVectors, readArxiv, realVectors, scaledId, sigmaFor, writeScaledPapers } from './lib/scale-data.js';

const { values } = parseArgs({
  options: {
    papers: { type: 'string', default: '100000,1000000' },
    requests: { type: 'string', default: '500' },
    rebuild: { type: 'boolean', default: false },
    write: { type: 'boolean', default: false },
  },
});
const OUT = path.join(PROJECT_ROOT, '.cache', 'scale');
const ARXIV = path.resolve(PROJECT_ROOT, '..', 'shared', 'data', 'arxiv');
const FILES = ['arxiv-cs-2025-2026-20k.jsonl.gz', 'arxiv-1990-2017-100k.jsonl.gz'].map((f) => path.join(ARXIV, f));
const REQUESTS = Number(values.requests);
const CLI = path.join(PROJECT_ROOT, 'scripts', 'paperscope.js');
const COMMON = ['neural network model', 'deep learning methods', 'quantum field theory', 'magnetic field dynamics', 'learning based approach', 'large language models', 'time series data analysis', 'optimal control problem'];
const RARE = ['byzantine consensus blockchain', 'lidar point cloud segmentation', 'gravitational wave detector', 'protein folding simulation', 'spin glass', 'federated learning privacy', 'knot invariants', 'speech emotion recognition'];
const log = (l: string) => process.stderr.write(`${l}\n`);

if (!FILES.every(existsSync) || !hasRealModel()) {
  console.log(`skipped: needs the shared arXiv records (${ARXIV}) and the real model (${REAL_MODEL}: npm run get-models)`);
  process.exit(0);
}

const pct = (xs: readonly number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;
const p50 = (xs: readonly number[]) => pct(xs, 0.5);
const f1 = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const lat = (xs: readonly number[]) => `${f1(p50(xs))} / ${f1(pct(xs, 0.99))}`;

/** Runs the CLI and returns its stdout, with the child's peak RSS (VmHWM, polled from /proc while it runs). */
async function cli(args: string[]): Promise<{ out: string; peakMB: number; seconds: number }> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d));
  let peak = 0;
  const timer = setInterval(() => (peak = Math.max(peak, vmKB(child.pid!, 'VmHWM'))), 250);
  const code = await new Promise<number>((r) => child.on('exit', (c) => r(c ?? 1)));
  clearInterval(timer);
  if (code !== 0) throw new Error(`paperscope ${args.join(' ')} exited ${code}`);
  return { out, peakMB: peak / 1024, seconds: (performance.now() - t0) / 1000 };
}

function vmKB(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  try {
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

interface Data {
  papers: string;
  vectors: string;
  sigma: number;
  nearest: number;
}

/** The benchmark's inputs for n papers (cached under .cache/scale), and the 1,000 papers of the update. */
async function prepare(records: ArxivRecord[], real: Float32Array[], n: number): Promise<Data> {
  const papers = path.join(OUT, `papers-${n}.jsonl.gz`);
  await writeScaledPapers(records, n, papers);
  const fit = extrapolateNearestCosine(real, n);
  const sigma = sigmaFor(fit.atTarget, real[0]!.length);
  const vectors = path.join(OUT, `vectors-${n}-s${sigma.toFixed(4)}`);
  if (!existsSync(`${vectors}.npy`)) {
    const ids = Array.from({ length: n }, (_, j) => scaledId(records[j % records.length]!, j, records.length));
    await writeVectorsFile(vectors, { model: 'all-MiniLM-L6-v2', dtype: 'q8', dims: real[0]!.length }, ids, noisyVectors(real, n, sigma));
  }
  return { papers, vectors, sigma, nearest: fit.atTarget };
}

/** 1,000 new papers (real texts, new ids) and their vectors, for the --update measurement. */
async function updateSet(records: ArxivRecord[], real: Float32Array[], n: number, sigma: number): Promise<{ papers: string; vectors: string }> {
  const papers = path.join(OUT, `update-${n}.jsonl`);
  const recs = Array.from({ length: 1000 }, (_, i) => ({ ...records[(n + i * 7) % records.length]!, id: `update-${n}-${i}` }));
  await writeFile(papers, recs.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const vectors = path.join(OUT, `update-${n}`);
  const noisy = [...noisyVectors(real, real.length + 1000, sigma, 7)].slice(real.length);
  await writeVectorsFile(vectors, { model: 'all-MiniLM-L6-v2', dtype: 'q8', dims: real[0]!.length }, recs.map((r) => r.id), noisy);
  return { papers, vectors };
}

/** Builds the index of n papers (unless kept from an earlier run), returning the build's own summary. */
async function build(n: number, d: Data): Promise<{ indexDir: string; summary: Record<string, unknown> | undefined; peakMB: number; seconds: number }> {
  const indexDir = path.join(OUT, `index-${n}`);
  if (values.rebuild) await rm(indexDir, { recursive: true, force: true });
  if (resolveBuildDir(indexDir)) return { indexDir, summary: undefined, peakMB: 0, seconds: 0 };
  log(`building ${n} papers in ${indexDir} (build --vectors) ...`);
  const r = await cli(['build', '--source', d.papers, '--vectors', d.vectors, '--model', REAL_MODEL, '--dtype', 'q8', '--index', indexDir, '--json']);
  await writeFile(path.join(indexDir, 'bench-build.json'), JSON.stringify({ summary: JSON.parse(r.out), peakMB: r.peakMB, seconds: r.seconds }));
  return { indexDir, summary: JSON.parse(r.out) as Record<string, unknown>, peakMB: r.peakMB, seconds: r.seconds };
}

interface Served {
  child: Child;
  url: string;
  coldStartS: number;
}

/** Starts `serve --workers 2` and times it from spawn to its first answered search. */
async function serve(indexDir: string): Promise<Served> {
  const t0 = performance.now();
  const { child, url } = await startServe(['--index', indexDir, '--workers', '2'], { PAPERSCOPE_LOG_REQUESTS: '0', PAPERSCOPE_VERIFY: 'sizes' });
  for (;;) {
    const r = await fetch(`${url}/api/search?mode=semantic&q=warm+start`).catch(() => undefined);
    if (r?.status === 200) break;
    await new Promise((res) => setTimeout(res, 50));
  }
  return { child, url, coldStartS: (performance.now() - t0) / 1000 };
}

async function timeGets(url: string, paths: readonly string[], n: number): Promise<number[]> {
  for (const p of paths) await (await fetch(url + p)).arrayBuffer(); // warm-up: every query embedded (and cached) once
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const r = await fetch(url + paths[i % paths.length]!);
    await r.arrayBuffer();
    if (r.status !== 200) throw new Error(`${paths[i % paths.length]}: HTTP ${r.status}`);
    times.push(performance.now() - t);
  }
  return times;
}

/** HTTP latencies of the served index, query embeddings cached, and the embedding of new queries apart. */
async function httpLatencies(s: Served, titles: string[], ids: string[]) {
  const q = (mode: string, texts: string[]) => texts.map((t) => `/api/search?mode=${mode}&limit=10&q=${encodeURIComponent(t)}`);
  const semantic = await timeGets(s.url, q('semantic', titles), REQUESTS);
  const keywordCommon = await timeGets(s.url, q('keyword', COMMON), REQUESTS);
  const keywordRare = await timeGets(s.url, q('keyword', RARE), REQUESTS);
  const hybrid = await timeGets(s.url, q('hybrid', [...COMMON, ...RARE, ...titles.slice(0, 16)]), REQUESTS);
  const related = await timeGets(s.url, ids.map((id) => `/api/papers/${encodeURIComponent(id)}/related?limit=10`), REQUESTS);
  // New query texts each time: the difference to the cached semantic request is the query embedding (2 worker threads).
  const fresh: number[] = [];
  for (let i = 0; i < 100; i++) {
    const t = performance.now();
    await (await fetch(`${s.url}/api/search?mode=semantic&q=${encodeURIComponent(`${titles[i % titles.length]} variant ${i}`)}`)).arrayBuffer();
    fresh.push(performance.now() - t);
  }
  return { semantic, keywordCommon, keywordRare, hybrid, related, fresh, rssMB: vmKB(s.child.proc.pid!, 'VmRSS') / 1024, peakMB: vmKB(s.child.proc.pid!, 'VmHWM') / 1024 };
}

/** The bare libraries on the same files: hnswlib searchKnn per shard, FTS5 ranked MATCH, and ORT for one query. */
async function bareLatencies(indexDir: string, m: Manifest, queryVecs: Float32Array[], ids: string[]) {
  const dir = resolveBuildDir(indexDir)!;
  const graphs = m.segments.flatMap((s) => s.hnsw).map((h) => {
    const g = new hnswlib.HierarchicalNSW('cosine', m.model.dims);
    g.readIndexSync(path.join(dir, h.name));
    g.setEf(128);
    return g;
  });
  const knn = (v: Float32Array, k: number) => {
    const a = Array.from(v);
    for (const g of graphs) g.searchKnn(a, k);
  };
  const time = (n: number, f: (i: number) => void) => {
    for (let i = 0; i < 20; i++) f(i);
    const t: number[] = [];
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      f(i);
      t.push(performance.now() - t0);
    }
    return t;
  };
  const semantic = time(REQUESTS, (i) => knn(queryVecs[i % queryVecs.length]!, 10));
  const db = new Database(path.join(dir, m.segments[0]!.sqlite.name), { readonly: true });
  const vec = db.prepare<[string], Buffer>('SELECT v.vector FROM papers p JOIN vectors v ON v.label = p.label WHERE p.id = ?').pluck();
  const stored = ids.map((id) => {
    const b = vec.get(id)!;
    return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
  });
  const related = time(REQUESTS, (i) => knn(stored[i % stored.length]!, 11));
  const fts = db.prepare<[string], number>('SELECT rowid FROM papers_fts WHERE papers_fts MATCH ? ORDER BY rank LIMIT 10').pluck();
  const ftsOf = (qs: string[]) => time(REQUESTS / 5, (i) => fts.all(toFtsQuery(qs[i % qs.length]!).match!));
  const keywordCommon = ftsOf(COMMON);
  const keywordRare = ftsOf(RARE);
  db.close();
  return { semantic, related, keywordCommon, keywordRare };
}

/** HNSW recall@10 of the served graphs (all shards merged) against exact search over every vector, at several ef. */
async function recall(indexDir: string, d: Data, n: number): Promise<Record<number, number>> {
  const f = await openVectorsFile(d.vectors);
  const all = new Float32Array(f.rows * f.dims);
  for await (const r of readVectorRows(f)) all.set(r.vector, r.index * f.dims);
  const index = await openIndex(indexDir);
  const labelOf = index.db.prepare<[string], number>('SELECT label FROM papers WHERE id = ?').pluck();
  const rowLabel = new Float64Array(f.rows);
  f.ids.forEach((id, i) => (rowLabel[i] = labelOf.get(id) ?? -1));
  const Q = 200;
  const out: Record<number, number> = {};
  const truth: number[][] = [];
  const queries: Float32Array[] = [];
  for (let q = 0; q < Q; q++) {
    const row = Math.floor(((q + 0.5) * n) / Q);
    const qv = all.subarray(row * f.dims, (row + 1) * f.dims);
    queries.push(qv);
    const best: [number, number][] = [];
    for (let j = 0; j < f.rows; j++) {
      if (j === row) continue;
      let s = 0;
      for (let k = 0; k < f.dims; k++) s += qv[k]! * all[j * f.dims + k]!;
      if (best.length < 10 || s > best[9]![1]) {
        best.push([rowLabel[j]!, s]);
        best.sort((a, b) => b[1] - a[1]);
        if (best.length > 10) best.pop();
      }
    }
    truth.push(best.map(([l]) => l));
  }
  for (const ef of [32, 64, 128, 256]) {
    index.vectors.setEf(ef);
    let hit = 0;
    queries.forEach((qv, q) => {
      const self = rowLabel[Math.floor(((q + 0.5) * n) / Q)]!;
      const got = index.vectors.search(qv, 11).map((h) => h.label).filter((l) => l !== self).slice(0, 10);
      hit += got.filter((l) => truth[q]!.includes(l)).length;
    });
    out[ef] = hit / (Q * 10);
  }
  index.close();
  return out;
}

/** Query embedding: paperscope's embedder in-process and a bare ORT session (through transformers.js's model call). */
async function embeddingRow(texts: string[]): Promise<{ mine: number; bare: number }> {
  const emb = await loadEmbedder(REAL_MODEL, { modelsDir: path.dirname(REAL_MODEL), dtype: 'q8', threads: 1 });
  const ort = await import('onnxruntime-node');
  const session = await ort.InferenceSession.create(path.join(REAL_MODEL, 'onnx', 'model_quantized.onnx'), { intraOpNumThreads: 1 });
  const { AutoTokenizer } = await import('@huggingface/transformers');
  const tok = await AutoTokenizer.from_pretrained(REAL_MODEL);
  const mine: number[] = [];
  const bare: number[] = [];
  for (let i = 0; i < 100; i++) {
    const t = `${texts[i % texts.length]} ${i}`;
    let t0 = performance.now();
    await emb.embedQuery(t);
    mine.push(performance.now() - t0);
    const ids = tok.encode(t).map(BigInt);
    const S = ids.length;
    t0 = performance.now();
    await session.run({
      input_ids: new ort.Tensor('int64', BigInt64Array.from(ids), [1, S]),
      attention_mask: new ort.Tensor('int64', new BigInt64Array(S).fill(1n), [1, S]),
      token_type_ids: new ort.Tensor('int64', new BigInt64Array(S), [1, S]),
    });
    bare.push(performance.now() - t0);
  }
  await emb.dispose();
  await session.release();
  return { mine: p50(mine.slice(10)), bare: p50(bare.slice(10)) };
}

async function measure(records: ArxivRecord[], real: Float32Array[], n: number): Promise<Record<string, string>> {
  const d = await prepare(records, real, n);
  const b = await build(n, d);
  const kept = existsSync(path.join(b.indexDir, 'bench-build.json')) ? (JSON.parse(readFileSync(path.join(b.indexDir, 'bench-build.json'), 'utf8')) as { summary: Record<string, unknown>; peakMB: number; seconds: number }) : undefined;
  const summary = (b.summary ?? kept?.summary ?? {}) as { timings?: Record<string, number>; papers?: number };
  const m = readManifest(path.join(resolveBuildDir(b.indexDir)!, 'manifest.json'));
  const bytes = manifestBytes(m);
  const titles = records.slice(0, 50).map((r) => r.title);
  const ids = Array.from({ length: 50 }, (_, i) => {
    const j = (i * 104729) % n;
    return scaledId(records[j % records.length]!, j, records.length);
  });

  log(`serving ${n} papers ...`);
  const s = await serve(b.indexDir);
  let http: Awaited<ReturnType<typeof httpLatencies>>;
  try {
    http = await httpLatencies(s, titles, ids);
  } finally {
    // Also when a measurement fails: a server left behind would skew every later run.
    await s.child.kill('SIGTERM');
    await writeFile(path.join(b.indexDir, 'bench-serve.log'), s.child.output()); // the server's log, kept with the index
  }

  log('bare libraries ...');
  const emb = await loadEmbedder(REAL_MODEL, { modelsDir: path.dirname(REAL_MODEL), dtype: 'q8' });
  const queryVecs = await Promise.all(titles.map((t) => emb.embedQuery(t)));
  await emb.dispose();
  const bare = await bareLatencies(b.indexDir, m, queryVecs, ids);
  log('recall against exact search ...');
  const rec = await recall(b.indexDir, d, n);
  const e = await embeddingRow(titles);

  log('update of 1,000 papers ...');
  const u = await updateSet(records, real, n, d.sigma);
  const up = await cli(['build', '--update', '--source', u.papers, '--vectors', u.vectors, '--index', b.indexDir, '--json']);
  const us = JSON.parse(up.out) as { timings: Record<string, number>; layout: string; added: number };
  // Undo the update so the next run measures the same index (a remove is itself an update of 1,000).
  const removed = await cli(['remove', '--index', b.indexDir, '--json', ...Array.from({ length: 1000 }, (_, i) => `update-${n}-${i}`)]);

  const t = summary.timings ?? {};
  const ratio = (a: number[], x: number[]) => `${(p50(a) / p50(x)).toFixed(1)}x`;
  return {
    papers: String(summary.papers ?? m.counts.papers),
    'noise σ per dim (nearest-neighbour cosine at N)': `${d.sigma.toFixed(4)} (${d.nearest.toFixed(3)})`,
    'semantic ms p50 / p99 (bare searchKnn p50, ratio)': `${lat(http.semantic)} (${f1(p50(bare.semantic))}, ${ratio(http.semantic, bare.semantic)})`,
    'related ms p50 / p99 (bare searchKnn p50, ratio)': `${lat(http.related)} (${f1(p50(bare.related))}, ${ratio(http.related, bare.related)})`,
    'keyword, common words, ms p50 / p99 (bare FTS5 p50, ratio)': `${lat(http.keywordCommon)} (${f1(p50(bare.keywordCommon))}, ${ratio(http.keywordCommon, bare.keywordCommon)})`,
    'keyword, rare words, ms p50 / p99 (bare FTS5 p50, ratio)': `${lat(http.keywordRare)} (${f1(p50(bare.keywordRare))}, ${ratio(http.keywordRare, bare.keywordRare)})`,
    'hybrid ms p50 / p99': lat(http.hybrid),
    'query embedding ms p50: new query over HTTP minus cached / in-process / bare ORT': `${f1(p50(http.fresh) - p50(http.semantic))} / ${f1(e.mine)} / ${f1(e.bare)}`,
    'HNSW recall@10 at ef 32 / 64 / 128 (default) / 256': [32, 64, 128, 256].map((ef) => rec[ef]!.toFixed(4)).join(' / '),
    'serve RSS MB (peak)': `${http.rssMB.toFixed(0)} (${http.peakMB.toFixed(0)})`,
    'cold start to first answer s': s.coldStartS.toFixed(1),
    'index bytes per paper (SQLite / HNSW / keywords)': `${((bytes.sqlite + bytes.hnsw + bytes.keywords) / m.counts.papers).toFixed(0)} (${(bytes.sqlite / m.counts.papers).toFixed(0)} / ${(bytes.hnsw / m.counts.papers).toFixed(0)} / ${(bytes.keywords / m.counts.papers).toFixed(0)})`,
    'build s: stage / ingest / vectors / embed / HNSW / keywords / publish': ['stage', 'ingest', 'vectors', 'embed', 'hnsw', 'keywords', 'publish'].map((k) => f1(t[k] ?? 0)).join(' / '),
    'build wall s (peak RSS MB)': kept ? `${kept.seconds.toFixed(0)} (${kept.peakMB.toFixed(0)})` : '',
    'update of 1,000 papers, wall s (layout; ingest / HNSW / keywords / publish)': `${up.seconds.toFixed(1)} (${us.layout}; ${f1(us.timings.ingest ?? 0)} / ${f1(us.timings.hnsw ?? 0)} / ${f1(us.timings.keywords ?? 0)} / ${f1(us.timings.publish ?? 0)})`,
    'remove of those 1,000, wall s': removed.seconds.toFixed(1),
  };
}

const records = await readArxiv(FILES);
const emb = await loadEmbedder(REAL_MODEL, { modelsDir: path.dirname(REAL_MODEL), dtype: 'q8' });
const real = await realVectors(records, 20_000, emb, path.join(OUT, `real-20000-${emb.info.modelId}-${emb.info.dtype}`), log);
await emb.dispose();
const sizes = values.papers.split(',').map(Number);
const cols: Record<string, string>[] = [];
for (const n of sizes) cols.push(await measure(records, real, n));
const rows = Object.keys(cols[0]!);
publishFigures(
  'scale-million',
  [
    `all-MiniLM-L6-v2 (q8) vectors, ${REQUESTS} requests per latency after a warm-up pass, \`serve --workers 2\`, HTTP on 127.0.0.1; ms are p50 / p99.`,
    '',
    `| measure | ${sizes.map((n) => n.toLocaleString('en')).join(' | ')} |`,
    `| --- | ${sizes.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r} | ${cols.map((c) => c[r] ?? '').join(' | ')} |`),
  ].join('\n'),
);
