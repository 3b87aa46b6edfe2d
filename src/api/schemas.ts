// zod schemas for every API input and output: the single source of truth for validation and the OpenAPI document.
import { z } from 'zod';
import { MODES, RELEVANCE_POOL, SORTS } from '../search/searcher.js';

export const MAX_QUERY_CHARS = 4096;
export const MAX_LIMIT = 100;
export const MAX_OFFSET = 1000;

/**
 * Integers in query strings are text: exactly an optional minus and digits (z.coerce would also take "", " ",
 * "0x10" and "1e2"). Numbers pass too (the CLI and pages hand over parsed values). The OpenAPI document shows
 * these as `type: integer` (see queryIntRange), which is how a query string serialises an integer.
 */
const QUERY_INTS = new WeakMap<z.ZodType, { minimum: number; maximum: number }>();
export const intParam = (min: number, max: number) => {
  const schema = z
    .union([z.number({ error: 'must be a number' }), z.string().regex(/^-?\d+$/, 'must be an integer').transform(Number)])
    .pipe(z.number().int('must be an integer').min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));
  QUERY_INTS.set(schema, { minimum: min, maximum: max });
  return schema;
};
/** The range of an intParam schema, for the OpenAPI generator; undefined for any other schema. */
export const queryIntRange = (schema: unknown): { minimum: number; maximum: number } | undefined => QUERY_INTS.get(schema as z.ZodType);

/** Integers in JSON bodies are JSON numbers: "10", null or true is a client bug, refused rather than coerced. */
const intField = (min: number, max: number) =>
  z.number({ error: 'must be a number' }).int('must be an integer').min(min, `must be at least ${min}`).max(max, `must be at most ${max}`);

const boolParam = z
  .union([z.boolean(), z.enum(['true', 'false', '1', '0', ''])])
  .transform((v) => v === true || v === 'true' || v === '1');

/** JS whitespace (what String.prototype.trim removes), spelled out so the pattern means the same in every regex dialect. */
const WS = '\\t\\n\\v\\f\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff';
/** Text with something besides whitespace in it: the published pattern of every required free-text field. */
export const NOT_BLANK = new RegExp(`[^${WS}]`);

/** One category parameter: up to 20 comma-separated categories of up to 100 characters (the limits apply before trimming). */
const CATEGORY_TEXT = z.string().regex(/^[^,]{0,100}(?:,[^,]{0,100}){0,19}$/, 'at most 20 categories of at most 100 characters each');
const categoryParam = z
  .union([CATEGORY_TEXT, z.array(CATEGORY_TEXT).max(20, 'at most 20 category parameters')])
  .transform((v) => (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean));

/**
 * An optional year in a query string: an empty or blank value (`?year_to=`, as an HTML form sends an unfilled
 * field) means no filter, not the year 0 that coercion made of it (which matched no paper at all).
 */
const yearParam = () => z.union([intParam(0, 9999), z.string().regex(new RegExp(`^[${WS}]*$`)).transform(() => undefined)]).optional();

type Source = 'query' | 'body';

/** Filter fields, shared by GET/POST search and recommend; a query string carries text, a JSON body typed values. */
const filterFields = (source: Source) => ({
  year_from: (source === 'query' ? yearParam() : intField(0, 9999).optional()).describe('Earliest publication year (inclusive); not after year_to'),
  year_to: (source === 'query' ? yearParam() : intField(0, 9999).optional()).describe('Latest publication year (inclusive)'),
  category: categoryParam.optional().describe('Categories (any of them matches); repeat the parameter or separate with commas'),
  author: z.string().max(200).trim().optional().describe('Case-insensitive part of an author name'),
});

const yearRangeOrdered: [(f: { year_from?: number | undefined; year_to?: number | undefined }) => boolean, { message: string; path: string[] }] = [
  (f) => f.year_from === undefined || f.year_to === undefined || f.year_from <= f.year_to,
  { message: 'year_from must not be after year_to', path: ['year_from'] },
];

/** Filters inside a JSON body (recommend). */
export const FiltersSchema = z.object(filterFields('body')).refine(...yearRangeOrdered);

