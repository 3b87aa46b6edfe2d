// The API reference page, rendered on the server from the OpenAPI document (no CDN, no script: works offline).
import type { JsonSchema, OpenApiDocument, Operation, Parameter } from '../api/openapi.js';
import { Layout, type SiteInfo } from './layout.js';

type S = JsonSchema & {
  $ref?: string;
  type?: string | string[];
  items?: S;
  anyOf?: S[];
  enum?: unknown[];
  const?: unknown;
  properties?: Record<string, S>;
  required?: string[];
  description?: string;
  default?: unknown;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
};

const refName = (r: string): string => r.split('/').pop() ?? r;

/** A short type expression for a schema: `string`, `integer`, `array of Hit`, `"a" | "b"`, `string | null`. */
export function typeOf(s: S | undefined): string {
  if (!s) return 'any';
  if (s.$ref) return refName(s.$ref);
  if (s.enum) return s.enum.map((v) => JSON.stringify(v)).join(' | ');
  if (s.const !== undefined) return JSON.stringify(s.const);
  if (s.anyOf) return s.anyOf.map(typeOf).join(' | ');
  if (Array.isArray(s.type)) return s.type.join(' | ');
  if (s.type === 'array') return `array of ${typeOf(s.items)}`;
  return s.type ?? 'any';
}

// Safe-integer bounds that zod adds to every int say nothing to a reader.
const meaningful = (n: number | undefined): n is number => n !== undefined && Math.abs(n) < Number.MAX_SAFE_INTEGER;

export function constraints(s: S): string {
  const c: string[] = [];
  if (meaningful(s.minimum) && meaningful(s.maximum)) c.push(`${s.minimum}–${s.maximum}`);
  else if (meaningful(s.minimum)) c.push(`≥ ${s.minimum}`);
  else if (meaningful(s.maximum)) c.push(`≤ ${s.maximum}`);
  if (s.maxLength !== undefined) c.push(`${s.minLength ?? 0}–${s.maxLength} chars`);
  if (s.maxItems !== undefined) c.push(`${s.minItems ?? 0}–${s.maxItems} items`);
  if (s.default !== undefined) c.push(`default ${JSON.stringify(s.default)}`);
  return c.join(', ');
}

