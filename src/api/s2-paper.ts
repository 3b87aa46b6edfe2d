// Pure mapping from the index's papers to Semantic Scholar Graph API paper objects: ids, fields of study, field selection.
import { isArxivId } from '../paper.js';
import type { PaperRow } from '../store/index.js';

/** Every paper field the S2 Graph API defines; the ones this index cannot know are answered with null or []. */
export const S2_PAPER_FIELDS = [
  'paperId',
  'corpusId',
  'externalIds',
  'url',
  'title',
  'abstract',
  'venue',
  'publicationVenue',
  'year',
  'referenceCount',
  'citationCount',
  'influentialCitationCount',
  'isOpenAccess',
  'openAccessPdf',
  'fieldsOfStudy',
  's2FieldsOfStudy',
  'publicationTypes',
  'publicationDate',
  'journal',
  'citationStyles',
  'authors',
  'citations',
  'references',
  'embedding',
  'tldr',
] as const;
export type S2PaperField = (typeof S2_PAPER_FIELDS)[number];

export const S2_AUTHOR_FIELDS = ['authorId', 'externalIds', 'url', 'name', 'affiliations', 'homepage', 'paperCount', 'citationCount', 'hIndex'] as const;
export type S2AuthorField = (typeof S2_AUTHOR_FIELDS)[number];

/** S2's fields of study (the values `fieldsOfStudy` takes and the search filter accepts). */
export const S2_FIELDS_OF_STUDY = [
  'Computer Science',
  'Medicine',
  'Chemistry',
  'Biology',
  'Materials Science',
  'Physics',
  'Geology',
  'Psychology',
  'Art',
  'History',
  'Geography',
  'Sociology',
  'Business',
  'Political Science',
  'Economics',
  'Philosophy',
  'Mathematics',
  'Engineering',
  'Environmental Science',
  'Agricultural and Food Sciences',
  'Education',
  'Law',
  'Linguistics',
] as const;
export type S2FieldOfStudy = (typeof S2_FIELDS_OF_STUDY)[number];

/** arXiv archive (the part of a category before the dot) to S2 field of study; physics has many archives. */
const ARCHIVE_FIELD: Record<string, S2FieldOfStudy> = {
  cs: 'Computer Science',
  math: 'Mathematics',
  stat: 'Mathematics',
  physics: 'Physics',
  'astro-ph': 'Physics',
  'cond-mat': 'Physics',
  'gr-qc': 'Physics',
  'hep-ex': 'Physics',
  'hep-lat': 'Physics',
  'hep-ph': 'Physics',
  'hep-th': 'Physics',
  'math-ph': 'Physics',
  nlin: 'Physics',
  'nucl-ex': 'Physics',
  'nucl-th': 'Physics',
  'quant-ph': 'Physics',
  'q-bio': 'Biology',
  'q-fin': 'Economics',
  econ: 'Economics',
  eess: 'Engineering',
};

/** The S2 field of study of one category (arXiv taxonomy), if it has one. */
export const fieldOfCategory = (category: string): S2FieldOfStudy | undefined => ARCHIVE_FIELD[category.split('.')[0]!.toLowerCase()];

/** Fields of study of a paper, derived from its arXiv categories, in category order without repeats. */
export function fieldsOfStudy(categories: readonly string[]): S2FieldOfStudy[] {
  return [...new Set(categories.map(fieldOfCategory).filter((f): f is S2FieldOfStudy => !!f))];
}

const ARXIV_URL = /^https?:\/\/(?:www\.|export\.)?arxiv\.org\/(?:abs|pdf)\/(.+?)(?:\.pdf)?\/?$/i;
const stripVersion = (id: string): string => id.replace(/v\d+$/, '');

/** The arXiv id (no version) of a paper: its own id when that is one, else the id in its arXiv URL. */
export function arxivIdOf(p: Pick<PaperRow, 'id' | 'url'>): string | undefined {
  if (isArxivId(p.id)) return stripVersion(p.id);
  const m = p.url ? ARXIV_URL.exec(p.url) : null;
  return m && isArxivId(m[1]!) ? stripVersion(m[1]!) : undefined;
}

/** How a client named a paper: the index's own id, or an external id S2 accepts. */
export type PaperRef = { kind: 'id'; id: string } | { kind: 'arxiv'; id: string } | { kind: 'doi'; doi: string } | { kind: 'unsupported'; scheme: string };

/** Prefixes S2 accepts that this index has no data for (it holds arXiv ids and DOIs only). */
const OTHER_SCHEMES = ['corpusid', 'mag', 'acl', 'pmid', 'pmcid'];

/**
 * Parses an S2 paper id: `ARXIV:2401.01234` (any case, version ignored), `DOI:10.x/y`, `URL:<arXiv URL>`, an
 * S2 scheme this index cannot resolve, or else the index's own paper id.
 */
