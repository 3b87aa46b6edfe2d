// Keyword top-k without scoring every match: block-max MaxScore over document windows, exactly FTS5's bm25() and order.
import { Cursor, TopK, type ScoreContext, type Window } from './keyword-cursor.js';
import {
  END,
  bm25Idf,
  findTerm,
  hasBit,
  saturation,
  termBitmap,
  Weights,
  type ColumnWeights,
  type KeywordHit,
  type KeywordQuery,
  type KeywordSegment,
  type KeywordStats,
  type SegmentPart,
  type TopKOptions,
} from './keyword-index.js';

/** Largest window of documents accumulated at once (a window also ends with the essential lists' first block). */
const WINDOW = 4096;

/** Collection statistics over all segments (summed, as one FTS5 table over their union would have them). */
interface Prepared {
  avgdl: number;
  /** IDF of each phrase. */
  idf: number[];
}

function prepare(parts: readonly SegmentPart[], q: KeywordQuery): Prepared {
  let rows = 0;
  let tokens = 0;
  for (const p of parts) {
    rows += p.segment.docs;
    tokens += p.segment.tokens;
  }
  const hits = new Map<string, number>();
  for (const t of q.phrases) {
    if (hits.has(t)) continue;
    let n = 0;
    for (const p of parts) {
      const i = findTerm(p.segment, t);
      if (i >= 0) n += p.segment.termDf[i]!;
    }
    hits.set(t, n);
  }
  return { avgdl: tokens / rows, idf: q.phrases.map((t) => bm25Idf(rows, hits.get(t)!)) };
}

/** How much a stored bound must grow to stay an upper bound under other weights or a larger avgdl. */
function boundScale(seg: KeywordSegment, w: ColumnWeights, avgdl: number): number {
  const lambda = Math.max(w.title / seg.boundWeights.title, w.abstract / seg.boundWeights.abstract);
  return Math.max(1, lambda) * Math.max(1, avgdl / (seg.tokens / seg.docs));
}

/** The query's posting lists in one segment, one per distinct term. */
interface Lists {
  /** By ascending max score. */
  lists: Cursor[];
  /** ub[i]: the max scores of lists[0..i] summed. */
  ub: Float64Array;
  /** The list scoring each phrase (undefined where the segment lacks the term). */
  phraseLists: (Cursor | undefined)[];
  /** The bitmap of lists[i]'s documents, where its term is frequent enough to have one. */
  bitmaps: (Uint32Array | undefined)[];
  excluded: Cursor[];
}

function openLists(part: SegmentPart, q: KeywordQuery, pre: Prepared, w: Weights, stats: KeywordStats): Lists {
  const seg = part.segment;
  const scale = boundScale(seg, w, pre.avgdl);
  const byTerm = new Map<number, number[]>();
  q.phrases.forEach((t, i) => {
    const term = findTerm(seg, t);
    if (term >= 0) byTerm.set(term, [...(byTerm.get(term) ?? []), i]);
  });
  const lists: Cursor[] = [];
  const phraseLists: (Cursor | undefined)[] = q.phrases.map(() => undefined);
  for (const [term, phrases] of byTerm) {
    stats.postingsMatched += seg.termDf[term]!;
    // Phrase order and duplicates are kept for scoring; bounds only need the sum of the phrases' IDFs.
    const idfSum = phrases.reduce((s, i) => s + pre.idf[i]!, 0);
    const c = new Cursor(seg, term, idfSum * scale * (1 + 1e-12), idfSum, stats);
    lists.push(c);
    for (const i of phrases) phraseLists[i] = c;
  }
  lists.sort((a, b) => a.maxScore - b.maxScore);
  const ub = new Float64Array(lists.length);
  lists.forEach((c, i) => (ub[i] = (i ? ub[i - 1]! : 0) + c.maxScore));
  const excluded = q.excluded
    .map((t) => findTerm(seg, t))
    .filter((t) => t >= 0)
    .map((t) => new Cursor(seg, t, 0, 0, stats));
  return { lists, ub, phraseLists, bitmaps: lists.map((c) => termBitmap(seg, c.term)), excluded };
}

