// A compatible subset of the Semantic Scholar Graph and Recommendations APIs over the local index (docs/s2-compat.md).
import { type Context, Hono } from 'hono';
import { cors } from 'hono/cors';
import type { Config } from '../config.js';
import { AppError } from '../errors.js';
import { isArxivId } from '../paper.js';
import type { Hit, Searcher } from '../search/searcher.js';
import type { OpenIndex, PaperFilters, PaperRow } from '../store/index.js';
import { paperHref } from '../web/format.js';
import { bearerAuth } from './auth.js';
import { type Problem, problemResponse } from './problem.js';
import { jsonBody, parse } from './request.js';
import { type FieldSelection, type PaperContext, fieldOfCategory, parsePaperRef, parseYearRange, toS2Paper } from './s2-paper.js';
import {
  S2_SEARCH_MAX_RESULTS,
  S2_UNSUPPORTED_FILTERS,
  S2BatchBodySchema,
  S2BatchQuerySchema,
  S2ForPaperQuerySchema,
  S2PaperIdSchema,
  S2RecommendBodySchema,
  S2RecommendQuerySchema,
  S2SearchQuerySchema,
} from './s2-schemas.js';
import { queryObject } from './schemas.js';

type Env = { Variables: { requestId: string; route?: string } };

const GRAPH = '/graph/v1';
const RECS = '/recommendations/v1';

/** Paths the S2 compatible routes own: their errors carry S2's `error` member, and S2 clients' key header works there. */
export const isS2Path = (p: string): boolean => [GRAPH, RECS].some((b) => p === b || p.startsWith(`${b}/`));

/** An RFC 9457 problem with S2's `error` member beside it (S2 clients read `error`); same status, same content type. */
export const s2ProblemResponse = (c: Context, problem: Problem, headers: Record<string, string> = {}): Response =>
  problemResponse(c, { ...problem, error: problem.detail } as Problem, headers);

/** Categories of each build that map to each S2 field of study, computed once per build (the fieldsOfStudy filter). */
const categoriesByBuild = new WeakMap<OpenIndex, string[]>();
function categoriesOfFields(index: OpenIndex, fields: readonly string[]): string[] {
  let all = categoriesByBuild.get(index);
  if (!all) categoriesByBuild.set(index, (all = index.papers.categories()));
  const wanted = new Set(fields.map((f) => f.toLowerCase()));
  return all.filter((c) => wanted.has(fieldOfCategory(c)?.toLowerCase() ?? ''));
}

/** The id after a route prefix, percent-decoded (ids and DOIs may contain "/"). */
function idAfter(c: Context, prefix: string): string {
  try {
    return parse(S2PaperIdSchema, decodeURIComponent(c.req.path.slice(prefix.length)));
  } catch (e) {
    if (e instanceof URIError) throw new AppError('INVALID_INPUT', 'the paper id is not valid percent-encoding');
    throw e;
  }
}

/** Sub-resources of a paper that S2 has and this index cannot answer (it has no citation graph or author records). */
const NO_SUBRESOURCE = /^(.+)\/(citations|references|authors)$/;

/** Finds a paper by any id form S2 accepts that this index can resolve; undefined when none matches. */
function findPaper(index: OpenIndex, raw: string): PaperRow | undefined {
  const ref = parsePaperRef(raw);
  const { papers } = index;
  switch (ref.kind) {
    case 'arxiv':
      return papers.getByArxivId(ref.id);
    case 'doi':
      return papers.getByDoi(ref.doi);
    case 'unsupported':
      return undefined;
    default:
      // S2 wants a prefix, but a bare arXiv id or DOI is unambiguous: accept them too.
      return (
        papers.getById(ref.id) ??
        (isArxivId(ref.id) ? papers.getByArxivId(ref.id.replace(/v\d+$/, '')) : undefined) ??
        (/^10\.\d{4,9}\/\S+$/.test(ref.id) ? papers.getByDoi(ref.id) : undefined)
      );
  }
}

function mustFindPaper(index: OpenIndex, raw: string): PaperRow {
  const p = findPaper(index, raw);
  if (p) return p;
  const ref = parsePaperRef(raw);
  if (ref.kind === 'unsupported') throw new AppError('NOT_FOUND', `Paper with id ${raw} not found: this server resolves its own ids, ARXIV: and DOI: ids, not ${ref.scheme} ids`);
  const sub = NO_SUBRESOURCE.exec(raw);
  if (sub && findPaper(index, sub[1]!)) throw new AppError('NOT_FOUND', `${sub[2]} are not available from this server (the index has no citation graph or author records)`);
  throw new AppError('NOT_FOUND', `Paper with id ${raw} not found`);
}

/** S2 filters the index has no data for are refused, never silently ignored. */
function rejectUnsupported(c: Context): void {
  const given = S2_UNSUPPORTED_FILTERS.filter((k) => c.req.query(k) !== undefined);
  if (given.length) throw new AppError('INVALID_INPUT', `not supported by this server: ${given.join(', ')} (see /docs and docs/s2-compat.md)`);
}

