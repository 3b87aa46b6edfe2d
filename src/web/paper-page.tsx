// A paper's page: title, authors, date, categories, abstract, outbound links, and its related papers.
import type { Hit } from '../search/searcher.js';
import type { PaperRow } from '../store/index.js';
import { authorList, linkLabel, safeExternalUrl } from './format.js';
import { Layout, type SiteInfo } from './layout.js';
import { ResultItem } from './result-item.js';

export function PaperPage(props: { site: SiteInfo; paper: PaperRow; related: Hit[] }) {
  const { paper, related } = props;
  const url = safeExternalUrl(paper.url);
  const doi = paper.doi ? `https://doi.org/${paper.doi.split('/').map(encodeURIComponent).join('/')}` : undefined;
  return (
    <Layout title={`${paper.title} · paperscope`} site={props.site} description={(paper.abstract || paper.title).slice(0, 200)}>
      <a class="back" href="/">
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
        {paper.abstract ? <p class="abstract">{paper.abstract}</p> : <p class="abstract none">No abstract: this record has a title only.</p>}
        {url || doi ? (
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
          </ul>
        ) : null}
      </article>
      <section aria-labelledby="related-heading">
        <h2 id="related-heading">Related papers</h2>
        {related.length ? (
          <ol class="results related">
            {related.map((h) => (
              <ResultItem hit={h} scoreTitle="Cosine similarity to this paper" />
            ))}
          </ol>
        ) : (
          <p class="lede">No other papers in the index yet.</p>
        )}
      </section>
    </Layout>
  );
}
