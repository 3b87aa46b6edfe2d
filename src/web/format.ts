// Small formatting helpers shared by the pages (links to papers, author lists, safe external URLs).

/** A reading list as a query value: ids percent-encoded, joined by literal commas (so the URL stays readable). */
export const listParam = (ids: readonly string[]): string => ids.map(encodeURIComponent).join(',');

/** Path of a paper page, carrying the reading list; old arXiv ids keep their "/" so the URL reads like the id. */
export const paperHref = (id: string, list: readonly string[] = []): string =>
  '/papers/' + id.split('/').map(encodeURIComponent).join('/') + (list.length ? `?list=${listParam(list)}` : '');

/** The reading list page for these ids (the list lives in the URL: no account, no cookie). */
export const listHref = (ids: readonly string[]): string => (ids.length ? `/list?ids=${listParam(ids)}` : '/list');

/** A list export (`bib`, `ris`, `csv`). */
export const exportHref = (ext: 'bib' | 'ris' | 'csv', ids: readonly string[]): string => `/list.${ext}?ids=${listParam(ids)}`;

/** The list with one more paper (at the end; no duplicates). */
export const withPaper = (list: readonly string[], id: string): string[] => (list.includes(id) ? [...list] : [...list, id]);
export const withoutPaper = (list: readonly string[], id: string): string[] => list.filter((x) => x !== id);

/** Ids with a comma cannot travel in a comma-separated list. */
export const listable = (id: string): boolean => !id.includes(',');

export function authorList(authors: readonly string[], max = 4): string {
  if (!authors.length) return '';
  return authors.length > max ? `${authors.slice(0, max).join(', ')} et al.` : authors.join(', ');
}

/**
 * An external link target only if it is plain http(s): a paper's url field is data from a source file, and a
 * `javascript:` or `data:` URL in an href would run when clicked, escaping or not.
 */
export function safeExternalUrl(url: string | null | undefined): URL | undefined {
  if (!url) return undefined;
  try {
    const u = new URL(url);
    return u.protocol === 'https:' || u.protocol === 'http:' ? u : undefined;
  } catch {
    return undefined;
  }
}

export const linkLabel = (u: URL): string => (/(^|\.)arxiv\.org$/i.test(u.hostname) ? 'View on arXiv' : `View at ${u.hostname}`);

export const leadWords = (text: string, words = 45): string => {
  const parts = text.split(/\s+/);
  return parts.slice(0, words).join(' ') + (parts.length > words ? ' …' : '');
};
