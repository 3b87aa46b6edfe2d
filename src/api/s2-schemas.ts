// zod schemas of the Semantic Scholar compatible routes (inputs and outputs): validation and their OpenAPI description.
import { z } from 'zod';
import { S2_AUTHOR_FIELDS, S2_FIELDS_OF_STUDY, S2_PAPER_FIELDS, parseFields } from './s2-paper.js';
import { MAX_QUERY_CHARS, NOT_BLANK, ProblemSchema, intParam } from './schemas.js';

/** S2's caps: 100 search results a page, 500 recommendations, 500 ids a batch. */
export const S2_SEARCH_MAX_LIMIT = 100;
export const S2_RECOMMEND_MAX_LIMIT = 500;
export const S2_MAX_EXAMPLES = 100;
export const S2_BATCH_MAX = 500;
/** S2 serves the first 1,000 results of a relevance search; paging stops there. */
export const S2_SEARCH_MAX_RESULTS = 1000;

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** A comma-separated list of the given names (spaces allowed around commas), or nothing. */
const listPattern = (names: readonly string[]): RegExp => {
  const one = `(?:${names.map(escapeRe).join('|')})`;
  return new RegExp(`^(?:${one}(?: *, *${one})*)?$`);
};

/** Every name `fields` accepts: paper fields, authors.<author field>, citations.<field>, references.<field>, embedding.<version>. */
const FIELD_NAMES = [
  ...S2_PAPER_FIELDS,
  ...S2_AUTHOR_FIELDS.map((f) => `authors.${f}`),
  ...S2_PAPER_FIELDS.flatMap((f) => [`citations.${f}`, `references.${f}`]),
  'embedding.specter_v1',
  'embedding.specter_v2',
].sort((a, b) => b.length - a.length); // longest first, so "authors.name" is not cut at "authors"

/** S2's `fields`: which fields each paper carries (paperId always; title by default). Parsed into a FieldSelection. */
export const S2FieldsParam = z
  .string()
  .max(2000) // every field name once is ~1,600 characters; a longer value can only repeat names
  .regex(listPattern(FIELD_NAMES), {
    error: (iss) => `Unrecognized or unsupported fields: [${typeof iss.input === 'string' ? parseFields(iss.input).unknown.join(', ') : ''}]`,
  })
  .optional()
  .transform((v) => parseFields(v).selection)
  .describe(
    'Comma-separated paper fields, as in the Semantic Scholar Graph API (e.g. `title,abstract,year,authors,externalIds`). ' +
      '`paperId` is always returned; `title` when the parameter is absent.',
  );

export const S2PaperIdSchema = z
  .string()
  .min(1)
  .max(400)
  .describe("The index's own paper id, `ARXIV:<arXiv id>` (any case; the version is ignored), `DOI:<doi>`, or `URL:<arxiv.org URL>`");

export const S2SearchQuerySchema = z.object({
  query: z
    .string({ error: 'Missing required parameter: query' })
    .min(1, 'query must not be empty')
    .max(MAX_QUERY_CHARS, `query must be at most ${MAX_QUERY_CHARS} characters`)
    .regex(NOT_BLANK, 'query must not be empty')
    .trim()
    .describe('Plain-text search query'),
  fields: S2FieldsParam,
  limit: intParam(1, S2_SEARCH_MAX_LIMIT).default(S2_SEARCH_MAX_LIMIT).describe('Results per page (S2 default 100)'),
  offset: intParam(0, S2_SEARCH_MAX_RESULTS - 1).default(0).describe('Results to skip'),
  year: z
    .string()
    .regex(/^(?:\d{4}|\d{4}-|-\d{4}|\d{4}-\d{4})$/, 'year must be YYYY, YYYY-YYYY, YYYY- or -YYYY')
    .optional()
    .describe('Publication year or range: `2019`, `2016-2020`, `2010-` or `-2015`'),
  fieldsOfStudy: z
    .string()
    .regex(listPattern(S2_FIELDS_OF_STUDY), `fieldsOfStudy must be a comma-separated list of: ${S2_FIELDS_OF_STUDY.join(', ')}`)
    .optional()
    .describe("Comma-separated S2 fields of study (any matches), derived from the papers' arXiv categories"),
});

/** S2 search filters this index cannot apply (it has no venues, citation counts or publication types): a 400, never silently ignored. */
export const S2_UNSUPPORTED_FILTERS = ['publicationTypes', 'openAccessPdf', 'venue', 'minCitationCount', 'publicationDateOrYear', 'token', 'sort'] as const;

