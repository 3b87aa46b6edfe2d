// Builds the keyword index of a build from its FTS5 index (tokens exactly as FTS5 stored them) and writes keywords.bin.
import type { DB } from './db.js';
import { KEYWORD_WEIGHTS } from './papers.js';
import { BLOCK, blockHeader, phraseFreq, saturation, type ColumnWeights, type KeywordSegment } from '../search/keyword-index.js';
import { writeKeywordFile, type KeywordMeta } from './keyword-file.js';

export interface KeywordBuildOptions {
  /** The FTS5 table to read; its first column is weighted as the title, the second as the abstract. */
  table?: string;
  /** Its schema: main (the build's table), or temp (a delta's, see buildKeywordDelta). */
  schema?: 'main' | 'temp';
  /** The column weights block bounds are computed for (other weights stay correct, with looser bounds). */
  weights?: ColumnWeights;
}

/** A growable typed array: the builder does not know the number of blocks or words in advance. */
class Grow<T extends Uint32Array | Float32Array> {
  length = 0;
  constructor(public a: T) {}
  reserve(n: number): void {
    if (this.length + n <= this.a.length) return;
    const next = new (this.a.constructor as new (n: number) => T)(Math.max(this.a.length * 2, this.length + n));
    next.set(this.a.subarray(0, this.length));
    this.a = next;
  }
  push(v: number): void {
    this.reserve(1);
    this.a[this.length++] = v;
  }
  /** The filled part, without a copy (the array is written out and dropped). */
  done(): T {
    return this.a.subarray(0, this.length) as T;
  }
}

const bitsFor = (max: number): number => (max === 0 ? 0 : 32 - Math.clz32(max));
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
/** The smallest float32 >= x (x >= 0): a stored bound must never be below the bound it stands for. */
function roundUp32(x: number): number {
  f32[0] = x;
  if (f32[0]! < x) u32[0]!++;
  return f32[0]!;
}

/** SQLite varint (FTS5's docsize blobs): big-endian 7-bit groups, the ninth byte whole. */
function readVarints(b: Uint8Array): number[] {
  const out: number[] = [];
  let i = 0;
  while (i < b.length) {
    let v = 0;
    for (let n = 0; ; n++) {
      const c = b[i++]!;
      if (n === 8) {
        v = v * 256 + c;
        break;
      }
      v = v * 128 + (c & 0x7f);
      if (!(c & 0x80)) break;
    }
    out.push(v);
  }
  return out;
}

/** The FTS5 rows in rowid order with their token counts (FTS5's own D), from the docsize shadow table. */
/** An FTS5 table's shadow table, qualified and quoted. */
const shadow = (fts: FtsTable, suffix: string): string => `${fts.schema}."${fts.table}_${suffix}"`;

interface FtsTable {
  schema: 'main' | 'temp';
  table: string;
}

function readDocs(db: DB, fts: FtsTable): { labels: Float64Array; docLen: Uint32Array; tokens: number } {
  const rows = db.prepare(`SELECT id, sz FROM ${shadow(fts, 'docsize')} ORDER BY id`).raw(true).all() as [number, Buffer][];
  const labels = new Float64Array(rows.length);
  const docLen = new Uint32Array(rows.length);
  let tokens = 0;
  rows.forEach(([id, sz], i) => {
    labels[i] = id;
    docLen[i] = readVarints(sz).reduce((a, b) => a + b, 0);
    tokens += docLen[i]!;
  });
  return { labels, docLen, tokens };
}

/** label -> document number: a direct array when labels are dense (they are AUTOINCREMENT rowids), else a Map. */
function ordinalOf(labels: Float64Array): (label: number) => number {
  const max = labels.length ? labels[labels.length - 1]! : 0;
  if (max <= labels.length * 8 + 1024) {
    const a = new Int32Array(max + 1).fill(-1);
    labels.forEach((l, i) => (a[l] = i));
    return (l) => (l <= max ? a[l]! : -1);
  }
  const m = new Map<number, number>();
  labels.forEach((l, i) => m.set(l, i));
  return (l) => m.get(l) ?? -1;
}

