// Registers the server-rendered pages (search, paper, reading list, API reference), list exports, the topic feed and assets.
import type { Context, Hono } from 'hono';
import { html } from 'hono/html';
import type { Child } from 'hono/jsx';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { z } from 'zod';
import type { OpenApiDocument } from '../api/openapi.js';
import type { Problem } from '../api/problem.js';
import { AppError } from '../errors.js';
import { etag } from 'hono/etag';
import {
  FeedQuerySchema,
  ListIdsSchema,
  MAX_LIST,
  MAX_QUERY_CHARS,
  PaperIdSchema,
  SearchQuerySchema,
  queryObject,
  toFilters,
} from '../api/schemas.js';
import { classifyQuery } from '../search/query-kind.js';
import type { Mode, Searcher, SortOrder } from '../search/searcher.js';
import type { PaperRow } from '../store/index.js';
import { citeKey, toBibtex, toCsv, toRis } from './cite.js';
import { DocsPage } from './docs-page.js';
import { feedXml } from './feed.js';
import { leadWords, listHref, paperHref } from './format.js';
import { ErrorPage, type SiteInfo } from './layout.js';
import { ListPage } from './list-page.js';
import { PaperPage } from './paper-page.js';
import { FILTER_FIELDS, type FormState, type QueryNotice, SearchPage } from './search-page.js';
import { CSS, CSS_HASH, FAVICON_SVG } from './styles.js';

export interface PagesDeps {
  searcher: Searcher;
  openapi: () => OpenApiDocument;
  auth: boolean;
}

export const RESULTS_PER_PAGE = 10;
/** Papers the neighbourhood map shows around the paper. */
export const MAP_NEIGHBOURS = 14;

const page = (c: Context, body: Child, status: ContentfulStatusCode = 200) =>
  c.html(html`<!doctype html>${body}`, status, { 'cache-control': 'no-store' });

function siteInfo(searcher: Searcher): SiteInfo {
  try {
    return { papers: searcher.index.papers.count(), model: searcher.modelId };
  } catch {
    // Error pages must render even when the index is what failed.
    return { papers: 0, model: 'unavailable' };
  }
}

const first = (v: string | string[] | undefined): string => (Array.isArray(v) ? (v[0] ?? '') : (v ?? ''));

/**
 * The reading list a page carries in `list=`: leniently read (invalid ids dropped, at most MAX_LIST), because a
 * search must never fail over the list it passes along; the list page itself validates strictly.
 */
function carriedList(v: string | string[] | undefined): string[] {
  const ids = (Array.isArray(v) ? v : v ? [v] : []).flatMap((s) => s.split(',')).map((s) => s.trim());
  return [...new Set(ids.filter((id) => PaperIdSchema.safeParse(id).success))].slice(0, MAX_LIST);
}

/** The papers of a list in its order, and the ids this index does not have. */
function listPapers(searcher: Searcher, ids: readonly string[]): { papers: PaperRow[]; missing: string[] } {
  const papers: PaperRow[] = [];
  const missing: string[] = [];
  for (const id of ids) {
    const p = searcher.index.papers.getById(id);
    if (p) papers.push(p);
    else missing.push(id);
  }
  return { papers, missing };
}

const EXPORTS = {
  bib: { type: 'application/x-bibtex; charset=utf-8', render: toBibtex },
  ris: { type: 'application/x-research-info-systems; charset=utf-8', render: toRis },
  csv: { type: 'text/csv; charset=utf-8; header=present', render: toCsv },
} as const;

const FIELD_LABELS: Record<string, string> = {
  q: 'Query',
  mode: 'Mode',
  offset: 'Page',
  limit: 'Results per page',
  year_from: 'Year from',
  year_to: 'Year to',
  category: 'Category',
  author: 'Author',
};

