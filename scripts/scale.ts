// Scale benchmark: builds the 120k real arXiv records with the tiny BERT, then an --update adding 1,000; prints a markdown table.
//
//   npm run scale               several minutes; the table on stdout
//   npm run scale -- --write    also put it into the <!-- figures:scale --> block of docs/scale.md
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { createGzip } from 'node:zlib';
import { PROJECT_ROOT } from '../src/config.js';
import { writeBertModel } from '../src/embed/make-bert.js';
import { readSources } from '../src/ingest/index.js';
import { readLines } from '../src/ingest/lines.js';
import { publishFigures } from './lib/figures.js';

const { values } = parseArgs({
  options: {
    data: { type: 'string', default: path.resolve(PROJECT_ROOT, '..', 'shared', 'data', 'arxiv') },
    model: { type: 'string', default: path.join(PROJECT_ROOT, 'models', 'test-tiny') },
    holdout: { type: 'string', default: '1000' },
    /** Use only the first N records of each file (quick runs while tuning). */
    limit: { type: 'string' },
    keep: { type: 'boolean', default: false },
    write: { type: 'boolean', default: false },
    /** Internal: read the given files with the ingest readers only and print the peak RSS (a child mode). */
    'read-only': { type: 'boolean', default: false },
  },
  allowPositionals: true,
});

const CLI = path.join(PROJECT_ROOT, 'scripts', 'paperscope.js');
const READER_HEAP_MB = 32;
const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

if (values['read-only']) {
  // Child mode: stream every record through validation and report the process's peak RSS.
  const t0 = performance.now();
  let n = 0;
  for await (const item of readSources(process.argv.slice(2).filter((a) => !a.startsWith('--')))) if (item.kind === 'paper') n++;
  process.stdout.write(JSON.stringify({ papers: n, seconds: (performance.now() - t0) / 1000, maxRssBytes: process.resourceUsage().maxRSS * 1024 }) + '\n');
  process.exit(0);
}

interface Run {
  wall: number;
  peakRss: number;
  summary: Record<string, unknown> & { timings: Record<string, number>; papers: number; embedded: number };
}

/** Peak RSS of a running child, from /proc (VmHWM only grows, so the last reading is the peak so far). */
function peakRss(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

async function runChild(args: string[]): Promise<{ wall: number; peakRss: number; stdout: string }> {
  const t0 = performance.now();
  const child = spawn(process.execPath, args, { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, PAPERSCOPE_MODEL: '' } });
  let stdout = '';
  child.stdout.on('data', (d) => (stdout += d));
  let peak = 0;
  const timer = setInterval(() => (peak = Math.max(peak, peakRss(child.pid!))), 100);
  const [code] = (await once(child, 'close')) as [number | null];
  clearInterval(timer);
  if (code !== 0) throw new Error(`${args.join(' ')} exited with ${code}`);
  return { wall: (performance.now() - t0) / 1000, peakRss: peak, stdout };
}

async function build(args: string[]): Promise<Run> {
  const r = await runChild([CLI, 'build', '--json', '--model', values.model!, ...args]);
  return { wall: r.wall, peakRss: r.peakRss, summary: JSON.parse(r.stdout.trim().split('\n').pop()!) as Run['summary'] };
}

/** Copies the first `limit` lines of a gz file, keeping `holdout` of them for a second file. */
async function split(src: string, out: string, holdoutOut: string | undefined, limit: number, holdout: number): Promise<number> {
  const total = Math.min(limit, await countLines(src));
  const keep = total - holdout;
  const main = createGzip({ level: 1 });
  const mainFile = main.pipe(createWriteStream(out));
  const held = holdoutOut ? createGzip({ level: 1 }) : undefined;
  const heldFile = held?.pipe(createWriteStream(holdoutOut!));
  let n = 0;
  for await (const { text } of readLines(src)) {
    if (n >= total) break;
    const target = n < keep ? main : held;
    if (target && !target.write(text + '\n')) await once(target, 'drain');
    n++;
  }
  main.end();
  held?.end();
  await Promise.all([once(mainFile, 'finish'), ...(heldFile ? [once(heldFile, 'finish')] : [])]);
  return total;
}

async function countLines(file: string): Promise<number> {
  let n = 0;
  for await (const _ of readLines(file)) n++;
  return n;
}

