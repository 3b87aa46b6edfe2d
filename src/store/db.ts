// Opens a build's SQLite file with the right pragmas and creates the schema (papers, vectors, FTS5, meta).
import Database from 'better-sqlite3';

export type DB = Database.Database;

export const SCHEMA_VERSION = 1;

/**
 * The triggers that keep FTS5 in step with papers. A fresh build drops them while it bulk-inserts and
 * rebuilds the FTS5 index once at the end: per-row FTS5 inserts cost 2.5x more than one 'rebuild'.
 */
const FTS_TRIGGERS = `
CREATE TRIGGER IF NOT EXISTS papers_ai AFTER INSERT ON papers BEGIN
  INSERT INTO papers_fts(rowid, title, abstract) VALUES (new.label, new.title, new.abstract);
END;
CREATE TRIGGER IF NOT EXISTS papers_ad AFTER DELETE ON papers BEGIN
  INSERT INTO papers_fts(papers_fts, rowid, title, abstract) VALUES ('delete', old.label, old.title, old.abstract);
END;
CREATE TRIGGER IF NOT EXISTS papers_au AFTER UPDATE OF title, abstract ON papers BEGIN
  INSERT INTO papers_fts(papers_fts, rowid, title, abstract) VALUES ('delete', old.label, old.title, old.abstract);
  INSERT INTO papers_fts(rowid, title, abstract) VALUES (new.label, new.title, new.abstract);
END;
`;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS papers (
  label        INTEGER PRIMARY KEY AUTOINCREMENT, -- the HNSW label and FTS5 rowid; never reused, so HNSW updates stay unambiguous
  id           TEXT NOT NULL UNIQUE,
  title        TEXT NOT NULL,                -- '' when the source gave none (the shown title is derived on read)
  abstract     TEXT NOT NULL,                -- '' for a title-only record
  authors      TEXT NOT NULL DEFAULT '[]',   -- JSON array
  date         TEXT,
  year         INTEGER,
  categories   TEXT NOT NULL DEFAULT '[]',   -- JSON array
  url          TEXT,
  doi          TEXT,
  content_hash TEXT NOT NULL,
  source       TEXT                          -- file:line it came from, for error reports
);
CREATE INDEX IF NOT EXISTS papers_year ON papers(year);
-- Vectors live beside the papers so the HNSW file can be rebuilt, and an interrupted build resumed, without re-embedding.
CREATE TABLE IF NOT EXISTS vectors (
  label        INTEGER PRIMARY KEY REFERENCES papers(label) ON DELETE CASCADE,
  content_hash TEXT NOT NULL,
  vector       BLOB NOT NULL
);
-- Labels whose stored vector is not yet in this build's saved HNSW file. A table of its own, not a flag on
-- vectors: emptying it after the HNSW save is cheap, where flipping a flag rewrote every vector row.
CREATE TABLE IF NOT EXISTS hnsw_pending (label INTEGER PRIMARY KEY);
-- Labels deleted from papers during a build, still to be marked deleted in the HNSW file inherited from the base build.
CREATE TABLE IF NOT EXISTS pending_removals (label INTEGER PRIMARY KEY);
-- In a delta segment: labels of base papers it removes or replaces (readers hide them). Empty in a base.
CREATE TABLE IF NOT EXISTS tombstones (label INTEGER PRIMARY KEY);
-- What this build did to each paper id it touched (added, updated, removed), kept with the staged data so a
-- resumed build reports what an uninterrupted one would. Emptied when a new build starts from a copy.
CREATE TABLE IF NOT EXISTS build_changes (id TEXT PRIMARY KEY, status TEXT NOT NULL);
CREATE VIRTUAL TABLE IF NOT EXISTS papers_fts USING fts5(
  title, abstract, content='papers', content_rowid='label', tokenize='porter unicode61 remove_diacritics 2'
);
`;

/** Opens (and migrates) a build database for writing. WAL + NORMAL sync: each committed batch survives a crash. */
export function openWritable(file: string): DB {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  // 64 MB page cache: the FTS5 index and the papers B-tree of a 100k-paper build stay in memory while writing.
  db.pragma('cache_size = -65536');
  db.pragma('temp_store = MEMORY');
  db.exec(SCHEMA);
  if (!ftsDeferred(db)) db.exec(FTS_TRIGGERS);
  db.prepare('INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)').run('schema_version', String(SCHEMA_VERSION));
  return db;
}

const ftsDeferred = (db: DB): boolean => !!db.prepare("SELECT 1 FROM meta WHERE key = 'fts_deferred'").get();

/**
 * Stops maintaining FTS5 row by row (for a bulk load); recorded in meta so that a resumed build keeps it
 * stopped and still rebuilds the index before publishing.
 */
export function deferFts(db: DB): void {
  db.transaction(() => {
    for (const t of ['papers_ai', 'papers_ad', 'papers_au']) db.exec(`DROP TRIGGER IF EXISTS ${t}`);
    db.prepare("INSERT OR REPLACE INTO meta(key, value) VALUES ('fts_deferred', '1')").run();
  })();
}

/** Rebuilds the FTS5 index from the papers table in one pass and restores the triggers. No-op unless deferred. */
export function rebuildFts(db: DB): void {
  if (!ftsDeferred(db)) return;
  db.transaction(() => {
    db.exec("INSERT INTO papers_fts(papers_fts) VALUES ('rebuild')");
    db.exec(FTS_TRIGGERS);
    db.prepare("DELETE FROM meta WHERE key = 'fts_deferred'").run();
  })();
}

/**
 * Opens a published build read-only: the server can never modify the index it serves. With a delta segment,
 * the delta is attached (read-only too) and temporary views named papers and vectors, which shadow the base's
 * tables for every unqualified query, show the base's rows minus the delta's tombstones plus the delta's rows:
 * all of PaperStore's SQL reads one logical index. (SQLite pushes WHERE terms into both arms, so lookups by
 * id or label stay index lookups.) FTS5 tables are per segment: main.papers_fts and delta.papers_fts.
 */
export function openReadonly(file: string, delta?: string): DB {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    if (delta) {
      db.prepare('ATTACH DATABASE ? AS delta').run(delta);
      const live = (t: string) =>
        `SELECT * FROM main.${t} b WHERE NOT EXISTS (SELECT 1 FROM delta.tombstones x WHERE x.label = b.label) UNION ALL SELECT * FROM delta.${t}`;
      db.exec(`CREATE TEMP VIEW papers AS ${live('papers')}; CREATE TEMP VIEW vectors AS ${live('vectors')};`);
    }
    db.pragma('query_only = ON');
    return db;
  } catch (e) {
    db.close();
    throw e;
  }
}

/** The FTS5 tables a reader searches: the base's, and the delta's when one is attached. */
export const ftsTables = (db: DB): string[] =>
  (db.prepare("SELECT name FROM pragma_database_list WHERE name = 'delta'").get() ? ['main', 'delta'] : ['main']).map((s) => `${s}.papers_fts`);

/** Folds the WAL into the main file and leaves a single self-contained file, ready to publish. */
export function finalize(db: DB): void {
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.pragma('journal_mode = DELETE');
  db.pragma('optimize');
}