export function s2Routes(deps: { searcher: Searcher; config: Config }): Hono<Env> {
  const { searcher, config } = deps;
  const app = new Hono<Env>();

  if (config.corsOrigins.length) {
    const policy = cors({
      origin: [...config.corsOrigins],
      allowMethods: ['GET', 'POST', 'OPTIONS'],
      allowHeaders: ['Authorization', 'Content-Type', 'X-Request-Id', 'X-Api-Key'],
      exposeHeaders: ['X-Request-Id', 'Retry-After'],
      maxAge: 600,
    });
    app.use(`${GRAPH}/*`, policy);
    app.use(`${RECS}/*`, policy);
  }
  if (config.apiKey) {
    // The same key as /api/*; S2 clients send it as x-api-key and expect 403 for a bad one.
    const guard = bearerAuth(config.apiKey, () => false, { keyHeader: 'x-api-key', forbidden: true, respond: s2ProblemResponse });
    app.use(`${GRAPH}/*`, guard);
    app.use(`${RECS}/*`, guard);
  }

  const context = (c: Context): PaperContext => ({
    pageUrl: (id) => new URL(paperHref(id), c.req.url).href,
    vector: (p) => searcher.index.papers.getVector(p.label),
    modelId: searcher.modelId,
  });
  /** The hits' papers as S2 objects; read right after the searcher answered, so from the same build. */
  const toData = (c: Context, hits: readonly Hit[], sel: FieldSelection) => {
    const ctx = context(c);
    return hits.flatMap((h) => {
      const p = searcher.index.papers.getById(h.id);
      return p ? [toS2Paper(p, sel, ctx)] : [];
    });
  };

  app.get(`${GRAPH}/paper/search`, async (c) => {
    rejectUnsupported(c);
    const q = parse(S2SearchQuerySchema, queryObject(c.req.queries()));
    const years = q.year ? parseYearRange(q.year) : undefined;
    const filters: PaperFilters = { yearFrom: years?.from, yearTo: years?.to };
    if (q.fieldsOfStudy) {
      filters.categories = categoriesOfFields(searcher.index, q.fieldsOfStudy.split(',').map((s) => s.trim()));
      // No category of the index maps to those fields: nothing matches (an empty list would mean no filter).
      if (!filters.categories.length) return c.json({ total: 0, offset: q.offset, data: [] });
    }
    const r = await searcher.search({ q: q.query, mode: 'hybrid', limit: q.limit, offset: q.offset, filters });
    const end = q.offset + r.results.length;
    const next = r.results.length && end < Math.min(r.total, S2_SEARCH_MAX_RESULTS) ? { next: end } : {};
    return c.json({ total: r.total, offset: q.offset, ...next, data: toData(c, r.results, q.fields) });
  });

  app.post(`${GRAPH}/paper/batch`, async (c) => {
    const q = parse(S2BatchQuerySchema, queryObject(c.req.queries()));
    const body = parse(S2BatchBodySchema, await jsonBody(c));
    const ctx = context(c);
    // As S2 does: one entry per id, in order, null where the id is unknown.
    return c.json(body.ids.map((id) => {
      const p = findPaper(searcher.index, id);
      return p ? toS2Paper(p, q.fields, ctx) : null;
    }));
  });

  // A wildcard, not :id: ids may contain "/" (old arXiv ids, DOIs), and the python client sends DOI:10.x/y unescaped.
  app.get(`${GRAPH}/paper/*`, (c) => {
    c.set('route', `${GRAPH}/paper/:paper_id`);
    const id = idAfter(c, `${GRAPH}/paper/`);
    const q = parse(S2BatchQuerySchema, queryObject(c.req.queries()));
    return c.json(toS2Paper(mustFindPaper(searcher.index, id), q.fields, context(c)));
  });

  app.get(`${RECS}/papers/forpaper/*`, (c) => {
    c.set('route', `${RECS}/papers/forpaper/:paper_id`);
    const id = idAfter(c, `${RECS}/papers/forpaper/`);
    const q = parse(S2ForPaperQuerySchema, queryObject(c.req.queries()));
    const p = mustFindPaper(searcher.index, id);
    return c.json({ recommendedPapers: toData(c, searcher.related(p.id, { limit: q.limit }).results, q.fields) });
  });

  const recommend = async (c: Context) => {
    c.set('route', `${RECS}/papers`);
    const q = parse(S2RecommendQuerySchema, queryObject(c.req.queries()));
    const body = parse(S2RecommendBodySchema, await jsonBody(c));
    const index = searcher.index;
    const ids = (list: readonly string[]) => list.map((id) => mustFindPaper(index, id).id);
    const r = searcher.recommend({ positive: ids(body.positivePaperIds), negative: ids(body.negativePaperIds), limit: q.limit });
    return c.json({ recommendedPapers: toData(c, r.results, q.fields) });
  };
  // The python client posts to /papers/ (trailing slash), S2's documentation to /papers: both.
  app.post(`${RECS}/papers`, recommend);
  app.post(`${RECS}/papers/`, recommend);

  return app;
}
