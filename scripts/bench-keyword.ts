// `npm run bench:keyword -- --papers N`: keyword ranking cost at N papers (the shared arXiv records, repeated with new ids).
import { existsSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PROJECT_ROOT } from '../src/config.js';
import { readLines } from '../src/ingest/lines.js';
import { toFtsQuery } from '../src/search/fts.js';
import { deferFts, finalize, openReadonly, openWritable, rebuildFts, type DB } from '../src/store/db.js';
import { writeKeywordIndex } from '../src/store/keyword-build.js';
import { publishFigures } from './lib/figures.js';
import { KEYWORD_FILE } from '../src/store/keyword-file.js';
import { KeywordIndex } from '../src/store/keywords.js';
import { PaperStore } from '../src/store/papers.js';

const { values } = parseArgs({
  options: {
    papers: { type: 'string', default: '120000' },
    data: { type: 'string', default: path.resolve(PROJECT_ROOT, '..', 'shared', 'data', 'arxiv') },
    /** Build (or reuse) the index in this folder instead of a temporary one. */
    dir: { type: 'string' },
    rounds: { type: 'string', default: '200' },
    /** Rounds for the two FTS5 measures, which take up to a second per query at 1M papers. */
    'fts-rounds': { type: 'string', default: '5' },
    k: { type: 'string', default: '100' },
    write: { type: 'boolean', default: false },
  },
});

/** Eight queries of common words and eight of rare ones (the first of each from ../shared/notes/keyword-at-scale.md). */
const COMMON = [
  'neural network model',
  'deep learning methods',
  'quantum field theory',
  'magnetic field dynamics',
  'learning based approach',
  'large language models',
  'time series data analysis',
  'optimal control problem',
];
const RARE = [
  'byzantine consensus blockchain',
  'lidar point cloud segmentation',
  'gravitational wave detector',
  'protein folding simulation',
  'spin glass',
  'federated learning privacy',
  'knot invariants',
  'speech emotion recognition',
];
const FILES = ['arxiv-1990-2017-100k.jsonl.gz', 'arxiv-cs-2025-2026-20k.jsonl.gz'];

interface Rec {
  id: string;
  title: string;
  abstract: string;
}

async function readRecords(dir: string): Promise<Rec[]> {
  const out: Rec[] = [];
  for (const f of FILES) {
    const file = path.join(dir, f);
    if (!existsSync(file)) throw new Error(`${file} is missing (pass --data DIR)`);
    for await (const { text } of readLines(file)) {
      const r = JSON.parse(text) as Rec;
      out.push({ id: r.id, title: r.title, abstract: r.abstract });
    }
  }
  return out;
}

/** papers.sqlite of n papers as a fresh build writes it (bulk insert, one FTS5 rebuild), then keywords.bin. */
async function buildIndex(dir: string, n: number): Promise<Record<string, number>> {
  const recs = await readRecords(values.data!);
  const t0 = performance.now();
  const db = openWritable(path.join(dir, 'papers.sqlite'));
  deferFts(db);
  const ins = db.prepare('INSERT INTO papers (id, title, abstract, content_hash) VALUES (?, ?, ?, ?)');
  const tx = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const r = recs[i % recs.length]!;
      const copy = Math.floor(i / recs.length);
      ins.run(copy ? `${r.id}~${copy}` : r.id, r.title, r.abstract, '');
    }
  });
  for (let i = 0; i < n; i += 10_000) tx(i, Math.min(n, i + 10_000));
  const t1 = performance.now();
  rebuildFts(db);
  const t2 = performance.now();
  const bytes = writeKeywordIndex(db, path.join(dir, KEYWORD_FILE), { buildId: 'bench' });
  const t3 = performance.now();
  finalize(db);
  db.close();
  return { insert: (t1 - t0) / 1000, fts: (t2 - t1) / 1000, keywords: (t3 - t2) / 1000, bytes };
}

function percentiles(xs: number[]): { p50: number; p99: number } {
  const s = [...xs].sort((a, b) => a - b);
  return { p50: s[Math.floor(s.length / 2)]!, p99: s[Math.min(s.length - 1, Math.floor(s.length * 0.99))]! };
}

function time(rounds: number, f: () => void): { p50: number; p99: number } {
  f();
  const xs: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const t = performance.now();
    f();
    xs.push(performance.now() - t);
  }
  return percentiles(xs);
}