/**
 * Rank of each document's paper id in byte order (SQLite's BINARY collation, the ORDER BY p.id of
 * keywordSearch), among the segment's documents. Every FTS5 row must be a paper: keywordSearch joins them.
 */
function readIdRanks(db: DB, fts: FtsTable, docs: number, ord: (l: number) => number): Uint32Array {
  const rank = new Uint32Array(docs);
  let r = 0;
  const sql = `SELECT p.label FROM main.papers p JOIN ${shadow(fts, 'docsize')} d ON d.id = p.label ORDER BY p.id`;
  for (const label of db.prepare(sql).pluck().iterate() as Iterable<number>) rank[ord(label)] = r++;
  if (r !== docs) throw new Error(`the FTS5 index has ${docs} rows but only ${r} of them are papers`);
  return rank;
}

/** The postings of one term being encoded: document numbers and per-column term frequencies. */
export interface TermPostings {
  n: number;
  doc: Int32Array;
  title: Int32Array;
  abstract: Int32Array;
}

/**
 * Parses fts5vocab instances of one term, given as "2*rowid + (column is the title)" joined by commas,
 * into per-document frequencies. They come in (rowid, column, offset) order, as fts5vocab scans them; a
 * list in any other order is sorted first rather than trusted.
 */
export function parseInstances(s: string, ord: (l: number) => number, out: TermPostings): void {
  if (!parseInOrder(s, ord, out)) parseInOrder(s.split(',').map(Number).sort((a, b) => a - b).join(','), ord, out);
}

/** The in-order parse; false when the list turns out not to be in rowid order. */
function parseInOrder(s: string, ord: (l: number) => number, out: TermPostings): boolean {
  out.n = 0;
  let last = -1;
  let v = 0;
  for (let i = 0; i <= s.length; i++) {
    const c = i < s.length ? s.charCodeAt(i) : 44;
    if (c !== 44) {
      v = v * 10 + (c - 48);
      continue;
    }
    const label = Math.floor(v / 2);
    const isTitle = v % 2 === 1;
    v = 0;
    if (label !== last) {
      const d = ord(label);
      if (d < 0) throw new Error(`the FTS5 index holds row ${label}, which its docsize table does not`);
      if (out.n && d <= out.doc[out.n - 1]!) return false;
      out.doc[out.n] = d;
      out.title[out.n] = 0;
      out.abstract[out.n] = 0;
      out.n++;
      last = label;
    }
    if (isTitle) out.title[out.n - 1]!++;
    else out.abstract[out.n - 1]!++;
  }
  return true;
}

interface Encoder {
  blockLast: Grow<Uint32Array>;
  blockWord: Grow<Uint32Array>;
  blockBound: Grow<Float32Array>;
  postings: Grow<Uint32Array>;
}

/** Appends `count` values of `width` bits at bit `bit` of the words starting at w0 (the words are zeroed). */
function pack(dst: Uint32Array, w0: number, bit: number, values: ArrayLike<number>, from: number, count: number, width: number): number {
  if (!width) return bit;
  for (let i = 0; i < count; i++, bit += width) {
    const v = values[from + i]! >>> 0;
    const w = w0 + (bit >>> 5);
    const s = bit & 31;
    dst[w] = (dst[w]! | (v << s)) >>> 0;
    if (s + width > 32) dst[w + 1] = (dst[w + 1]! | (v >>> (32 - s))) >>> 0;
  }
  return bit;
}

