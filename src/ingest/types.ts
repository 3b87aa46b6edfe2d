// What every reader yields: a valid Paper or a rejected record with its file and line.
import type { Paper } from '../paper.js';

export type SourceItem =
  | { kind: 'paper'; paper: Paper; file: string; line: number }
  | { kind: 'reject'; file: string; line: number; reason: string };

export type Reader = (file: string) => AsyncGenerator<SourceItem>;

export const formatReject = (r: { file: string; line: number; reason: string }): string => `${r.file}:${r.line}: ${r.reason}`;
