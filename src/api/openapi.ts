// The OpenAPI 3.1 document, generated from the zod schemas in schemas.ts (z.toJSONSchema): no second copy of any schema.
import { z } from 'zod';
import { RELEVANCE_POOL } from '../search/searcher.js';
import {
  HealthSchema,
  PaperIdSchema,
  PaperSchemaOut,
  ProblemSchema,
  RecommendBodySchema,
  RecommendResponseSchema,
  RelatedQuerySchema,
  RelatedResponseSchema,
  SearchBodySchema,
  SearchQuerySchema,
  SearchResponseSchema,
  StatsSchema,
  queryIntRange,
} from './schemas.js';
import { s2OpenApi } from './s2-openapi.js';

export type JsonSchema = { [k: string]: unknown };

export interface Parameter {
  name: string;
  in: 'query' | 'path' | 'header';
  required: boolean;
  description?: string;
  schema: JsonSchema;
}
export interface Operation {
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  parameters?: Parameter[];
  requestBody?: { required: boolean; content: Record<string, { schema: JsonSchema }> };
  responses: Record<string, { description: string; headers?: Record<string, { description: string; schema: JsonSchema }>; content?: Record<string, { schema: JsonSchema }> }>;
  security?: Record<string, string[]>[];
}
export interface OpenApiDocument {
  openapi: '3.1.0';
  info: { title: string; version: string; description: string };
  jsonSchemaDialect: string;
  paths: Record<string, Partial<Record<'get' | 'post', Operation>>>;
  components: { schemas: Record<string, JsonSchema>; securitySchemes: Record<string, JsonSchema> };
}

/**
 * JSON Schema (2020-12, OpenAPI 3.1's dialect) of a zod schema. Inputs are described as clients send them
 * (before defaults and coercion), outputs as the server returns them.
 */
export function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, {
    io,
    target: 'draft-2020-12',
    unrepresentable: 'any',
    // A query-string integer is validated as text but published as what it is: an integer in a range.
    override: (ctx) => {
      const def = ctx.zodSchema._zod.def as { type: string; innerType?: unknown; defaultValue?: unknown };
      const range = queryIntRange(def.type === 'default' ? def.innerType : ctx.zodSchema);
      if (!range) return;
      const keep = new Set(['description', 'title', 'examples']);
      for (const k of Object.keys(ctx.jsonSchema)) if (!keep.has(k)) delete (ctx.jsonSchema as JsonSchema)[k];
      Object.assign(ctx.jsonSchema, { type: 'integer', ...range, ...(def.type === 'default' ? { default: def.defaultValue } : {}) });
    },
  }) as JsonSchema;
  return rest;
}

/** One OpenAPI parameter per property of an object schema (query strings are flat). */
export function parametersOf(schema: z.ZodType, where: 'query'): Parameter[] {
  const js = jsonSchema(schema, 'input') as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(js.properties ?? {}).map(([name, prop]) => {
    const { description, ...s } = prop as JsonSchema & { description?: string };
    return { name, in: where, required: js.required?.includes(name) ?? false, ...(description ? { description } : {}), schema: s };
  });
}

const ref = (name: string): JsonSchema => ({ $ref: `#/components/schemas/${name}` });
const json = (name: string) => ({ 'application/json': { schema: ref(name) } });
const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: ref('Problem') } } });

