// The neighbourhood map on a paper page: a server-drawn SVG (no script, no inline style), each node a link with a title.
import type { Hit } from '../search/searcher.js';
import type { PaperRow } from '../store/index.js';
import { paperHref } from './format.js';
import { type ColourGroups, DEFAULT_LAYOUT, type MapLayout, colourGroups, layoutNeighbourhood, placeLabels } from './map-layout.js';

const fmt = (x: number): string => x.toFixed(1);

/**
 * A node's short visible label: the title's opening whole words, about `max` characters. Whole words, so the
 * visible label is part of the link's accessible name (the full title), as WCAG 2.5.3 asks.
 */
export function shortLabel(title: string, max = 26): string {
  if (title.length <= max) return title;
  const words = title.split(/\s+/);
  let label = words[0]!;
  for (const w of words.slice(1)) {
    if (label.length + 1 + w.length > max) break;
    label += ' ' + w;
  }
  return label.replace(/[:,.;-]+$/, '') + '…';
}

interface Node {
  id: string;
  title: string;
  year: number | null;
  categories: readonly string[];
  /** Cosine similarity to the paper (1 for the paper itself). */
  similarity: number;
}

const describe = (n: Node, by: ColourGroups['by']): string =>
  [n.title, n.year ? String(n.year) : undefined, by === 'category' ? n.categories[0] : undefined].filter(Boolean).join(' · ');

function legendTitle(by: ColourGroups['by']): string {
  return by === 'category' ? 'Colour: primary category' : 'Colour: year';
}

/** The map: the paper (centre of attention, not a link) and its neighbours (links), edges between similar pairs, a legend. */
export function NeighbourhoodMap(props: { paper: PaperRow; related: Hit[]; vectors: Float32Array[]; list: readonly string[] }) {
  const { paper, related, list } = props;
  if (!related.length) return null;
  const nodes: Node[] = [
    { id: paper.id, title: paper.title, year: paper.year ?? null, categories: paper.categories, similarity: 1 },
    ...related.map((h) => ({ id: h.id, title: h.title, year: h.year, categories: h.categories, similarity: h.score })),
  ];
  const layout: MapLayout = layoutNeighbourhood(props.vectors);
  const groups = colourGroups(nodes);
  const { width, height } = DEFAULT_LAYOUT;
  const texts = nodes.map((n, i) => (i === 0 ? 'This paper' : shortLabel(n.title)));
  const labels = placeLabels(layout.points, texts, { width, height });
  const sims = layout.edges.map((e) => e.similarity);
  const strongest = Math.max(...sims, layout.threshold);
  // Three stroke weights by similarity within the drawn edges (classes, since the CSP forbids inline styles).
  const weight = (s: number): string => (strongest - layout.threshold < 1e-9 ? 'w2' : `w${1 + Math.min(2, Math.floor(((s - layout.threshold) / (strongest - layout.threshold)) * 3))}`);
  return (
    <section id="map" aria-labelledby="map-heading" class="map">
      <h2 id="map-heading">Map of the neighbourhood</h2>
      <p class="lede">
        This paper (centre) and its {related.length} nearest papers: the closer to the centre, the more similar to this paper; papers
        similar to each other point the same way (classical MDS of their embeddings). Lines join pairs with cosine similarity of at least{' '}
        {layout.threshold.toFixed(2)}, the most similar quarter of pairs. Select a paper to open it.
      </p>
      <svg
        class="map-svg"
        viewBox={`0 0 ${width} ${height}`}
        aria-label={`Map of ${related.length} papers near “${paper.title}”`}
        xmlns="http://www.w3.org/2000/svg"
      >
        <g class="edges">
          {layout.edges.map((e) => (
            <line
              class={`edge ${weight(e.similarity)}`}
              x1={fmt(layout.points[e.a]!.x)}
              y1={fmt(layout.points[e.a]!.y)}
              x2={fmt(layout.points[e.b]!.x)}
              y2={fmt(layout.points[e.b]!.y)}
            />
          ))}
        </g>
        {nodes.map((n, i) => {
          const p = layout.points[i]!;
          const at = labels[i];
          const label = at ? (
            <text class="label" x={fmt(at.x)} y={fmt(at.y)} text-anchor={at.anchor}>
              {texts[i]}
            </text>
          ) : null;
          if (i === 0) {
            return (
              <g class="node focus">
                <title>{`This paper: ${describe(n, groups.by)}`}</title>
                <circle class={`dot c${groups.colours[0]}`} cx={fmt(p.x)} cy={fmt(p.y)} r="12" />
                {label}
              </g>
            );
          }
          const text = `${describe(n, groups.by)} · similarity ${n.similarity.toFixed(2)}`;
          return (
            <a class="node" href={paperHref(n.id, list)} aria-label={text}>
              <title>{text}</title>
              <circle class={`dot c${groups.colours[i]}`} cx={fmt(p.x)} cy={fmt(p.y)} r="8" />
              {label}
            </a>
          );
        })}
      </svg>
      {groups.legend.length ? (
        <div class="legend">
          <span class="legend-title">{legendTitle(groups.by)}</span>
          <ul>
            {groups.legend.map((l) => (
              <li>
                <span class={`swatch c${l.colour}`} aria-hidden="true" />
                {l.label}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
    </section>
  );
}