function PropsTable(props: { schema: S }) {
  const entries = Object.entries(props.schema.properties ?? {});
  if (!entries.length) return <p>{typeOf(props.schema)}</p>;
  return (
    <div class="table-scroll">
      <table>
        <thead>
          <tr>
            <th>Field</th>
            <th>Type</th>
            <th>Notes</th>
          </tr>
        </thead>
        <tbody>
          {entries.map(([name, s]) => (
            <tr>
              <td>
                <code>{name}</code>
                {props.schema.required?.includes(name) ? ' *' : ''}
              </td>
              <td>
                <code>{typeOf(s)}</code>
              </td>
              <td>{[s.description, constraints(s)].filter(Boolean).join('. ')}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function ParamsTable(props: { params: Parameter[] }) {
  return (
    <div class="table-scroll">
      <table>
        <thead>
          <tr>
            <th>Parameter</th>
            <th>In</th>
            <th>Type</th>
            <th>Notes</th>
          </tr>
        </thead>
        <tbody>
          {props.params.map((p) => (
            <tr>
              <td>
                <code>{p.name}</code>
                {p.required ? ' *' : ''}
              </td>
              <td>{p.in}</td>
              <td>
                <code>{typeOf(p.schema as S)}</code>
              </td>
              <td>{[p.description, constraints(p.schema as S)].filter(Boolean).join('. ')}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

const anchor = (method: string, path: string): string => `${method}-${path.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '')}`;

function example(method: string, path: string, op: Operation, auth: boolean): string {
  const key = auth && op.security ? ' -H "Authorization: Bearer $PAPERSCOPE_API_KEY"' : '';
  const p = path.replace('{id}', '2203.02155');
  if (method === 'post' && p === '/api/search') return `curl -s${key} -H 'content-type: application/json' -d '{"q":"sparse attention","limit":5}' http://localhost:8080${p}`;
  if (method === 'post') return `curl -s${key} -H 'content-type: application/json' -d '{"positive":["2203.02155"]}' http://localhost:8080${p}`;
  if (p === '/api/search') return `curl -s${key} 'http://localhost:8080/api/search?q=graph+neural+networks&mode=hybrid&limit=5'`;
  return `curl -s${key} http://localhost:8080${p}`;
}

function OperationView(props: { method: string; path: string; op: Operation; auth: boolean }) {
  const { method, path, op } = props;
  const body = op.requestBody?.content['application/json']?.schema as S | undefined;
  return (
    <section class="op" id={anchor(method, path)}>
      <h3>
        <span class={`verb ${method}`}>{method.toUpperCase()}</span>
        <code>{path}</code>
        <span>{op.summary}</span>
      </h3>
      {op.description ? <p>{op.description}</p> : null}
      {op.security ? <p>Needs the API key.</p> : null}
      {op.parameters?.length ? <ParamsTable params={op.parameters} /> : null}
      {body ? (
        <p>
          JSON body: <a href={`#schema-${refName(body.$ref ?? '')}`}>{typeOf(body)}</a>
        </p>
      ) : null}
      <p>Responses:</p>
      <ul>
        {Object.entries(op.responses).map(([status, r]) => {
          const schema = r.content ? (Object.values(r.content)[0]?.schema as S | undefined) : undefined;
          return (
            <li>
              <code>{status}</code> {r.description}
              {schema?.$ref ? (
                <>
                  {' '}
                  (<a href={`#schema-${refName(schema.$ref)}`}>{refName(schema.$ref)}</a>)
                </>
              ) : null}
            </li>
          );
        })}
      </ul>
      <pre>
        <code>{example(method, path, op, props.auth)}</code>
      </pre>
    </section>
  );
}

export function DocsPage(props: { site: SiteInfo; doc: OpenApiDocument; auth: boolean }) {
  const { doc } = props;
  const ops = Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, op]) => ({ method, path, op: op as Operation })),
  );
  return (
    <Layout title="API reference · paperscope" site={props.site} current="docs">
      <div class="docs">
        <h1>API reference</h1>
        <p class="lede">{doc.info.description}</p>
        <p>
          Version {doc.info.version}. Machine-readable: <a href="/api/openapi.json">OpenAPI 3.1 document</a>.{' '}
          {props.auth
            ? 'This server requires an API key for /api/* and /metrics: send Authorization: Bearer <key>.'
            : 'This server does not require an API key.'}
        </p>
        <h2>Endpoints</h2>
        <ul class="toc">
          {ops.map(({ method, path, op }) => (
            <li>
              <a href={`#${anchor(method, path)}`}>
                {method.toUpperCase()} {path}
              </a>{' '}
              — {op.summary}
            </li>
          ))}
        </ul>
        {ops.map(({ method, path, op }) => (
          <OperationView method={method} path={path} op={op} auth={props.auth} />
        ))}
        <h2>Schemas</h2>
        {Object.entries(doc.components.schemas).map(([name, schema]) => (
          <section class="op" id={`schema-${name}`}>
            <h3>{name}</h3>
            <PropsTable schema={schema as S} />
            {Object.entries((schema as S).properties ?? {})
              .filter(([, s]) => s.properties || s.items?.properties || s.anyOf?.some((x) => x.properties))
              .map(([field, s]) => {
                const nested = s.properties ? s : s.items?.properties ? s.items : s.anyOf?.find((x) => x.properties);
                return (
                  <>
                    <p>
                      <code>{field}</code>
                      {s.items ? ' (each item)' : ''}:
                    </p>
                    <PropsTable schema={nested as S} />
                  </>
                );
              })}
          </section>
        ))}
      </div>
    </Layout>
  );
}
