// All SQL over papers and vectors: upserts for builds, lookups and filters for search.
import type { Paper } from '../paper.js';
import type { DB } from './db.js';

export interface PaperRow extends Paper {
  label: number;
  contentHash: string;
}

interface RawRow {
  label: number;
  id: string;
  title: string;
  abstract: string;
  authors: string;
  date: string | null;
  year: number | null;
  categories: string;
  url: string | null;
  doi: string | null;
  content_hash: string;
}

const COLS = 'label, id, title, abstract, authors, date, year, categories, url, doi, content_hash';

function toPaper(r: RawRow): PaperRow {
  return {
    label: r.label,
    id: r.id,
    title: r.title,
    abstract: r.abstract,
    authors: JSON.parse(r.authors) as string[],
    ...(r.date ? { date: r.date } : {}),
    ...(r.year ? { year: r.year } : {}),
    categories: JSON.parse(r.categories) as string[],
    ...(r.url ? { url: r.url } : {}),
    ...(r.doi ? { doi: r.doi } : {}),
    contentHash: r.content_hash,
  };
}

/** FTS5 column weights for BM25 (title, abstract): see docs/relevance.md for how they were chosen. */
export const KEYWORD_WEIGHTS = { title: 2, abstract: 1 };

export const vectorToBlob = (v: Float32Array): Buffer => Buffer.from(v.buffer, v.byteOffset, v.byteLength);
export const blobToVector = (b: Buffer): Float32Array =>
  new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));

/** Filters that narrow a search; all optional, combined with AND. */
export interface PaperFilters {
  yearFrom?: number | undefined;
  yearTo?: number | undefined;
  /** Any of these categories matches. */
  categories?: readonly string[] | undefined;
  /** Case-insensitive substring of any author name. */
  author?: string | undefined;
}

export const hasFilters = (f: PaperFilters | undefined): f is PaperFilters =>
  !!f && (f.yearFrom !== undefined || f.yearTo !== undefined || !!f.categories?.length || !!f.author);

/** SQL WHERE fragment (over table alias p) and its parameters for a filter set. */
export function filterSql(f: PaperFilters | undefined): { where: string; params: unknown[] } {
  const parts: string[] = [];
  const params: unknown[] = [];
  if (f?.yearFrom !== undefined) {
    parts.push('p.year >= ?');
    params.push(f.yearFrom);
  }
  if (f?.yearTo !== undefined) {
    parts.push('p.year <= ?');
    params.push(f.yearTo);
  }
  if (f?.categories?.length) {
    parts.push(`EXISTS (SELECT 1 FROM json_each(p.categories) c WHERE c.value IN (${f.categories.map(() => '?').join(',')}))`);
    params.push(...f.categories);
  }
  if (f?.author) {
    // instr over lower() instead of LIKE: no wildcard characters in user text to escape.
    parts.push('instr(lower(p.authors), lower(?)) > 0');
    params.push(f.author);
  }
  return { where: parts.length ? parts.join(' AND ') : '1', params };
}

/** Read access used by the searcher and the API. Statements are prepared once. */
export class PaperStore {
  private readonly byId;
  private readonly byLabel;
  private readonly vecByLabel;
  private readonly countStmt;

  constructor(readonly db: DB) {
    this.byId = db.prepare<[string], RawRow>(`SELECT ${COLS} FROM papers WHERE id = ?`);
    this.byLabel = db.prepare<[number], RawRow>(`SELECT ${COLS} FROM papers WHERE label = ?`);
    this.vecByLabel = db.prepare<[number], { vector: Buffer }>('SELECT vector FROM vectors WHERE label = ?');
    this.countStmt = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM papers');
  }

  count(): number {
    return this.countStmt.get()!.n;
  }

  getById(id: string): PaperRow | undefined {
    const r = this.byId.get(id);
    return r ? toPaper(r) : undefined;
  }

  getByLabel(label: number): PaperRow | undefined {
    const r = this.byLabel.get(label);
    return r ? toPaper(r) : undefined;
  }

  getByLabels(labels: readonly number[]): Map<number, PaperRow> {
    const out = new Map<number, PaperRow>();
    for (const l of labels) {
      const r = this.byLabel.get(l);
      if (r) out.set(l, toPaper(r));
    }
    return out;
  }

  getVector(label: number): Float32Array | undefined {
    const r = this.vecByLabel.get(label);
    return r ? blobToVector(r.vector) : undefined;
  }

