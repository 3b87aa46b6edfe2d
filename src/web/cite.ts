// Citations, pure: BibTeX (arXiv @misc with eprint), RIS and CSV for reading-list exports and the paper page's Cite block.
import { stringify } from 'csv-stringify/sync';
import { isArxivId } from '../paper.js';
import { parseArxivRef } from '../search/query-kind.js';

/** The fields a citation needs (a PaperRow has them). */
export interface CitablePaper {
  id: string;
  title: string;
  abstract?: string;
  authors: readonly string[];
  date?: string | undefined;
  year?: number | undefined;
  categories: readonly string[];
  url?: string | undefined;
  doi?: string | undefined;
}

/** The arXiv id (no version) of a paper: its id when that is one, else its arxiv.org URL. */
export function arxivIdOf(p: Pick<CitablePaper, 'id' | 'url'>): string | undefined {
  if (isArxivId(p.id)) return p.id.replace(/v\d+$/, '');
  return p.url ? parseArxivRef(p.url)?.id : undefined;
}

/** arXiv category codes (cs.LG, hep-th, math.AG); subject names such as "Mathematics - Logic" are not. */
const ARXIV_CLASS = /^[a-z-]+(\.[A-Za-z-]+)?$/;

const ascii = (s: string): string =>
  s
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');

/** Family name: the part before a comma ("Lovelace, Ada"), else the last word ("Ada Lovelace"). */
export function surname(name: string): string {
  const n = name.trim();
  if (n.includes(',')) return n.slice(0, n.indexOf(',')).trim();
  const parts = n.split(/\s+/);
  return parts[parts.length - 1] ?? '';
}

/** Words a citation key skips when picking the title's first word, as Google Scholar's keys do. */
const KEY_STOP_WORDS = new Set(['a', 'an', 'the', 'on', 'of', 'in', 'for', 'to', 'and', 'with', 'from', 'towards', 'toward', 'is', 'are', 'do', 'does', 'can', 'how', 'what', 'why', 'when']);

const yearOf = (p: Pick<CitablePaper, 'date' | 'year'>): number | undefined => p.year ?? (p.date ? Number(p.date.slice(0, 4)) : undefined);

/** First author's surname + year + first significant title word, ASCII lower case: `lovelace1843sketch`. */
export function citeKey(p: CitablePaper): string {
  const author = ascii(p.authors[0] ? surname(p.authors[0]) : '') || 'anon';
  const words = p.title.split(/\s+/).map(ascii).filter(Boolean);
  const word = words.find((w) => !KEY_STOP_WORDS.has(w)) ?? words[0] ?? 'untitled';
  return `${author}${yearOf(p) ?? 'nd'}${word}`;
}

/** Keys for a list, unique: repeats get a, b, c ... in list order, so the same list always gives the same keys. */
export function citeKeys(papers: readonly CitablePaper[]): string[] {
  const taken = new Set<string>();
  return papers.map((p) => {
    const base = citeKey(p);
    let key = base;
    for (let i = 0; taken.has(key); i++) key = base + suffix(i);
    taken.add(key);
    return key;
  });
}

/** a..z, then aa, ab ... */
const suffix = (i: number): string => (i < 26 ? String.fromCharCode(97 + i) : suffix(Math.floor(i / 26) - 1) + suffix(i % 26));

const BIBTEX_SPECIALS: Record<string, string> = {
  '\\': '\\textbackslash{}',
  '{': '\\{',
  '}': '\\}',
  '#': '\\#',
  $: '\\$',
  '%': '\\%',
  '&': '\\&',
  _: '\\_',
  '~': '\\textasciitilde{}',
  '^': '\\textasciicircum{}',
};

