// The search page: a GET form (works without JavaScript), mode and filters, ranked results with snippets, pagination.
import { raw } from 'hono/html';
import type { SearchResult } from '../search/searcher.js';
import { MAX_OFFSET } from '../api/schemas.js';
import { Layout, type SiteInfo } from './layout.js';
import { ResultItem } from './result-item.js';

/** The form as the user filled it in (raw strings), so it comes back exactly as typed, even when invalid. */
export interface FormState {
  q: string;
  mode: string;
  year_from: string;
  year_to: string;
  category: string;
  author: string;
}

export const FILTER_FIELDS = ['year_from', 'year_to', 'category', 'author'] as const;

/** Starting points that make sense for the bundled corpus (parallel and large-scale ML) and most ML collections. */
export const EXAMPLES = [
  'training a model that does not fit in GPU memory',
  'do reasoning models need to think step by step?',
  'weather and climate foundation model',
];

const MODE_LABELS: Record<string, string> = { hybrid: 'Hybrid', semantic: 'Semantic', keyword: 'Keyword' };
const MODE_HELP: Record<string, string> = {
  hybrid: 'meaning and keywords',
  semantic: 'meaning only',
  keyword: 'exact words (BM25)',
};

export function searchHref(form: FormState, offset = 0, override: Partial<FormState> = {}): string {
  const f = { ...form, ...override };
  const p = new URLSearchParams();
  p.set('q', f.q);
  if (f.mode && f.mode !== 'hybrid') p.set('mode', f.mode);
  for (const k of FILTER_FIELDS) if (f[k].trim()) p.set(k, f[k].trim());
  if (offset > 0) p.set('offset', String(offset));
  return '/?' + p.toString();
}

const hasFilter = (f: FormState): boolean => FILTER_FIELDS.some((k) => f[k].trim() !== '');

function SearchForm(props: { form: FormState; autofocus: boolean }) {
  const { form } = props;
  const mode = MODE_LABELS[form.mode] ? form.mode : 'hybrid';
  return (
    <form class="search" method="get" action="/" aria-label="Search papers">
      <label class="visually-hidden" for="q">
        Search papers
      </label>
      <div class="searchbar">
        <input
          type="search"
          id="q"
          name="q"
          value={form.q}
          placeholder="Ask a question or type keywords"
          autocomplete="off"
          maxlength={4096}
          autofocus={props.autofocus}
        />
        <button type="submit">Search</button>
      </div>
      <details class="filters" open={hasFilter(form) || mode !== 'hybrid'}>
        <summary>Mode and filters</summary>
        <div class="filter-grid">
          <fieldset class="modes">
            <legend>Mode</legend>
            {Object.entries(MODE_LABELS).map(([value, label]) => (
              <label title={MODE_HELP[value]}>
                <input type="radio" name="mode" value={value} checked={mode === value} /> {label}
              </label>
            ))}
          </fieldset>
          <label class="field">
            Year from
            <input type="number" name="year_from" inputmode="numeric" min="1900" max="2100" placeholder="e.g. 2020" value={form.year_from} />
          </label>
          <label class="field">
            Year to
            <input type="number" name="year_to" inputmode="numeric" min="1900" max="2100" placeholder="e.g. 2024" value={form.year_to} />
          </label>
          <label class="field">
            Category
            <input type="text" name="category" placeholder="e.g. cs.CL" value={form.category} />
          </label>
          <label class="field">
            Author
            <input type="text" name="author" placeholder="part of a name" value={form.author} />
          </label>
        </div>
      </details>
    </form>
  );
}

function Landing(props: { site: SiteInfo }) {
  return (
    <div class="notice">
      <h2>Search {props.site.papers.toLocaleString('en-US')} papers by meaning</h2>
      <p>
        Ask a question in plain words, paste an abstract, or type keywords. <strong>Hybrid</strong> mode (the default) combines
        meaning with exact words; open <em>Mode and filters</em> to narrow by year, category or author.
      </p>
      <p>Try one of these:</p>
      <ul class="examples">
        {EXAMPLES.map((q) => (
          <li>
            <a href={'/?q=' + encodeURIComponent(q)}>{q}</a>
          </li>
        ))}
      </ul>
    </div>
  );
}