  /** Labels of papers passing the filters, and how many there are. */
  filteredLabels(f: PaperFilters): number[] {
    const { where, params } = filterSql(f);
    return this.db
      .prepare(`SELECT label FROM papers p WHERE ${where}`)
      .pluck()
      .all(...params) as number[];
  }

  /**
   * BM25 keyword search (FTS5) with filters. Title matches weigh more than abstract matches
   * (column weights, chosen on SciFact train). Returns scores as positive numbers, higher is better.
   */
  keywordSearch(
    match: string,
    f: PaperFilters | undefined,
    limit: number,
    weights: { title: number; abstract: number } = KEYWORD_WEIGHTS,
  ): { label: number; score: number }[] {
    const { where, params } = filterSql(f);
    return this.db
      .prepare<unknown[], { label: number; score: number }>(
        `SELECT f.rowid AS label, -bm25(papers_fts, ?, ?) AS score FROM papers_fts f JOIN papers p ON p.label = f.rowid
         WHERE papers_fts MATCH ? AND ${where} ORDER BY score DESC, p.id LIMIT ?`,
      )
      .all(weights.title, weights.abstract, match, ...params, limit);
  }

  /** How many papers match a keyword query (with filters). */
  keywordCount(match: string, f: PaperFilters | undefined): number {
    const { where, params } = filterSql(f);
    return this.db
      .prepare(`SELECT count(*) FROM papers_fts f JOIN papers p ON p.label = f.rowid WHERE papers_fts MATCH ? AND ${where}`)
      .pluck()
      .get(match, ...params) as number;
  }

  /** How many papers pass the filters. */
  filteredCount(f: PaperFilters | undefined): number {
    const { where, params } = filterSql(f);
    return this.db.prepare(`SELECT count(*) FROM papers p WHERE ${where}`).pluck().get(...params) as number;
  }

  /**
   * Abstract fragments around the matched terms, marked with the sentinel characters \u0001 (start) and
   * \u0002 (end) so the caller can escape the text before turning them into markup.
   */
  snippets(match: string, labels: readonly number[], tokens = 40): Map<number, string> {
    if (!labels.length) return new Map();
    const rows = this.db
      .prepare<unknown[], { label: number; s: string }>(
        `SELECT rowid AS label, snippet(papers_fts, 1, char(1), char(2), '…', ?) AS s FROM papers_fts
         WHERE papers_fts MATCH ? AND rowid IN (${labels.map(() => '?').join(',')})`,
      )
      .all(tokens, match, ...labels);
    return new Map(rows.map((r) => [r.label, r.s]));
  }

  /** Every vector (label order), for rebuilding the HNSW file. */
  *iterateVectors(): Generator<{ label: number; vector: Float32Array }> {
    const it = this.db.prepare<[], { label: number; vector: Buffer }>('SELECT label, vector FROM vectors ORDER BY label').iterate();
    for (const r of it) yield { label: r.label, vector: blobToVector(r.vector) };
  }

  /** Exact cosine scores of the given labels' vectors against a normalised query (for selective filters). */
  exactScores(query: Float32Array, labels: readonly number[]): { label: number; score: number }[] {
    const out: { label: number; score: number }[] = [];
    for (const label of labels) {
      const v = this.getVector(label);
      if (!v) continue;
      let dot = 0;
      for (let i = 0; i < v.length; i++) dot += v[i]! * query[i]!;
      out.push({ label, score: dot });
    }
    return out;
  }
}

/** Write access used by the build. */
export class PaperWriter {
  private readonly insertPaper;
  private readonly updatePaper;
  private readonly findStmt;
  private readonly insertVec;
  private readonly deleteVec;
  private readonly missingStmt;

