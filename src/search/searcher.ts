// The one entry the API, CLI and evaluation call: semantic, keyword and hybrid search, related papers, recommendations.
import type { Embedder } from '../embed/index.js';
import { AppError } from '../errors.js';
import { hasFilters, type OpenIndex, type PaperFilters, type PaperRow } from '../store/index.js';
import { toFtsQuery } from './fts.js';
import { relevanceFloor } from './floor.js';
import { fuse, type FusedHit, type Fusion, type Scored } from './fuse.js';
import type { ArxivRef } from './query-kind.js';
import { leadSnippet, markSnippet } from './snippet.js';

export type Mode = 'hybrid' | 'semantic' | 'keyword';
export const MODES: readonly Mode[] = ['hybrid', 'semantic', 'keyword'];

/** Result order: by relevance (the default), or newest first (see SearchParams.sort). */
export type SortOrder = 'relevance' | 'date';
export const SORTS: readonly SortOrder[] = ['relevance', 'date'];

/**
 * How many of a query's best results make its candidate set, in every mode: the papers that date order
 * re-sorts, facets count and feeds draw from. In semantic and hybrid mode every paper has some similarity to the
 * query, so "all matches" would be the whole index; in keyword mode the terms are OR-ed, so the full match set
 * of a broad query holds papers that share a single common word with it (newest first, they would come first)
 * and costs a scan of every match. The first 100 results (ten pages) are the relevant ones in every mode.
 */
export const RELEVANCE_POOL = 100;

export interface SearchParams {
  q: string;
  mode?: Mode;
  limit?: number;
  offset?: number;
  filters?: PaperFilters;
  explain?: boolean;
  /** Precomputed query embedding (evaluation runs reuse it across modes and settings). */
  queryVector?: Float32Array;
  /**
   * `date`: newest first (undated papers last) among the query's candidates, its first RELEVANCE_POOL results;
   * `total` is then their number. Explanations are given for relevance order only.
   */
  sort?: SortOrder;
  /** Add year and category counts over the same candidates (see Facets). */
  facets?: boolean;
}

export interface FacetCount<T> {
  value: T;
  count: number;
}

/** Year and category counts over a query's candidates (its first RELEVANCE_POOL results), filters applied. */
export interface Facets {
  /** How many papers the counts cover: RELEVANCE_POOL, or fewer when fewer match. */
  counted: number;
  /** Newest year first; papers without a year are in `undated`. */
  years: FacetCount<number>[];
  undated: number;
  /** Most frequent first (at most 20); a paper counts once for each of its categories. */
  categories: FacetCount<string>[];
}

export interface Explanation {
  dense: { score: number; rank: number | null } | null;
  keyword: { score: number; rank: number } | null;
  fused: number;
}

export interface Hit {
  id: string;
  title: string;
  authors: string[];
  date: string | null;
  year: number | null;
  categories: string[];
  url: string | null;
  score: number;
  /** HTML-safe abstract excerpt; matched terms wrapped in <mark>. */
  snippet?: string;
  explain?: Explanation;
}

export interface SearchResult {
  query: string;
  mode: Mode;
  sort: SortOrder;
  model: string;
  /**
   * Papers that match: every paper passing the filters for semantic/hybrid, keyword matches for keyword; with
   * sort=date, the candidates re-sorted (at most RELEVANCE_POOL).
   */
  total: number;
  limit: number;
  offset: number;
  results: Hit[];
  facets?: Facets;
  tookMs: number;
}

export interface SearcherOptions {
  efSearch?: number;
  fusion?: Fusion;
  /** Candidates taken from each of the dense and keyword lists before fusion. */
  candidates?: number;
  /** Filters matching at most this many papers are scored exactly; above, HNSW searches with a filter predicate. */
  exactFilterMax?: number;
  /** BM25 column weights (title, abstract). */
  keywordWeights?: { title: number; abstract: number };
}

/**
 * Weight of the dense score in hybrid fusion, per model, chosen on SciFact *train* by `npm run tune-fusion`
 * (docs/relevance.md): a weak model (USE lite) earns little weight, all-MiniLM-L6-v2 an equal share with BM25.
 * Config hybridAlpha (PAPERSCOPE_HYBRID_ALPHA) overrides it.
 */
export function defaultAlpha(modelId: string): number {
  return modelId === 'use-lite' ? 0.2 : 0.5;
}

