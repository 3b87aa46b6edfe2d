// Small formatting helpers shared by the pages (links to papers, author lists, safe external URLs).

/** Path of a paper page; old arXiv ids keep their "/" so the URL reads like the id. */
export const paperHref = (id: string): string => '/papers/' + id.split('/').map(encodeURIComponent).join('/');

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