export const S2ForPaperQuerySchema = z.object({
  fields: S2FieldsParam,
  limit: intParam(1, S2_RECOMMEND_MAX_LIMIT).default(100).describe('Recommendations to return (S2 default 100)'),
  from: z.enum(['recent', 'all-cs']).default('recent').describe("S2's candidate pool; accepted for compatibility, the pool here is always the whole index"),
});

export const S2RecommendQuerySchema = z.object({
  fields: S2FieldsParam,
  limit: intParam(1, S2_RECOMMEND_MAX_LIMIT).default(100).describe('Recommendations to return (S2 default 100)'),
});

export const S2RecommendBodySchema = z.object({
  positivePaperIds: z.array(S2PaperIdSchema).min(1, 'give at least one positive paper id').max(S2_MAX_EXAMPLES),
  negativePaperIds: z.array(S2PaperIdSchema).max(S2_MAX_EXAMPLES).default([]),
});

export const S2BatchQuerySchema = z.object({ fields: S2FieldsParam });
export const S2BatchBodySchema = z.object({ ids: z.array(S2PaperIdSchema).min(1, 'give at least one paper id').max(S2_BATCH_MAX) });

// Outputs. Fields this index cannot know are typed as what it returns (null or an empty list), so the
// published schema says exactly what a client gets.
const unknownHere = (what: string) => z.null().describe(`Always null: ${what}`);

export const S2AuthorSchema = z.object({
  authorId: z.null().describe('Always null: the index has author names, not author records'),
  name: z.string(),
  externalIds: unknownHere('no author records').optional(),
  url: unknownHere('no author records').optional(),
  affiliations: unknownHere('no author records').optional(),
  homepage: unknownHere('no author records').optional(),
  paperCount: unknownHere('no author records').optional(),
  citationCount: unknownHere('no author records').optional(),
  hIndex: unknownHere('no author records').optional(),
});

const FieldOfStudy = z.enum(S2_FIELDS_OF_STUDY);

export const S2PaperSchema = z.object({
  paperId: z.string().describe("The index's own id (S2's are 40 hex digits); it is accepted back by every route"),
  corpusId: unknownHere('no S2 corpus ids').optional(),
  externalIds: z.object({ ArXiv: z.string().optional(), DOI: z.string().optional() }).optional(),
  url: z.string().describe("The paper's page on this server").optional(),
  title: z.string().optional(),
  abstract: z.string().optional(),
  venue: z.string().describe('"arXiv.org" for arXiv papers, else empty').optional(),
  publicationVenue: unknownHere('no venue records').optional(),
  year: z.number().int().nullable().optional(),
  referenceCount: unknownHere('no citation graph').optional(),
  citationCount: unknownHere('no citation graph').optional(),
  influentialCitationCount: unknownHere('no citation graph').optional(),
  isOpenAccess: z.boolean().describe('True for arXiv papers').optional(),
  openAccessPdf: z
    .object({ url: z.string(), status: z.literal('GREEN'), license: z.null() })
    .nullable()
    .describe("The arXiv PDF for arXiv papers, else null")
    .optional(),
  fieldsOfStudy: z.array(FieldOfStudy).nullable().describe('Derived from arXiv categories; null when none maps').optional(),
  s2FieldsOfStudy: z.array(z.object({ category: FieldOfStudy, source: z.literal('external') })).optional(),
  publicationTypes: unknownHere('no publication types').optional(),
  publicationDate: z.string().nullable().optional(),
  journal: unknownHere('no journal records').optional(),
  citationStyles: unknownHere('no citation styles yet').optional(),
  authors: z.array(S2AuthorSchema).optional(),
  citations: z.array(z.unknown()).max(0).describe('Always empty: no citation graph').optional(),
  references: z.array(z.unknown()).max(0).describe('Always empty: no citation graph').optional(),
  embedding: z
    .object({ model: z.string().describe("This index's embedding model (not SPECTER)"), vector: z.array(z.number()) })
    .nullable()
    .optional(),
  tldr: unknownHere('no TLDRs').optional(),
});

export const S2SearchResponseSchema = z.object({
  total: z.number().int().describe('Papers that match (every paper passing the filters: the search is hybrid)'),
  offset: z.number().int(),
  next: z.number().int().optional().describe('Offset of the next page; absent on the last page'),
  data: z.array(S2PaperSchema),
});

export const S2RecommendationsSchema = z.object({ recommendedPapers: z.array(S2PaperSchema) });
export const S2BatchResponseSchema = z.array(S2PaperSchema.nullable());

/** Errors stay RFC 9457 problems; `error` repeats the detail where S2 clients read it. */
export const S2ErrorSchema = ProblemSchema.extend({ error: z.string().describe('The detail again, where Semantic Scholar clients read it') });
