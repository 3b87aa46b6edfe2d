// What every reader yields: a valid Paper or a rejected record with its file and line.
import type { Paper } from '../paper.js';

export type SourceItem =
  | { kind: 'paper'; paper: Paper; file: string; line: number }
  | { kind: 'reject'; file: string; line: number; reason: string };

/** Record shapes a JSON-lines file may hold; "auto" decides per record from its keys. */
export type JsonShape = 'auto' | 'paper' | 'arxiv' | 'beir';

/** Options a reader may use; each reader ignores the ones that are not its own. */
export interface ReadOptions {
  /** JSON lines: force one record shape instead of detecting it per record. */
  shape?: JsonShape;
  /** CSV: paper field -> column name (case-insensitive), overriding the default column names. */
  csvMap?: Readonly<Record<string, string>>;
  /** CSV: field separator (default "," or a tab for .tsv files). */
  csvDelimiter?: string;
}

export type Reader = (file: string, opts?: ReadOptions) => AsyncGenerator<SourceItem>;

export const formatReject = (r: { file: string; line: number; reason: string }): string => `${r.file}:${r.line}: ${r.reason}`;
