// The Semantic Scholar compatible routes in the OpenAPI document: paths and schemas generated from s2-schemas.ts.
import { type JsonSchema, type Operation, type Parameter, jsonSchema, parametersOf } from './openapi.js';
import {
  S2BatchBodySchema,
  S2BatchQuerySchema,
  S2BatchResponseSchema,
  S2ErrorSchema,
  S2ForPaperQuerySchema,
  S2PaperIdSchema,
  S2PaperSchema,
  S2RecommendBodySchema,
  S2RecommendQuerySchema,
  S2RecommendationsSchema,
  S2SearchQuerySchema,
  S2SearchResponseSchema,
} from './s2-schemas.js';

const ref = (name: string): JsonSchema => ({ $ref: `#/components/schemas/${name}` });
const json = (name: string) => ({ 'application/json': { schema: ref(name) } });
const error = (description: string) => ({ description, content: { 'application/problem+json': { schema: ref('S2Error') } } });

const TAG = 'semantic-scholar';

export function s2OpenApi(opts: { auth: boolean }): { paths: Record<string, Partial<Record<'get' | 'post', Operation>>>; schemas: Record<string, JsonSchema> } {
  const common = {
    ...(opts.auth ? { '403': error('Missing or wrong API key (send `x-api-key: <key>` or `Authorization: Bearer <key>`)') } : {}),
    '429': {
      ...error('Rate limit exceeded for this client address'),
      headers: { 'Retry-After': { description: 'Seconds until a request will be accepted again', schema: { type: 'integer' } } },
    },
    '500': error('Unexpected error (details are in the server log, never in the response)'),
    '503': error('The request timed out, or the index or model is unavailable'),
  };
  const schemes: Record<string, string[]>[] = [{ bearerAuth: [] }, { s2ApiKey: [] }];
  const security = opts.auth ? { security: schemes } : {};
  const idParam: Parameter = {
    name: 'paper_id',
    in: 'path',
    required: true,
    description: `${S2PaperIdSchema.description}. DOIs and old arXiv ids contain "/": send them as they are.`,
    schema: jsonSchema(S2PaperIdSchema, 'input'),
  };
  const body = (name: string) => ({ required: true, content: json(name) });
  const op = (o: Omit<Operation, 'tags'>): Operation => ({ ...o, tags: [TAG], ...security });

  return {
    paths: {
      '/graph/v1/paper/search': {
        get: op({
          operationId: 's2PaperSearch',
          summary: 'Semantic Scholar: paper relevance search',
          description: 'S2-compatible search (hybrid ranking over this index). Pages with `offset`/`limit`; `next` is absent on the last page.',
          parameters: parametersOf(S2SearchQuerySchema, 'query'),
          responses: { '200': { description: 'A page of papers', content: json('S2SearchResponse') }, '400': error('Invalid or unsupported parameters'), ...common },
        }),
      },
      '/graph/v1/paper/batch': {
        post: op({
          operationId: 's2PaperBatch',
          summary: 'Semantic Scholar: several papers by id',
          description: 'One entry per id, in order; null where the id is not in the index.',
          parameters: parametersOf(S2BatchQuerySchema, 'query'),
          requestBody: body('S2BatchRequest'),
          responses: {
            '200': { description: 'The papers', content: json('S2BatchResponse') },
            '400': error('Invalid body or fields'),
            '413': error('The body is larger than the configured limit'),
            ...common,
          },
        }),
      },
      '/graph/v1/paper/{paper_id}': {
        get: op({
          operationId: 's2Paper',
          summary: 'Semantic Scholar: one paper',
          parameters: [idParam, ...parametersOf(S2BatchQuerySchema, 'query')],
          responses: {
            '200': { description: 'The paper with the requested fields', content: json('S2Paper') },
            '400': error('Invalid id or fields'),
            '404': error('No paper with this id'),
            ...common,
          },
        }),
      },
      '/recommendations/v1/papers/forpaper/{paper_id}': {
        get: op({
          operationId: 's2RecommendForPaper',
          summary: 'Semantic Scholar: recommendations for one paper',
          description: "The paper's nearest neighbours in this index, itself excluded.",
          parameters: [idParam, ...parametersOf(S2ForPaperQuerySchema, 'query')],
          responses: {
            '200': { description: 'Recommended papers, most similar first', content: json('S2Recommendations') },
            '400': error('Invalid id or parameters'),
            '404': error('No paper with this id'),
            ...common,
          },
        }),
      },
      '/recommendations/v1/papers': {
        post: op({
          operationId: 's2Recommend',
          summary: 'Semantic Scholar: recommendations from positive and negative examples',
          description: 'Papers near the positive examples and away from the negative ones, the examples excluded. `/recommendations/v1/papers/` (with the slash) is the same.',
          parameters: parametersOf(S2RecommendQuerySchema, 'query'),
          requestBody: body('S2RecommendRequest'),
          responses: {
            '200': { description: 'Recommended papers', content: json('S2Recommendations') },
            '400': error('Invalid body or parameters'),
            '404': error('An example id is not in the index'),
            '413': error('The body is larger than the configured limit'),
            ...common,
          },
        }),
      },
    },
    schemas: {
      S2Paper: jsonSchema(S2PaperSchema, 'output'),
      S2SearchResponse: jsonSchema(S2SearchResponseSchema, 'output'),
      S2BatchRequest: jsonSchema(S2BatchBodySchema, 'input'),
      S2BatchResponse: jsonSchema(S2BatchResponseSchema, 'output'),
      S2RecommendRequest: jsonSchema(S2RecommendBodySchema, 'input'),
      S2Recommendations: jsonSchema(S2RecommendationsSchema, 'output'),
      S2Error: jsonSchema(S2ErrorSchema, 'output'),
    },
  };
}
