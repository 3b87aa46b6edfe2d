// The topic feed's content: a search's newest papers above the relevance floor as an Atom document (RFC 4287).
import type { FeedSelection } from '../search/searcher.js';
import type { Manifest } from '../store/index.js';
import { type AtomEntry, atomFeed, dayToTimestamp } from './atom.js';
import { paperHref, safeExternalUrl } from './format.js';

export interface FeedQuery {
  q: string;
  mode: string;
  limit: number;
  year_from?: number | undefined;
  year_to?: number | undefined;
  category?: string[] | undefined;
  author?: string | undefined;
}

/** The feed's own URL in a canonical parameter order, so one search always has one feed id. */
export function canonicalFeedPath(q: FeedQuery): string {
  const p = new URLSearchParams({ q: q.q });
  if (q.mode !== 'hybrid') p.set('mode', q.mode);
  if (q.year_from !== undefined) p.set('year_from', String(q.year_from));
  if (q.year_to !== undefined) p.set('year_to', String(q.year_to));
  if (q.category?.length) p.set('category', q.category.join(','));
  if (q.author) p.set('author', q.author);
  return `/feed.atom?${p.toString()}`;
}

/** The search page this feed follows (same query, mode and filters). */
function searchPath(q: FeedQuery): string {
  return '/?' + canonicalFeedPath(q).slice('/feed.atom?'.length);
}

/**
 * The Atom document. Ids are this server's absolute URLs (the feed's canonical URL, each paper's page), so they
 * stay the same across builds; `updated` is the build's time for the feed (it changes when `build --update`
 * publishes) and the paper's date for an entry (the build's time for an undated paper).
 */
export function feedXml(opts: { selection: FeedSelection; query: FeedQuery; requestUrl: string; manifest: Manifest }): string {
  const { selection, query, manifest } = opts;
  const origin = new URL(opts.requestUrl).origin;
  const abs = (p: string): string => origin + p;
  const built = new Date(manifest.createdAt).toISOString();
  const entries: AtomEntry[] = selection.entries.map(({ hit, paper }) => {
    const external = safeExternalUrl(paper.url);
    return {
      id: abs(paperHref(paper.id)),
      title: paper.title,
      updated: paper.date ? dayToTimestamp(paper.date) : built,
      ...(paper.date ? { published: dayToTimestamp(paper.date) } : {}),
      authors: paper.authors,
      summary: paper.abstract,
      categories: paper.categories,
      links: [
        { rel: 'alternate', type: 'text/html', href: abs(paperHref(paper.id)) },
        ...(external ? [{ rel: 'related', href: external.href, title: `Relevance ${hit.score.toFixed(3)}` }] : []),
      ],
    };
  });
  const filters = [
    query.year_from !== undefined || query.year_to !== undefined ? `years ${query.year_from ?? '…'}–${query.year_to ?? '…'}` : '',
    query.category?.length ? `category ${query.category.join(' or ')}` : '',
    query.author ? `author “${query.author}”` : '',
  ].filter(Boolean);
  return atomFeed({
    id: abs(canonicalFeedPath(query)),
    title: `paperscope: ${query.q.length > 80 ? query.q.slice(0, 79) + '…' : query.q}`,
    subtitle:
      `The newest papers for this search (${selection.mode} mode${filters.length ? ', ' + filters.join(', ') : ''}) among its ` +
      `${selection.candidates} most relevant, keeping those whose relevance reaches the floor of ${selection.floor}: halfway from the ` +
      `median candidate's score to the best one. Updated whenever the index is.`,
    updated: built,
    author: 'paperscope',
    generator: { name: 'paperscope' },
    links: [
      { rel: 'self', type: 'application/atom+xml', href: abs(canonicalFeedPath(query)) },
      { rel: 'alternate', type: 'text/html', href: abs(searchPath(query)) },
    ],
    entries,
  });
}
