// A build's keyword index at serving time: keywords.bin loaded, queries tokenized by FTS5, plain-term MATCH answered by the engine.
import Database from 'better-sqlite3';
import {
  bitsetSize,
  countMatches,
  labelBits,
  type ColumnWeights,
  type KeywordQuery,
  type KeywordSegment,
  type KeywordStats,
  type SegmentPart,
} from '../search/keyword-index.js';
import { topK } from '../search/keyword-topk.js';
import { readKeywordFile, type KeywordMeta } from './keyword-file.js';

/**
 * The parts of a MATCH expression as src/search/fts.ts writes it: `"a"`, `("a" OR "b")`, each optionally
 * followed by ` NOT ("c" OR ...)`; a quoted string with a trailing * is a prefix. Anything else: undefined.
 */
export function parseMatch(match: string): { include: { text: string; prefix: boolean }[]; exclude: { text: string; prefix: boolean }[] } | undefined {
  const include: { text: string; prefix: boolean }[] = [];
  const exclude: { text: string; prefix: boolean }[] = [];
  let negated = false;
  let i = 0;
  while (i < match.length) {
    const c = match[i]!;
    if (c === ' ' || c === '(' || c === ')') {
      i++;
    } else if (match.startsWith('OR ', i)) {
      i += 3;
    } else if (match.startsWith('NOT ', i) && !negated) {
      negated = true;
      i += 4;
    } else if (c === '"') {
      let text = '';
      let j = i + 1;
      for (;;) {
        if (j >= match.length) return undefined;
        if (match[j] === '"') {
          if (match[j + 1] !== '"') break;
          j++;
        }
        text += match[j++];
      }
      i = j + 1;
      const prefix = match[i] === '*';
      if (prefix) i++;
      (negated ? exclude : include).push({ text, prefix });
    } else {
      return undefined;
    }
  }
  return include.length ? { include, exclude } : undefined;
}

const sqlString = (s: string): string => `'${s.replace(/'/g, "''")}'`;
const TOKEN_CACHE = 20_000;

/** Tokenizes text exactly as the build's FTS5 table does: an in-memory FTS5 table with the same tokenize= option. */
export class QueryTokenizer {
  private readonly db: Database.Database;
  private readonly insert;
  private readonly read;
  private readonly clear;
  private readonly cache = new Map<string, string[]>();

  constructor(tokenize: string) {
    this.db = new Database(':memory:');
    this.db.exec(`CREATE VIRTUAL TABLE q USING fts5(t, tokenize=${sqlString(tokenize)}); CREATE VIRTUAL TABLE qv USING fts5vocab(q, instance);`);
    this.insert = this.db.prepare('INSERT INTO q(rowid, t) VALUES (1, ?)');
    this.read = this.db.prepare<[], { term: string; offset: number }>('SELECT term, "offset" FROM qv');
    this.clear = this.db.prepare('DELETE FROM q');
  }

  /** The tokens of text, in order. */
  tokens(text: string): string[] {
    let t = this.cache.get(text);
    if (t) return t;
    this.insert.run(text);
    t = this.read.all().sort((a, b) => a.offset - b.offset).map((r) => r.term);
    this.clear.run();
    if (this.cache.size >= TOKEN_CACHE) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(text, t);
    return t;
  }

  close(): void {
    this.db.close();
  }
}

export interface KeywordTrace extends KeywordStats {
  /** Why the query went to FTS5 instead (undefined when the engine answered). */
  fallback?: string;
}

/** One keyword file of a build and the documents of it that are live (undefined: all of them). */
export interface KeywordPart {
  segment: KeywordSegment;
  meta: KeywordMeta;
  live?: Uint32Array | undefined;
}

/** A bitset of the segment's documents minus the given labels (a delta's tombstones over the base). */
export function liveBits(seg: KeywordSegment, deleted: ReadonlySet<number>): Uint32Array | undefined {
  if (!deleted.size) return undefined;
  const bits = new Uint32Array(bitsetSize(seg.docs)).fill(0xffffffff);
  const dead = labelBits(seg, deleted);
  for (let i = 0; i < bits.length; i++) bits[i] = bits[i]! & ~dead[i]!;
  return bits;
}

