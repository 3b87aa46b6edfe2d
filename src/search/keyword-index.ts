// The keyword index in memory: segment layout, FTS5's BM25, block decoding, vocabulary lookup and exact match counts.

/** Postings per block: the unit of decoding and of the score bound that lets whole blocks be skipped. */
export const BLOCK = 128;
/** FTS5's BM25 constants (fts5_aux.c: fts5Bm25Function). */
export const K1 = 1.2;
export const B = 0.75;
/** Past every document ordinal: a cursor whose list is exhausted sits here. */
export const END = 0x7fffffff;

export interface ColumnWeights {
  title: number;
  abstract: number;
}

/**
 * One index segment (a build's keyword file, or a delta over it) as typed arrays. Documents are numbered
 * 0..docs-1 in label order; terms are sorted by their UTF-8 bytes, as FTS5 sorts them.
 */
export interface KeywordSegment {
  /** Rows of the FTS5 table (deleted papers included until a merge) and their total token count. */
  docs: number;
  tokens: number;
  /** Column weights and average document length the stored block bounds were computed with. */
  boundWeights: ColumnWeights;
  /** SQLite rowid (paper label) of each document, ascending. */
  labels: Float64Array;
  /** Tokens in the document over all columns: FTS5's D. */
  docLen: Uint32Array;
  /** Rank of the document's paper id in byte order: the tie-break of equal scores. */
  idRank: Uint32Array;
  /** Term i is termBytes[termOffsets[i] .. termOffsets[i+1]). */
  termOffsets: Uint32Array;
  termBytes: Uint8Array;
  /** Documents containing the term. */
  termDf: Uint32Array;
  /** Term i owns blocks termBlocks[i] .. termBlocks[i+1]-1, in document order. */
  termBlocks: Uint32Array;
  /** Largest block bound of the term. */
  termMax: Float32Array;
  /** Last document of each block. */
  blockLast: Uint32Array;
  /** First word of each block in `postings` (one more entry than blocks). */
  blockWord: Uint32Array;
  /** Upper bound of the IDF-free BM25 part of any posting in the block (see blockHeader for the layout). */
  blockBound: Float32Array;
  postings: Uint32Array;
}

/**
 * A query of the fast-path shape: phrases of one token each, OR-ed, and excluded tokens. `phrases` keeps
 * FTS5's phrase order and duplicates ("network" and "networks" are two phrases of one token, each scored).
 */
export interface KeywordQuery {
  phrases: readonly string[];
  excluded: readonly string[];
}

/** A segment to search, with the documents allowed (live and passing the filters) as a bitset, or all. */
export interface SegmentPart {
  segment: KeywordSegment;
  accept?: Uint32Array | undefined;
}

export interface KeywordHit {
  label: number;
  score: number;
}

/**
 * What a query cost: the postings an exhaustive scorer reads (every posting of every query term), the
 * postings decoded here in block scans, the probes (a binary search in one block for one document), and
 * the documents scored exactly.
 */
export interface KeywordStats {
  postingsMatched: number;
  postingsScanned: number;
  probes: number;
  docsScored: number;
}

export interface TopKOptions {
  weights: ColumnWeights;
  /** Orders equal scores of documents in different segments by paper id (within a segment idRank does). */
  tieBreak?: (labelA: number, labelB: number) => number;
}

// ---------------------------------------------------------------------------------------------------------
// BM25, written as fts5Bm25Function computes it so that scores agree to the last bit where the C does.

export function bm25Idf(rows: number, hits: number): number {
  const idf = Math.log((rows - hits + 0.5) / (hits + 0.5));
  return idf <= 0.0 ? 1e-6 : idf;
}

/** FTS5's aFreq: the column weight added once per instance, title instances first (xInst's order). */
export function phraseFreq(tfTitle: number, tfAbstract: number, w: ColumnWeights): number {
  let f = 0;
  for (let i = 0; i < tfTitle; i++) f += w.title;
  for (let i = 0; i < tfAbstract; i++) f += w.abstract;
  return f;
}

/** Column weights as the search loops use them: one object shape, and phraseFreq as a method. */
export class Weights {
  readonly title: number;
  readonly abstract: number;
  /** Both are integers: the sum of the additions is then exact, and one multiply-add gives the same bits. */
  private readonly integral: boolean;

  constructor(w: ColumnWeights) {
    this.title = w.title;
    this.abstract = w.abstract;
    this.integral = Number.isInteger(w.title) && Number.isInteger(w.abstract);
  }