const searchSchema = (source: Source) => {
  const int = source === 'query' ? intParam : intField;
  return z
    .object({
      q: z
        .string({ error: 'q is required' })
        .min(1, 'q must not be empty')
        .max(MAX_QUERY_CHARS, `q must be at most ${MAX_QUERY_CHARS} characters`)
        .regex(NOT_BLANK, 'q must not be empty')
        .trim()
        .describe('A question, keywords or a pasted abstract'),
      mode: z
        .enum(MODES as [string, ...string[]])
        .default('hybrid')
        .describe('hybrid fuses dense (meaning) and BM25 (keyword) scores; semantic and keyword use one of them'),
      limit: int(1, MAX_LIMIT).default(10).describe('Results per page'),
      offset: int(0, MAX_OFFSET).default(0).describe('Results to skip (pagination)'),
      explain: boolParam.default(false).describe("Add each hit's dense, keyword and fused scores and ranks (relevance order only)"),
      sort: z
        .enum(SORTS as [string, ...string[]])
        .default('relevance')
        .describe(
          `relevance (default), or date: newest first (undated papers last) among the query's first ${RELEVANCE_POOL} results by relevance (then total is their number)`,
        ),
      facets: boolParam
        .default(false)
        .describe(`Add year and category counts over the query's first ${RELEVANCE_POOL} results by relevance, filters applied`),
      ...filterFields(source),
    })
    .refine(...yearRangeOrdered);
};

/** GET /api/search (and the page and CLI, which hand over text). */
export const SearchQuerySchema = searchSchema('query');
/** POST /api/search: the same fields as JSON values. */
export const SearchBodySchema = searchSchema('body');
export type SearchQuery = z.infer<typeof SearchQuerySchema>;

export const RelatedQuerySchema = z.object({
  limit: intParam(1, MAX_LIMIT).default(10),
  offset: intParam(0, MAX_OFFSET).default(0),
});

export const PaperIdSchema = z.string().min(1).max(200).describe('Paper id: an arXiv id, or a title slug with a hash suffix');

/** Papers a reading list holds at most (its ids travel in the URL). */
export const MAX_LIST = 100;

/**
 * A reading list in a URL: `ids=a,b,c` (or the parameter repeated), split on commas, trimmed, deduplicated in
 * order. Ids containing a comma cannot be listed.
 */
export const ListIdsSchema = z
  .union([z.string(), z.array(z.string())])
  .optional()
  .transform((v) => [...new Set((Array.isArray(v) ? v : v ? [v] : []).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean))])
  .pipe(z.array(PaperIdSchema).max(MAX_LIST, `a list holds at most ${MAX_LIST} papers`));

export const MAX_FEED_ENTRIES = 50;

/** /feed.atom: the search's own parameters (q, mode, filters) and how many entries. */
export const FeedQuerySchema = z
  .object({
    q: z.string({ error: 'q is required' }).trim().min(1, 'q must not be empty').max(MAX_QUERY_CHARS),
    mode: z.enum(MODES as [string, ...string[]]).default('hybrid'),
    limit: intParam(1, MAX_FEED_ENTRIES).default(20),
    ...filterFields('query'),
  })
  .refine(...yearRangeOrdered);

export const RecommendBodySchema = z.object({
  positive: z.array(PaperIdSchema).min(1, 'give at least one positive paper id').max(100),
  negative: z.array(PaperIdSchema).max(100).default([]),
  limit: intField(1, MAX_LIMIT).default(10),
  filters: FiltersSchema.optional(),
});

/** What every listing shows of a paper (search hits, related papers) and the paper page starts from. */
const paperCardFields = {
  id: z.string(),
  title: z.string().describe("The paper's title; for a source record without one, the first sentence of its abstract"),
  titleDerived: z.literal(true).optional().describe('Present (true) when the source gave no title and `title` is derived from the abstract'),
  authors: z.array(z.string()),
  date: z.string().nullable(),
  year: z.number().nullable(),
  categories: z.array(z.string()),
  url: z.string().nullable(),
};