const andBits = (a: Uint32Array, b: Uint32Array | undefined): Uint32Array => {
  if (!b) return a;
  const out = new Uint32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! & b[i]!;
  return out;
};

/**
 * The engine over a build's keyword files (one per segment, searched together with summed statistics, the
 * base's replaced and removed papers excluded). `search` and `count` return undefined for queries off the fast
 * path (phrases, prefixes): the caller asks FTS5 then.
 */
export class KeywordIndex {
  /** Statistics of the latest query (for benchmarks). */
  last: KeywordTrace = { postingsMatched: 0, postingsScanned: 0, probes: 0, docsScored: 0 };
  private readonly tokenizer: QueryTokenizer;
  private acceptMemo: { key: string; parts: SegmentPart[] } | undefined;
  /** Orders equal scores across segments by paper id (the store sets it: ids live in SQLite). */
  tieBreak: ((a: number, b: number) => number) | undefined;

  constructor(
    readonly parts: readonly KeywordPart[],
    readonly bytes: number,
  ) {
    this.tokenizer = new QueryTokenizer(parts[0]!.meta.tokenize);
  }

  /** The first (base) file's segment: its statistics describe the whole index when there is no delta. */
  get segment(): KeywordSegment {
    return this.parts[0]!.segment;
  }

  get meta(): KeywordMeta {
    return this.parts[0]!.meta;
  }

  static async load(files: readonly string[], deleted: ReadonlySet<number> = new Set()): Promise<KeywordIndex> {
    const parts: KeywordPart[] = [];
    let bytes = 0;
    for (const file of files) {
      const r = await readKeywordFile(file);
      parts.push({ segment: r.segment, meta: r.meta, live: liveBits(r.segment, deleted) });
      bytes += r.bytes;
    }
    return new KeywordIndex(parts, bytes);
  }

  /** The engine's query for a MATCH expression, or why there is none. */
  toQuery(match: string): KeywordQuery | string {
    const parsed = parseMatch(match);
    if (!parsed) return 'not a list of quoted terms';
    if ([...parsed.include, ...parsed.exclude].some((p) => p.prefix)) return 'prefix term';
    const one = (text: string): string | undefined => {
      const t = this.tokenizer.tokens(text);
      return t.length === 1 ? t[0] : undefined;
    };
    const phrases = parsed.include.map((p) => one(p.text));
    const excluded = parsed.exclude.map((p) => one(p.text));
    if (phrases.includes(undefined) || excluded.includes(undefined)) return 'phrase of several tokens';
    return { phrases: phrases as string[], excluded: excluded as string[] };
  }

  /**
   * The parts to search with their allowed documents: live ones, and for a filter only those passing it (a
   * bitset per part; `key` names the filter so that a search and its count compute it once).
   */
  private accept(filter: { key: string; labels: () => readonly number[] } | undefined): SegmentPart[] {
    if (!filter) return this.parts.map((p) => ({ segment: p.segment, accept: p.live }));
    if (this.acceptMemo?.key !== filter.key) {
      const labels = filter.labels();
      this.acceptMemo = { key: filter.key, parts: this.parts.map((p) => ({ segment: p.segment, accept: andBits(labelBits(p.segment, labels), p.live) })) };
    }
    return this.acceptMemo.parts;
  }

  search(
    match: string,
    limit: number,
    weights: ColumnWeights,
    filter?: { key: string; labels: () => readonly number[] },
  ): { label: number; score: number }[] | undefined {
    const q = this.toQuery(match);
    if (typeof q === 'string') {
      this.last = { postingsMatched: 0, postingsScanned: 0, probes: 0, docsScored: 0, fallback: q };
      return undefined;
    }
    const { hits, stats } = topK(this.accept(filter), q, limit, { weights, ...(this.tieBreak ? { tieBreak: this.tieBreak } : {}) });
    this.last = stats;
    return hits;
  }

  count(match: string, filter?: { key: string; labels: () => readonly number[] }): number | undefined {
    const q = this.toQuery(match);
    return typeof q === 'string' ? undefined : countMatches(this.accept(filter), q);
  }

  close(): void {
    this.tokenizer.close();
  }
}
