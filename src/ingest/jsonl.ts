// Reader for JSON lines (optionally gzipped): our Paper shape, arXiv metadata (snapshot or JSONL) and BEIR corpora.
import { normalizePaper } from '../paper.js';
import { readLines } from './lines.js';
import { MAPPERS, detectShape } from './records.js';
import type { ReadOptions, SourceItem } from './types.js';

/**
 * Parses one JSON object per line and maps it to a Paper. The shape is detected per record unless
 * `opts.shape` forces one, so a file mixing our shape and arXiv snapshot lines still reads correctly.
 */
export async function* readJsonl(file: string, opts: ReadOptions = {}): AsyncGenerator<SourceItem> {
  const shape = opts.shape ?? 'auto';
  for await (const { line, text, error } of readLines(file)) {
    if (error) {
      yield { kind: 'reject', file, line, reason: error };
      continue;
    }
    if (!text.trim()) {
      yield { kind: 'reject', file, line, reason: 'empty line' };
      continue;
    }
    let rec: unknown;
    try {
      rec = JSON.parse(text);
    } catch (e) {
      yield { kind: 'reject', file, line, reason: `malformed JSON (${(e as Error).message.slice(0, 80)})` };
      continue;
    }
    if (typeof rec !== 'object' || rec === null || Array.isArray(rec)) {
      const hint = line === 1 && Array.isArray(rec) ? ': a JSON array file is not JSON lines; write one object per line' : '';
      yield { kind: 'reject', file, line, reason: `not a JSON object${hint}` };
      continue;
    }
    const r = rec as Record<string, unknown>;
    const mapped = MAPPERS[shape === 'auto' ? detectShape(r) : shape](r);
    const n = normalizePaper(mapped);
    yield n.ok ? { kind: 'paper', paper: n.paper, file, line } : { kind: 'reject', file, line, reason: n.reason };
  }
}
