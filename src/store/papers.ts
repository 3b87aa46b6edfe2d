// All SQL over papers and vectors: upserts for builds, lookups and filters for search.
import { displayTitle, type Paper } from '../paper.js';
import Database from 'better-sqlite3';
import { ftsTables, type DB } from './db.js';
import type { KeywordIndex } from './keywords.js';

export interface PaperRow extends Paper {
  label: number;
  contentHash: string;
  /** The source gave no title: `title` is the abstract's first sentence (see toPaper). */
  titleDerived?: true;
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

/**
 * An untitled paper is stored with an empty title and shown with one derived from its abstract on read. Storing
 * the derived title instead would index the abstract's first sentence twice in FTS5, once in the (weighted)
 * title column, so keyword search would rank untitled papers up for words they merely begin with; a flag column
 * would need a schema change for what an empty title already says.
 */
function toPaper(r: RawRow): PaperRow {
  return {
    label: r.label,
    id: r.id,
    title: displayTitle(r),
    ...(r.title ? {} : { titleDerived: true as const }),
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
export const KEYWORD_WEIGHTS = { title: 3, abstract: 1 };

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

export interface FacetCounts {
  years: { value: number; count: number }[];
  /** Candidates with no year. */
  undated: number;
  categories: { value: string; count: number }[];
}

/** A paper's date for ordering (over alias p): the day, else the year, else "" so undated papers come last. */
const SORT_DATE = `CASE WHEN p.date IS NOT NULL THEN p.date WHEN p.year IS NOT NULL THEN printf('%04d', p.year) ELSE '' END`;

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
  /** The FTS5 tables to search: one per segment (labels never repeat across segments). */
  private readonly fts: string[];
  private counted: number | undefined;

  constructor(
    readonly db: DB,
    /** The build's keyword engine (keywords.bin): plain-term queries are ranked there, the rest by FTS5. */
    readonly keywords?: KeywordIndex,
  ) {
    this.byId = db.prepare<[string], RawRow>(`SELECT ${COLS} FROM papers WHERE id = ?`);
    this.byLabel = db.prepare<[number], RawRow>(`SELECT ${COLS} FROM papers WHERE label = ?`);
    this.vecByLabel = db.prepare<[number], { vector: Buffer }>('SELECT vector FROM vectors WHERE label = ?');
    this.countStmt = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM papers');
    this.fts = ftsTables(db);
    if (keywords && keywords.parts.length > 1) {
      // Equal scores in two segments are ordered by paper id, as within one (the ids live in SQLite).
      const idOf = db.prepare<[number], string>('SELECT id FROM papers WHERE label = ?').pluck();
      keywords.tieBreak = (a, b) => {
        const [x, y] = [idOf.get(a) ?? '', idOf.get(b) ?? ''];
        return x < y ? -1 : x > y ? 1 : 0;
      };
    }
  }

  /** Papers in the build; counted once (a published build never changes, and at a million papers a count is a scan). */
  count(): number {
    this.counted ??= this.countStmt.get()!.n;
    return this.counted;
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

  /**
   * A paper by its DOI (DOIs are case-insensitive). A scan rather than an index: it answers one lookup per
   * request of the Semantic Scholar compatible API, and an index would change every build's schema.
   */
  getByDoi(doi: string): PaperRow | undefined {
    const r = this.db.prepare<[string], RawRow>(`SELECT ${COLS} FROM papers WHERE lower(doi) = lower(?) ORDER BY label LIMIT 1`).get(doi);
    return r ? toPaper(r) : undefined;
  }

  /**
   * A paper by its arXiv id (without version): the paper whose id is that arXiv id (any version), else one whose
   * URL is its arXiv abstract page. The exact id wins, then the latest version.
   */
  getByArxivId(arxivId: string): PaperRow | undefined {
    const r = this.db
      .prepare<{ a: string }, RawRow>(
        `SELECT ${COLS} FROM papers
         WHERE id = @a OR id GLOB @a || 'v[0-9]*'
            OR url IN ('https://arxiv.org/abs/' || @a, 'http://arxiv.org/abs/' || @a)
            OR url GLOB 'http*://arxiv.org/abs/' || @a || 'v[0-9]*'
         ORDER BY id = @a DESC, id GLOB @a || 'v[0-9]*' DESC, id DESC LIMIT 1`,
      )
      .get({ a: arxivId });
    return r ? toPaper(r) : undefined;
  }

  /** Every category that some paper has. */
  categories(): string[] {
    return this.db.prepare('SELECT DISTINCT c.value FROM papers p, json_each(p.categories) c ORDER BY 1').pluck().all() as string[];
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
    const fast = this.keywords?.search(match, limit, weights, this.keywordFilter(f));
    if (fast) return fast;
    const { where, params } = filterSql(f);
    // Per segment, then merged in the same order. (A delta's BM25 uses its own statistics; the engine above,
    // which sums them over segments, answers every query but phrases and prefixes.)
    const rows = this.fts.flatMap((table) =>
      this.db
        .prepare<unknown[], { label: number; score: number; id: string }>(
          `SELECT f.rowid AS label, -bm25(papers_fts, ?, ?) AS score, p.id AS id FROM ${table} f JOIN papers p ON p.label = f.rowid
           WHERE papers_fts MATCH ? AND ${where} ORDER BY round(score, 6) DESC, p.id LIMIT ?`,
        )
        .all(weights.title, weights.abstract, match, ...params, limit),
    );
    if (this.fts.length > 1) rows.sort((a, b) => Math.round(b.score * 1e6) - Math.round(a.score * 1e6) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return rows.slice(0, limit).map(({ label, score }) => ({ label, score }));
  }

  /** How many papers match a keyword query (with filters). */
  keywordCount(match: string, f: PaperFilters | undefined): number {
    const fast = this.keywords?.count(match, this.keywordFilter(f));
    if (fast !== undefined) return fast;
    const { where, params } = filterSql(f);
    let n = 0;
    for (const table of this.fts) {
      n += this.db
        .prepare(`SELECT count(*) FROM ${table} f JOIN papers p ON p.label = f.rowid WHERE papers_fts MATCH ? AND ${where}`)
        .pluck()
        .get(match, ...params) as number;
    }
    return n;
  }

  /** Filters as the keyword engine takes them: the passing labels, computed only if it needs them. */
  private keywordFilter(f: PaperFilters | undefined): { key: string; labels: () => number[] } | undefined {
    return hasFilters(f) ? { key: JSON.stringify(f), labels: () => this.filteredLabels(f) } : undefined;
  }

  /** How many papers pass the filters. */
  filteredCount(f: PaperFilters | undefined): number {
    const { where, params } = filterSql(f);
    return this.db.prepare(`SELECT count(*) FROM papers p WHERE ${where}`).pluck().get(...params) as number;
  }

  /**
   * Year and category counts over a candidate set (a ranked pool's labels), each one SQL aggregate. Years
   * newest first; categories most frequent first, at most `maxCategories`.
   */
  facetCounts(labels: readonly number[], maxCategories = 20): FacetCounts {
    const cte = 'WITH cand(label) AS (SELECT value FROM json_each(?))';
    const params = [JSON.stringify(labels)];
    const years = this.db
      .prepare<unknown[], { value: number | null; count: number }>(
        `${cte} SELECT p.year AS value, count(*) AS count FROM cand c JOIN papers p ON p.label = c.label GROUP BY p.year ORDER BY p.year IS NULL, p.year DESC`,
      )
      .all(...params);
    const categories = this.db
      .prepare<unknown[], { value: string; count: number }>(
        `${cte} SELECT j.value AS value, count(*) AS count FROM cand c JOIN papers p ON p.label = c.label, json_each(p.categories) j
         GROUP BY j.value ORDER BY count DESC, j.value LIMIT ?`,
      )
      .all(...params, maxCategories);
    return {
      years: years.filter((y): y is { value: number; count: number } => y.value !== null),
      undated: years.find((y) => y.value === null)?.count ?? 0,
      categories,
    };
  }

  /** Each label's sort date: its date, else its year ("2021" sorts after every 2021-MM-DD), else "" (last). */
  sortDates(labels: readonly number[]): Map<number, string> {
    if (!labels.length) return new Map();
    const rows = this.db
      .prepare<[string], { label: number; d: string }>(`SELECT label, ${SORT_DATE} AS d FROM papers p WHERE label IN (SELECT value FROM json_each(?))`)
      .all(JSON.stringify(labels));
    return new Map(rows.map((r) => [r.label, r.d]));
  }

  /**
   * The paper an arXiv id names: the id itself, a versioned id (2401.01234v2, as some sources store them),
   * or a paper whose URL is that arXiv abstract page (sources whose ids are slugs).
   */
  findArxiv(id: string): PaperRow | undefined {
    const exact = this.byId.get(id);
    if (exact) return toPaper(exact);
    // A range over the unique id index finds "ID" + "v<digits>" without scanning.
    const versioned = this.db
      .prepare<[string, string], RawRow>(`SELECT ${COLS} FROM papers WHERE id > ? AND id < ? ORDER BY length(id) DESC, id DESC`)
      .all(`${id}v`, `${id}w`)
      .find((r) => /^v\d+$/.test(r.id.slice(id.length)));
    if (versioned) return toPaper(versioned);
    const urls = ['https', 'http'].flatMap((s) => [`${s}://arxiv.org/abs/${id}`, `${s}://www.arxiv.org/abs/${id}`]);
    const byUrl = this.db.prepare<string[], RawRow>(`SELECT ${COLS} FROM papers WHERE url IN (?, ?, ?, ?) LIMIT 1`).get(...urls);
    return byUrl ? toPaper(byUrl) : undefined;
  }

  /**
   * Abstract fragments around the matched terms, marked with the sentinel characters \u0001 (start) and
   * \u0002 (end) so the caller can escape the text before turning them into markup.
   */
  snippets(match: string, labels: readonly number[], tokens = 40): Map<number, string> {
    if (!labels.length) return new Map();
    const rows = this.fts.flatMap((table) =>
      this.db
        .prepare<unknown[], { label: number; s: string }>(
          `SELECT rowid AS label, snippet(papers_fts, 1, char(1), char(2), '…', ?) AS s FROM ${table}
           WHERE papers_fts MATCH ? AND rowid IN (${labels.map(() => '?').join(',')})`,
        )
        .all(tokens, match, ...labels),
    );
    return new Map(rows.map((r) => [r.label, r.s]));
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

/**
 * The base segment an update builds a delta over, read through its own read-only connection (its file is
 * shared, hard-linked, with the builds being served: nothing may ever write to it).
 */
export class BaseReader {
  readonly db: DB;
  private readonly byId;
  private readonly vec;

  constructor(file: string) {
    this.db = new Database(file, { readonly: true, fileMustExist: true });
    this.db.pragma('query_only = ON');
    this.byId = this.db.prepare<[string], RawRow>(`SELECT ${COLS} FROM papers WHERE id = ?`);
    this.vec = this.db.prepare<[number], Buffer>('SELECT vector FROM vectors WHERE label = ?').pluck();
  }

  find(id: string): RawRow | undefined {
    return this.byId.get(id);
  }

  vector(label: number): Buffer | undefined {
    return this.vec.get(label);
  }

  *idsAndLabels(): Generator<{ id: string; label: number }> {
    yield* this.db.prepare<[], { id: string; label: number }>('SELECT id, label FROM papers').iterate();
  }

  count(): number {
    return this.db.prepare('SELECT count(*) FROM papers').pluck().get() as number;
  }

  /** The largest label the base ever gave out (AUTOINCREMENT's counter): a delta's labels start above it. */
  maxLabel(): number {
    const seq = this.db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'papers'").pluck().get() as number | undefined;
    return Math.max(seq ?? 0, (this.db.prepare('SELECT max(label) FROM papers').pluck().get() as number | null) ?? 0);
  }

  close(): void {
    this.db.close();
  }
}

export type UpsertStatus = 'added' | 'updated' | 'unchanged';

const sameRow = (a: RawRow, b: Omit<RawRow, 'label'>): boolean =>
  a.content_hash === b.content_hash &&
  a.title === b.title &&
  a.abstract === b.abstract &&
  a.authors === b.authors &&
  a.date === b.date &&
  a.year === b.year &&
  a.categories === b.categories &&
  a.url === b.url &&
  a.doi === b.doi;

/**
 * Write access used by the build. Statements are prepared once: a build runs them hundreds of thousands of times.
 * With a `base`, the database written is a delta over that base segment: papers of the base are never changed
 * there; a changed or removed one gets a tombstone (and a changed one a new row, with a new label, here).
 */
export class PaperWriter {
  private readonly insertPaper;
  private readonly updatePaper;
  private readonly findStmt;
  private readonly insertVec;
  private readonly addPending;
  private readonly deleteVec;
  private readonly missingStmt;
  private readonly deleteById;
  private readonly addRemoval;
  private readonly metaStmt;
  private readonly isDead;
  private readonly addTombstone;
  private readonly noteChange;

  constructor(
    readonly db: DB,
    readonly base?: BaseReader,
  ) {
    this.insertPaper = db.prepare(
      `INSERT INTO papers (id, title, abstract, authors, date, year, categories, url, doi, content_hash, source)
       VALUES (@id, @title, @abstract, @authors, @date, @year, @categories, @url, @doi, @content_hash, @source)`,
    );
    this.updatePaper = db.prepare(
      `UPDATE papers SET title=@title, abstract=@abstract, authors=@authors, date=@date, year=@year,
       categories=@categories, url=@url, doi=@doi, content_hash=@content_hash, source=@source WHERE id=@id`,
    );
    this.findStmt = db.prepare<[string], RawRow>(`SELECT ${COLS} FROM papers WHERE id = ?`);
    this.insertVec = db.prepare('INSERT OR REPLACE INTO vectors (label, content_hash, vector) VALUES (?, ?, ?)');
    this.addPending = db.prepare('INSERT OR IGNORE INTO hnsw_pending (label) VALUES (?)');
    this.deleteVec = db.prepare('DELETE FROM vectors WHERE label = ?');
    // Keyset pagination (label > ?): each batch starts where the last one ended instead of rescanning embedded papers.
    this.missingStmt = db.prepare<[number, number], PendingPaper>(
      `SELECT p.label, p.title, p.abstract, p.content_hash FROM papers p
       LEFT JOIN vectors v ON v.label = p.label AND v.content_hash = p.content_hash
       WHERE p.label > ? AND v.label IS NULL ORDER BY p.label LIMIT ?`,
    );
    this.deleteById = db.prepare<[string], { label: number }>('DELETE FROM papers WHERE id = ? RETURNING label');
    this.addRemoval = db.prepare('INSERT OR IGNORE INTO pending_removals(label) VALUES (?)');
    this.metaStmt = db.prepare('INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)');
    this.isDead = db.prepare<[number], number>('SELECT 1 FROM tombstones WHERE label = ?').pluck();
    this.addTombstone = db.prepare('INSERT OR IGNORE INTO tombstones (label) VALUES (?)');
    // The first status of an id wins: a resumed build that meets its own earlier insert still counts it as added.
    this.noteChange = db.prepare('INSERT OR IGNORE INTO build_changes (id, status) VALUES (?, ?)');
  }

  /** A base paper by id, unless this delta removed or replaced it. */
  private liveBase(id: string): RawRow | undefined {
    const b = this.base?.find(id);
    return b && !this.isDead.get(b.label) ? b : undefined;
  }

  /**
   * Inserts or updates a paper and says what happened. A changed paper keeps its label (so its HNSW point
   * is updated in place) and loses its vector, to be re-embedded; an identical one is not written at all,
   * because rewriting title/abstract would fire the FTS5 triggers for every unchanged paper of an update.
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
    if (!existing) return this.insertNew(row);
    if (sameRow(existing, row)) return { label: existing.label, status: 'unchanged' };
    this.updatePaper.run(row);
    if (existing.content_hash === contentHash) return { label: existing.label, status: 'unchanged' };
    this.deleteVec.run(existing.label);
    this.noteChange.run(p.id, 'updated');
    return { label: existing.label, status: 'updated' };
  }

  /**
   * A paper not in this database: new, or (over a base) the base's version unchanged, or replaced. A replaced
   * base paper gets a tombstone and its new version a new label here; its vector comes along when only
   * metadata changed, so nothing is embedded again.
   */
  private insertNew(row: Omit<RawRow, 'label'> & { source: string }): { label: number; status: UpsertStatus } {
    const b = this.liveBase(row.id);
    if (b && sameRow(b, row)) return { label: b.label, status: 'unchanged' };
    const label = Number(this.insertPaper.run(row).lastInsertRowid);
    if (!b) {
      this.noteChange.run(row.id, 'added');
      return { label, status: 'added' };
    }
    this.addTombstone.run(b.label);
    if (b.content_hash === row.content_hash) {
      const v = this.base!.vector(b.label);
      if (v) {
        this.insertVec.run(label, row.content_hash, v);
        this.addPending.run(label);
      }
      return { label, status: 'unchanged' };
    }
    this.noteChange.run(row.id, 'updated');
    return { label, status: 'updated' };
  }

  /** Papers after `afterLabel` whose vector is missing or stale, in label order (the embedding work still to do). */
  pendingEmbeddings(limit: number, afterLabel = 0): PendingPaper[] {
    return this.missingStmt.all(afterLabel, limit);
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
    this.addPending.run(label);
  }

  /**
   * Deletes papers by id (their vectors go with them: ON DELETE CASCADE) and queues their labels to be
   * marked deleted in the HNSW file. Returns the labels of the papers that existed.
   */
  remove(ids: Iterable<string>): number[] {
    const labels: number[] = [];
    for (const id of ids) {
      const r = this.deleteById.get(id);
      if (r) {
        labels.push(r.label);
        this.addRemoval.run(r.label);
      }
      // Over a base, the base's version goes too (when the id was replaced, only the tombstone is left to add).
      const b = this.liveBase(id);
      if (b) {
        this.addTombstone.run(b.label);
        if (!r) labels.push(b.label);
      }
      if (r || b) this.noteChange.run(id, 'removed');
    }
    return labels;
  }

  /**
   * Copies vectors from another build database (an abandoned staging folder of the same model) for papers
   * whose id and content hash match, so work done before an interruption is not embedded again.
   */
  salvageVectors(otherDb: string): number {
    this.db.prepare('ATTACH DATABASE ? AS old').run(otherDb);
    try {
      return this.db.transaction(() => {
        this.db.exec('CREATE TEMP TABLE salvage (label INTEGER PRIMARY KEY, content_hash TEXT, vector BLOB)');
        this.db.exec(
          `INSERT INTO salvage SELECT p.label, p.content_hash, ov.vector FROM papers p
           JOIN old.papers op ON op.id = p.id AND op.content_hash = p.content_hash
           JOIN old.vectors ov ON ov.label = op.label AND ov.content_hash = op.content_hash
           LEFT JOIN vectors v ON v.label = p.label AND v.content_hash = p.content_hash
           WHERE v.label IS NULL`,
        );
        const n = this.db.prepare('INSERT OR REPLACE INTO vectors (label, content_hash, vector) SELECT label, content_hash, vector FROM salvage').run().changes;
        this.db.exec('INSERT OR IGNORE INTO hnsw_pending (label) SELECT label FROM salvage');
        this.db.exec('DROP TABLE temp.salvage');
        return n;
      })();
    } finally {
      this.db.prepare('DETACH DATABASE old').run();
    }
  }

  /** Vectors not yet in the HNSW file (all of them with `all`, to rebuild it), in label order. */
  *unindexedVectors(all = false): Generator<{ label: number; vector: Float32Array }> {
    const sql = all
      ? 'SELECT label, vector FROM vectors ORDER BY label'
      : 'SELECT v.label, v.vector FROM hnsw_pending h JOIN vectors v ON v.label = h.label ORDER BY v.label';
    const it = this.db.prepare<[], { label: number; vector: Buffer }>(sql).iterate();
    for (const r of it) yield { label: r.label, vector: blobToVector(r.vector) };
  }

  countUnindexed(): number {
    return this.db.prepare('SELECT count(*) FROM hnsw_pending').pluck().get() as number;
  }

  pendingRemovals(): number[] {
    return this.db.prepare('SELECT label FROM pending_removals').pluck().all() as number[];
  }

  /** Called once the HNSW file holding every vector has been saved. */
  markAllIndexed(): void {
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM hnsw_pending').run();
      this.db.prepare('DELETE FROM pending_removals').run();
    })();
  }

  /** Ids of the papers the index will hold (for pruning papers absent from the sources): this database's and the base's live ones. */
  *ids(): Generator<string> {
    yield* this.db.prepare('SELECT id FROM papers').pluck().iterate() as Iterable<string>;
    if (!this.base) return;
    const mine = this.db.prepare<[string], number>('SELECT 1 FROM papers WHERE id = ?').pluck();
    for (const { id, label } of this.base.idsAndLabels()) if (!this.isDead.get(label) && !mine.get(id)) yield id;
  }

  /** Papers the index will hold: this database's, plus the base's not tombstoned. */
  count(): number {
    const own = this.db.prepare('SELECT count(*) FROM papers').pluck().get() as number;
    return this.base ? own + this.base.count() - this.countTombstones() : own;
  }

  /** Each paper of this database by id: its label, content hash and whether its stored vector is current. */
  vectorTargets(): Map<string, { label: number; hash: string; current: boolean }> {
    const out = new Map<string, { label: number; hash: string; current: boolean }>();
    const it = this.db
      .prepare<[], { id: string; label: number; hash: string; current: number }>(
        `SELECT p.id, p.label, p.content_hash AS hash, v.label IS NOT NULL AS current FROM papers p
         LEFT JOIN vectors v ON v.label = p.label AND v.content_hash = p.content_hash`,
      )
      .iterate();
    for (const r of it) out.set(r.id, { label: r.label, hash: r.hash, current: !!r.current });
    return out;
  }

  /** Rows of this database's papers table (a delta's own papers). */
  rows(): number {
    return this.db.prepare('SELECT count(*) FROM papers').pluck().get() as number;
  }

  countTombstones(): number {
    return this.db.prepare('SELECT count(*) FROM tombstones').pluck().get() as number;
  }

  /** What this build changed, by status (added, updated, removed), from its own record (survives a resume). */
  changeCounts(): { added: number; updated: number; removed: number } {
    const rows = this.db.prepare<[], { status: string; n: number }>('SELECT status, count(*) AS n FROM build_changes GROUP BY status').all();
    const get = (k: string) => rows.find((r) => r.status === k)?.n ?? 0;
    return { added: get('added'), updated: get('updated'), removed: get('removed') };
  }

  setMeta(key: string, value: string): void {
    this.metaStmt.run(key, value);
  }
}

export interface PendingPaper {
  label: number;
  title: string;
  abstract: string;
  content_hash: string;
}

export function getMeta(db: DB, key: string): string | undefined {
  return (db.prepare('SELECT value FROM meta WHERE key = ?').pluck().get(key) as string | undefined) ?? undefined;
}