interface Row {
  q: string;
  matches: number;
  engine: { p50: number; p99: number };
  fts: { p50: number; p99: number };
  current: { p50: number; p99: number };
  scanned: number;
  probes: number;
  matched: number;
  scored: number;
}

function measure(db: DB, kw: KeywordIndex, q: string, k: number): Row {
  const match = toFtsQuery(q).match!;
  const engine = new PaperStore(db, kw);
  const current = new PaperStore(db);
  const plain = db.prepare('SELECT rowid FROM papers_fts WHERE papers_fts MATCH ? ORDER BY rank LIMIT ?').pluck();
  const ftsRounds = Number(values['fts-rounds']);
  // What a keyword request asks of the store: the ranked page and the total.
  const e = time(Number(values.rounds), () => {
    engine.keywordSearch(match, undefined, k);
    engine.keywordCount(match, undefined);
  });
  const stats = { ...kw.last };
  return {
    q,
    matches: engine.keywordCount(match, undefined),
    engine: e,
    fts: time(ftsRounds, () => plain.all(match, k)),
    current: time(ftsRounds, () => {
      current.keywordSearch(match, undefined, k);
      current.keywordCount(match, undefined);
    }),
    scanned: stats.postingsScanned,
    probes: stats.probes,
    matched: stats.postingsMatched,
    scored: stats.docsScored,
  };
}

const f1 = (x: number): string => (x < 10 ? x.toFixed(2) : x.toFixed(0));

/** The table rows of one query kind, and its medians. */
function rowsOf(kind: string, rows: Row[]): string[] {
  const out = rows.map(
    (r) =>
      `| ${kind} | ${r.q} | ${r.matches} | ${f1(r.engine.p50)} / ${f1(r.engine.p99)} | ${f1(r.fts.p50)} / ${f1(r.fts.p99)} | ${f1(r.current.p50)} / ${f1(r.current.p99)} | ${r.scanned} / ${r.matched} (${((100 * r.scanned) / r.matched).toFixed(0)}%) | ${r.probes} | ${r.scored} |`,
  );
  const med = (f: (r: Row) => number): string => f1(percentiles(rows.map(f)).p50);
  out.push(`| ${kind}: median | | | ${med((r) => r.engine.p50)} | ${med((r) => r.fts.p50)} | ${med((r) => r.current.p50)} | | | |`);
  return out;
}

const n = Number(values.papers);
const k = Number(values.k);
const work = values.dir ? path.resolve(values.dir) : await mkdtemp(path.join(tmpdir(), 'paperscope-kw-'));
try {
  await mkdir(work, { recursive: true });
  if (!existsSync(path.join(work, KEYWORD_FILE))) {
    console.error(`building ${n} papers in ${work} ...`);
    const b = await buildIndex(work, n);
    console.error(`insert ${b.insert!.toFixed(1)} s, FTS5 rebuild ${b.fts!.toFixed(1)} s, keywords.bin ${b.keywords!.toFixed(1)} s`);
  }
  const rss0 = process.memoryUsage().rss;
  const t0 = performance.now();
  const kw = await KeywordIndex.load([path.join(work, KEYWORD_FILE)]);
  const loadMs = performance.now() - t0;
  const rss1 = process.memoryUsage().rss;
  const db = openReadonly(path.join(work, 'papers.sqlite'));
  const papers = kw.segment.docs;
  publishFigures(
    'keyword',
    [
      `${papers} papers: keywords.bin ${(kw.bytes / 2 ** 20).toFixed(0)} MB = ${(kw.bytes / papers).toFixed(0)} bytes/paper, loaded in ${loadMs.toFixed(0)} ms (RSS +${((rss1 - rss0) / 2 ** 20).toFixed(0)} MB); top ${k} plus the total, as a keyword request asks the store.`,
      '',
      '| queries | query | matches | engine p50 / p99 ms | FTS5 MATCH ORDER BY rank LIMIT p50 / p99 ms | paperscope before the engine (FTS5 bm25 + count) p50 / p99 ms | postings scanned / matched | probes | docs scored |',
      '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
      ...rowsOf('common', COMMON.map((q) => measure(db, kw, q, k))),
      ...rowsOf('rare', RARE.map((q) => measure(db, kw, q, k))),
    ].join('\n'),
  );
  kw.close();
  db.close();
} finally {
  if (!values.dir) await rm(work, { recursive: true, force: true });
}
