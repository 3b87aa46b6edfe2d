// Cursors over posting lists (lazy block decoding, block bounds, window accumulation) and the top-k heap.
import {
  BLOCK,
  BlockView,
  END,
  saturation,
  type Weights,
  type KeywordHit,
  type KeywordSegment,
  type KeywordStats,
  type TopKOptions,
} from './keyword-index.js';

/** What scoring a posting needs besides the posting: weights, avgdl, and the current document. */
export interface ScoreContext {
  seg: KeywordSegment;
  d: number;
  avgdl: number;
  w: Weights;
}

/** One window of documents [lo, hi) being accumulated: summed contributions, and which documents are touched. */
export interface Window {
  lo: number;
  hi: number;
  acc: Float64Array;
  seen: Uint32Array;
  /** Bitmaps of terms every document that can still make the top k contains. */
  required: readonly Uint32Array[];
}

/** Whether every bitmap has document d. */
export function hasAllBits(bitmaps: readonly Uint32Array[], d: number): boolean {
  for (const bits of bitmaps) if ((bits[d >>> 5]! & (1 << (d & 31))) === 0) return false;
  return true;
}

const bit = (bits: Uint32Array, off: number): boolean => (bits[off >>> 5]! & (1 << (off & 31))) !== 0;

/**
 * A cursor over one term's postings in one segment. Moving is lazy: a seek into another block only records a
 * lower bound of the document there; the block is searched when that document is needed exactly, so blocks
 * that skipping passes over are never read.
 */
export class Cursor {
  /** The current document, or a lower bound of it while `exact` is false. */
  doc = -1;
  exact = false;
  /** Set while this list is essential in the current window: its postings there are in windowFreq/windowSeen. */
  accumulating = false;
  /** This list's frequencies in the current window, by document offset, valid where windowSeen has the bit. */
  windowFreq: Float64Array | undefined;
  windowSeen: Uint32Array | undefined;
  /** Upper bound of this cursor's score contribution anywhere in its list. */
  readonly maxScore: number;
  private b: number;
  private viewed = -1;
  private pos = 0;
  private sb: number;
  private readonly first: number;
  private readonly end: number;
  private readonly view: BlockView;
  /** The documents of block `scanned` from position scannedFrom on, decoded when it was scanned (accumulate). */
  private readonly scan = new Int32Array(BLOCK);
  private scanned = -1;
  private scannedFrom = 0;

  constructor(
    private readonly seg: KeywordSegment,
    readonly term: number,
    /** Multiplies a stored bound into a score bound: the phrases' IDFs and the weight and avgdl corrections. */
    private readonly weight: number,
    /** The IDFs of the phrases this list scores, summed: its contribution is that times the saturation. */
    private readonly idfSum: number,
    private readonly stats: KeywordStats,
  ) {
    this.first = this.b = this.sb = seg.termBlocks[term]!;
    this.end = seg.termBlocks[term + 1]!;
    this.maxScore = weight * seg.termMax[term]!;
    this.view = new BlockView(seg);
    this.enter(this.first, 0);
  }

  /** Positions on block b at a lower bound `from` of its next document, without reading it. */
  private enter(b: number, from: number): void {
    this.b = b;
    this.exact = b >= this.end;
    this.doc = this.exact ? END : from;
  }

  private open(): void {
    if (this.viewed === this.b) return;
    this.view.open(this.b, this.first);
    this.viewed = this.b;
    this.pos = 0;
  }

