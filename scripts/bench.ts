// `npm run bench`: per model, paperscope's embedder beside bare onnxruntime on the same token batches, query time, seed build, HTTP latency, peak RSS.
//
//   npm run bench                              the default rows: use-lite, the tiny test BERT, and the real all-MiniLM-L6-v2
//                                              (fp32 and q8) from models/all-MiniLM-L6-v2, or a random-weight model of its shape
//   npm run bench -- --model DIR[:DTYPE] ...   chosen rows (a model folder, optionally with fp32|q8|...; or use-lite)
//   npm run bench -- --n 256 --rounds 5 --threads 2 --batch 16 --data FILE.jsonl.gz
//   npm run bench -- --write                   also put the table into the <!-- figures:bench --> block of README.md
//
// Each row runs in its own child process (so its peak RSS is that model's alone); the parent prints the table.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PROJECT_ROOT } from '../src/config.js';
import { writeBertModel } from '../src/embed/make-bert.js';
import { type BenchSettings, type RowResult, type RowSpec, QUERY12, benchRow, median } from './lib/bench-model.js';
import { publishFigures } from './lib/figures.js';

const { values } = parseArgs({
  options: {
    model: { type: 'string', multiple: true },
    data: { type: 'string', default: path.resolve(PROJECT_ROOT, '..', 'shared', 'data', 'arxiv', 'arxiv-cs-2025-2026-20k.jsonl.gz') },
    n: { type: 'string', default: '256' },
    rounds: { type: 'string', default: '5' },
    threads: { type: 'string', default: String(availableParallelism()) },
    batch: { type: 'string', default: '16' },
    write: { type: 'boolean', default: false },
    /** Internal: measure one row (JSON RowSpec + settings) and print its result as one JSON line. */
    child: { type: 'string' },
  },
});

const settings: BenchSettings = { data: values.data, n: Number(values.n), rounds: Number(values.rounds), threads: Number(values.threads), batch: Number(values.batch) };

if (values.child) {
  const spec = JSON.parse(values.child) as RowSpec;
  process.stdout.write(`${JSON.stringify(await benchRow(spec, settings))}\n`);
  process.exit(0);
}

const REAL = path.join(PROJECT_ROOT, 'models', 'all-MiniLM-L6-v2');
const SHAPE_SRC = path.resolve(PROJECT_ROOT, '..', 'shared', 'models', 'all-MiniLM-L6-v2');

/** The default rows; generated models go into `tmp`. Notes say what was left out and why. */
async function defaultRows(tmp: string, notes: string[]): Promise<RowSpec[]> {
  const rows: RowSpec[] = [{ label: 'use-lite', model: 'use-lite' }];
  const tiny = (await writeBertModel({ outDir: path.join(tmp, 'test-tiny') })).dir;
  rows.push({ label: 'tiny BERT, random weights (tests)', model: tiny, dtype: 'fp32' });
  if (existsSync(path.join(REAL, 'config.json'))) {
    for (const dtype of ['fp32', 'q8']) {
      const file = path.join(REAL, 'onnx', dtype === 'fp32' ? 'model.onnx' : 'model_quantized.onnx');
      if (existsSync(file)) rows.push({ label: 'all-MiniLM-L6-v2', model: REAL, dtype });
      else notes.push(`all-MiniLM-L6-v2 ${dtype} skipped: ${path.relative(PROJECT_ROOT, file)} is absent.`);
    }
  } else if (existsSync(path.join(SHAPE_SRC, 'config.json'))) {
    notes.push(`${path.relative(PROJECT_ROOT, REAL)} is absent (\`npm run get-models\` imports it): MiniLM-L6 shape with random weights instead, same speed, meaningless rankings.`);
    const shape = (await writeBertModel({ outDir: path.join(tmp, 'minilm-shape'), from: SHAPE_SRC })).dir;
    rows.push({ label: 'MiniLM-L6 shape, random weights', model: shape, dtype: 'fp32' });
  } else {
    notes.push(`no MiniLM row: neither ${path.relative(PROJECT_ROOT, REAL)} nor ${SHAPE_SRC} exists.`);
  }
  return rows;
}

/** "models/x:q8" -> a row; a folder that exists wins over the colon split (so paths with colons still work). */
function parseSpec(s: string): RowSpec {
  if (s === 'use-lite') return { label: 'use-lite', model: s };
  const m = /^(.*):(\w+)$/.exec(s);
  const [model, dtype] = m && !existsSync(s) ? [m[1]!, m[2]!] : [s, undefined];
  return { label: path.basename(path.resolve(model)), model: path.resolve(model), ...(dtype ? { dtype } : {}) };
}