/** Below this many papers passing a filter, scoring them exactly is cheaper than a filtered graph walk. */
const EXACT_FILTER_MAX = 5_000;
/** Hybrid candidates for pages past the first pool: the deepest page the API serves (offset 1000 + limit 100). */
const DEEP_POOL = 1_100;
const round = (x: number): number => Math.round(x * 1e6) / 1e6;
/** Recent query embeddings kept: paging, refining filters and reloads repeat a query, and embedding is most of its cost. */
const QUERY_CACHE_SIZE = 512;

/** The public fields of a paper in a listing; the API's paper response adds abstract and doi. */
export const paperCard = (p: PaperRow) => ({
  id: p.id,
  title: p.title,
  authors: p.authors,
  date: p.date ?? null,
  year: p.year ?? null,
  categories: p.categories,
  url: p.url ?? null,
});

/** A search's inputs after parsing and embedding. */
interface PreparedQuery {
  mode: Mode;
  match: string | undefined;
  qv: Float32Array | undefined;
  filters: PaperFilters | undefined;
  limit: number;
  offset: number;
}

/** One page in some order: hits, their rows (for snippets), the total, and the relevance pool when it was computed. */
interface Ordered {
  hits: Hit[];
  rows: PaperRow[];
  total: number;
  pool?: Scored[];
}

export class Searcher {
  readonly fusion: Fusion;
  private readonly efSearch: number;
  private readonly candidates: number;
  private readonly keywordWeights: { title: number; abstract: number } | undefined;
  private readonly exactFilterMax: number;
  private readonly queryCache = new Map<string, Float32Array>();

  private current: OpenIndex;

  constructor(
    index: OpenIndex,
    readonly embedder: Embedder,
    opts: SearcherOptions = {},
  ) {
    Searcher.checkModel(index, embedder);
    this.current = index;
    this.fusion = opts.fusion ?? { kind: 'weighted', alpha: defaultAlpha(index.manifest.model.modelId) };
    this.efSearch = opts.efSearch ?? 128;
    this.candidates = opts.candidates ?? 100;
    this.keywordWeights = opts.keywordWeights;
    this.exactFilterMax = opts.exactFilterMax ?? EXACT_FILTER_MAX;
  }

  private static checkModel(index: OpenIndex, embedder: Embedder): void {
    const m = index.manifest.model;
    const e = embedder.info;
    // The same weights too: int8 and fp32 vectors of one model are close (cosine ~0.99) but not the same space.
    if (e.modelId !== m.modelId || e.dims !== m.dims || e.dtype !== m.dtype) {
      throw new AppError(
        'INDEX_MISMATCH',
        `the index was built with ${m.modelId} (${m.dims}-d, ${m.dtype}) but queries would be embedded with ${e.modelId} (${e.dims}-d, ${e.dtype})`,
      );
    }
  }

  /** The build being served. Every method reads it after its only await, so one request sees one build. */
  get index(): OpenIndex {
    return this.current;
  }

  /**
   * Serves a newly published build from now on (same model only) and returns the previous one, which the
   * caller closes once requests that started on it are done.
   */
  swapIndex(next: OpenIndex): OpenIndex {
    Searcher.checkModel(next, this.embedder);
    const previous = this.current;
    this.current = next;
    return previous;
  }

  get modelId(): string {
    return this.index.manifest.model.modelId;
  }

  getPaper(id: string): PaperRow {
    const p = this.index.papers.getById(id);
    if (!p) throw new AppError('NOT_FOUND', `no paper with id "${id}"`);
    return p;
  }

  /** Top-k by cosine, honouring filters and an excluded set, with exact scoring when a filter is selective. */
  private denseTop(query: Float32Array, k: number, filters?: PaperFilters, exclude?: ReadonlySet<number>): Scored[] {
    const { papers, vectors } = this.index;
    if (hasFilters(filters)) {
      const labels = papers.filteredLabels(filters).filter((l) => !exclude?.has(l));
      if (labels.length <= this.exactFilterMax) {
        return papers
          .exactScores(query, labels)
          .sort((a, b) => b.score - a.score || a.label - b.label)
          .slice(0, k);
      }
      const allowed = new Set(labels);
      vectors.setEf(Math.max(this.efSearch, k));
      return vectors.search(query, k, (l) => allowed.has(l));
    }
    vectors.setEf(Math.max(this.efSearch, k + (exclude?.size ?? 0)));
    return exclude?.size ? vectors.search(query, k, (l) => !exclude.has(l)) : vectors.search(query, k);
  }

