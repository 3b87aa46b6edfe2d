// Turns FTS5 snippets (sentinel-marked) or plain abstracts into HTML-safe text with <mark> highlights.

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => ESC[c]!);

/** Escapes everything, then turns the \u0001/\u0002 sentinels into <mark> tags: paper text can never become markup. */
export function markSnippet(s: string): string {
  return escapeHtml(s.replace(/[\u0003-\u0008]/g, '')).replace(/\u0001/g, '<mark>').replace(/\u0002/g, '</mark>');
}

/** A lead snippet for hits without a keyword match: the abstract's first words. */
export function leadSnippet(abstract: string, words = 40): string {
  const parts = abstract.split(/\s+/);
  return escapeHtml(parts.slice(0, words).join(' ') + (parts.length > words ? ' …' : ''));
}
