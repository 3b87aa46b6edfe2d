// The ingest stage's entry: picks a reader by file name and streams Papers (or rejects) from every source.
import path from 'node:path';
import { AppError } from '../errors.js';
import { readDailyPapers } from './daily-papers.js';
import { readJsonl } from './jsonl.js';
import type { Reader, SourceItem } from './types.js';

export type { SourceItem } from './types.js';
export { formatReject } from './types.js';

export const FORMATS = {
  'daily-papers': readDailyPapers,
  jsonl: (f: string) => readJsonl(f),
} satisfies Record<string, Reader>;
export type SourceFormat = keyof typeof FORMATS;

export function detectFormat(file: string): SourceFormat {
  const name = path.basename(file).toLowerCase().replace(/\.gz$/, '');
  if (name.endsWith('.txt')) return 'daily-papers';
  if (name.endsWith('.jsonl') || name.endsWith('.ndjson') || name.endsWith('.json')) return 'jsonl';
  throw new AppError('SOURCE_INVALID', `${file}: unknown source format (expected .txt, .jsonl or .jsonl.gz)`);
}

/** Streams every record of every source in order. */
export async function* readSources(files: readonly string[]): AsyncGenerator<SourceItem> {
  for (const file of files) yield* FORMATS[detectFormat(file)](file);
}
