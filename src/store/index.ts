// The store stage's entry: where builds live, atomic publishing, and opening a published build for serving.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir, open, readdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../errors.js';
import { openReadonly, type DB } from './db.js';
import { HNSW_FILE, MANIFEST_FILE, SQLITE_FILE, readManifest, type Manifest } from './manifest.js';
import { KEYWORD_FILE } from './keyword-file.js';
import { KeywordIndex } from './keywords.js';
import { PaperStore, getMeta } from './papers.js';
import { VectorIndex } from './vectors.js';

export { deferFts, finalize, openReadonly, openWritable, rebuildFts } from './db.js';
export * from './manifest.js';
export { PaperStore, PaperWriter, getMeta, hasFilters, type FacetCounts, type PaperFilters, type PaperRow } from './papers.js';
export { VectorIndex, DEFAULT_HNSW, type Neighbor } from './vectors.js';
export { folderSignature, sha256File, verifyBuild, type Verified } from './verify.js';
export { KEYWORD_FILE } from './keyword-file.js';
export { writeKeywordIndex } from './keyword-build.js';
export { KeywordIndex } from './keywords.js';

const CURRENT = 'CURRENT';
export const BUILDS = 'builds';

/** The published build folder of an index root: DIR itself if it is a build, else DIR/builds/<CURRENT>. */
export function resolveBuildDir(indexDir: string): string | undefined {
  if (existsSync(path.join(indexDir, MANIFEST_FILE))) return indexDir;
  const pointer = path.join(indexDir, CURRENT);
  if (!existsSync(pointer)) return undefined;
  const name = readFileSync(pointer, 'utf8').trim();
  return name ? path.join(indexDir, BUILDS, name) : undefined;
}

export const buildsDir = (indexDir: string): string => path.join(indexDir, BUILDS);

async function fsyncPath(p: string): Promise<void> {
  const fh = await open(p, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Publishes a finished build: rename the staging folder into place, then swap the CURRENT pointer with an
 * atomic rename. A reader sees either the old build or the new one, never a mix; a crash leaves the old one.
 */
export async function publishBuild(indexDir: string, stagingDir: string, buildId: string): Promise<string> {
  const final = path.join(buildsDir(indexDir), buildId);
  for (const f of [MANIFEST_FILE, SQLITE_FILE, HNSW_FILE]) await fsyncPath(path.join(stagingDir, f));
  await rename(stagingDir, final);
  // The move must be on disk before CURRENT names it, or a power cut could leave CURRENT pointing nowhere.
  await fsyncPath(buildsDir(indexDir));
  const tmp = path.join(indexDir, `${CURRENT}.tmp-${process.pid}`);
  await writeFile(tmp, buildId + '\n');
  await fsyncPath(tmp);
  await rename(tmp, path.join(indexDir, CURRENT));
  await fsyncPath(indexDir);
  return final;
}

/** A build's rejects file: beside its folder, so it exists even when the build fails and publishes nothing. */
export const rejectsFile = (indexDir: string, buildId: string): string => path.join(buildsDir(indexDir), `${buildId}${REJECTS_SUFFIX}`);
const REJECTS_SUFFIX = '.rejects.txt';

/**
 * Deletes published builds (and their rejects files) other than those kept: the current one and the one
 * before it (for rollback). Staging folders are left to the build, which resumes or salvages them.
 */
export async function pruneOldBuilds(indexDir: string, keep: readonly string[]): Promise<void> {
  const dir = buildsDir(indexDir);
  if (!existsSync(dir)) return;
  for (const name of await readdir(dir)) {
    const build = name.endsWith(REJECTS_SUFFIX) ? name.slice(0, -REJECTS_SUFFIX.length) : name;
    if (keep.includes(build) || name.endsWith('.partial')) continue;
    await rm(path.join(dir, name), { recursive: true, force: true });
  }
}

export async function ensureIndexRoot(indexDir: string): Promise<void> {
  await mkdir(buildsDir(indexDir), { recursive: true });
}

/** A published build opened for serving: manifest, papers (read-only SQLite) and the HNSW index. */
export interface OpenIndex {
  dir: string;
  manifest: Manifest;
  db: DB;
  papers: PaperStore;
  vectors: VectorIndex;
  /** Bytes on disk (SQLite + HNSW; the API reports this sum as such, so keywords.bin is not in it). */
  sizeBytes: number;
  close(): void;
}

/**
 * The build's keyword index, if it has one (builds made before it existed do not: FTS5 ranks alone there).
 * One that belongs to another build or another paper count is refused like any mismatched index file.
 */
async function openKeywords(dir: string, manifest: Manifest): Promise<KeywordIndex | undefined> {
  const file = path.join(dir, KEYWORD_FILE);
  if (!existsSync(file)) return undefined;
  const k = await KeywordIndex.load(file);
  if (k.meta.buildId !== manifest.buildId || k.segment.docs !== manifest.counts.papers) {
    k.close();
    throw new AppError('INDEX_CORRUPT', `index ${dir}: ${KEYWORD_FILE} belongs to build ${k.meta.buildId} with ${k.segment.docs} papers, manifest to ${manifest.buildId} with ${manifest.counts.papers}; rebuild it`);
  }
  return k;
}

/** Opens the published build and checks that its files are the ones its manifest describes. */
export async function openIndex(indexDir: string): Promise<OpenIndex> {
  const dir = resolveBuildDir(indexDir);
  if (!dir || !existsSync(dir)) {
    throw new AppError('INDEX_MISSING', `no index in ${indexDir}: build one with \`paperscope build\` (or \`npm run build-index\`)`);
  }
  const manifest = readManifest(path.join(dir, MANIFEST_FILE));
  const sqlitePath = path.join(dir, manifest.files.sqlite.name);
  const hnswPath = path.join(dir, manifest.files.hnsw.name);
  for (const [p, expected] of [
    [sqlitePath, manifest.files.sqlite.bytes],
    [hnswPath, manifest.files.hnsw.bytes],
  ] as const) {
    const size = existsSync(p) ? statSync(p).size : -1;
    if (size !== expected) {
      throw new AppError('INDEX_CORRUPT', `index ${dir} is incomplete: ${path.basename(p)} is ${size < 0 ? 'missing' : `${size} bytes`}, manifest says ${expected}; rebuild it`);
    }
  }
  const db = openReadonly(sqlitePath);
  let keywords: KeywordIndex | undefined;
  try {
    const buildId = getMeta(db, 'build_id');
    if (buildId !== manifest.buildId) {
      throw new AppError('INDEX_CORRUPT', `index ${dir}: database belongs to build ${buildId ?? '(none)'}, manifest to ${manifest.buildId}`);
    }
    keywords = await openKeywords(dir, manifest);
    const papers = new PaperStore(db, keywords);
    const n = papers.count();
    if (n !== manifest.counts.papers) {
      throw new AppError('INDEX_CORRUPT', `index ${dir}: ${n} papers in the database, manifest says ${manifest.counts.papers}`);
    }
    const vectors = await VectorIndex.load(hnswPath, manifest.model.dims);
    const kw = keywords;
    return {
      dir,
      manifest,
      db,
      papers,
      vectors,
      sizeBytes: manifest.files.sqlite.bytes + manifest.files.hnsw.bytes,
      close: () => {
        kw?.close();
        db.close();
      },
    };
  } catch (e) {
    keywords?.close();
    db.close();
    throw e;
  }
}