const files = ['arxiv-1990-2017-100k.jsonl.gz', 'arxiv-cs-2025-2026-20k.jsonl.gz'].map((f) => path.join(values.data!, f));
for (const f of files) if (!existsSync(f)) throw new Error(`${f} is missing (pass --data DIR)`);
if (!existsSync(path.join(values.model!, 'config.json'))) {
  await writeBertModel({ outDir: values.model! });
  console.error(`wrote the tiny test model to ${values.model}`);
}
const holdout = Number(values.holdout);
const limit = values.limit ? Number(values.limit) : Number.POSITIVE_INFINITY;
const work = await mkdtemp(path.join(tmpdir(), 'paperscope-scale-'));
try {
  // The first build gets everything but the last `holdout` records of the 2025-26 file; the update gets both files whole.
  const a = path.join(work, 'a.jsonl.gz');
  const b = path.join(work, 'b.jsonl.gz');
  const bHeld = path.join(work, 'b-held.jsonl.gz');
  const bFull = path.join(work, 'b-full.jsonl.gz');
  const records = (await split(files[0]!, a, undefined, limit, 0)) + (await split(files[1]!, b, bHeld, limit, holdout));
  await split(files[1]!, bFull, undefined, limit, 0);
  const index = path.join(work, 'index');
  console.error(`${records} records; building ${records - holdout} (this takes minutes) ...`);

  // The readers alone, under a 32 MB V8 heap cap: they finish only if memory does not grow with the input.
  const reader = await runChild([`--max-old-space-size=${READER_HEAP_MB}`, ...process.execArgv, process.argv[1]!, '--read-only', a, b]);
  const read = JSON.parse(reader.stdout) as { papers: number; seconds: number; maxRssBytes: number };
  const first = await build(['--source', a, b, '--index', index]);
  const s = first.summary;
  const bytes = Number(statSync(path.join(index, 'builds', String(s.build), 'papers.sqlite')).size) + statSync(path.join(index, 'builds', String(s.build), 'vectors.hnsw')).size;
  console.error(`updating with ${holdout} more ...`);
  const upd = await build(['--update', '--source', a, bFull, '--index', index]);
  const u = upd.summary;

  const outside = first.wall - s.timings.embed!;
  const rows: [string, string][] = [
    ['records read (both files)', `${records}`],
    ['papers indexed (first build)', `${s.papers} (rejected ${s.rejected})`],
    ['wall time, first build', `${first.wall.toFixed(1)} s`],
    ['  ingest (read, validate, hash, SQLite + FTS5)', `${s.timings.ingest!.toFixed(1)} s (${(s.papers / s.timings.ingest!).toFixed(0)} papers/s)`],
    ['  embedding loop (tiny BERT + vector commits)', `${s.timings.embed!.toFixed(1)} s (${(s.embedded / s.timings.embed!).toFixed(0)} papers/s)`],
    ['  HNSW add + save', `${s.timings.hnsw!.toFixed(1)} s`],
    ['  checkpoint, manifest, publish', `${s.timings.publish!.toFixed(1)} s`],
    ['papers/s outside the model (wall minus embedding)', `${(s.papers / outside).toFixed(0)}`],
    ['peak RSS, build process', mb(first.peakRss)],
    [`readers alone, V8 heap capped at ${READER_HEAP_MB} MB`, `${read.papers} papers read, peak RSS ${mb(read.maxRssBytes)}, ${(read.papers / read.seconds).toFixed(0)} records/s`],
    ['index size on disk', `${mb(bytes)} = ${(bytes / s.papers).toFixed(0)} bytes/paper (SQLite+FTS5+vectors, HNSW)`],
    [`--update adding ${u.added}`, `${upd.wall.toFixed(1)} s wall (embedded ${u.embedded}, unchanged ${u.unchanged}; copy base ${u.timings.stage!.toFixed(1)} s, ingest ${u.timings.ingest!.toFixed(1)} s, embed ${u.timings.embed!.toFixed(1)} s, HNSW ${u.timings.hnsw!.toFixed(1)} s, publish ${u.timings.publish!.toFixed(1)} s)`],
    ['peak RSS, update process', mb(upd.peakRss)],
  ];
  publishFigures(
    'scale',
    [
      `${records} records of ${path.relative(PROJECT_ROOT, values.data!) || values.data} (both files), model ${path.basename(values.model!)}, node ${process.version}`,
      '',
      '| measure | value |',
      '| --- | --- |',
      ...rows.map(([k, v]) => `| ${k} | ${v} |`),
    ].join('\n'),
  );
  if (values.keep) console.error(`kept ${work}`);
} finally {
  if (!values.keep) await rm(work, { recursive: true, force: true });
}