  /** Makes `doc` exact: binary-searches the block for the first document >= the lower bound. */
  materialize(): void {
    if (this.exact) return;
    this.open();
    const v = this.view;
    // The block's last document is >= the bound (that is how the block was chosen).
    let lo = this.pos;
    let hi = v.count - 1;
    this.stats.probes++;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (v.doc(mid) < this.doc) lo = mid + 1;
      else hi = mid;
    }
    this.pos = lo;
    this.doc = v.doc(lo);
    this.exact = true;
  }

  /** Moves to the first document >= target: a lower bound only (see materialize). */
  seek(target: number): void {
    if (target <= this.doc) return;
    const last = this.seg.blockLast;
    if (last[this.b]! >= target) {
      this.doc = target;
      this.exact = false;
      return;
    }
    let b = this.b + 1;
    while (b < this.end && last[b]! < target) b++;
    this.enter(b, target);
  }

  /** Bound of the contribution in the block that would hold target (0 past the list's end); not read. */
  blockBound(target: number): number {
    const last = this.seg.blockLast;
    let s = this.sb > this.b && last[this.sb - 1]! >= target ? this.b : Math.max(this.sb, this.b);
    while (s < this.end && last[s]! < target) s++;
    this.sb = s;
    return s < this.end ? this.weight * this.seg.blockBound[s]! : 0;
  }

  /** Last document of the block found by the latest blockBound call. */
  blockLastDoc(): number {
    return this.sb < this.end ? this.seg.blockLast[this.sb]! : END;
  }

  /** Bound of the contribution to any document in [lo, hi): the largest bound of the blocks that may hold one. */
  windowBound(lo: number, hi: number): number {
    if (this.doc >= hi) return 0;
    let max = this.blockBound(Math.max(lo, this.doc));
    const last = this.seg.blockLast;
    // Block s + 1 starts after last[s]: it may hold a document of the window while last[s] + 1 < hi.
    for (let s = this.sb; s + 1 < this.end && last[s]! + 1 < hi; s++) max = Math.max(max, this.weight * this.seg.blockBound[s + 1]!);
    return max;
  }

  /** This list's share of the current document's score (for bounds; the exact score sums phrase by phrase). */
  contribution(ctx: ScoreContext): number {
    return this.idfSum * saturation(this.freq(ctx.w), ctx.seg.docLen[ctx.d]!, ctx.avgdl);
  }

  /** The current (exact) document's phrase frequency. */
  freq(w: Weights): number {
    return w.freq(this.view.title(this.pos), this.view.abstract(this.pos));
  }

  /** Whether the list holds document d (at offset off in the current window): exact cursors and windows only. */
  holds(d: number, off: number): boolean {
    return this.accumulating ? bit(this.windowSeen!, off) : this.exact && this.doc === d;
  }

  /** The frequency of document d in this list, 0 when it is not there (see holds). */
  freqAt(d: number, off: number, w: Weights): number {
    if (!this.holds(d, off)) return 0;
    return this.accumulating ? this.windowFreq![off]! : this.freq(w);
  }

  /**
   * Adds the list's postings in [win.lo, win.hi) to the window: frequency into windowFreq, contribution into
   * acc, a bit into seen (windowFreq and windowSeen must be set). Leaves the cursor at its first document >= hi
   * (lazily: the next block is not read).
   */
  accumulate(win: Window, ctx: ScoreContext): void {
    this.windowSeen!.fill(0);
    this.accumulating = true;
    this.seek(win.lo);
    while (this.doc < win.hi) {
      this.materialize();
      const p = this.addBlock(win, ctx);
      if (p < this.view.count) {
        this.pos = p;
        this.doc = this.view.doc(p);
        return;
      }
      this.enter(this.b + 1, this.seg.blockLast[this.b]! + 1);
    }
  }

  /** Adds the block's postings from pos up to the window's end, passing over documents missing a required term. */
  private addBlock(win: Window, ctx: ScoreContext): number {
    const { acc, seen, lo, hi, required } = win;
    const freqs = this.windowFreq!;
    const own = this.windowSeen!;
    const docLen = this.seg.docLen;
    const v = this.view;
    const docs = this.scan;
    if (this.scanned !== this.b || this.scannedFrom > this.pos) {
      v.docs(this.pos, docs);
      this.stats.postingsScanned += v.count - this.pos;
      this.scanned = this.b;
      this.scannedFrom = this.pos;
    }
    let p = this.pos;
    for (; p < v.count; p++) {
      const d = docs[p]!;
      if (d >= hi) break;
      if (required.length && !hasAllBits(required, d)) continue;
      const off = d - lo;
      const f = ctx.w.freq(v.title(p), v.abstract(p));
      freqs[off] = f;
      acc[off] = acc[off]! + this.idfSum * saturation(f, docLen[d]!, ctx.avgdl);
      seen[off >>> 5] = seen[off >>> 5]! | (1 << (off & 31));
      own[off >>> 5] = own[off >>> 5]! | (1 << (off & 31));
    }
    return p;
  }
}

