// The reading list page: the papers named in the URL, remove links, exports, and "papers like these" (recommend).
import { MAX_LIST } from '../api/schemas.js';
import type { Hit } from '../search/searcher.js';
import type { PaperRow } from '../store/index.js';
import { exportHref, listHref, listParam } from './format.js';
import { Layout, type SiteInfo } from './layout.js';
import { ResultItem } from './result-item.js';
import { ListToggle } from './search-page.js';

const asHit = (p: PaperRow): Hit => ({
  id: p.id,
  title: p.title,
  authors: p.authors,
  date: p.date ?? null,
  year: p.year ?? null,
  categories: p.categories,
  url: p.url ?? null,
  score: 1,
});

function Empty(props: { missing: string[] }) {
  return (
    <div class="notice">
      <h2>{props.missing.length ? 'None of these papers is in the index' : 'Your reading list is empty'}</h2>
      <p>
        Choose <strong>+ Add to list</strong> on search results or on a paper's page. The list lives in this page's address, with no
        account and no cookie: bookmark it or send it to a colleague, and it opens with the same papers.
      </p>
      <p>
        <a href="/">Search for papers</a>
      </p>
    </div>
  );
}

export function ListPage(props: { site: SiteInfo; papers: PaperRow[]; missing: string[]; recommended: Hit[]; shareUrl: string }) {
  const { papers, missing, recommended } = props;
  const ids = papers.map((p) => p.id);
  const n = papers.length;
  return (
    <Layout title={`Reading list (${n}) · paperscope`} site={props.site} current="list" list={ids}>
      <h1>Reading list</h1>
      {missing.length ? (
        <div class="error" role="status">
          <p>
            {missing.length === 1 ? 'One id in this address is' : `${missing.length} ids in this address are`} not in this index and{' '}
            {missing.length === 1 ? 'was' : 'were'} left out: <span class="id">{missing.join(', ')}</span>.{' '}
            {n ? <a href={listHref(ids)}>Open the list without {missing.length === 1 ? 'it' : 'them'}</a> : null}
          </p>
        </div>
      ) : null}
      {!n ? (
        <Empty missing={missing} />
      ) : (
        <>
          <p class="lede">
            {n} {n === 1 ? 'paper' : 'papers'} (at most {MAX_LIST}). The list lives in this page's address: bookmark it or share it.
          </p>
          <p class="share">
            <label class="field" for="share-url">
              Link to this list
              <input id="share-url" type="text" readonly value={props.shareUrl} />
            </label>
          </p>
          <p class="exports">
            Export: <a href={exportHref('bib', ids)}>BibTeX</a> · <a href={exportHref('ris', ids)}>RIS</a> · <a href={exportHref('csv', ids)}>CSV</a> ·{' '}
            <a href={`/?list=${listParam(ids)}`}>Search with this list</a>
          </p>
          <ol class="results list">
            {papers.map((p) => (
              <ResultItem hit={asHit(p)} scoreTitle="" list={ids} noScore categories>
                <p class="actions">
                  <ListToggle id={p.id} title={p.title} list={ids} href={listHref} />
                </p>
              </ResultItem>
            ))}
          </ol>
          <section aria-labelledby="like-heading">
            <h2 id="like-heading">Papers like these</h2>
            <p class="lede">Nearest to the centre of your list's papers (their average embedding), the list itself left out.</p>
            {recommended.length ? (
              <ol class="results related">
                {recommended.map((h) => (
                  <ResultItem hit={h} scoreTitle="Cosine similarity to the list's centre" list={ids}>
                    <p class="actions">
                      <ListToggle id={h.id} title={h.title} list={ids} href={listHref} />
                    </p>
                  </ResultItem>
                ))}
              </ol>
            ) : (
              <p>No other papers in the index.</p>
            )}
          </section>
        </>
      )}
    </Layout>
  );
}
