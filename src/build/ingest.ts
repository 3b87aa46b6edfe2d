// The build's ingest step: read every source record, validate and dedupe it, upsert it; then prune what the sources lack.
import { closeSync, openSync, writeSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { AppError } from '../errors.js';
import { formatReject, readSources, type ReadOptions, type SourceFormat } from '../ingest/index.js';
import { contentHash, type Paper } from '../paper.js';
import type { DB, PaperWriter } from '../store/index.js';

const MAX_REJECTS_PRINTED = 20;
/** Papers per SQLite transaction while ingesting: large enough that commits do not dominate. */
const INSERT_TX = 2000;

/** Streams rejects to the rejects file and keeps the first few for the log. */
export class Rejects {
  count = 0;
  readonly first: string[] = [];
  private fd: number | undefined;

  constructor(readonly file: string) {}

  add(line: string): void {
    this.fd ??= openSync(this.file, 'w');
    writeSync(this.fd, line + '\n');
    if (this.first.length < MAX_REJECTS_PRINTED) this.first.push(line);
    this.count++;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  report(log: (l: string) => void): void {
    this.first.forEach((r) => log(r));
    if (this.count > this.first.length) log(`... and ${this.count - this.first.length} more rejected records`);
    if (this.count) log(`rejected records are listed in ${this.file}`);
  }
}

export interface IngestOptions {
  sources: readonly string[];
  format: SourceFormat;
  read: ReadOptions;
  progress: boolean;
  log: (l: string) => void;
}

/**
 * Validates, dedupes and upserts every record (no embedding yet). Returns the ids seen, each packed with where
 * it was first seen (file number * 2^32 + line: a number, not a string per paper), for pruning and duplicates.
 */
export async function ingestSources(db: DB, w: PaperWriter, rejects: Rejects, o: IngestOptions): Promise<Map<string, number>> {
  const t0 = performance.now();
  await rm(rejects.file, { force: true }); // a resumed build reads everything again, so it writes the file anew
  const fileNo = new Map(o.sources.map((s, i) => [s, i]));
  const seen = new Map<string, number>();
  const where = (packed: number): string => `${o.sources[Math.floor(packed / 2 ** 32)]}:${packed % 2 ** 32}`;
  let batch: { p: Paper; src: string }[] = [];
  const flush = db.transaction((rows: { p: Paper; src: string }[]) => {
    for (const r of rows) w.upsert(r.p, contentHash(r.p), r.src);
  });
  let read = 0;
  let nextReport = performance.now() + 5000;
  for await (const item of readSources(o.sources, o.format, o.read)) {
    read++;
    if (o.progress && read % 1000 === 0 && performance.now() > nextReport) {
      nextReport = performance.now() + 5000;
      o.log(`reading: ${read} records (${Math.round(read / ((performance.now() - t0) / 1000))}/s)`);
    }
    if (item.kind === 'reject') {
      rejects.add(formatReject(item));
      continue;
    }
    const first = seen.get(item.paper.id);
    if (first !== undefined) {
      rejects.add(formatReject({ file: item.file, line: item.line, reason: `duplicate id ${item.paper.id} (first at ${where(first)})` }));
      continue;
    }
    seen.set(item.paper.id, (fileNo.get(item.file) ?? 0) * 2 ** 32 + item.line);
    batch.push({ p: item.paper, src: `${item.file}:${item.line}` });
    if (batch.length >= INSERT_TX) {
      flush(batch);
      batch = [];
    }
  }
  flush(batch);
  rejects.close();
  rejects.report(o.log);
  return seen;
}

/** Refuses a build with no valid record, or with any invalid one under --strict: nothing is published. */
export function checkIngest(seen: ReadonlyMap<string, number>, rejects: Rejects, sources: readonly string[], strict: boolean): void {
  if (seen.size > 0 && !(strict && rejects.count)) return;
  throw new AppError(
    'SOURCE_INVALID',
    seen.size === 0
      ? `no valid paper in ${sources.join(', ')} (${rejects.count} rejected${rejects.count ? `: see ${rejects.file}` : ''}); nothing was published`
      : `${rejects.count} invalid records and --strict was given (see ${rejects.file}); nothing was published`,
  );
}

/** Removes the papers the sources no longer have (full builds define the index; updates only with --prune). */
export function pruneAbsent(db: DB, w: PaperWriter, seen: ReadonlyMap<string, number>): number {
  const gone = [...w.ids()].filter((id) => !seen.has(id));
  if (gone.length) db.transaction(() => w.remove(gone))();
  return gone.length;
}
