// The search page: a GET form (works without JavaScript), modes, filters, facets, sort, ranked results, list and feed links.
import { raw } from 'hono/html';
import { MAX_LIST, MAX_OFFSET } from '../api/schemas.js';
import { ABSTRACT_MIN_WORDS } from '../search/query-kind.js';
import type { Facets, SearchResult } from '../search/searcher.js';
import { listParam, listable, withPaper, withoutPaper } from './format.js';
import { Layout, type SiteInfo } from './layout.js';
import { ResultItem } from './result-item.js';

/** The form as the user filled it in (raw strings), so it comes back exactly as typed, even when invalid. */
export interface FormState {
  q: string;
  /** auto (the default: hybrid, or semantic for a pasted abstract), hybrid, semantic or keyword. */
  mode: string;
  year_from: string;
  year_to: string;
  category: string;
  author: string;
  /** relevance or date. */
  sort: string;
  /** The reading list the visitor carries from page to page (ids). */
  list: string[];
}

export const FILTER_FIELDS = ['year_from', 'year_to', 'category', 'author'] as const;

/** Starting points that make sense for the bundled corpus (parallel and large-scale ML) and most ML collections. */
export const EXAMPLES = [
  'training a model that does not fit in GPU memory',
  'do reasoning models need to think step by step?',
  'weather and climate foundation model',
];

const MODE_LABELS: Record<string, string> = { auto: 'Auto', hybrid: 'Hybrid', semantic: 'Semantic', keyword: 'Keyword' };
const MODE_HELP: Record<string, string> = {
  auto: 'hybrid, or meaning first for a pasted abstract',
  hybrid: 'meaning and keywords',
  semantic: 'meaning only',
  keyword: 'exact words (BM25)',
};

/** Something the page says about how it read the query. */
export type QueryNotice = { kind: 'abstract'; words: number } | { kind: 'arxiv-missing'; id: string };

/** Query string of a search (shared by the page's links and its feed link): q, mode, filters, then `extra`. */
function searchParams(f: FormState, extra: [string, string][] = []): string {
  const p = new URLSearchParams();
  p.set('q', f.q);
  if (f.mode && f.mode !== 'auto') p.set('mode', f.mode);
  for (const k of FILTER_FIELDS) if (f[k].trim()) p.set(k, f[k].trim());
  for (const [k, v] of extra) p.set(k, v);
  return p.toString();
}

export function searchHref(form: FormState, offset = 0, override: Partial<FormState> = {}): string {
  const f = { ...form, ...override };
  const extra: [string, string][] = [];
  if (f.sort === 'date') extra.push(['sort', 'date']);
  if (offset > 0) extra.push(['offset', String(offset)]);
  // The list goes last and unencoded commas: it is the part of the URL that grows.
  return '/?' + searchParams(f, extra) + (f.list.length ? `&list=${listParam(f.list)}` : '');
}

/** The Atom feed of this search (its mode resolved: a feed has no "auto"). */
export const feedHref = (form: FormState, mode: string): string => '/feed.atom?' + searchParams({ ...form, mode: mode === 'hybrid' ? 'auto' : mode });

const hasFilter = (f: FormState): boolean => FILTER_FIELDS.some((k) => f[k].trim() !== '');

