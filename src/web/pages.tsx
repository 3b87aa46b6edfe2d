// Registers the server-rendered pages (search, paper, API reference) and their static assets on the app.
import type { Context, Hono } from 'hono';
import { html } from 'hono/html';
import type { Child } from 'hono/jsx';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { z } from 'zod';
import type { OpenApiDocument } from '../api/openapi.js';
import type { Problem } from '../api/problem.js';
import { MAX_QUERY_CHARS, PaperIdSchema, SearchQuerySchema, queryObject, toFilters } from '../api/schemas.js';
import type { Mode, Searcher } from '../search/searcher.js';
import { DocsPage } from './docs-page.js';
import { leadWords } from './format.js';
import { ErrorPage, type SiteInfo } from './layout.js';
import { PaperPage } from './paper-page.js';
import { FILTER_FIELDS, type FormState, SearchPage } from './search-page.js';
import { CSS, CSS_HASH, FAVICON_SVG } from './styles.js';

export interface PagesDeps {
  searcher: Searcher;
  openapi: () => OpenApiDocument;
  auth: boolean;
}

export const RESULTS_PER_PAGE = 10;
const RELATED_ON_PAGE = 8;

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
      mode: first(raw.mode) || 'hybrid',
      year_from: first(raw.year_from),
      year_to: first(raw.year_to),
      category: first(raw.category),
      author: first(raw.author),
    };
    const site = siteInfo(searcher);
    if (!form.q.trim()) return page(c, <SearchPage site={site} form={form} />);
    // An empty form field means "no filter" (the form always sends every field), not the number 0.
    const input: Record<string, string> = { q: form.q, mode: form.mode, limit: String(RESULTS_PER_PAGE), offset: first(raw.offset) || '0' };
    for (const k of FILTER_FIELDS) if (form[k].trim()) input[k] = form[k];
    const parsed = SearchQuerySchema.safeParse(input);
    if (!parsed.success) return page(c, <SearchPage site={site} form={form} errors={friendlyErrors(parsed.error, form)} />, 400);
    const q = parsed.data;
    const result = await searcher.search({ q: q.q, mode: q.mode as Mode, limit: q.limit, offset: q.offset, filters: toFilters(q) });
    // Semantic hits carry no keyword snippet: show the abstract's opening words (escaped by JSX like any text).
    const leads = new Map<string, string>();
    for (const h of result.results) if (h.snippet === undefined) leads.set(h.id, leadWords(searcher.getPaper(h.id).abstract));
    return page(c, <SearchPage site={site} form={form} result={result} leads={leads} />);
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
    const related = searcher.related(paper.id, { limit: RELATED_ON_PAGE }).results;
    return page(c, <PaperPage site={siteInfo(searcher)} paper={paper} related={related} />);
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
