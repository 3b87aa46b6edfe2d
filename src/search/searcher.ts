// The one entry the API, CLI and evaluation call: semantic, keyword and hybrid search, related papers, recommendations.
import type { Embedder } from '../embed/index.js';
import { AppError } from '../errors.js';
import { hasFilters, type OpenIndex, type PaperFilters, type PaperRow } from '../store/index.js';
import { toFtsQuery } from './fts.js';
import { fuse, type FusedHit, type Fusion, type Scored } from './fuse.js';
import { leadSnippet, markSnippet } from './snippet.js';

export type Mode = 'hybrid' | 'semantic' | 'keyword';
export const MODES: readonly Mode[] = ['hybrid', 'semantic', 'keyword'];

export interface SearchParams {
  q: string;
  mode?: Mode;
  limit?: number;
  offset?: number;
  filters?: PaperFilters;
  explain?: boolean;
  /** Precomputed query embedding (evaluation runs reuse it across modes and settings). */
  queryVector?: Float32Array;
}

export interface Explanation {
  dense: { score: number; rank: number | null } | null;
  keyword: { score: number; rank: number } | null;
  fused: number;
}

export interface Hit {
  id: string;
  /** The paper's title, or for an untitled paper the first sentence of its abstract (then titleDerived is true). */
  title: string;
  titleDerived?: true;
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
  model: string;
  /** Papers that match: every paper passing the filters for semantic/hybrid, keyword matches for keyword. */
  total: number;
  limit: number;
  offset: number;
  results: Hit[];
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

/** Weight of the dense score in hybrid fusion, chosen on SciFact train (docs/relevance.md); config hybridAlpha overrides. */
export const DEFAULT_ALPHA = 0.2;

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
  ...(p.titleDerived ? { titleDerived: true as const } : {}),
  authors: p.authors,
  date: p.date ?? null,
  year: p.year ?? null,
  categories: p.categories,
  url: p.url ?? null,
});

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
    this.fusion = opts.fusion ?? { kind: 'weighted', alpha: DEFAULT_ALPHA };
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
    const limit = params.limit ?? 10;
    const offset = params.offset ?? 0;
    const filters = params.filters;
    const want = offset + limit;
    const fts = toFtsQuery(params.q);
    // Embed first: it is the only await, so everything after it reads one build even if a new one is swapped in.
    const qv = mode === 'keyword' ? undefined : (params.queryVector ?? (await this.embedQuery(params.q)));
    const { papers } = this.index;
    let results: Hit[];
    let rows: PaperRow[];
    let total: number;

    if (!qv) {
      const list = fts.match ? papers.keywordSearch(fts.match, filters, want, this.keywordWeights) : [];
      total = fts.match ? papers.keywordCount(fts.match, filters) : 0;
      const page = list.slice(offset);
      ({ hits: results, rows } = this.hydrate(page));
      if (params.explain) {
        results.forEach((h, i) => (h.explain = { dense: null, keyword: { score: round(page[i]!.score), rank: offset + i + 1 }, fused: h.score }));
      }
    } else {
      total = hasFilters(filters) ? papers.filteredCount(filters) : papers.count();
      if (mode === 'semantic') {
        const page = this.denseTop(qv, want, filters).slice(offset);
        ({ hits: results, rows } = this.hydrate(page));
        if (params.explain) {
          results.forEach((h, i) => (h.explain = { dense: { score: round(page[i]!.score), rank: offset + i + 1 }, keyword: null, fused: h.score }));
        }
      } else {
        // The first `candidates` hits come from one fixed pool, every deeper page from another fixed (deeper) pool
        // minus those: a pool sized by the page would renormalise the scores, and pages would repeat or skip papers.
        let fused = this.fusedPool(fts.match, qv, this.candidates, filters).slice(0, this.candidates);
        if (want > this.candidates) {
          const shown = new Set(fused.map((f) => f.label));
          fused = fused.concat(this.fusedPool(fts.match, qv, Math.max(DEEP_POOL, want), filters).filter((f) => !shown.has(f.label)));
        }
        fused = fused.slice(offset, want);
        ({ hits: results, rows } = this.hydrate(fused.map((f) => ({ label: f.label, score: f.fused }))));
        if (params.explain) {
          results.forEach((h, i) => {
            const f = fused[i]!;
            h.explain = {
              dense: f.dense ? { score: round(f.dense.score), rank: f.dense.rank || null } : null,
              keyword: f.keyword ? { score: round(f.keyword.score), rank: f.keyword.rank } : null,
              fused: round(f.fused),
            };
          });
        }
      }
    }

    if (mode !== 'semantic') this.attachSnippets(results, rows, fts.match);
    return { query: params.q, mode, model: this.modelId, total, limit, offset, results, tookMs: round(performance.now() - t0) };
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
}
