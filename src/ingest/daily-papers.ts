// Reader for the "Daily Papers" listing text: a header, then blocks of a title line, a blank line and an abstract paragraph.
import { normalizePaper } from '../paper.js';
import { readLines } from './lines.js';
import type { SourceItem } from './types.js';

/** An abstract is a paragraph; titles and header lines ("Subscribe", "Sep 9") are short. */
const MIN_ABSTRACT_CHARS = 150;
const MAX_TITLE_CHARS = 400;

export async function* readDailyPapers(file: string): AsyncGenerator<SourceItem> {
  let pending: { text: string; line: number } | undefined;
  let seenPaper = false;
  for await (const { line, text: raw, error } of readLines(file)) {
    if (error) {
      yield { kind: 'reject', file, line, reason: error };
      continue;
    }
    const text = raw.trim();
    if (!text) continue;
    if (text.length >= MIN_ABSTRACT_CHARS) {
      if (!pending) {
        yield { kind: 'reject', file, line, reason: 'abstract without a title line before it' };
        continue;
      }
      const r = normalizePaper({ title: pending.text, abstract: text });
      yield r.ok
        ? { kind: 'paper', paper: r.paper, file, line: pending.line }
        : { kind: 'reject', file, line: pending.line, reason: r.reason };
      pending = undefined;
      seenPaper = true;
      continue;
    }
    // A short line: a title candidate. Before the first paper, short lines are the page header and are skipped.
    if (pending && seenPaper) yield { kind: 'reject', file, line: pending.line, reason: 'title without an abstract' };
    pending = text.length <= MAX_TITLE_CHARS ? { text, line } : undefined;
  }
  if (pending && seenPaper) yield { kind: 'reject', file, line: pending.line, reason: 'title without an abstract' };
}