function NoResults(props: { form: FormState; result: SearchResult }) {
  const { form, result } = props;
  if (result.total > 0 && result.offset >= result.total) {
    return (
      <div class="notice">
        <h2>No more results</h2>
        <p>
          All {result.total} matching papers are on earlier pages. <a href={searchHref(form)}>Back to the first page</a>
        </p>
      </div>
    );
  }
  return (
    <div class="notice">
      <h2>No papers match “{form.q}”</h2>
      <p>Some things to try:</p>
      <ul>
        {result.mode === 'keyword' ? (
          <li>
            Keyword mode needs the exact words. <a href={searchHref(form, 0, { mode: 'hybrid' })}>Search by meaning too (hybrid)</a>
          </li>
        ) : null}
        {hasFilter(form) ? (
          <li>
            The filters may be too narrow. <a href={searchHref(form, 0, { year_from: '', year_to: '', category: '', author: '' })}>Search without filters</a>
          </li>
        ) : null}
        <li>Check the spelling, or use fewer or more general words.</li>
      </ul>
    </div>
  );
}

function Results(props: { form: FormState; result: SearchResult; leads: ReadonlyMap<string, string> }) {
  const { form, result, leads } = props;
  const first = result.offset + 1;
  const last = result.offset + result.results.length;
  const prev = result.offset > 0 ? Math.max(0, result.offset - result.limit) : undefined;
  const nextOffset = result.offset + result.limit;
  const next = nextOffset < result.total && nextOffset <= MAX_OFFSET ? nextOffset : undefined;
  const page = Math.floor(result.offset / result.limit) + 1;
  return (
    <section aria-labelledby="results-heading">
      <h2 id="results-heading" class="visually-hidden">
        Results
      </h2>
      <p class="summary" role="status">
        {first}–{last} of {result.total.toLocaleString('en-US')} {result.mode === 'keyword' ? 'matching papers' : 'papers, best first'} ·{' '}
        {MODE_LABELS[result.mode]} · {Math.round(result.tookMs)} ms
      </p>
      <ol class="results" start={first}>
        {result.results.map((h) => (
          <ResultItem hit={h} scoreTitle="Relevance score (higher is closer)" categories>
            {/* The searcher's snippet is HTML-escaped with only <mark> added: the one field rendered raw. */}
            {h.snippet !== undefined ? <p class="snippet">{raw(h.snippet)}</p> : <p class="snippet">{leads.get(h.id) ?? ''}</p>}
          </ResultItem>
        ))}
      </ol>
      <nav class="pager" aria-label="Pages">
        {prev !== undefined ? (
          <a href={searchHref(form, prev)} rel="prev">
            ← Previous
          </a>
        ) : (
          <span class="disabled">← Previous</span>
        )}
        <span>Page {page}</span>
        {next !== undefined ? (
          <a href={searchHref(form, next)} rel="next">
            Next →
          </a>
        ) : (
          <span class="disabled">Next →</span>
        )}
      </nav>
    </section>
  );
}

export function SearchPage(props: {
  site: SiteInfo;
  form: FormState;
  result?: SearchResult | undefined;
  leads?: ReadonlyMap<string, string>;
  errors?: string[] | undefined;
}) {
  const { form, result, errors, site } = props;
  const title = form.q.trim() ? `${form.q.trim().slice(0, 80)} · paperscope` : 'paperscope: search papers by meaning';
  return (
    <Layout title={title} site={site} current="search" description="Semantic search over research papers">
      <h1 class={form.q.trim() ? 'visually-hidden' : undefined}>Find papers by what they mean</h1>
      <SearchForm form={form} autofocus={!form.q.trim()} />
      {errors?.length ? (
        <div class="error" role="alert">
          <p>
            <strong>We couldn't run this search.</strong> Please fix this and try again:
          </p>
          <ul>
            {errors.map((e) => (
              <li>{e}</li>
            ))}
          </ul>
        </div>
      ) : null}
      {!errors?.length && !result ? <Landing site={site} /> : null}
      {result && result.results.length === 0 ? <NoResults form={form} result={result} /> : null}
      {result && result.results.length > 0 ? <Results form={form} result={result} leads={props.leads ?? new Map()} /> : null}
    </Layout>
  );
}