/** Non-essential lists: the longest prefix (by ascending max score) whose max scores sum to at most theta. */
function essentialFrom(ub: Float64Array, theta: number): number {
  let e = 0;
  while (e < ub.length && ub[e]! <= theta) e++;
  return e;
}

/**
 * The next window: from the first document an essential list may hold to the end of the first of their
 * blocks there (so each contributes one block bound), at most WINDOW documents. False when they are done.
 */
function nextWindow(L: Lists, e: number, docs: number, win: Window): boolean {
  let lo = END;
  for (let i = e; i < L.lists.length; i++) lo = Math.min(lo, L.lists[i]!.doc);
  if (lo >= docs) return false;
  let hi = Math.min(docs, lo + WINDOW);
  for (let i = e; i < L.lists.length; i++) {
    const c = L.lists[i]!;
    if (c.doc < hi) {
      c.blockBound(c.doc);
      hi = Math.min(hi, c.blockLastDoc() + 1);
    }
  }
  win.lo = lo;
  win.hi = hi;
  return true;
}

/** Upper bound of any score in the window: essential block bounds, plus the non-essential lists' (capped by their maxima). */
function windowBound(L: Lists, e: number, win: Window): number {
  let bound = 0;
  for (let i = e; i < L.lists.length; i++) bound += L.lists[i]!.windowBound(win.lo, win.hi);
  if (!e) return bound;
  let rest = 0;
  for (let i = 0; i < e && rest < L.ub[e - 1]!; i++) rest += L.lists[i]!.windowBound(win.lo, win.hi);
  return bound + Math.min(rest, L.ub[e - 1]!);
}

/**
 * Bitmaps of required terms: a document without term t scores at most the other terms' maxima, so when
 * those sum to at most theta, t is required, and a bitmap test rejects a candidate without probing.
 */
function requiredBitmaps(L: Lists, theta: number): Uint32Array[] {
  const total = L.ub.length ? L.ub[L.ub.length - 1]! : 0;
  return L.bitmaps.filter((bits, i): bits is Uint32Array => !!bits && total - L.lists[i]!.maxScore <= theta);
}

/**
 * Whether document d, with `partial` from the essential lists, can still beat theta once the non-essential
 * lists are probed, largest max score first; stops as soon as the bounds say it cannot, before decoding.
 */
function canBeat(d: number, partial: number, L: Lists, e: number, theta: number, ctx: ScoreContext): boolean {
  for (let i = e - 1; i >= 0; i--) {
    const rest = i > 0 ? L.ub[i - 1]! : 0;
    if (partial + L.ub[i]! <= theta) return false;
    const c = L.lists[i]!;
    c.seek(d);
    if (c.doc > d) continue;
    if (partial + c.blockBound(d) + rest <= theta) return false;
    c.materialize();
    if (c.doc === d) partial += c.contribution(ctx);
  }
  return true;
}

function isExcluded(d: number, excluded: readonly Cursor[]): boolean {
  for (const c of excluded) {
    c.seek(d);
    if (c.doc === d) c.materialize();
    if (c.doc === d) return true;
  }
  return false;
}

/** The exact FTS5 score of document d: each phrase's idf * saturation added in phrase order (0 for absent phrases). */
function scoreExact(d: number, off: number, L: Lists, pre: Prepared, ctx: ScoreContext): number {
  let score = 0.0;
  const D = ctx.seg.docLen[d]!;
  for (let i = 0; i < L.phraseLists.length; i++) {
    const f = L.phraseLists[i]?.freqAt(d, off, ctx.w) ?? 0;
    score += pre.idf[i]! * saturation(f, D, pre.avgdl);
  }
  return score;
}

interface Run {
  si: number;
  part: SegmentPart;
  L: Lists;
  pre: Prepared;
  heap: TopK;
  ctx: ScoreContext;
  stats: KeywordStats;
}

