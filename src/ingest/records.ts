// Maps foreign record shapes (arXiv metadata snapshot, arXiv JSONL, BEIR corpus) to the Paper input shape.
import type { JsonShape } from './types.js';

type Rec = Record<string, unknown>;

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** Keys only the public arXiv metadata snapshot (Kaggle arxiv-metadata-oai-snapshot.json) has. */
const SNAPSHOT_KEYS = ['versions', 'update_date', 'authors_parsed', 'submitter', 'journal-ref', 'report-no'];

/** Which shape one JSON record has, from its keys: BEIR (_id + text), the arXiv snapshot, else our own Paper shape. */
export function detectShape(rec: Rec): Exclude<JsonShape, 'auto'> {
  if ('_id' in rec && 'text' in rec && !('abstract' in rec)) return 'beir';
  if (SNAPSHOT_KEYS.some((k) => k in rec)) return 'arxiv';
  return 'paper';
}

/**
 * A date as YYYY-MM-DD from the forms sources use: ISO dates and timestamps, and RFC 2822 dates as in arXiv
 * versions ("Mon, 2 Apr 2007 19:18:42 GMT"). Undefined when it is not a date, so the caller can fall back.
 */
export function isoDate(v: unknown): string | undefined {
  const s = str(v)?.trim();
  if (!s) return undefined;
  const iso = /^(\d{4}-\d{2}-\d{2})(?:$|[T ])/.exec(s);
  if (iso) return iso[1];
  // Only strings that look like dates go to Date.parse, which accepts odd things ("1", "x 2020").
  if (!/\d{4}/.test(s) || !/[a-z]{3}/i.test(s)) return undefined;
  const t = Date.parse(s);
  return Number.isNaN(t) ? undefined : new Date(t).toISOString().slice(0, 10);
}

/**
 * authors_parsed rows are [last, first, suffix]; "First Last Suffix" reads naturally and matches the
 * JSONL files' author names.
 */
function parsedAuthors(v: unknown): string[] | undefined {
  if (!Array.isArray(v) || !v.length) return undefined;
  const names: string[] = [];
  for (const row of v) {
    if (!Array.isArray(row) || !row.every((x) => typeof x === 'string')) return undefined;
    const [last = '', first = '', suffix = ''] = row as string[];
    const name = [first, last, suffix].map((x) => x.trim()).filter(Boolean).join(' ');
    if (name) names.push(name);
  }
  return names.length ? names : undefined;
}

/**
 * An arXiv record, in either public shape: the metadata snapshot (authors as one string plus authors_parsed,
 * categories space-separated, versions with RFC 2822 dates, update_date) or the JSONL shape (authors and
 * categories as arrays, date). Date: the first version's, else the record's date, else update_date.
 * Values of the wrong type are passed through so validation names the field.
 */
export function fromArxiv(rec: Rec): Rec {
  const versions = Array.isArray(rec.versions) ? (rec.versions as unknown[]) : [];
  const first = versions[0] as Rec | undefined;
  const date =
    isoDate(first && typeof first === 'object' ? first.created : undefined) ?? isoDate(rec.date) ?? isoDate(rec.update_date);
  const out: Rec = {
    id: typeof rec.id === 'string' ? rec.id.trim() : rec.id,
    title: rec.title,
    abstract: rec.abstract,
    authors: parsedAuthors(rec.authors_parsed) ?? rec.authors,
    categories: rec.categories,
  };
  if (date) out.date = date;
  else if (rec.date !== undefined) out.date = rec.date; // not a date: let validation report it
  if (rec.doi !== undefined && rec.doi !== null) out.doi = rec.doi;
  return out;
}

/** A BEIR corpus line: {_id, title, text}. */
export function fromBeir(rec: Rec): Rec {
  return { id: rec._id, title: rec.title, abstract: rec.text };
}

/** Our own Paper shape, minus keys the schema does not know (comment, journal_ref ...) and JSON nulls. */
export function fromPaper(rec: Rec): Rec {
  const out: Rec = {};
  for (const k of ['id', 'title', 'abstract', 'authors', 'date', 'year', 'categories', 'url', 'doi']) {
    if (rec[k] !== undefined && rec[k] !== null) out[k] = rec[k];
  }
  // Sources often give full timestamps or RFC 2822 dates; keep the day. A bare year is a year.
  const d = isoDate(out.date);
  if (d) out.date = d;
  else if (typeof out.date === 'string' && /^\s*\d{4}\s*$/.test(out.date)) {
    out.year ??= Number(out.date);
    delete out.date;
  }
  return out;
}

export const MAPPERS: Record<Exclude<JsonShape, 'auto'>, (rec: Rec) => Rec> = {
  paper: fromPaper,
  arxiv: fromArxiv,
  beir: fromBeir,
};