export function openApiDocument(opts: { version: string; auth: boolean }): OpenApiDocument {
  const common = {
    ...(opts.auth ? { '401': problem('Missing or wrong API key (send `Authorization: Bearer <key>`)') } : {}),
    '429': {
      ...problem('Rate limit exceeded for this client address'),
      headers: { 'Retry-After': { description: 'Seconds until a request will be accepted again', schema: { type: 'integer' } } },
    },
    '500': problem('Unexpected error (details are in the server log, never in the response)'),
    '503': problem('The request timed out, or the index or model is unavailable'),
  };
  const security = opts.auth ? { security: [{ bearerAuth: [] }] } : {};
  const idParam: Parameter = {
    name: 'id',
    in: 'path',
    required: true,
    description: `${PaperIdSchema.description}. Old-style arXiv ids contain one "/" (e.g. hep-th/9901001); send it as is.`,
    schema: jsonSchema(PaperIdSchema, 'input'),
  };

  // The Semantic Scholar compatible subset lives in its own module; its operations are merged in here, so one
  // document (and the schemathesis check of it) covers every route.
  const s2 = s2OpenApi({ auth: opts.auth });
  return {
    openapi: '3.1.0',
    info: {
      title: 'paperscope API',
      version: opts.version,
      description:
        'Semantic, keyword and hybrid search over research papers, related papers and recommendations. ' +
        'Errors are RFC 9457 problem details (application/problem+json). Every response carries an x-request-id header.',
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    paths: {
      '/api/search': {
        get: {
          operationId: 'searchGet',
          summary: 'Search papers',
          description:
            'Hybrid (default), semantic or keyword search with optional year, category and author filters; sort by relevance or date; ' +
            `facets=true adds year and category counts. Date order and facet counts cover the query's first ${RELEVANCE_POOL} results by relevance, in every mode: ` +
            'in semantic and hybrid mode every paper has some similarity to the query, and keyword terms are OR-ed, so the full match set of a broad query is mostly papers sharing one common word.',
          tags: ['search'],
          parameters: parametersOf(SearchQuerySchema, 'query'),
          responses: { '200': { description: 'A page of ranked papers', content: json('SearchResponse') }, '400': problem('Invalid parameters'), ...common },
          ...security,
        },
        post: {
          operationId: 'searchPost',
          summary: 'Search papers (JSON body)',
          description: 'The same search with the parameters in a JSON body, for long queries such as a pasted abstract.',
          tags: ['search'],
          requestBody: { required: true, content: json('SearchRequest') },
          responses: {
            '200': { description: 'A page of ranked papers', content: json('SearchResponse') },
            '400': problem('Invalid body'),
            '413': problem('The body is larger than the configured limit'),
            ...common,
          },
          ...security,
        },
      },
      '/api/papers/{id}': {
        get: {
          operationId: 'getPaper',
          summary: 'One paper',
          tags: ['papers'],
          parameters: [idParam],
          responses: { '200': { description: 'The paper', content: json('Paper') }, '400': problem('Invalid id (empty, too long or bad percent-encoding)'), '404': problem('No paper with this id'), ...common },
          ...security,
        },
      },
      '/api/papers/{id}/related': {
        get: {
          operationId: 'relatedPapers',
          summary: 'Papers related to a paper',
          description: "Nearest neighbours of the paper's stored vector, itself excluded.",
          tags: ['papers'],
          parameters: [idParam, ...parametersOf(RelatedQuerySchema, 'query')],
          responses: {
            '200': { description: 'Related papers, most similar first', content: json('RelatedResponse') },
            '400': problem('Invalid parameters'),
            '404': problem('No paper with this id'),
            ...common,
          },
          ...security,
        },
      },
      '/api/recommend': {
        post: {
          operationId: 'recommend',
          summary: 'Recommendations from example papers',
          description: 'Papers near the positive examples and away from the negative ones; the examples themselves are excluded.',
          tags: ['papers'],
          requestBody: { required: true, content: json('RecommendRequest') },
          responses: {
            '200': { description: 'Recommended papers', content: json('RecommendResponse') },
            '400': problem('Invalid body'),
            '404': problem('An example id is not in the index'),
            '413': problem('The body is larger than the configured limit'),
            ...common,
          },
          ...security,
        },
      },
      '/api/stats': {
        get: {
          operationId: 'stats',
          summary: 'What the served index holds',
          tags: ['service'],
          responses: { '200': { description: 'Paper count, model, build and size on disk', content: json('Stats') }, ...common },
          ...security,
        },
      },
      '/health': {
        get: {
          operationId: 'health',
          summary: 'Liveness and readiness',
          description:
            'Always open (no key, no rate limit), for load balancers and orchestrators. 503 while the index is loading, or when the build named by CURRENT failed verification (the replica then keeps answering from its previous build).',
          tags: ['service'],
          responses: {
            '200': { description: 'The server is up and serves the current build', content: json('Health') },
            '503': { description: 'Not ready: loading, or degraded (see reason)', content: json('Health') },
          },
        },
      },
      '/metrics': {
        get: {
          operationId: 'metrics',
          summary: 'Prometheus metrics',
          description: 'Request counts and latency histograms per route pattern, query embedding time, index size, paper count, process metrics. Behind the API key when one is set.',
          tags: ['service'],
          responses: {
            '200': { description: 'Prometheus text exposition format', content: { 'text/plain': { schema: { type: 'string' } } } },
            ...(opts.auth ? { '401': common['401'] } : {}),
          },
          ...security,
        },
      },
      ...s2.paths,
    },
    components: {
      schemas: {
        SearchRequest: jsonSchema(SearchBodySchema, 'input'),
        SearchResponse: jsonSchema(SearchResponseSchema, 'output'),
        Paper: jsonSchema(PaperSchemaOut, 'output'),
        RelatedResponse: jsonSchema(RelatedResponseSchema, 'output'),
        RecommendRequest: jsonSchema(RecommendBodySchema, 'input'),
        RecommendResponse: jsonSchema(RecommendResponseSchema, 'output'),
        Stats: jsonSchema(StatsSchema, 'output'),
        Health: jsonSchema(HealthSchema, 'output'),
        Problem: jsonSchema(ProblemSchema, 'output'),
        ...s2.schemas,
      },
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', description: 'The PAPERSCOPE_API_KEY of the server' },
        s2ApiKey: { type: 'apiKey', in: 'header', name: 'x-api-key', description: 'The same key, as Semantic Scholar clients send it (Semantic Scholar routes only)' },
      },
    },
  };
}

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The methods the document lists for a request path (HEAD with GET, as the server answers it), for a 405's
 * Allow header. As OpenAPI matches paths, a concrete path wins over templated ones; a templated segment matches
 * any text, "/" included (paper ids may contain one).
 */
export function documentedMethods(doc: OpenApiDocument, requestPath: string): string[] {
  const methodsOf = (ops: object) => Object.keys(ops).map((m) => m.toUpperCase());
  const exact = doc.paths[requestPath];
  const methods = new Set<string>(
    exact
      ? methodsOf(exact)
      : Object.entries(doc.paths)
          .filter(([template]) => template.includes('{') && new RegExp(`^${template.split(/\{[^}]+\}/).map(escapeRe).join('.+')}$`).test(requestPath))
          .flatMap(([, ops]) => methodsOf(ops)),
  );
  if (methods.has('GET')) methods.add('HEAD');
  return [...methods].sort();
}
