// Opens a build's SQLite file with the right pragmas and creates the schema (papers, vectors, FTS5, meta).
import Database from 'better-sqlite3';

export type DB = Database.Database;

export const SCHEMA_VERSION = 1;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS papers (
  label        INTEGER PRIMARY KEY AUTOINCREMENT, -- the HNSW label and FTS5 rowid; never reused, so HNSW updates stay unambiguous
  id           TEXT NOT NULL UNIQUE,
  title        TEXT NOT NULL,
  abstract     TEXT NOT NULL,
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
  vector       BLOB NOT NULL,
  indexed      INTEGER NOT NULL DEFAULT 0     -- 1 once the vector is in this build's saved HNSW file
);
-- Labels deleted from papers during a build, still to be marked deleted in the HNSW file inherited from the base build.
CREATE TABLE IF NOT EXISTS pending_removals (label INTEGER PRIMARY KEY);
CREATE VIRTUAL TABLE IF NOT EXISTS papers_fts USING fts5(
  title, abstract, content='papers', content_rowid='label', tokenize='porter unicode61 remove_diacritics 2'
);
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
  db.prepare('INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)').run('schema_version', String(SCHEMA_VERSION));
  return db;
}

/** Opens a published build read-only: the server can never modify the index it serves. */
export function openReadonly(file: string): DB {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  db.pragma('query_only = ON');
  return db;
}

/** Folds the WAL into the main file and leaves a single self-contained file, ready to publish. */
export function finalize(db: DB): void {
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.pragma('journal_mode = DELETE');
  db.pragma('optimize');
}
