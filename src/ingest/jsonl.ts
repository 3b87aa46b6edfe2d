// Reader for JSONL (optionally gzipped) Paper records, the project's own corpus format.
import { normalizePaper } from '../paper.js';
import { readLines } from './lines.js';
import type { SourceItem } from './types.js';

/** Parses one JSON object per line; `map` adapts a foreign record shape (arXiv, BEIR) to PaperInput. */
export async function* readJsonl(
  file: string,
  map: (rec: Record<string, unknown>) => unknown = (r) => r,
): AsyncGenerator<SourceItem> {
  for await (const [line, text] of readLines(file)) {
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
      yield { kind: 'reject', file, line, reason: 'not a JSON object' };
      continue;
    }
    const r = normalizePaper(map(rec as Record<string, unknown>));
    yield r.ok ? { kind: 'paper', paper: r.paper, file, line } : { kind: 'reject', file, line, reason: r.reason };
  }
}