  freq(tfTitle: number, tfAbstract: number): number {
    return this.integral ? tfTitle * this.title + tfAbstract * this.abstract : phraseFreq(tfTitle, tfAbstract, this);
  }
}

/** The IDF-free part of a phrase's score in a row of D tokens. */
export function saturation(freq: number, D: number, avgdl: number): number {
  return (freq * (K1 + 1.0)) / (freq + K1 * (1 - B + (B * D) / avgdl));
}

// ---------------------------------------------------------------------------------------------------------
// Block layout: one header word (count-1 | docBits << 8 | titleBits << 14 | abstractBits << 20), then
// bit-packed, little-endian within 32-bit words: count doc offsets, count title tfs, count abstract tfs.
// A doc offset is doc - base, base being 0 in a term's first block and the previous block's last doc + 1
// after it (frame of reference, not deltas): any posting is read directly, so a probe binary-searches a
// block instead of decoding it, and a term frequency is read only for a document that is scored.

export function blockHeader(count: number, docBits: number, titleBits: number, abstractBits: number): number {
  return ((count - 1) | (docBits << 8) | (titleBits << 14) | (abstractBits << 20)) >>> 0;
}

/** The value of `width` bits at bit `bit` of the words from word0 (width 0 reads 0). */
export function readBits(src: Uint32Array, word0: number, bit: number, width: number): number {
  if (width === 0) return 0;
  const w = word0 + (bit >>> 5);
  const s = bit & 31;
  let v = src[w]! >>> s;
  if (s + width > 32) v |= src[w + 1]! << (32 - s);
  return width === 32 ? v >>> 0 : v & ((1 << width) - 1);
}

/** A block's header, decoded: where its postings are and how wide. Filled in place (no garbage per block). */
export class BlockView {
  count = 0;
  base = 0;
  word0 = 0;
  docBits = 0;
  titleBits = 0;
  abstractBits = 0;

  constructor(private readonly seg: KeywordSegment) {}

  /** Views block b of a term whose first block is `first`. */
  open(b: number, first: number): void {
    const h = this.seg.postings[this.seg.blockWord[b]!]!;
    this.count = (h & 0xff) + 1;
    this.docBits = (h >>> 8) & 63;
    this.titleBits = (h >>> 14) & 63;
    this.abstractBits = (h >>> 20) & 63;
    this.word0 = this.seg.blockWord[b]! + 1;
    this.base = b > first ? this.seg.blockLast[b - 1]! + 1 : 0;
  }

  doc(p: number): number {
    return this.base + readBits(this.seg.postings, this.word0, p * this.docBits, this.docBits);
  }

  /** Documents from..count-1 into out[from..]: sequential, cheaper per posting than doc(p) for a whole block. */
  docs(from: number, out: Int32Array): void {
    const src = this.seg.postings;
    const width = this.docBits;
    if (width === 0) {
      out.fill(this.base, from, this.count);
      return;
    }
    const mask = width === 32 ? 0xffffffff : (1 << width) - 1;
    let w = this.word0 + ((from * width) >>> 5);
    let s = (from * width) & 31;
    for (let p = from; p < this.count; p++) {
      let v = src[w]! >>> s;
      if (s + width > 32) v |= src[w + 1]! << (32 - s);
      out[p] = this.base + ((v & mask) >>> 0);
      s += width;
      if (s >= 32) {
        s -= 32;
        w++;
      }
    }
  }

  title(p: number): number {
    return readBits(this.seg.postings, this.word0, this.count * this.docBits + p * this.titleBits, this.titleBits);
  }