/** zod issues in words a reader of the page understands (the API keeps the precise ones). */
function friendlyErrors(error: z.ZodError, form: FormState): string[] {
  return error.issues.map((i) => {
    const field = String(i.path[0] ?? '');
    if (field === 'q' && i.code === 'too_big') {
      return `Your query is ${form.q.length.toLocaleString('en-US')} characters long; the limit is ${MAX_QUERY_CHARS.toLocaleString('en-US')}. Shorten it: a paragraph of an abstract is plenty.`;
    }
    if (field === 'offset') return 'That page is out of range: results go up to 1,000 deep. Refine the query instead.';
    if (field === 'year_from' && i.message.includes('after')) return 'Year from is after Year to: swap them or widen the range.';
    return `${FIELD_LABELS[field] ?? field}: ${i.message}`;
  });
}

export function registerPages(app: Hono<{ Variables: { requestId: string } }>, deps: PagesDeps): void {
  const { searcher } = deps;

  app.get('/assets/app.css', (c) =>
    c.body(CSS, 200, {
      'content-type': 'text/css; charset=utf-8',
      // Pages link it as ?v=<hash>, so a long cache is safe: a new stylesheet gets a new URL.
      'cache-control': c.req.query('v') === CSS_HASH ? 'public, max-age=31536000, immutable' : 'public, max-age=300',
    }),
  );
  app.get('/assets/favicon.svg', (c) =>
    c.body(FAVICON_SVG, 200, { 'content-type': 'image/svg+xml', 'cache-control': 'public, max-age=86400' }),
  );

  app.get('/', async (c) => {
    const raw = queryObject(c.req.queries());
    const form: FormState = {
      q: first(raw.q),
      mode: first(raw.mode) || 'auto',
      year_from: first(raw.year_from),
      year_to: first(raw.year_to),
      category: first(raw.category),
      author: first(raw.author),
      sort: first(raw.sort) || 'relevance',
      list: carriedList(raw.list),
    };
    const site = siteInfo(searcher);
    if (!form.q.trim()) return page(c, <SearchPage site={site} form={form} />);
    const kind = classifyQuery(form.q);
    if (kind.kind === 'arxiv') {
      // A pasted arXiv id or link opens that paper's neighbourhood; one this index lacks is said plainly.
      const found = searcher.findArxiv(kind.ref);
      if (found) return c.redirect(`${paperHref(found.id, form.list)}#related`, 303);
      return page(c, <SearchPage site={site} form={form} notice={{ kind: 'arxiv-missing', id: kind.ref.id }} />);
    }
    // Auto: a pasted abstract goes semantic-first, anything shorter is hybrid.
    const auto = form.mode === 'auto';
    const mode = auto ? (kind.kind === 'abstract' ? 'semantic' : 'hybrid') : form.mode;
    const notice: QueryNotice | undefined = auto && kind.kind === 'abstract' ? { kind: 'abstract', words: kind.words } : undefined;
    // An empty form field means "no filter" (the form always sends every field), not the number 0.
    const input: Record<string, string> = { q: form.q, mode, limit: String(RESULTS_PER_PAGE), offset: first(raw.offset) || '0', sort: form.sort };
    for (const k of FILTER_FIELDS) if (form[k].trim()) input[k] = form[k];
    const parsed = SearchQuerySchema.safeParse(input);
    if (!parsed.success) return page(c, <SearchPage site={site} form={form} errors={friendlyErrors(parsed.error, form)} />, 400);
    const q = parsed.data;
    const result = await searcher.search({ q: q.q, mode: q.mode as Mode, limit: q.limit, offset: q.offset, sort: q.sort as SortOrder, facets: true, filters: toFilters(q) });
    // Semantic hits carry no keyword snippet: show the abstract's opening words (escaped by JSX like any text).
    const leads = new Map<string, string>();
    for (const h of result.results) if (h.snippet === undefined) leads.set(h.id, leadWords(searcher.getPaper(h.id).abstract));
    return page(c, <SearchPage site={site} form={form} result={result} leads={leads} notice={notice} />);
  });

  app.get('/papers/:id{.+}', (c) => {
    const id = PaperIdSchema.safeParse(c.req.param('id'));
    const paper = id.success ? searcher.index.papers.getById(id.data) : undefined;
    if (!paper) {
      return page(
        c,
        <ErrorPage site={siteInfo(searcher)} status={404} title="Paper not found" detail="There is no paper with this id in the index. It may have been removed in a newer build." />,
        404,
      );
    }
    const { related, vectors } = searcher.neighbourhood(paper.id, MAP_NEIGHBOURS);
    const list = carriedList(c.req.queries('list'));
    return page(c, <PaperPage site={siteInfo(searcher)} paper={paper} related={related} vectors={vectors} list={list} />);
  });

  app.get('/list', (c) => {
    const parsed = ListIdsSchema.safeParse(c.req.queries('ids'));
    if (!parsed.success) {
      const detail = parsed.error.issues.some((i) => i.code === 'too_big' && i.path.length === 0)
        ? `A reading list holds at most ${MAX_LIST} papers.`
        : 'An id in this list is not a valid paper id (1 to 200 characters).';
      return page(c, <ErrorPage site={siteInfo(searcher)} status={400} title="This list cannot be opened" detail={detail} />, 400);
    }
    const { papers, missing } = listPapers(searcher, parsed.data);
    const recommended = papers.length ? searcher.recommend({ positive: papers.map((p) => p.id), limit: 10 }).results : [];
    const shareUrl = new URL(listHref(papers.map((p) => p.id)), c.req.url).href;
    return page(c, <ListPage site={siteInfo(searcher)} papers={papers} missing={missing} recommended={recommended} shareUrl={shareUrl} />);
  });

  for (const [ext, fmt] of Object.entries(EXPORTS)) {
    app.get(`/list.${ext}`, (c) => {
      const parsed = ListIdsSchema.safeParse(c.req.queries('ids'));
      if (!parsed.success) throw new AppError('INVALID_INPUT', `ids: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
      const { papers } = listPapers(searcher, parsed.data);
      if (!papers.length) throw new AppError('NOT_FOUND', 'none of these papers is in the index');
      const name = papers.length === 1 ? citeKey(papers[0]!) : 'paperscope-list';
      return c.body(fmt.render(papers), 200, {
        'content-type': fmt.type,
        'content-disposition': `attachment; filename="${name}.${ext}"`,
        'cache-control': 'no-store',
      });
    });
  }

  // Feed readers poll: an ETag over the body lets an unchanged feed answer 304 until a new build changes it.
  app.get('/feed.atom', etag(), async (c) => {
    const parsed = FeedQuerySchema.safeParse(queryObject(c.req.queries()));
    if (!parsed.success) throw parsed.error;
    const q = parsed.data;
    const selection = await searcher.newest({ q: q.q, mode: q.mode as Mode, filters: toFilters(q), limit: q.limit });
    const xml = feedXml({ selection, query: q, requestUrl: c.req.url, manifest: searcher.index.manifest });
    return c.body(xml, 200, { 'content-type': 'application/atom+xml; charset=utf-8', 'cache-control': 'no-cache' });
  });

  app.get('/docs', (c) => page(c, <DocsPage site={siteInfo(searcher)} doc={deps.openapi()} auth={deps.auth} />));
}

/** An error on a page route becomes an HTML page with the same status; the problem's detail is already safe to show. */
export function errorPage(c: Context, searcher: Searcher, problem: Problem): Response | Promise<Response> {
  const detail =
    problem.status === 404
      ? 'There is nothing at this address. Check the link, or search for what you were looking for.'
      : problem.status >= 500
        ? 'Something went wrong on our side. Please try again in a moment.'
        : problem.detail;
  return page(c, <ErrorPage site={siteInfo(searcher)} status={problem.status} title={problem.title} detail={detail} />, problem.status as ContentfulStatusCode);
}