/** Encodes one term's postings as blocks; returns the largest block bound. */
function encodeTerm(p: TermPostings, docLen: Uint32Array, avgdl: number, w: ColumnWeights, enc: Encoder, scratch: Scratch): number {
  const { sat, offsets } = scratch;
  for (let i = 0; i < p.n; i++) sat[i] = saturation(phraseFreq(p.title[i]!, p.abstract[i]!, w), docLen[p.doc[i]!]!, avgdl);
  let max = 0;
  let prev = -1;
  for (let start = 0; start < p.n; start += BLOCK) {
    const n = Math.min(BLOCK, p.n - start);
    // Offsets from the block's base (the previous block's last document + 1): see BlockView.
    const base = prev + 1;
    let maxOffset = 0;
    let maxT = 0;
    let maxA = 0;
    let bound = 0;
    for (let i = 0; i < n; i++) {
      const j = start + i;
      const d = p.doc[j]!;
      offsets[i] = d - base;
      prev = d;
      maxOffset = Math.max(maxOffset, offsets[i]!);
      maxT = Math.max(maxT, p.title[j]!);
      maxA = Math.max(maxA, p.abstract[j]!);
      bound = Math.max(bound, sat[j]!);
    }
    const [bd, bt, ba] = [bitsFor(maxOffset), bitsFor(maxT), bitsFor(maxA)];
    const words = 1 + Math.ceil((n * (bd + bt + ba)) / 32);
    enc.postings.reserve(words);
    const w0 = enc.postings.length;
    enc.postings.a.fill(0, w0, w0 + words);
    enc.postings.a[w0] = blockHeader(n, bd, bt, ba);
    let bit = pack(enc.postings.a, w0 + 1, 0, offsets, 0, n, bd);
    bit = pack(enc.postings.a, w0 + 1, bit, p.title, start, n, bt);
    pack(enc.postings.a, w0 + 1, bit, p.abstract, start, n, ba);
    enc.postings.length += words;
    enc.blockWord.push(w0);
    enc.blockLast.push(prev);
    const b32 = roundUp32(bound);
    enc.blockBound.push(b32);
    max = Math.max(max, b32);
  }
  return max;
}

/** Per-term work arrays, allocated once per build. */
interface Scratch {
  sat: Float64Array;
  offsets: Int32Array;
}

/** The column names and tokenize= option of the FTS5 table, from its CREATE statement. */
function ftsSchema(db: DB, schema: string, table: string): { columns: string[]; tokenize: string } {
  const sql = db.prepare(`SELECT sql FROM ${schema}.sqlite_master WHERE name = ? AND type = 'table'`).pluck().get(table) as string | undefined;
  if (!sql) throw new Error(`no FTS5 table ${schema}.${table}`);
  const columns = (db.prepare('SELECT name FROM pragma_table_info(?, ?)').pluck().all(table, schema) as string[]).slice(0, 2);
  const tok = /tokenize\s*=\s*(?:'((?:[^']|'')*)'|"((?:[^"]|"")*)")/i.exec(sql);
  return { columns, tokenize: tok ? (tok[1] ?? tok[2]!).replace(/''|""/g, (m) => m[0]!) : 'unicode61' };
}

/**
 * Reads the FTS5 index of `table` (every token instance, through fts5vocab) and the docsize table into a
 * keyword segment. Tokens are FTS5's own, so scores match bm25() exactly.
 */