function SearchForm(props: { form: FormState; autofocus: boolean }) {
  const { form } = props;
  const mode = MODE_LABELS[form.mode] ? form.mode : 'auto';
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
          placeholder="Ask a question, paste an abstract or an arXiv link"
          autocomplete="off"
          maxlength={4096}
          autofocus={props.autofocus}
        />
        <button type="submit">Search</button>
      </div>
      {form.sort === 'date' ? <input type="hidden" name="sort" value="date" /> : null}
      {form.list.length ? <input type="hidden" name="list" value={form.list.join(',')} /> : null}
      <details class="filters" open={hasFilter(form) || mode !== 'auto'}>
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

function Landing(props: { site: SiteInfo; list: string[] }) {
  const tail = props.list.length ? `&list=${listParam(props.list)}` : '';
  return (
    <div class="notice">
      <h2>Search {props.site.papers.toLocaleString('en-US')} papers by meaning</h2>
      <p>
        Ask a question in plain words, type keywords, <strong>paste an abstract</strong> to find papers like it, or{' '}
        <strong>paste an arXiv id or link</strong> (such as <span class="id">2401.01234</span> or <span class="id">arxiv.org/abs/…</span>) to
        open that paper's neighbourhood. Open <em>Mode and filters</em> to choose the mode or narrow by year, category or author.
      </p>
      <p>Try one of these:</p>
      <ul class="examples">
        {EXAMPLES.map((q) => (
          <li>
            <a href={'/?q=' + encodeURIComponent(q) + tail}>{q}</a>
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
            Keyword mode needs the exact words. <a href={searchHref(form, 0, { mode: 'auto' })}>Search by meaning too (hybrid)</a>
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

function Notice(props: { notice: QueryNotice; form: FormState }) {
  const { notice, form } = props;
  if (notice.kind === 'abstract') {
    return (
      <p class="note" role="note">
        This looks like a pasted abstract ({notice.words} words, more than {ABSTRACT_MIN_WORDS}), so results are ranked by meaning first
        (semantic mode). <a href={searchHref(form, 0, { mode: 'hybrid' })}>Rank by meaning and keywords instead</a>
      </p>
    );
  }
  return (
    <div class="notice" role="status">
      <h2>arXiv {notice.id} is not in this index</h2>
      <p>
        This index has no paper with that arXiv id, so there are no related papers to show for it. You can{' '}
        <a href={`https://arxiv.org/abs/${notice.id}`} rel="noopener noreferrer">
          read it on arXiv
        </a>
        , or paste its abstract here to find related papers in this index.
      </p>
    </div>
  );
}

/** "Add to list" / "In your list: remove" under a result: a plain link to the same page with the list changed. */
export function ListToggle(props: { id: string; title: string; list: readonly string[]; href: (list: string[]) => string; anchor?: string }) {
  const { id, title, list } = props;
  if (!listable(id)) return null;
  const inList = list.includes(id);
  if (!inList && list.length >= MAX_LIST) return <span class="add disabled">List full ({MAX_LIST})</span>;
  const next = inList ? withoutPaper(list, id) : withPaper(list, id);
  const href = props.href(next) + (props.anchor ? `#${props.anchor}` : '');
  return inList ? (
    <a class="add in-list" id={props.anchor} href={href} aria-label={`In your list: remove “${title}”`}>
      ✓ In your list: remove
    </a>
  ) : (
    <a class="add" id={props.anchor} href={href} aria-label={`Add to list: “${title}”`}>
      + Add to list
    </a>
  );
}

function SortLinks(props: { form: FormState; sort: string }) {
  const { form, sort } = props;
  return (
    <span class="sort">
      Sort:{' '}
      {sort === 'date' ? (
        <a href={searchHref(form, 0, { sort: 'relevance' })}>relevance</a>
      ) : (
        <strong aria-current="true">relevance</strong>
      )}{' '}
      ·{' '}
      {sort === 'date' ? (
        <strong aria-current="true">newest</strong>
      ) : (
        <a href={searchHref(form, 0, { sort: 'date' })}>newest</a>
      )}
    </span>
  );
}

function Results(props: { form: FormState; result: SearchResult; leads: ReadonlyMap<string, string>; feed: string }) {
  const { form, result, leads } = props;
  const first = result.offset + 1;
  const last = result.offset + result.results.length;
  const prev = result.offset > 0 ? Math.max(0, result.offset - result.limit) : undefined;
  const nextOffset = result.offset + result.limit;
  const next = nextOffset < result.total && nextOffset <= MAX_OFFSET ? nextOffset : undefined;
  const page = Math.floor(result.offset / result.limit) + 1;
  const order = result.sort === 'date' ? 'most relevant, newest first' : result.mode === 'keyword' ? 'matching papers' : 'papers, best first';
  return (
    <section aria-labelledby="results-heading" class="results-col">
      <h2 id="results-heading" class="visually-hidden">
        Results
      </h2>
      <div class="summary-bar">
        <p class="summary" role="status">
          {first}–{last} of {result.total.toLocaleString('en-US')} {order} · {MODE_LABELS[result.mode]} · {Math.round(result.tookMs)} ms
        </p>
        <SortLinks form={form} sort={result.sort} />
      </div>
      <ol class="results" start={first}>
        {result.results.map((h, i) => (
          <ResultItem hit={h} scoreTitle="Relevance score (higher is closer)" categories list={form.list}>
            {/* The searcher's snippet is HTML-escaped with only <mark> added: the one field rendered raw. */}
            {h.snippet !== undefined ? <p class="snippet">{raw(h.snippet)}</p> : <p class="snippet">{leads.get(h.id) ?? ''}</p>}
            <p class="actions">
              <ListToggle id={h.id} title={h.title} list={form.list} href={(list) => searchHref(form, result.offset, { list })} anchor={`add-${first + i}`} />
            </p>
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
      <p class="follow">
        <a href={props.feed} type="application/atom+xml">
          Follow this search
        </a>{' '}
        <span class="muted">with an Atom feed reader: the newest relevant papers, updated with the index.</span>
      </p>
    </section>
  );
}

/** How many facet values show before the rest fold into "more". */
const FACETS_SHOWN = 8;

function FacetList<T extends string | number>(props: {
  title: string;
  items: { value: T; count: number }[];
  active: (v: T) => boolean;
  href: (v: T) => string;
  label: (v: T) => string;
}) {
  const item = (f: { value: T; count: number }) => (
    <li>
      {props.active(f.value) ? (
        <strong aria-current="true">{props.label(f.value)}</strong>
      ) : (
        <a href={props.href(f.value)} aria-label={`${props.title} ${props.label(f.value)}: ${f.count} papers`}>
          {props.label(f.value)}
        </a>
      )}{' '}
      <span class="count">{f.count}</span>
    </li>
  );
  if (!props.items.length) return null;
  const shown = props.items.slice(0, FACETS_SHOWN);
  const rest = props.items.slice(FACETS_SHOWN);
  return (
    <div class="facet">
      <h3>{props.title}</h3>
      <ul>{shown.map(item)}</ul>
      {rest.length ? (
        <details>
          <summary>{rest.length} more</summary>
          <ul>{rest.map(item)}</ul>
        </details>
      ) : null}
    </div>
  );
}

function FacetPanel(props: { form: FormState; facets: Facets }) {
  const { form, facets } = props;
  const singleYear = form.year_from.trim() && form.year_from.trim() === form.year_to.trim() ? form.year_from.trim() : undefined;
  const yearRange = (form.year_from.trim() || form.year_to.trim()) && !singleYear;
  const cats = form.category.split(',').map((c) => c.trim()).filter(Boolean);
  const clears: { label: string; href: string }[] = [];
  if (singleYear || yearRange) {
    clears.push({ label: singleYear ? `year ${singleYear}` : `years ${form.year_from || '…'}–${form.year_to || '…'}`, href: searchHref(form, 0, { year_from: '', year_to: '' }) });
  }
  if (cats.length) clears.push({ label: `category ${cats.join(', ')}`, href: searchHref(form, 0, { category: '' }) });
  return (
    <aside class="facets" aria-labelledby="facets-heading">
      <h2 id="facets-heading">Narrow down</h2>
      <p class="facet-note">Counts over the {facets.counted} most relevant results.</p>
      {clears.length ? (
        <ul class="clears">
          {clears.map((c) => (
            <li>
              <a href={c.href} aria-label={`Clear ${c.label}`}>
                ✕ {c.label}
              </a>
            </li>
          ))}
        </ul>
      ) : null}
      <FacetList
        title="Year"
        items={facets.years}
        active={(y) => String(y) === singleYear}
        href={(y) => searchHref(form, 0, { year_from: String(y), year_to: String(y) })}
        label={(y) => String(y)}
      />
      <FacetList
        title="Category"
        items={facets.categories}
        active={(c) => cats.length === 1 && cats[0] === c}
        href={(c) => searchHref(form, 0, { category: c })}
        label={(c) => c}
      />
      {facets.undated && facets.years.length ? <p class="facet-note">{facets.undated} without a year.</p> : null}
      {!facets.years.length && !facets.categories.length ? <p class="facet-note">These papers have no years or categories to narrow by.</p> : null}
    </aside>
  );
}

export function SearchPage(props: {
  site: SiteInfo;
  form: FormState;
  result?: SearchResult | undefined;
  leads?: ReadonlyMap<string, string>;
  errors?: string[] | undefined;
  notice?: QueryNotice | undefined;
}) {
  const { form, result, errors, site, notice } = props;
  const title = form.q.trim() ? `${form.q.trim().slice(0, 80)} · paperscope` : 'paperscope: search papers by meaning';
  const feed = result ? feedHref(form, result.mode) : undefined;
  const hasResults = !!result && result.results.length > 0;
  return (
    <Layout
      title={title}
      site={site}
      current="search"
      description="Semantic search over research papers"
      list={form.list}
      wide={hasResults}
      feed={feed ? { href: feed, title: `paperscope: ${form.q.trim().slice(0, 80)}` } : undefined}
    >
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
      {notice ? <Notice notice={notice} form={form} /> : null}
      {!errors?.length && !result && !notice ? <Landing site={site} list={form.list} /> : null}
      {result && result.results.length === 0 ? <NoResults form={form} result={result} /> : null}
      {hasResults ? (
        <div class={result.facets ? 'with-aside' : undefined}>
          <Results form={form} result={result} leads={props.leads ?? new Map()} feed={feed!} />
          {result.facets ? <FacetPanel form={form} facets={result.facets} /> : null}
        </div>
      ) : null}
    </Layout>
  );
}