async function runChild(spec: RowSpec): Promise<RowResult> {
  const args = [...process.execArgv, process.argv[1]!, '--child', JSON.stringify(spec)];
  for (const k of ['data', 'n', 'rounds', 'threads', 'batch'] as const) args.push(`--${k}`, String(values[k]));
  const child = spawn(process.execPath, args, { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  const [code] = (await once(child, 'close')) as [number | null];
  if (code !== 0) throw new Error(`bench row ${spec.label} failed (exit ${code})`);
  return JSON.parse(out.trim().split('\n').pop()!) as RowResult;
}

const f1 = (x: number) => x.toFixed(1);
const lat = ([p50, p95]: [number, number]) => `${f1(p50)} (${f1(p95)})`;

/** The figures: one line on what was measured, the table, and the notes. */
function table(rows: RowResult[], notes: string[]): string {
  const withData = rows.find((r) => r.abstracts);
  const out = [
    `Embedding: ${withData?.abstracts ?? 0} arXiv abstracts (\`${path.basename(settings.data)}\`, title + ". " + abstract, truncated at each model's max tokens), ` +
      `batch ${settings.batch}, ${settings.threads} threads for both; paperscope = its embedder (tokenizer, length-sorted batches, forward, pooling), ` +
      `bare ORT = an onnxruntime-node session on the same onnx file run on exactly the same token batches; medians of ${settings.rounds} alternating rounds; ` +
      `ratio = paperscope / bare ORT. Tokens: the abstracts' mean after truncation / the query's. Query: p50 of 50 embeddings of "${QUERY12}" (12 tokens for BERT uncased). ` +
      `Seed: build of the ${rows[0]?.seedPapers ?? 45} bundled papers; HTTP: median (p95) ms of 100 sequential requests after 10 warm-up on 127.0.0.1, ` +
      'a new query text per request (embedding included) except "repeated" (5 queries, embeddings cached). Peak RSS: the row\'s process while building and serving the seed. ' +
      'Build papers/s: a whole build (ingest, embedding, HNSW, keywords, publish) of the same abstracts, divided by bare ORT\'s papers/s.',
    '',
    '| model | dtype | dims | tokens | paperscope papers/s | bare ORT papers/s | ratio | build papers/s (÷ bare ORT) | query ms | seed build s | hybrid ms | semantic ms | keyword ms | repeated ms | related ms | peak RSS MB |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const r of rows) {
    const ps = r.paperscope.length ? f1(median(r.paperscope)) : 'n/a';
    const ort = r.ort.length ? f1(median(r.ort)) : 'n/a';
    // The ratio of the two medians shown (both from the same alternating rounds, so load from elsewhere hits both alike).
    const ratio = r.ort.length ? (median(r.paperscope) / median(r.ort)).toFixed(2) : 'n/a';
    const build = r.buildRate && r.ort.length ? `${f1(r.buildRate)} (${(r.buildRate / median(r.ort)).toFixed(2)})` : 'n/a';
    const cells = [r.label, r.dtype, r.dims, r.meanTokens ? `${r.meanTokens.toFixed(0)} / ${r.queryTokens}` : 'n/a', ps, ort, ratio, build, r.queryMs.toFixed(2), r.buildS.toFixed(2)];
    const l = r.lat as Record<string, [number, number]>;
    cells.push(lat(l.hybrid!), lat(l.semantic!), lat(l.keyword!), lat(l.repeated!), lat(l.related!), r.peakRssMB.toFixed(0));
    out.push(`| ${cells.join(' | ')} |`);
  }
  const diffs = rows.filter((r) => r.maxDiff !== undefined).map((r) => `${r.label} ${r.dtype} ${r.maxDiff!.toExponential(1)}`);
  if (diffs.length) notes.push(`Same batches, same vectors: largest |paperscope - bare ORT pooled| per vector component: ${diffs.join(', ')}.`);
  if (!existsSync(settings.data)) notes.push(`no abstracts at ${settings.data}: embedding columns n/a.`);
  return [...out, ...(notes.length ? ['', ...notes.map((n) => `- ${n}`)] : [])].join('\n');
}

const tmp = await mkdtemp(path.join(tmpdir(), 'paperscope-bench-models-'));
try {
  const notes: string[] = [];
  const specs = values.model?.length ? values.model.map(parseSpec) : await defaultRows(tmp, notes);
  const rows: RowResult[] = [];
  for (const spec of specs) {
    console.error(`bench: ${spec.label}${spec.dtype ? ` (${spec.dtype})` : ''} ...`);
    rows.push(await runChild(spec));
  }
  publishFigures('bench', table(rows, notes));
} finally {
  await rm(tmp, { recursive: true, force: true });
}
