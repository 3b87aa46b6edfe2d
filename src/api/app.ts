// createApp(deps): the Hono application (API routes, error mapping); it never listens, so tests and the server share it.
import { Hono, type Context } from 'hono';
import type { z } from 'zod';
import type { Config } from '../config.js';
import { AppError } from '../errors.js';
import type { Searcher } from '../search/searcher.js';
import type { PaperRow } from '../store/index.js';
import { problemResponse, toProblem } from './problem.js';
import { PaperIdSchema, RecommendBodySchema, RelatedQuerySchema, SearchQuerySchema, queryObject, toFilters } from './schemas.js';

export interface AppDeps {
  searcher: Searcher;
  config: Config;
  /** Structured log line sink (one JSON object per line). */
  log?: (entry: Record<string, unknown>) => void;
}

export type AppEnv = { Variables: { requestId: string } };

export const paperJson = (p: PaperRow) => ({
  id: p.id,
  title: p.title,
  abstract: p.abstract,
  authors: p.authors,
  date: p.date ?? null,
  year: p.year ?? null,
  categories: p.categories,
  url: p.url ?? null,
  doi: p.doi ?? null,
});

function parse<T extends z.ZodType>(schema: T, input: unknown): z.infer<T> {
  const r = schema.safeParse(input);
  if (!r.success) throw r.error;
  return r.data;
}

async function jsonBody(c: Context): Promise<unknown> {
  const type = c.req.header('content-type') ?? '';
  if (!type.includes('application/json')) throw new AppError('INVALID_INPUT', 'the body must be JSON (content-type: application/json)');
  try {
    return await c.req.json();
  } catch {
    throw new AppError('INVALID_INPUT', 'the body is not valid JSON');
  }
}

export function createApp(deps: AppDeps): Hono<AppEnv> {
  const { searcher } = deps;
  const log = deps.log ?? (() => {});
  const app = new Hono<AppEnv>();

  app.onError((err, c) => {
    const problem = toProblem(err, c.req.path);
    if (problem.status >= 500) log({ level: 'error', requestId: c.get('requestId'), path: c.req.path, error: err.message, code: (err as AppError).code });
    return problemResponse(c, problem);
  });
  app.notFound((c) => problemResponse(c, toProblem(new AppError('NOT_FOUND', `no route for ${c.req.method} ${c.req.path}`), c.req.path)));

  const runSearch = async (c: Context, input: unknown) => {
    const q = parse(SearchQuerySchema, input);
    const result = await searcher.search({
      q: q.q,
      mode: q.mode as 'hybrid' | 'semantic' | 'keyword',
      limit: q.limit,
      offset: q.offset,
      explain: q.explain,
      filters: toFilters(q),
    });
    return c.json(result);
  };

  app.get('/health', (c) =>
    c.json({ status: 'ok', papers: searcher.index.papers.count(), model: searcher.modelId, build: searcher.index.manifest.buildId }),
  );

  app.get('/api/search', (c) => runSearch(c, queryObject(c.req.queries())));
  app.post('/api/search', async (c) => runSearch(c, await jsonBody(c)));

  // One wildcard route: ids may contain a slash (old arXiv ids like hep-th/9901001), so the path is split by hand.
  app.get('/api/papers/*', (c) => {
    let rest: string;
    try {
      rest = decodeURIComponent(c.req.path.slice('/api/papers/'.length));
    } catch {
      throw new AppError('INVALID_INPUT', 'the paper id is not valid percent-encoding');
    }
    const related = rest.endsWith('/related');
    const id = parse(PaperIdSchema, related ? rest.slice(0, -'/related'.length) : rest);
    if (!related) return c.json(paperJson(searcher.getPaper(id)));
    const q = parse(RelatedQuerySchema, queryObject(c.req.queries()));
    return c.json(searcher.related(id, { limit: q.limit, offset: q.offset }));
  });

  app.post('/api/recommend', async (c) => {
    const body = parse(RecommendBodySchema, await jsonBody(c));
    return c.json(searcher.recommend({ positive: body.positive, negative: body.negative, limit: body.limit, filters: toFilters(body.filters) }));
  });

  return app;
}
