// The ingest stage's entry: picks a reader per source (by --format, file name or content) and streams Papers or rejects.
import path from 'node:path';
import { AppError } from '../errors.js';
import { readCsv } from './csv.js';
import { readDailyPapers } from './daily-papers.js';
import { readJsonl } from './jsonl.js';
import { peekText } from './lines.js';
import type { ReadOptions, SourceItem } from './types.js';

export type { JsonShape, ReadOptions, SourceItem } from './types.js';
export { formatReject } from './types.js';
export { CSV_FIELDS, parseCsvMap } from './csv.js';

/**
 * Source formats. "jsonl" detects the record shape per line (our Paper shape, the arXiv metadata snapshot
 * or JSONL, BEIR); "paper", "arxiv" and "beir" force one; "auto" picks by file name, then by the first bytes.
 */
export const FORMATS = ['auto', 'jsonl', 'paper', 'arxiv', 'beir', 'csv', 'daily-papers'] as const;
export type SourceFormat = (typeof FORMATS)[number];

/** The reader a file gets in "auto" mode: by extension (.gz ignored), else by sniffing its first bytes. */
export async function detectFormat(file: string): Promise<Exclude<SourceFormat, 'auto'>> {
  const name = path.basename(file).toLowerCase().replace(/\.gz$/, '');
  if (name.endsWith('.txt')) return 'daily-papers';
  if (name.endsWith('.csv') || name.endsWith('.tsv')) return 'csv';
  if (/\.(jsonl|ndjson|json)$/.test(name)) return 'jsonl';
  const head = (await peekText(file, 1024)).trimStart();
  if (head.startsWith('{')) return 'jsonl';
  throw new AppError(
    'SOURCE_INVALID',
    `${file}: unknown source format (expected .jsonl, .json, .csv, .tsv or .txt, optionally .gz); name one with --format ${FORMATS.filter((f) => f !== 'auto').join('|')}`,
  );
}

/** Streams the records of one file with the reader its format calls for. */
export async function* readSource(file: string, format: SourceFormat = 'auto', opts: ReadOptions = {}): AsyncGenerator<SourceItem> {
  const f = format === 'auto' ? await detectFormat(file) : format;
  switch (f) {
    case 'daily-papers':
      yield* readDailyPapers(file);
      return;
    case 'csv':
      yield* readCsv(file, opts);
      return;
    case 'jsonl':
      yield* readJsonl(file, { ...opts, shape: opts.shape ?? 'auto' });
      return;
    case 'paper':
    case 'arxiv':
    case 'beir':
      yield* readJsonl(file, { ...opts, shape: f });
      return;
  }
}

/** Streams every record of every source, in order. */
export async function* readSources(files: readonly string[], format: SourceFormat = 'auto', opts: ReadOptions = {}): AsyncGenerator<SourceItem> {
  for (const file of files) yield* readSource(file, format, opts);
}