// ---------------------------------------------------------------------------------------------------------
// The top-k heap, ordered as paperscope orders results: score rounded to 6 decimals desc, then paper id.

export class TopK {
  size = 0;
  private readonly score: Float64Array;
  private readonly rounded: Float64Array;
  private readonly seg: Int32Array;
  private readonly doc: Int32Array;

  constructor(
    readonly k: number,
    private readonly segs: readonly KeywordSegment[],
    private readonly tieBreak: TopKOptions['tieBreak'],
  ) {
    this.score = new Float64Array(k);
    this.rounded = new Float64Array(k);
    this.seg = new Int32Array(k);
    this.doc = new Int32Array(k);
  }

  /** True when entry (r, s, d) ranks after entry i. */
  private after(r: number, s: number, d: number, i: number): boolean {
    if (r !== this.rounded[i]) return r < this.rounded[i]!;
    const si = this.seg[i]!;
    const di = this.doc[i]!;
    if (s === si) return this.segs[s]!.idRank[d]! > this.segs[si]!.idRank[di]!;
    const a = this.segs[s]!.labels[d]!;
    const b = this.segs[si]!.labels[di]!;
    return (this.tieBreak ? this.tieBreak(a, b) : a - b) > 0;
  }

  /**
   * Scores below this cannot enter: those whose 6-decimal rounding is below the worst kept one's. Lowered
   * by a relative 1e-9 so that float rounding in bound sums can never prune a document that belongs.
   */
  threshold(): number {
    return this.size < this.k ? -Infinity : ((this.rounded[0]! - 0.5) / 1e6) * (1 - 1e-9);
  }

  offer(score: number, s: number, d: number): void {
    const r = Math.round(score * 1e6);
    if (this.size < this.k) {
      this.put(this.size, score, r, s, d);
      this.siftUp(this.size++);
    } else if (!this.after(r, s, d, 0)) {
      this.put(0, score, r, s, d);
      this.siftDown(0);
    }
  }

  private put(i: number, score: number, r: number, s: number, d: number): void {
    this.score[i] = score;
    this.rounded[i] = r;
    this.seg[i] = s;
    this.doc[i] = d;
  }

  private swap(i: number, j: number): void {
    const score = this.score[i]!;
    const r = this.rounded[i]!;
    const s = this.seg[i]!;
    const d = this.doc[i]!;
    this.put(i, this.score[j]!, this.rounded[j]!, this.seg[j]!, this.doc[j]!);
    this.put(j, score, r, s, d);
  }

  /** The heap keeps the worst entry at 0: entry i is "worse" than its children. */
  private worse(i: number, j: number): boolean {
    return this.after(this.rounded[i]!, this.seg[i]!, this.doc[i]!, j);
  }

  private siftUp(i: number): void {
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.worse(i, p)) return;
      this.swap(i, p);
      i = p;
    }
  }

  private siftDown(i: number): void {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < this.size && this.worse(l, m)) m = l;
      if (r < this.size && this.worse(r, m)) m = r;
      if (m === i) return;
      this.swap(i, m);
      i = m;
    }
  }

  /** Best first. */
  sorted(): KeywordHit[] {
    const idx = Array.from({ length: this.size }, (_, i) => i);
    idx.sort((i, j) => (i === j ? 0 : this.after(this.rounded[i]!, this.seg[i]!, this.doc[i]!, j) ? 1 : -1));
    return idx.map((i) => ({ label: this.segs[this.seg[i]!]!.labels[this.doc[i]!]!, score: this.score[i]! }));
  }
}
