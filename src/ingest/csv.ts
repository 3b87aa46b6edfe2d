// Reader for CSV/TSV files with a header row (optionally gzipped), streaming; columns are mapped to Paper fields.
import { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import { AppError } from '../errors.js';
import { normalizePaper } from '../paper.js';
import { readLines } from './lines.js';
import { isoDate } from './records.js';
import type { ReadOptions, SourceItem } from './types.js';

/** Paper fields a column can feed, with the header names recognised without a --csv-map (case-insensitive). */
export const CSV_FIELDS: Record<string, readonly string[]> = {
  id: ['id', '_id', 'paper_id', 'paperid', 'arxiv_id', 'doc_id'],
  title: ['title'],
  abstract: ['abstract', 'summary', 'text', 'description'],
  authors: ['authors', 'author'],
  date: ['date', 'published', 'publication_date', 'pub_date'],
  year: ['year'],
  categories: ['categories', 'category', 'subjects'],
  url: ['url', 'link'],
  doi: ['doi'],
};

/** Parses "title=Title,abstract=Summary" into a field -> column map; unknown fields are an error. */
export function parseCsvMap(spec: string): Record<string, string> {
  const map: Record<string, string> = {};
  for (const part of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
    const eq = part.indexOf('=');
    const field = part.slice(0, eq).trim();
    const column = part.slice(eq + 1).trim();
    if (eq <= 0 || !column) throw new AppError('INVALID_INPUT', `--csv-map: "${part}" is not field=Column`);
    if (!(field in CSV_FIELDS)) {
      throw new AppError('INVALID_INPUT', `--csv-map: unknown field "${field}" (fields: ${Object.keys(CSV_FIELDS).join(', ')})`);
    }
    map[field] = column;
  }
  return map;
}

/** Column index of each mapped field, from the header row. */
function resolveColumns(file: string, header: string[], map: Readonly<Record<string, string>>): Map<string, number> {
  const lower = header.map((h) => h.trim().toLowerCase());
  const cols = new Map<string, number>();
  for (const [field, aliases] of Object.entries(CSV_FIELDS)) {
    const wanted = map[field];
    if (wanted !== undefined) {
      const i = lower.indexOf(wanted.trim().toLowerCase());
      if (i < 0) throw new AppError('SOURCE_INVALID', `${file}: no column "${wanted}" for ${field} (columns: ${header.join(', ')})`);
      cols.set(field, i);
      continue;
    }
    const i = lower.findIndex((h) => aliases.includes(h));
    if (i >= 0) cols.set(field, i);
  }
  // A record needs a title or an abstract, so a file needs one of the two columns (a title-only export is fine).
  if (!cols.has('title') && !cols.has('abstract')) {
    throw new AppError(
      'SOURCE_INVALID',
      `${file}: no title or abstract column (columns: ${header.join(', ')}); name one with --csv-map title=COLUMN or abstract=COLUMN`,
    );
  }
  return cols;
}

/** "A; B" lists split on ";", "A, B" on ","; anything else is left to normalizePaper's own splitting. */
const splitList = (s: string, fallback: RegExp | undefined): string[] | string =>
  s.includes(';') ? s.split(';') : fallback ? s.split(fallback) : s;

function toInput(row: string[], cols: Map<string, number>): Record<string, unknown> {
  const get = (field: string): string | undefined => {
    const i = cols.get(field);
    const v = i === undefined ? undefined : row[i]?.trim();
    return v ? v : undefined;
  };
  const out: Record<string, unknown> = { title: get('title') ?? '', abstract: get('abstract') ?? '' };
  const id = get('id');
  if (id) out.id = id;
  const authors = get('authors');
  if (authors) out.authors = splitList(authors, undefined);
  const categories = get('categories');
  if (categories) out.categories = splitList(categories, categories.includes(',') ? /,/ : /\s+/);
  const date = get('date');
  if (date) {
    const d = isoDate(date);
    if (d) out.date = d;
    else if (/^\d{4}$/.test(date)) out.year = Number(date);
    else out.date = date; // validation reports it with the line
  }
  const year = get('year');
  if (year && out.year === undefined) out.year = /^\d{4}$/.test(year) ? Number(year) : year;
  for (const f of ['url', 'doi'] as const) {
    const v = get(f);
    if (v) out[f] = v;
  }
  return out;
}

/** A record spanning several lines ends on info.lines; it starts as many lines earlier as its fields hold newlines. */
const startLine = (row: string[], endLine: number): number => endLine - row.reduce((n, f) => n + (f.match(/\n/g)?.length ?? 0), 0);

/**
 * Streams a CSV file: the first record is the header; every other record becomes a Paper or a reject with
 * its line. Malformed rows (bad quoting, oversized records) are reported and skipped by the parser.
 */
export async function* readCsv(file: string, opts: ReadOptions = {}): AsyncGenerator<SourceItem> {
  const delimiter = opts.csvDelimiter ?? (/\.tsv(\.gz)?$/i.test(file) ? '\t' : ',');
  const skipped: SourceItem[] = [];
  let lastLine = 0;
  // Fed line by line from readLines: each physical line's bytes are checked for valid UTF-8 (csv-parse would
  // silently decode invalid bytes to U+FFFD) and no line is buffered beyond the reader's bound.
  const badLines = new Map<number, string>();
  async function* lines(): AsyncGenerator<string> {
    for await (const l of readLines(file)) {
      if (l.error) badLines.set(l.line, l.error);
      yield l.text + '\n';
    }
  }
  const parser = Readable.from(lines()).pipe(
    parse({
      delimiter,
      bom: true,
      info: true,
      relax_quotes: true,
      relax_column_count: true,
      skip_empty_lines: true,
      skip_records_with_error: true,
      // Bounded so an unclosed quote cannot make the parser buffer the rest of the file.
      max_record_size: 1024 * 1024,
      on_skip: (e) => {
        const reason = e?.code === 'CSV_MAX_RECORD_SIZE' ? 'record over 1 MB (an unclosed quote?)' : (e?.message ?? 'unreadable record');
        skipped.push({ kind: 'reject', file, line: lastLine + 1, reason: `malformed CSV: ${reason.replace(/ at line \d+.*$/, '')}` });
        return undefined;
      },
    }),
  );
  let cols: Map<string, number> | undefined;
  for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
    yield* skipped.splice(0);
    const line = startLine(record, info.lines);
    lastLine = info.lines;
    for (const l of badLines.keys()) if (l < line) badLines.delete(l);
    if (!cols) {
      cols = resolveColumns(file, record, opts.csvMap ?? {});
      continue;
    }
    if (record.length === 1 && !record[0]!.trim()) continue;
    let bad: string | undefined;
    for (let l = line; l <= info.lines && badLines.size && !bad; l++) bad = badLines.get(l);
    if (bad) {
      yield { kind: 'reject', file, line, reason: bad };
      continue;
    }
    const r = normalizePaper(toInput(record, cols));
    yield r.ok ? { kind: 'paper', paper: r.paper, file, line } : { kind: 'reject', file, line, reason: r.reason };
  }
  yield* skipped.splice(0);
  if (!cols) throw new AppError('SOURCE_INVALID', `${file}: empty CSV file (no header row)`);
}