export function parsePaperRef(raw: string): PaperRef {
  const m = /^([A-Za-z]+):(.+)$/.exec(raw);
  if (m) {
    const scheme = m[1]!.toLowerCase();
    const value = m[2]!.trim();
    if (scheme === 'arxiv' && isArxivId(value)) return { kind: 'arxiv', id: stripVersion(value) };
    if (scheme === 'doi') return { kind: 'doi', doi: value };
    if (scheme === 'url') {
      const u = ARXIV_URL.exec(value);
      return u && isArxivId(u[1]!) ? { kind: 'arxiv', id: stripVersion(u[1]!) } : { kind: 'unsupported', scheme: 'URL (only arxiv.org URLs)' };
    }
    if (OTHER_SCHEMES.includes(scheme)) return { kind: 'unsupported', scheme: m[1]! };
  }
  return { kind: 'id', id: raw };
}

/** Which fields a response carries: top-level paper fields, and the author fields inside `authors`. */
export interface FieldSelection {
  paper: ReadonlySet<S2PaperField>;
  author: ReadonlySet<S2AuthorField>;
}

const isPaperField = (f: string): f is S2PaperField => (S2_PAPER_FIELDS as readonly string[]).includes(f);
const isAuthorField = (f: string): f is S2AuthorField => (S2_AUTHOR_FIELDS as readonly string[]).includes(f);

/**
 * Parses S2's `fields` parameter. As S2 does: paperId always, title when nothing is asked for, `authors.x`
 * implies `authors`, `citations.x` / `references.x` / `embedding.specter_v1|v2` name their parent. Returns the
 * unknown names separately so the caller can reject them as S2 does.
 */
export function parseFields(raw: string | undefined): { selection: FieldSelection; unknown: string[] } {
  const names = (raw ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const paper = new Set<S2PaperField>(['paperId']);
  const author = new Set<S2AuthorField>(['authorId', 'name']);
  const unknown: string[] = [];
  for (const name of names) {
    const [head, ...rest] = name.split('.');
    const sub = rest.join('.');
    if (!rest.length && isPaperField(head!)) paper.add(head);
    else if (head === 'authors' && isAuthorField(sub)) {
      paper.add('authors');
      author.add(sub);
    } else if ((head === 'citations' || head === 'references') && isPaperField(sub.split('.')[0]!)) paper.add(head);
    else if (head === 'embedding' && (sub === 'specter_v1' || sub === 'specter_v2')) paper.add('embedding');
    else unknown.push(name);
  }
  if (!names.length) paper.add('title');
  return { selection: { paper, author }, unknown };
}

/** What a mapped paper may need beyond its row: its page on this server and its stored vector. */
export interface PaperContext {
  pageUrl: (id: string) => string;
  vector: (p: PaperRow) => Float32Array | undefined;
  modelId: string;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const round = (x: number): number => Math.round(x * 1e6) / 1e6;

/** The value of one S2 field for a paper; fields this index cannot know are null (counts, venues) or [] (citation lists). */
function fieldValue(f: S2PaperField, p: PaperRow, ctx: PaperContext, sel: FieldSelection): Json {
  const arxiv = arxivIdOf(p);
  switch (f) {
    case 'paperId':
      return p.id;
    case 'externalIds':
      return { ...(arxiv ? { ArXiv: arxiv } : {}), ...(p.doi ? { DOI: p.doi } : {}) };
    case 'url':
      return ctx.pageUrl(p.id);
    case 'title':
      return p.title;
    case 'abstract':
      return p.abstract;
    case 'venue':
      return arxiv ? 'arXiv.org' : '';
    case 'year':
      return p.year ?? null;
    case 'publicationDate':
      return p.date ?? null;
    case 'isOpenAccess':
      return !!arxiv;
    case 'openAccessPdf':
      return arxiv ? { url: `https://arxiv.org/pdf/${arxiv}`, status: 'GREEN', license: null } : null;
    case 'fieldsOfStudy': {
      const fos = fieldsOfStudy(p.categories);
      return fos.length ? fos : null;
    }
    case 's2FieldsOfStudy':
      return fieldsOfStudy(p.categories).map((category) => ({ category, source: 'external' }));
    case 'authors':
      return p.authors.map((name) => Object.fromEntries([...sel.author].map((a) => [a, a === 'name' ? name : null])));
    case 'citations':
    case 'references':
      return [];
    case 'embedding': {
      const v = ctx.vector(p);
      return v ? { model: ctx.modelId, vector: Array.from(v, round) } : null;
    }
    default:
      // corpusId, publicationVenue, journal, publicationTypes, citationStyles, tldr, and the three counts.
      return null;
  }
}

/** An S2 paper object with exactly the selected fields (S2's field order, paperId first). */
export function toS2Paper(p: PaperRow, sel: FieldSelection, ctx: PaperContext): Record<string, Json> {
  return Object.fromEntries(S2_PAPER_FIELDS.filter((f) => sel.paper.has(f)).map((f) => [f, fieldValue(f, p, ctx, sel)]));
}

/** S2's `year` filter: `2019`, `2016-2020`, `2010-` or `-2015`; undefined when it is not one of those. */
export function parseYearRange(v: string): { from?: number; to?: number } | undefined {
  const m = /^(\d{4})?(-)?(\d{4})?$/.exec(v.trim());
  if (!m || (!m[1] && !m[3])) return undefined;
  if (!m[2]) return m[3] ? undefined : { from: Number(m[1]), to: Number(m[1]) };
  return { ...(m[1] ? { from: Number(m[1]) } : {}), ...(m[3] ? { to: Number(m[3]) } : {}) };
}