  constructor(readonly db: DB) {
    this.insertPaper = db.prepare(
      `INSERT INTO papers (id, title, abstract, authors, date, year, categories, url, doi, content_hash, source)
       VALUES (@id, @title, @abstract, @authors, @date, @year, @categories, @url, @doi, @content_hash, @source)`,
    );
    this.updatePaper = db.prepare(
      `UPDATE papers SET title=@title, abstract=@abstract, authors=@authors, date=@date, year=@year,
       categories=@categories, url=@url, doi=@doi, content_hash=@content_hash, source=@source WHERE id=@id`,
    );
    this.findStmt = db.prepare<[string], { label: number; content_hash: string }>('SELECT label, content_hash FROM papers WHERE id = ?');
    this.insertVec = db.prepare('INSERT OR REPLACE INTO vectors (label, content_hash, vector) VALUES (?, ?, ?)');
    this.deleteVec = db.prepare('DELETE FROM vectors WHERE label = ?');
    this.missingStmt = db.prepare<[number], { label: number; title: string; abstract: string; content_hash: string }>(
      `SELECT p.label, p.title, p.abstract, p.content_hash FROM papers p
       LEFT JOIN vectors v ON v.label = p.label AND v.content_hash = p.content_hash
       WHERE v.label IS NULL ORDER BY p.label LIMIT ?`,
    );
  }

  /**
   * Inserts or updates a paper. Returns what happened so the build can report it; a changed paper
   * loses its vector (and is re-embedded), an unchanged one keeps it.
   */
  upsert(p: Paper, contentHash: string, source: string): { label: number; status: 'added' | 'updated' | 'unchanged' } {
    const row = {
      id: p.id,
      title: p.title,
      abstract: p.abstract,
      authors: JSON.stringify(p.authors),
      date: p.date ?? null,
      year: p.year ?? null,
      categories: JSON.stringify(p.categories),
      url: p.url ?? null,
      doi: p.doi ?? null,
      content_hash: contentHash,
      source,
    };
    const existing = this.findStmt.get(p.id);
    if (!existing) {
      const info = this.insertPaper.run(row);
      return { label: Number(info.lastInsertRowid), status: 'added' };
    }
    this.updatePaper.run(row);
    if (existing.content_hash === contentHash) return { label: existing.label, status: 'unchanged' };
    this.deleteVec.run(existing.label);
    return { label: existing.label, status: 'updated' };
  }

  /** Papers whose vector is missing or stale, in label order (the embedding work still to do). */
  pendingEmbeddings(limit: number): { label: number; title: string; abstract: string; content_hash: string }[] {
    return this.missingStmt.all(limit);
  }

  countPending(): number {
    return (
      this.db
        .prepare<[], { n: number }>(
          `SELECT count(*) AS n FROM papers p LEFT JOIN vectors v ON v.label = p.label AND v.content_hash = p.content_hash WHERE v.label IS NULL`,
        )
        .get()?.n ?? 0
    );
  }

  putVector(label: number, contentHash: string, v: Float32Array): void {
    this.insertVec.run(label, contentHash, vectorToBlob(v));
  }

  /** Deletes papers by id; returns their labels (to mark deleted in HNSW). */
  remove(ids: readonly string[]): number[] {
    const labels: number[] = [];
    const del = this.db.prepare<[string], { label: number }>('DELETE FROM papers WHERE id = ? RETURNING label');
    const pending = this.db.prepare('INSERT OR IGNORE INTO pending_removals(label) VALUES (?)');
    for (const id of ids) {
      const r = del.get(id);
      if (r) {
        labels.push(r.label);
        pending.run(r.label);
      }
    }
    return labels;
  }

  /** Vectors not yet in the HNSW file, and labels still to be marked deleted there. */
  *unindexedVectors(): Generator<{ label: number; vector: Float32Array }> {
    const it = this.db.prepare<[], { label: number; vector: Buffer }>('SELECT label, vector FROM vectors WHERE indexed = 0 ORDER BY label').iterate();
    for (const r of it) yield { label: r.label, vector: blobToVector(r.vector) };
  }

  pendingRemovals(): number[] {
    return this.db.prepare('SELECT label FROM pending_removals').pluck().all() as number[];
  }

  /** Called once the HNSW file holding every vector has been saved. */
  markAllIndexed(): void {
    this.db.transaction(() => {
      this.db.prepare('UPDATE vectors SET indexed = 1 WHERE indexed = 0').run();
      this.db.prepare('DELETE FROM pending_removals').run();
    })();
  }

  /** Ids currently in the database (for pruning papers absent from the sources). */
  allIds(): string[] {
    return this.db.prepare('SELECT id FROM papers').pluck().all() as string[];
  }

  setMeta(key: string, value: string): void {
    this.db.prepare('INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)').run(key, value);
  }
}

export function getMeta(db: DB, key: string): string | undefined {
  return (db.prepare('SELECT value FROM meta WHERE key = ?').pluck().get(key) as string | undefined) ?? undefined;
}