/** Text safe inside a braced BibTeX field: specials escaped (braces always balance), whitespace collapsed. */
export function bibtexEscape(s: string): string {
  return s.replace(/\s+/g, ' ').trim().replace(/[\\{}#$%&_~^]/g, (c) => BIBTEX_SPECIALS[c]!);
}

/**
 * Text for a verbatim field (url, doi: biblatex reads them without TeX escapes): the characters that would
 * unbalance the braces, end it or split it are percent-encoded, everything else stays as is.
 */
const verbatim = (s: string): string => s.trim().replace(/[{}\\\s]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0'));

/** A URL for a verbatim BibTeX field: http(s) only. */
function bibUrl(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const u = new URL(url);
    return u.protocol === 'https:' || u.protocol === 'http:' ? verbatim(u.href) : undefined;
  } catch {
    return undefined;
  }
}

/** One author name for BibTeX's "and"-separated list; a name containing the word "and" is braced as one unit. */
const bibName = (n: string): string => (/\band\b/i.test(n) ? `{${bibtexEscape(n)}}` : bibtexEscape(n));

/** One entry: @misc with eprint, archivePrefix and primaryClass for arXiv papers (arXiv's own recommendation). */
export function bibtexEntry(p: CitablePaper, key: string, opts: { abstract?: boolean } = {}): string {
  const arxiv = arxivIdOf(p);
  const fields: [string, string | undefined][] = [
    ['title', bibtexEscape(p.title)],
    ['author', p.authors.length ? p.authors.map(bibName).join(' and ') : undefined],
    ['year', yearOf(p)?.toString()],
  ];
  if (arxiv) {
    const primary = p.categories.find((c) => ARXIV_CLASS.test(c));
    fields.push(['eprint', arxiv], ['archivePrefix', 'arXiv'], ['primaryClass', primary]);
  }
  fields.push(['doi', p.doi ? verbatim(p.doi) : undefined]);
  fields.push(['url', bibUrl(arxiv ? `https://arxiv.org/abs/${arxiv}` : p.url)]);
  if (opts.abstract && p.abstract) fields.push(['abstract', bibtexEscape(p.abstract)]);
  const body = fields
    .filter((f): f is [string, string] => f[1] !== undefined && f[1] !== '')
    .map(([k, v]) => `  ${k} = {${v}}`)
    .join(',\n');
  return `@misc{${key},\n${body}\n}\n`;
}

export function toBibtex(papers: readonly CitablePaper[]): string {
  const keys = citeKeys(papers);
  return papers.map((p, i) => bibtexEntry(p, keys[i]!, { abstract: true })).join('\n');
}

/** RIS values are one line each. */
const risValue = (s: string): string => s.replace(/\s+/g, ' ').trim();

/** RIS (the format EndNote, Zotero, Mendeley import): one record per paper, CRLF line ends as the format asks. */
export function toRis(papers: readonly CitablePaper[]): string {
  const keys = citeKeys(papers);
  const records = papers.map((p, i) => {
    const arxiv = arxivIdOf(p);
    const lines: [string, string | undefined][] = [
      ['TY', 'GEN'],
      ['ID', keys[i]],
      ['TI', p.title],
      ...p.authors.map((a): [string, string] => ['AU', a]),
      ['PY', yearOf(p)?.toString()],
      ['DA', p.date ? p.date.replaceAll('-', '/') : undefined],
      ['AB', p.abstract],
      ['DO', p.doi],
      ['UR', arxiv ? `https://arxiv.org/abs/${arxiv}` : bibUrl(p.url)],
      ['N1', arxiv ? `arXiv:${arxiv}` : undefined],
      ...p.categories.map((c): [string, string] => ['KW', c]),
      ['ER', ''],
    ];
    return lines
      .filter(([tag, v]) => tag === 'ER' || (v !== undefined && risValue(v) !== ''))
      .map(([tag, v]) => `${tag}  - ${risValue(v ?? '')}`.trimEnd())
      .join('\r\n');
  });
  return records.map((r) => r + '\r\n').join('\r\n');
}

/**
 * A cell a spreadsheet would run as a formula (=, +, -, @, tab, CR first) gets a leading apostrophe
 * (OWASP's advice for CSV injection); every other value is exported as is.
 */
const csvCell = (s: string): string => (/^[=+\-@\t\r]/.test(s) ? `'${s}` : s);

export const CSV_COLUMNS = ['id', 'title', 'authors', 'year', 'date', 'categories', 'arxiv_id', 'doi', 'url', 'abstract'] as const;

/** CSV with a header row (RFC 4180 quoting by csv-stringify); lists are joined with "; ". */
export function toCsv(papers: readonly CitablePaper[]): string {
  const rows = papers.map((p) => {
    const arxiv = arxivIdOf(p);
    return [
      p.id,
      p.title,
      p.authors.join('; '),
      yearOf(p)?.toString() ?? '',
      p.date ?? '',
      p.categories.join('; '),
      arxiv ?? '',
      p.doi ?? '',
      arxiv ? `https://arxiv.org/abs/${arxiv}` : (bibUrl(p.url) ?? ''),
      p.abstract ?? '',
    ].map(csvCell);
  });
  return stringify([[...CSV_COLUMNS], ...rows], { record_delimiter: 'windows' });
}
