// A paper's page: title, authors, date, categories, abstract, links, add to list, Cite, the neighbourhood map and related papers.
import type { Hit } from '../search/searcher.js';
import type { PaperRow } from '../store/index.js';
import { bibtexEntry, citeKey } from './cite.js';
import { authorList, exportHref, linkLabel, paperHref, safeExternalUrl } from './format.js';
import { Layout, type SiteInfo } from './layout.js';
import { NeighbourhoodMap } from './neighbourhood-map.js';
import { ResultItem } from './result-item.js';
import { ListToggle } from './search-page.js';

/** Related papers listed under the map (the map itself shows more). */
export const RELATED_LISTED = 8;

export function PaperPage(props: { site: SiteInfo; paper: PaperRow; related: Hit[]; vectors: Float32Array[]; list: string[] }) {
  const { paper, related, list } = props;
  const url = safeExternalUrl(paper.url);
  const doi = paper.doi ? `https://doi.org/${paper.doi.split('/').map(encodeURIComponent).join('/')}` : undefined;
  const home = list.length ? `/?list=${list.map(encodeURIComponent).join(',')}` : '/';
  return (
    <Layout title={`${paper.title} · paperscope`} site={props.site} description={paper.abstract.slice(0, 200)} list={list}>
      <a class="back" href={home}>
        ← New search
      </a>
      <article class="paper" aria-labelledby="paper-title">
        <h1 id="paper-title">{paper.title}</h1>
        {paper.authors.length ? <p class="authors">{authorList(paper.authors, 12)}</p> : null}
        <p class="meta">
          {paper.date || paper.year ? <time datetime={paper.date ?? String(paper.year)}>{paper.date ?? paper.year}</time> : null}
          {paper.categories.length ? (
            <span class="chips">
              {paper.categories.map((cat) => (
                <span class="chip">{cat}</span>
              ))}
            </span>
          ) : null}
          <span class="id">{paper.id}</span>
        </p>
        <p class="abstract">{paper.abstract}</p>
        <ul class="links">
          {url ? (
            <li>
              <a href={url.href} rel="noopener noreferrer">
                {linkLabel(url)}
              </a>
            </li>
          ) : null}
          {doi ? (
            <li>
              <a href={doi} rel="noopener noreferrer">
                DOI {paper.doi}
              </a>
            </li>
          ) : null}
          <li>
            <ListToggle id={paper.id} title={paper.title} list={list} href={(next) => paperHref(paper.id, next)} anchor="add" />
          </li>
        </ul>
      </article>
      <NeighbourhoodMap paper={paper} related={related} vectors={props.vectors} list={list} />
      <section id="related" aria-labelledby="related-heading">
        <h2 id="related-heading">Related papers</h2>
        {related.length ? (
          <ol class="results related">
            {related.slice(0, RELATED_LISTED).map((h) => (
              <ResultItem hit={h} scoreTitle="Cosine similarity to this paper" list={list} />
            ))}
          </ol>
        ) : (
          <p class="lede">No other papers in the index yet.</p>
        )}
      </section>
      <section class="cite" aria-labelledby="cite-heading">
        <h2 id="cite-heading">Cite</h2>
        <pre class="bibtex">{bibtexEntry(paper, citeKey(paper))}</pre>
        <p class="muted">
          Download: <a href={exportHref('bib', [paper.id])}>BibTeX</a> · <a href={exportHref('ris', [paper.id])}>RIS</a> ·{' '}
          <a href={exportHref('csv', [paper.id])}>CSV</a>
        </p>
      </section>
    </Layout>
  );
}
