// The Daily Papers text reader: header skipped, title/abstract pairs read, malformed blocks reported with their line.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readDailyPapers } from '../../src/ingest/daily-papers.js';
import type { SourceItem } from '../../src/ingest/types.js';
import { removeTempDirs, tempDir } from '../helpers.js';

afterAll(removeTempDirs);

const abstract = (w: string) => `${w} `.repeat(40).trim() + '.';

describe('readDailyPapers', () => {
  it('reads pairs, skips the page header, reports orphans with file:line', async () => {
    const file = path.join(await tempDir(), 'daily.txt');
    const lines = ['new', '', 'Subscribe', '', 'Daily Papers', '', 'Sep 9', '', 'First Title', '', abstract('alpha'), '', 'Orphan Title', '', 'Second Title', '', abstract('beta'), '', 'Trailing'];
    await writeFile(file, lines.join('\n'));
    const items: SourceItem[] = [];
    for await (const it of readDailyPapers(file)) items.push(it);
    const papers = items.filter((i) => i.kind === 'paper');
    const rejects = items.filter((i) => i.kind === 'reject');
    expect(papers.map((p) => p.kind === 'paper' && p.paper.title)).toEqual(['First Title', 'Second Title']);
    expect(papers[0]!.line).toBe(9);
    expect(rejects.map((r) => r.kind === 'reject' && `${r.line}: ${r.reason}`)).toEqual(['13: title without an abstract', '19: title without an abstract']);
  });
});