  /** Embeds a query through a small LRU cache (Map keeps insertion order: re-insert on hit, evict the oldest). */
  async embedQuery(q: string): Promise<Float32Array> {
    const hit = this.queryCache.get(q);
    if (hit) {
      this.queryCache.delete(q);
      this.queryCache.set(q, hit);
      return hit;
    }
    const v = await this.embedder.embedQuery(q);
    this.queryCache.set(q, v);
    if (this.queryCache.size > QUERY_CACHE_SIZE) this.queryCache.delete(this.queryCache.keys().next().value!);
    return v;
  }

  private toHit(p: PaperRow, score: number): Hit {
    return { ...paperCard(p), score: round(score) };
  }


  /** Loads the papers of scored labels: hits in the given order, and each hit's row (for snippets). */
  private hydrate(list: readonly Scored[]): { hits: Hit[]; rows: PaperRow[] } {
    const byLabel = this.index.papers.getByLabels(list.map((s) => s.label));
    const hits: Hit[] = [];
    const rows: PaperRow[] = [];
    for (const s of list) {
      const p = byLabel.get(s.label);
      if (!p) continue;
      hits.push(this.toHit(p, s.score));
      rows.push(p);
    }
    return { hits, rows };
  }

  async search(params: SearchParams): Promise<SearchResult> {
    const t0 = performance.now();
    const mode = params.mode ?? 'hybrid';
    const sort = params.sort ?? 'relevance';
    const limit = params.limit ?? 10;
    const offset = params.offset ?? 0;
    const fts = toFtsQuery(params.q);
    // Embed first: it is the only await, so everything after it reads one build even if a new one is swapped in.
    const qv = mode === 'keyword' ? undefined : (params.queryVector ?? (await this.embedQuery(params.q)));
    const q: PreparedQuery = { mode, match: fts.match, qv, filters: params.filters, limit, offset };
    const { hits: results, rows, total, pool } = sort === 'date' ? this.dateOrder(q) : this.relevanceOrder(q, !!params.explain);
    if (mode !== 'semantic') this.attachSnippets(results, rows, fts.match);
    const result: SearchResult = { query: params.q, mode, sort, model: this.modelId, total, limit, offset, results, tookMs: 0 };
    if (params.facets) result.facets = this.facetsOf(q, pool);
    result.tookMs = round(performance.now() - t0);
    return result;
  }

  /** The first RELEVANCE_POOL results of a query, best first: its candidate set. */
  private relevancePool(q: PreparedQuery): Scored[] {
    if (!q.qv) return q.match ? this.index.papers.keywordSearch(q.match, q.filters, RELEVANCE_POOL, this.keywordWeights) : [];
    if (q.mode === 'semantic') return this.denseTop(q.qv, RELEVANCE_POOL, q.filters);
    return this.fusedPool(q.match, q.qv, this.candidates, q.filters)
      .slice(0, RELEVANCE_POOL)
      .map((f) => ({ label: f.label, score: f.fused }));
  }

  /** Candidates ordered newest first (undated last), relevance breaking ties. */
  private newestFirst(list: readonly Scored[]): Scored[] {
    const dates = this.index.papers.sortDates(list.map((s) => s.label));
    const d = (l: number): string => dates.get(l) ?? '';
    return [...list].sort((a, b) => (d(a.label) < d(b.label) ? 1 : d(a.label) > d(b.label) ? -1 : b.score - a.score || a.label - b.label));
  }

  /** sort=date: the relevance pool re-sorted newest first, paged. */
  private dateOrder(q: PreparedQuery): Ordered {
    const pool = this.relevancePool(q);
    return { ...this.hydrate(this.newestFirst(pool).slice(q.offset, q.offset + q.limit)), total: pool.length, pool };
  }

