// zod schemas for every API input and output: the single source of truth for validation and the OpenAPI document.
import { z } from 'zod';
import { MODES } from '../search/searcher.js';

export const MAX_QUERY_CHARS = 4096;
export const MAX_LIMIT = 100;
export const MAX_OFFSET = 1000;

const intParam = (min: number, max: number) =>
  z.coerce
    .number({ error: 'must be a number' })
    .int('must be an integer')
    .min(min, `must be at least ${min}`)
    .max(max, `must be at most ${max}`);

const boolParam = z
  .union([z.boolean(), z.enum(['true', 'false', '1', '0', ''])])
  .transform((v) => v === true || v === 'true' || v === '1');

const stringList = z.union([z.string(), z.array(z.string())]).transform((v) => (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean));

/**
 * An optional year: an empty value (`?year_to=`, as an HTML form sends an unfilled field) means no filter,
 * not the year 0 that coercion would make of it (which matched no paper at all).
 */
const yearParam = () => z.preprocess((v) => (typeof v === 'string' && !v.trim() ? undefined : v), intParam(0, 9999).optional()).optional();

/** Filter fields, shared by GET/POST search and recommend. */
const filterFields = {
  year_from: yearParam().describe('Earliest publication year (inclusive)'),
  year_to: yearParam().describe('Latest publication year (inclusive)'),
  category: stringList
    .pipe(z.array(z.string().max(100)).max(20))
    .optional()
    .describe('Categories (any of them matches); repeat the parameter or separate with commas'),
  author: z.string().trim().max(200).optional().describe('Case-insensitive part of an author name'),
};

const yearRangeOrdered: [(f: { year_from?: number | undefined; year_to?: number | undefined }) => boolean, { message: string; path: string[] }] = [
  (f) => f.year_from === undefined || f.year_to === undefined || f.year_from <= f.year_to,
  { message: 'year_from must not be after year_to', path: ['year_from'] },
];

export const FiltersSchema = z.object(filterFields).refine(...yearRangeOrdered);

export const SearchQuerySchema = z
  .object({
    q: z
      .string({ error: 'q is required' })
      .trim()
      .min(1, 'q must not be empty')
      .max(MAX_QUERY_CHARS, `q must be at most ${MAX_QUERY_CHARS} characters`)
      .describe('A question, keywords or a pasted abstract'),
    mode: z
      .enum(MODES as [string, ...string[]])
      .default('hybrid')
      .describe('hybrid fuses dense (meaning) and BM25 (keyword) scores; semantic and keyword use one of them'),
    limit: intParam(1, MAX_LIMIT).default(10).describe('Results per page'),
    offset: intParam(0, MAX_OFFSET).default(0).describe('Results to skip (pagination)'),
    explain: boolParam.default(false).describe("Add each hit's dense, keyword and fused scores and ranks"),
    ...filterFields,
  })
  .refine(...yearRangeOrdered);
export type SearchQuery = z.infer<typeof SearchQuerySchema>;

export const RelatedQuerySchema = z.object({
  limit: intParam(1, MAX_LIMIT).default(10),
  offset: intParam(0, MAX_OFFSET).default(0),
});

export const PaperIdSchema = z.string().min(1).max(200).describe('Paper id: an arXiv id, or a title slug with a hash suffix');

export const RecommendBodySchema = z.object({
  positive: z.array(PaperIdSchema).min(1, 'give at least one positive paper id').max(100),
  negative: z.array(PaperIdSchema).max(100).default([]),
  limit: intParam(1, MAX_LIMIT).default(10),
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

export const SearchResponseSchema = z.object({
  query: z.string(),
  mode: z.enum(MODES as [string, ...string[]]),
  model: z.string(),
  total: z.number().int(),
  limit: z.number().int(),
  offset: z.number().int(),
  results: z.array(HitSchema),
  tookMs: z.number(),
});

export const PaperSchemaOut = z.object({
  ...paperCardFields,
  abstract: z.string(),
  doi: z.string().nullable(),
});

export const RelatedResponseSchema = z.object({ id: z.string(), model: z.string(), results: z.array(HitSchema) });

export const RecommendResponseSchema = z.object({ model: z.string(), results: z.array(HitSchema) });

export const HealthSchema = z.object({ status: z.literal('ok'), papers: z.number().int(), model: z.string(), build: z.string() });

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