/** Scores the window's candidates that can beat the threshold, in document order; returns the new threshold. */
function scoreWindow(r: Run, e: number, win: Window, theta: number): number {
  const neMax = e ? r.L.ub[e - 1]! : 0;
  const { acc, seen, lo } = win;
  for (let wi = 0; wi < seen.length; wi++) {
    let bits = seen[wi]!;
    seen[wi] = 0;
    while (bits) {
      const low = bits & -bits;
      bits ^= low;
      const off = (wi << 5) + 31 - Math.clz32(low);
      const d = lo + off;
      const partial = acc[off]!;
      acc[off] = 0;
      if (partial + neMax <= theta || (r.part.accept && !hasBit(r.part.accept, d))) continue;
      r.ctx.d = d;
      if (!canBeat(d, partial, r.L, e, theta, r.ctx) || isExcluded(d, r.L.excluded)) continue;
      r.stats.docsScored++;
      r.heap.offer(scoreExact(d, off, r.L, r.pre, r.ctx), r.si, d);
      theta = r.heap.threshold();
    }
  }
  return theta;
}

/** Window buffers reused across queries (searches run one at a time on the event loop): no garbage per query. */
const pool = {
  acc: new Float64Array(WINDOW),
  seen: new Uint32Array(WINDOW >>> 5),
  freqs: [] as Float64Array[],
  seens: [] as Uint32Array[],
};

/**
 * Block-max MaxScore (Turtle & Flood 1995, with block bounds as in Ding & Suel 2011) over one segment,
 * feeding the shared heap: lists are split by their max scores into essential ones (a document must be in
 * one of them to beat the threshold) and the rest; windows of documents take their candidates from the
 * essential lists only, whole windows are skipped when block bounds say nothing there can beat the
 * threshold, and each candidate probes the other lists only while it still can.
 */
function searchSegment(si: number, part: SegmentPart, q: KeywordQuery, pre: Prepared, heap: TopK, w: Weights, stats: KeywordStats): void {
  const seg = part.segment;
  const L = openLists(part, q, pre, w, stats);
  const n = L.lists.length;
  const win: Window = { lo: 0, hi: 0, acc: pool.acc, seen: pool.seen, required: [] };
  const r: Run = { si, part, L, pre, heap, ctx: { seg, d: 0, avgdl: pre.avgdl, w }, stats };
  let theta = heap.threshold();
  let requiredAt = Number.NaN;
  try {
    for (;;) {
      const e = essentialFrom(L.ub, theta);
      if (!nextWindow(L, e, seg.docs, win)) return;
      if (windowBound(L, e, win) <= theta) {
        for (let i = e; i < n; i++) L.lists[i]!.seek(win.hi);
        continue;
      }
      if (theta !== requiredAt) [win.required, requiredAt] = [requiredBitmaps(L, theta), theta];
      for (let i = e; i < n; i++) {
        const c = L.lists[i]!;
        c.windowFreq ??= pool.freqs.pop() ?? new Float64Array(WINDOW);
        c.windowSeen ??= pool.seens.pop() ?? new Uint32Array(WINDOW >>> 5);
        c.accumulate(win, r.ctx);
      }
      theta = scoreWindow(r, e, win, theta);
      for (let i = e; i < n; i++) L.lists[i]!.accumulating = false;
    }
  } finally {
    for (const c of L.lists) {
      if (c.windowFreq) pool.freqs.push(c.windowFreq);
      if (c.windowSeen) pool.seens.push(c.windowSeen);
    }
  }
}

/**
 * The k best documents for the query over all segments, scored as FTS5's bm25() with these column weights
 * scores them over the union of the segments, in paperscope's order (score to 6 decimals, then paper id).
 */
export function topK(parts: readonly SegmentPart[], q: KeywordQuery, k: number, opts: TopKOptions): { hits: KeywordHit[]; stats: KeywordStats } {
  const stats: KeywordStats = { postingsMatched: 0, postingsScanned: 0, probes: 0, docsScored: 0 };
  if (k <= 0 || !q.phrases.length || !parts.length) return { hits: [], stats };
  if (opts.weights.title < 0 || opts.weights.abstract < 0) throw new Error('negative column weights have no score bound');
  const pre = prepare(parts, q);
  const heap = new TopK(k, parts.map((p) => p.segment), opts.tieBreak);
  const w = new Weights(opts.weights);
  parts.forEach((part, si) => searchSegment(si, part, q, pre, heap, w, stats));
  return { hits: heap.sorted(), stats };
}