  /** Relevance order: keyword (BM25), semantic (cosine) or hybrid (fused), with explanations on request. */
  private relevanceOrder(q: PreparedQuery, explain: boolean): Ordered {
    const { papers } = this.index;
    const want = q.offset + q.limit;
    if (!q.qv) {
      // BM25 ranks every match before LIMIT applies, so the deeper list that also gives the pool costs the same.
      const list = q.match ? papers.keywordSearch(q.match, q.filters, Math.max(want, RELEVANCE_POOL), this.keywordWeights) : [];
      const page = list.slice(q.offset, want);
      const out = { ...this.hydrate(page), total: q.match ? papers.keywordCount(q.match, q.filters) : 0, pool: list.slice(0, RELEVANCE_POOL) };
      if (explain) out.hits.forEach((h, i) => (h.explain = { dense: null, keyword: { score: round(page[i]!.score), rank: q.offset + i + 1 }, fused: h.score }));
      return out;
    }
    const total = hasFilters(q.filters) ? papers.filteredCount(q.filters) : papers.count();
    if (q.mode === 'semantic') {
      const top = this.denseTop(q.qv, Math.max(want, RELEVANCE_POOL), q.filters);
      const page = top.slice(q.offset, want);
      const out = { ...this.hydrate(page), total, pool: top.slice(0, RELEVANCE_POOL) };
      if (explain) out.hits.forEach((h, i) => (h.explain = { dense: { score: round(page[i]!.score), rank: q.offset + i + 1 }, keyword: null, fused: h.score }));
      return out;
    }
    // The first `candidates` hits come from one fixed pool, every deeper page from another fixed (deeper) pool
    // minus those: a pool sized by the page would renormalise the scores, and pages would repeat or skip papers.
    const first = this.fusedPool(q.match, q.qv, this.candidates, q.filters).slice(0, this.candidates);
    let fused = first;
    if (want > this.candidates) {
      const shown = new Set(fused.map((f) => f.label));
      fused = fused.concat(this.fusedPool(q.match, q.qv, Math.max(DEEP_POOL, want), q.filters).filter((f) => !shown.has(f.label)));
    }
    fused = fused.slice(q.offset, want);
    const out: Ordered = { ...this.hydrate(fused.map((f) => ({ label: f.label, score: f.fused }))), total };
    // The relevance pool is the first fused pool whenever it is at least as deep (the default: both are 100).
    if (this.candidates >= RELEVANCE_POOL) out.pool = first.slice(0, RELEVANCE_POOL).map((f) => ({ label: f.label, score: f.fused }));
    if (explain) {
      out.hits.forEach((h, i) => {
        const f = fused[i]!;
        h.explain = {
          dense: f.dense ? { score: round(f.dense.score), rank: f.dense.rank || null } : null,
          keyword: f.keyword ? { score: round(f.keyword.score), rank: f.keyword.rank } : null,
          fused: round(f.fused),
        };
      });
    }
    return out;
  }

  /** Facet counts over the query's candidates, the relevance pool (reused when the page already computed it). */
  private facetsOf(q: PreparedQuery, pool: readonly Scored[] | undefined): Facets {
    const labels = (pool ?? this.relevancePool(q)).map((s) => s.label);
    return { counted: labels.length, ...this.index.papers.facetCounts(labels) };
  }

  /** Dense and keyword candidates (`depth` of each) fused; keyword-only candidates get their exact dense score. */
  private fusedPool(match: string | undefined, qv: Float32Array, depth: number, filters: PaperFilters | undefined): FusedHit[] {
    const { papers } = this.index;
    const dense = this.denseTop(qv, depth, filters);
    const keyword = match ? papers.keywordSearch(match, filters, depth, this.keywordWeights) : [];
    const ids = new Map<number, string>();
    const idOf = (l: number): string => {
      let id = ids.get(l);
      if (id === undefined) ids.set(l, (id = papers.getByLabel(l)?.id ?? ''));
      return id;
    };
    // Keyword-only candidates get their exact dense score from the stored vectors, in one pass.
    const inDense = new Set(dense.map((d) => d.label));
    const extra = new Map(papers.exactScores(qv, keyword.filter((k) => !inDense.has(k.label)).map((k) => k.label)).map((e) => [e.label, e.score]));
    return fuse(dense, keyword, this.fusion, idOf, (l) => extra.get(l));
  }

  /** Snippets for the hits (rows[i] is hits[i]'s paper, already loaded by hydrate: no second read). */
  private attachSnippets(hits: Hit[], rows: readonly PaperRow[], match: string | undefined): void {
    if (!hits.length) return;
    const snips = match ? this.index.papers.snippets(match, rows.map((r) => r.label)) : new Map<number, string>();
    hits.forEach((h, i) => {
      const s = snips.get(rows[i]!.label);
      h.snippet = s?.includes('\u0001') ? markSnippet(s) : leadSnippet(rows[i]!.abstract);
    });
  }


  /** Papers nearest to a given paper by its stored vector (itself excluded). */
  related(id: string, opts: { limit?: number; offset?: number; filters?: PaperFilters } = {}): { id: string; model: string; results: Hit[] } {
    const p = this.getPaper(id);
    const v = this.index.papers.getVector(p.label);
    if (!v) throw new AppError('INDEX_CORRUPT', `paper "${id}" has no stored vector`);
    const limit = opts.limit ?? 10;
    const offset = opts.offset ?? 0;
    const top = this.denseTop(v, offset + limit, opts.filters, new Set([p.label])).slice(offset);
    return { id, model: this.modelId, results: this.hydrate(top).hits };
  }

