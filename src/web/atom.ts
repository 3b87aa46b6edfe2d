// Atom (RFC 4287) feed XML, pure: escaping, characters XML 1.0 forbids removed, one entry per paper.

/** Characters XML 1.0 cannot carry at all (most C0 controls, lone surrogates, U+FFFE/FFFF): dropped. */
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export function xmlEscape(s: string): string {
  return s.replace(NOT_XML, '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

export interface AtomLink {
  href: string;
  rel?: string;
  type?: string;
  title?: string;
}

export interface AtomEntry {
  /** A permanent, unique IRI for the entry. */
  id: string;
  title: string;
  /** RFC 3339 timestamps. */
  updated: string;
  published?: string;
  authors: readonly string[];
  summary: string;
  categories: readonly string[];
  links: readonly AtomLink[];
}

export interface AtomFeed {
  id: string;
  title: string;
  subtitle?: string;
  updated: string;
  /** The feed-level author, so entries without authors are still valid (RFC 4287 4.1.1). */
  author: string;
  generator: { name: string; uri?: string; version?: string };
  links: readonly AtomLink[];
  entries: readonly AtomEntry[];
}

const attr = (name: string, v: string | undefined): string => (v === undefined ? '' : ` ${name}="${xmlEscape(v)}"`);
const link = (l: AtomLink): string => `<link${attr('rel', l.rel)}${attr('type', l.type)}${attr('href', l.href)}${attr('title', l.title)}/>`;
const el = (name: string, text: string, attrs = ''): string => `<${name}${attrs}>${xmlEscape(text)}</${name}>`;

/** A YYYY-MM-DD date as an RFC 3339 timestamp (midnight UTC). */
export const dayToTimestamp = (day: string): string => `${day}T00:00:00Z`;

function entryXml(e: AtomEntry): string {
  const parts = [
    el('id', e.id),
    el('title', e.title, ' type="text"'),
    el('updated', e.updated),
    e.published ? el('published', e.published) : '',
    ...e.authors.map((a) => `<author>${el('name', a)}</author>`),
    ...e.links.map(link),
    ...e.categories.map((c) => `<category${attr('term', c)}/>`),
    el('summary', e.summary, ' type="text"'),
  ];
  return `  <entry>\n    ${parts.filter(Boolean).join('\n    ')}\n  </entry>`;
}

export function atomFeed(f: AtomFeed): string {
  const head = [
    el('id', f.id),
    el('title', f.title, ' type="text"'),
    f.subtitle ? el('subtitle', f.subtitle, ' type="text"') : '',
    el('updated', f.updated),
    `<author>${el('name', f.author)}</author>`,
    el('generator', f.generator.name, `${attr('uri', f.generator.uri)}${attr('version', f.generator.version)}`),
    ...f.links.map(link),
  ].filter(Boolean);
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<feed xmlns="http://www.w3.org/2005/Atom">',
    ...head.map((h) => '  ' + h),
    ...f.entries.map(entryXml),
    '</feed>',
    '',
  ].join('\n');
}
