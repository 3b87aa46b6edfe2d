// One paper in a result list (search results, related papers): linked title, score, authors, date, categories.
import type { Child } from 'hono/jsx';
import type { Hit } from '../search/searcher.js';
import { authorList, paperHref } from './format.js';

export function ResultItem(props: { hit: Hit; scoreTitle: string; categories?: boolean; list?: readonly string[]; noScore?: boolean; children?: Child }) {
  const h = props.hit;
  const cats = props.categories ? h.categories : [];
  return (
    <li class="result">
      <div class="result-head">
        <h3>
          <a href={paperHref(h.id, props.list)}>{h.title}</a>
        </h3>
        {props.noScore ? null : (
          <span class="score" title={props.scoreTitle}>
            {h.score.toFixed(3)}
          </span>
        )}
      </div>
      {h.authors.length || h.date || h.year || cats.length ? (
        <p class="meta">
          {h.authors.length ? <span>{authorList(h.authors)}</span> : null}
          {h.date || h.year ? <time datetime={h.date ?? String(h.year)}>{h.date ?? h.year}</time> : null}
          {cats.length ? (
            <span class="chips">
              {cats.slice(0, 4).map((cat) => (
                <span class="chip">{cat}</span>
              ))}
            </span>
          ) : null}
        </p>
      ) : null}
      {props.children}
    </li>
  );
}