  /**
   * Papers near the positive examples and away from the negative ones (Rocchio: centroid of positives minus
   * half the centroid of negatives), examples excluded.
   */
  recommend(opts: { positive: readonly string[]; negative?: readonly string[]; limit?: number; filters?: PaperFilters }): { model: string; results: Hit[] } {
    const { papers } = this.index;
    const dims = this.index.manifest.model.dims;
    const exclude = new Set<number>();
    const centroid = (ids: readonly string[]): Float32Array => {
      const c = new Float32Array(dims);
      for (const id of ids) {
        const p = this.getPaper(id);
        exclude.add(p.label);
        const v = papers.getVector(p.label);
        if (!v) throw new AppError('INDEX_CORRUPT', `paper "${id}" has no stored vector`);
        for (let i = 0; i < dims; i++) c[i]! += v[i]! / ids.length;
      }
      return c;
    };
    if (!opts.positive.length) throw new AppError('INVALID_INPUT', 'at least one positive example is needed');
    const pos = centroid(opts.positive);
    const neg = opts.negative?.length ? centroid(opts.negative) : undefined;
    const q = new Float32Array(dims);
    let norm = 0;
    for (let i = 0; i < dims; i++) {
      q[i] = pos[i]! - (neg ? 0.5 * neg[i]! : 0);
      norm += q[i]! * q[i]!;
    }
    norm = Math.sqrt(norm) || 1;
    for (let i = 0; i < dims; i++) q[i]! /= norm;
    const top = this.denseTop(q, opts.limit ?? 10, opts.filters, exclude);
    return { model: this.modelId, results: this.hydrate(top).hits };
  }

  /**
   * A paper, its `limit` nearest papers and all their stored vectors (the paper's first): what the
   * neighbourhood map lays out.
   */
  neighbourhood(id: string, limit: number): { paper: PaperRow; related: Hit[]; vectors: Float32Array[] } {
    const paper = this.getPaper(id);
    const { papers } = this.index;
    const v = papers.getVector(paper.label);
    if (!v) throw new AppError('INDEX_CORRUPT', `paper "${id}" has no stored vector`);
    const top = this.denseTop(v, limit, undefined, new Set([paper.label]));
    const { hits, rows } = this.hydrate(top);
    const vectors = [v];
    for (const r of rows) {
      const w = papers.getVector(r.label);
      if (!w) throw new AppError('INDEX_CORRUPT', `paper "${r.id}" has no stored vector`);
      vectors.push(w);
    }
    return { paper, related: hits, vectors };
  }

  /**
   * A topic feed: the query's candidates (its first RELEVANCE_POOL results in the given mode) whose score
   * passes the relevance floor (relevanceFloor: halfway from the median candidate to the best), newest first.
   */
  async newest(params: { q: string; mode?: Mode; filters?: PaperFilters; limit?: number }): Promise<FeedSelection> {
    const mode = params.mode ?? 'hybrid';
    const fts = toFtsQuery(params.q);
    const qv = mode === 'keyword' ? undefined : await this.embedQuery(params.q);
    const q: PreparedQuery = { mode, match: fts.match, qv, filters: params.filters, limit: RELEVANCE_POOL, offset: 0 };
    const pool = this.relevancePool(q);
    const floor = relevanceFloor(pool.map((s) => s.score));
    const kept = this.newestFirst(pool.filter((s) => s.score >= floor)).slice(0, params.limit ?? 20);
    const { hits, rows } = this.hydrate(kept);
    return { mode, candidates: pool.length, floor: Number.isFinite(floor) ? round(floor) : 0, entries: hits.map((hit, i) => ({ hit, paper: rows[i]! })) };
  }

  /** The paper an arXiv reference names, if this index has it (by id, versioned id, or arxiv.org URL). */
  findArxiv(ref: ArxivRef): PaperRow | undefined {
    const { papers } = this.index;
    return (ref.version ? papers.getById(`${ref.id}v${ref.version}`) : undefined) ?? papers.findArxiv(ref.id);
  }
}

/** What a topic feed shows, and how it was chosen. */
export interface FeedSelection {
  mode: Mode;
  /** Papers considered (the query's first RELEVANCE_POOL results). */
  candidates: number;
  /** The score an entry needed. */
  floor: number;
  /** Newest first. */
  entries: { hit: Hit; paper: PaperRow }[];
}