export const HitSchema = z.object({
  ...paperCardFields,
  score: z.number(),
  snippet: z.string().optional().describe('HTML-safe excerpt of the abstract; matched terms in <mark>'),
  explain: z
    .object({
      dense: z.object({ score: z.number(), rank: z.number().nullable() }).nullable(),
      keyword: z.object({ score: z.number(), rank: z.number() }).nullable(),
      fused: z.number(),
    })
    .optional(),
});

const facetCount = <T extends z.ZodType>(value: T) => z.object({ value, count: z.number().int() });

export const FacetsSchema = z
  .object({
    counted: z.number().int().describe(`How many papers the counts cover: the first ${RELEVANCE_POOL} results, or fewer when fewer match`),
    years: z.array(facetCount(z.number().int())).describe('Newest year first'),
    undated: z.number().int().describe('Counted papers without a year'),
    categories: z.array(facetCount(z.string())).describe('Most frequent first, at most 20; a paper counts once per category'),
  })
  .describe(`Year and category counts over the query's first ${RELEVANCE_POOL} results, with the request's filters applied`);

export const SearchResponseSchema = z.object({
  query: z.string(),
  mode: z.enum(MODES as [string, ...string[]]),
  sort: z.enum(SORTS as [string, ...string[]]),
  model: z.string(),
  total: z.number().int(),
  limit: z.number().int(),
  offset: z.number().int(),
  results: z.array(HitSchema),
  facets: FacetsSchema.optional().describe('Present when facets=true'),
  tookMs: z.number(),
});

export const PaperSchemaOut = z.object({
  ...paperCardFields,
  abstract: z.string(),
  doi: z.string().nullable(),
});

export const RelatedResponseSchema = z.object({ id: z.string(), model: z.string(), results: z.array(HitSchema) });

export const RecommendResponseSchema = z.object({ model: z.string(), results: z.array(HitSchema) });

export const HealthSchema = z.object({
  status: z.enum(['ok', 'loading', 'degraded']).describe('ok (200); loading or degraded (503): a load balancer should send no traffic'),
  papers: z.number().int(),
  model: z.string(),
  build: z.string().describe('The build being served (while loading: the build being opened)'),
  reason: z.string().optional().describe('Why the replica is not ready: loading, or the current build failed verification'),
  pending: z.string().optional().describe('A newly published build being verified before it is served'),
});
export type Health = z.infer<typeof HealthSchema>;

/** What the served index is; no file paths (they are the operator's business, not the client's). */
export const StatsSchema = z.object({
  papers: z.number().int().describe('Papers in the index'),
  model: z.object({
    id: z.string().describe('Model that embedded the papers and embeds the queries'),
    backend: z.string(),
    dims: z.number().int(),
    maxTokens: z.number().int(),
  }),
  build: z.object({
    id: z.string(),
    createdAt: z.string().describe('When the build was written (ISO 8601)'),
    seconds: z.number().describe('How long the build took'),
  }),
  index: z.object({
    sizeBytes: z.number().int().describe('SQLite + HNSW bytes on disk'),
    sqliteBytes: z.number().int(),
    hnswBytes: z.number().int(),
    segments: z.number().int().describe('1: one segment; 2: a base and a delta of the updates since (merged when the delta grows)'),
    hnsw: z.object({ space: z.string(), M: z.number().int(), efConstruction: z.number().int() }),
  }),
});
export type Stats = z.infer<typeof StatsSchema>;

export const ProblemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  instance: z.string().optional(),
  errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});

/** Query parameters as zod expects them: repeated keys become arrays. */
export function queryObject(all: Record<string, string[]>): Record<string, string | string[]> {
  return Object.fromEntries(Object.entries(all).map(([k, v]) => [k, v.length === 1 ? v[0]! : v]));
}

export const toFilters = (f: { year_from?: number | undefined; year_to?: number | undefined; category?: string[] | undefined; author?: string | undefined } | undefined) => ({
  yearFrom: f?.year_from,
  yearTo: f?.year_to,
  categories: f?.category,
  author: f?.author || undefined,
});