  abstract(p: number): number {
    return readBits(this.seg.postings, this.word0, this.count * (this.docBits + this.titleBits) + p * this.abstractBits, this.abstractBits);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Vocabulary lookup: binary search over the sorted term bytes.

const encoder = new TextEncoder();

function compareBytes(a: Uint8Array, aFrom: number, aTo: number, b: Uint8Array): number {
  const n = Math.min(aTo - aFrom, b.length);
  for (let i = 0; i < n; i++) {
    const d = a[aFrom + i]! - b[i]!;
    if (d) return d;
  }
  return aTo - aFrom - b.length;
}

/** The term's number in the segment, or -1 when the segment has no such term. */
export function findTerm(seg: KeywordSegment, term: string | Uint8Array): number {
  const key = typeof term === 'string' ? encoder.encode(term) : term;
  let lo = 0;
  let hi = seg.termDf.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const c = compareBytes(seg.termBytes, seg.termOffsets[mid]!, seg.termOffsets[mid + 1]!, key);
    if (c === 0) return mid;
    if (c < 0) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

export const hasBit = (bits: Uint32Array, d: number): boolean => (bits[d >>> 5]! & (1 << (d & 31))) !== 0;

// ---------------------------------------------------------------------------------------------------------
// Counting matches exactly, over bitsets: dense terms' bitmaps are cached, sparse ones decoded.

/**
 * Terms in at least this share of documents get a bitmap of their documents once used (N/8 bytes, about
 * their postings' size at this density): counting ORs it in, and top-k tests a required term in O(1).
 */
const BITMAP_SHARE = 1 / 32;
/** Bitmaps kept per segment (the least recently used goes first): at most this many times N/8 bytes. */
const BITMAP_CACHE = 256;
const bitmapCache = new WeakMap<KeywordSegment, Map<number, Uint32Array>>();

export const bitsetSize = (docs: number): number => (docs + 31) >>> 5;

function markTerm(seg: KeywordSegment, term: number, bits: Uint32Array): void {
  const v = new BlockView(seg);
  const first = seg.termBlocks[term]!;
  for (let b = first; b < seg.termBlocks[term + 1]!; b++) {
    v.open(b, first);
    for (let p = 0; p < v.count; p++) {
      const d = v.doc(p);
      bits[d >>> 5]! |= 1 << (d & 31);
    }
  }
}

/** The documents of a frequent term as a bitmap (built on first use, then cached); undefined for rarer terms. */
export function termBitmap(seg: KeywordSegment, term: number): Uint32Array | undefined {
  if (seg.termDf[term]! < seg.docs * BITMAP_SHARE) return undefined;
  let cache = bitmapCache.get(seg);
  if (!cache) bitmapCache.set(seg, (cache = new Map()));
  let bits = cache.get(term);
  if (bits) {
    cache.delete(term);
  } else {
    bits = new Uint32Array(bitsetSize(seg.docs));
    markTerm(seg, term, bits);
    if (cache.size >= BITMAP_CACHE) cache.delete(cache.keys().next().value!);
  }
  cache.set(term, bits);
  return bits;
}

function orTerm(seg: KeywordSegment, term: number, bits: Uint32Array): void {
  const own = termBitmap(seg, term);
  if (!own) {
    markTerm(seg, term, bits);
    return;
  }
  for (let i = 0; i < bits.length; i++) bits[i]! |= own[i]!;
}

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/** Zeroed bitsets reused by every count (counts run one at a time): N/8 bytes each would be garbage per query. */
const scratchBits: Uint32Array[] = [];
function scratch(slot: number, words: number): Uint32Array {
  let a = scratchBits[slot];
  if (!a || a.length < words) a = scratchBits[slot] = new Uint32Array(words);
  const view = a.subarray(0, words);
  view.fill(0);
  return view;
}

function countPart(part: SegmentPart, q: KeywordQuery): number {
  const seg = part.segment;
  const pos = [...new Set(q.phrases.map((t) => findTerm(seg, t)).filter((t) => t >= 0))];
  const neg = [...new Set(q.excluded.map((t) => findTerm(seg, t)).filter((t) => t >= 0))];
  if (!pos.length) return 0;
  if (pos.length === 1 && !neg.length && !part.accept) return seg.termDf[pos[0]!]!;
  const bits = scratch(0, bitsetSize(seg.docs));
  for (const t of pos) orTerm(seg, t, bits);
  const out = neg.length ? scratch(1, bits.length) : undefined;
  if (out) for (const t of neg) orTerm(seg, t, out);
  let n = 0;
  for (let i = 0; i < bits.length; i++) {
    let x = bits[i]!;
    if (out) x &= ~out[i]!;
    if (part.accept) x &= part.accept[i]!;
    if (x) n += popcount(x);
  }
  return n;
}

/** How many documents match the query (any phrase, no excluded term, accepted): exact. */
export function countMatches(parts: readonly SegmentPart[], q: KeywordQuery): number {
  let n = 0;
  for (const p of parts) n += countPart(p, q);
  return n;
}

/** A bitset over a segment's documents of the given labels (filters, or a segment's live papers). */
export function labelBits(seg: KeywordSegment, labels: Iterable<number>): Uint32Array {
  const bits = new Uint32Array(bitsetSize(seg.docs));
  for (const label of labels) {
    let lo = 0;
    let hi = seg.docs - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const v = seg.labels[mid]!;
      if (v === label) {
        bits[mid >>> 5]! |= 1 << (mid & 31);
        break;
      }
      if (v < label) lo = mid + 1;
      else hi = mid - 1;
    }
  }
  return bits;
}