export function buildKeywordSegment(db: DB, opts: KeywordBuildOptions = {}): { segment: KeywordSegment; columns: string[]; tokenize: string } {
  const table = opts.table ?? 'papers_fts';
  const schema = opts.schema ?? 'main';
  const fts: FtsTable = { schema, table };
  const weights = opts.weights ?? KEYWORD_WEIGHTS;
  const { columns, tokenize } = ftsSchema(db, schema, table);
  const { labels, docLen, tokens } = readDocs(db, fts);
  const ord = ordinalOf(labels);
  const idRank = readIdRanks(db, fts, labels.length, ord);
  const avgdl = tokens / labels.length;
  const vocab = `temp."kw_vocab_${process.pid}"`;
  db.exec(`DROP TABLE IF EXISTS ${vocab}; CREATE VIRTUAL TABLE ${vocab} USING fts5vocab(${schema}, "${table}", instance)`);
  try {
    const terms: Buffer[] = [];
    const termDf: number[] = [];
    const termMax: number[] = [];
    const termBlocks: number[] = [0];
    const enc: Encoder = {
      blockLast: new Grow(new Uint32Array(1024)),
      blockWord: new Grow(new Uint32Array(1024)),
      blockBound: new Grow(new Float32Array(1024)),
      postings: new Grow(new Uint32Array(1 << 16)),
    };
    const n = labels.length;
    const p: TermPostings = { n: 0, doc: new Int32Array(n), title: new Int32Array(n), abstract: new Int32Array(n) };
    const scratch: Scratch = { sat: new Float64Array(n), offsets: new Int32Array(BLOCK) };
    let instances = 0;
    // One row per term, in FTS5's term order; SQLite streams the group (no sort: fts5vocab delivers term order).
    const rows = db.prepare(`SELECT term, group_concat(doc * 2 + (col = ?), ',') FROM ${vocab} GROUP BY term`).raw(true);
    for (const [term, list] of rows.iterate(columns[0]) as Iterable<[string, string]>) {
      parseInstances(list, ord, p);
      for (let i = 0; i < p.n; i++) instances += p.title[i]! + p.abstract[i]!;
      terms.push(Buffer.from(term, 'utf8'));
      termDf.push(p.n);
      termMax.push(encodeTerm(p, docLen, avgdl, weights, enc, scratch));
      termBlocks.push(enc.blockLast.length);
    }
    if (instances !== tokens) throw new Error(`FTS5 holds ${instances} token instances but its docsize table counts ${tokens}`);
    enc.blockWord.push(enc.postings.length);
    const termBytes = new Uint8Array(Buffer.concat(terms));
    const termOffsets = new Uint32Array(terms.length + 1);
    terms.forEach((t, i) => (termOffsets[i + 1] = termOffsets[i]! + t.length));
    const segment: KeywordSegment = {
      docs: n,
      tokens,
      boundWeights: weights,
      labels,
      docLen,
      idRank,
      termOffsets,
      termBytes,
      termDf: Uint32Array.from(termDf),
      termBlocks: Uint32Array.from(termBlocks),
      termMax: Float32Array.from(termMax),
      blockLast: enc.blockLast.done(),
      blockWord: enc.blockWord.done(),
      blockBound: enc.blockBound.done(),
      postings: enc.postings.done(),
    };
    return { segment, columns, tokenize };
  } finally {
    db.exec(`DROP TABLE IF EXISTS ${vocab}`);
  }
}

/**
 * A segment of just these papers (for example an update's new and changed ones, to be searched beside the
 * base build's file): they are indexed in a temporary FTS5 table with the build table's tokenizer, and read
 * back like the build's own. Its statistics are its own; searched together, segments' statistics are summed.
 */
export function buildKeywordDelta(db: DB, labels: readonly number[], opts: Pick<KeywordBuildOptions, 'weights'> = {}) {
  const { tokenize } = ftsSchema(db, 'main', 'papers_fts');
  const table = `kw_delta_${process.pid}`;
  db.exec(`DROP TABLE IF EXISTS temp."${table}"; CREATE VIRTUAL TABLE temp."${table}" USING fts5(title, abstract, tokenize='${tokenize.replace(/'/g, "''")}')`);
  try {
    const ins = db.prepare(`INSERT INTO temp."${table}"(rowid, title, abstract) SELECT label, title, abstract FROM main.papers WHERE label = ?`);
    db.transaction(() => labels.forEach((l) => ins.run(l)))();
    return buildKeywordSegment(db, { ...opts, schema: 'temp', table });
  } finally {
    db.exec(`DROP TABLE IF EXISTS temp."${table}"`);
  }
}

/** The build step: reads the (rebuilt) FTS5 index and writes `file`. Returns the file's size in bytes. */
export function writeKeywordIndex(db: DB, file: string, opts: KeywordBuildOptions & { buildId?: string } = {}): number {
  const { segment, columns, tokenize } = buildKeywordSegment(db, opts);
  const meta: KeywordMeta = {
    buildId: opts.buildId ?? '',
    table: opts.table ?? 'papers_fts',
    columns,
    tokenize,
    sqliteVersion: db.prepare('SELECT sqlite_version()').pluck().get() as string,
    createdAt: new Date().toISOString(),
  };
  return writeKeywordFile(file, segment, meta);
}
