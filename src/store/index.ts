// The store stage's entry: where builds live, atomic publishing, and opening a published build for serving.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir, open, readdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../errors.js';
import { openReadonly, type DB } from './db.js';
import { MANIFEST_FILE, manifestBytes, manifestFiles, readManifest, type Manifest, type Segment } from './manifest.js';
import { KEYWORD_FILE } from './keyword-file.js';
import { KeywordIndex } from './keywords.js';
import { PaperStore } from './papers.js';
import { VectorSet } from './vectors.js';

export { deferFts, finalize, openReadonly, openWritable, rebuildFts, type DB } from './db.js';
export * from './manifest.js';
export { BaseReader, PaperStore, PaperWriter, getMeta, hasFilters, type FacetCounts, type PaperFilters, type PaperRow } from './papers.js';
export { VectorIndex, VectorSet, DEFAULT_HNSW, type HnswParams, type Neighbor } from './vectors.js';
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
  // Files hard-linked from the previous build are clean already: fsync costs nothing there.
  const manifest = readManifest(path.join(stagingDir, MANIFEST_FILE));
  for (const f of [MANIFEST_FILE, ...manifestFiles(manifest).map((x) => x.name)]) await fsyncPath(path.join(stagingDir, f));
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

/** A published build opened for serving: manifest, papers (read-only SQLite over its segments) and the HNSW graphs. */
export interface OpenIndex {
  dir: string;
  manifest: Manifest;
  db: DB;
  papers: PaperStore;
  vectors: VectorSet;
  /** Bytes on disk (SQLite + HNSW; the API reports this sum as such, so the keyword files are not in it). */
  sizeBytes: number;
  close(): void;
}

/** Every file the manifest lists is there with its recorded size (the cheap check; replicas also verify sha256). */
function checkSizes(dir: string, manifest: Manifest): void {
  for (const f of manifestFiles(manifest)) {
    const p = path.join(dir, f.name);
    const size = existsSync(p) ? statSync(p).size : -1;
    if (size !== f.bytes) {
      throw new AppError('INDEX_CORRUPT', `index ${dir} is incomplete: ${f.name} is ${size < 0 ? 'missing' : `${size} bytes`}, manifest says ${f.bytes}; rebuild it`);
    }
  }
}

/** Each segment's database was written by the build the manifest names for it. */
function checkWriters(db: DB, dir: string, manifest: Manifest): void {
  manifest.segments.forEach((seg, i) => {
    const schema = i === 0 ? 'main' : 'delta';
    const got = db.prepare(`SELECT value FROM ${schema}.meta WHERE key = 'build_id'`).pluck().get() as string | undefined;
    if (got !== seg.writtenBy) {
      throw new AppError('INDEX_CORRUPT', `index ${dir}: ${seg.sqlite.name} belongs to build ${got ?? '(none)'}, manifest says ${seg.writtenBy}`);
    }
  });
}

/**
 * The build's keyword files, if it has them (builds made before they existed do not: FTS5 ranks alone there).
 * One that belongs to another build or another paper count is refused like any mismatched index file.
 */
async function openKeywords(dir: string, manifest: Manifest, deleted: ReadonlySet<number>): Promise<KeywordIndex | undefined> {
  const names = manifest.segments.map((seg, i) => seg.keywords?.name ?? (i === 0 && existsSync(path.join(dir, KEYWORD_FILE)) ? KEYWORD_FILE : undefined));
  if (names.some((n) => !n)) return undefined;
  const k = await KeywordIndex.load(names.map((n) => path.join(dir, n!)), deleted);
  const bad = k.parts.findIndex((p, i) => p.meta.buildId !== manifest.segments[i]!.writtenBy || p.segment.docs !== manifest.segments[i]!.rows);
  if (bad >= 0) {
    const p = k.parts[bad]!;
    k.close();
    throw new AppError(
      'INDEX_CORRUPT',
      `index ${dir}: ${names[bad]} belongs to build ${p.meta.buildId} with ${p.segment.docs} papers, manifest says ${manifest.segments[bad]!.writtenBy} with ${manifest.segments[bad]!.rows}; rebuild it`,
    );
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
  checkSizes(dir, manifest);
  const [base, delta] = manifest.segments as [Segment, Segment | undefined];
  const db = openReadonly(path.join(dir, base.sqlite.name), delta ? path.join(dir, delta.sqlite.name) : undefined);
  let keywords: KeywordIndex | undefined;
  try {
    checkWriters(db, dir, manifest);
    const tombstones = new Set<number>(delta ? (db.prepare('SELECT label FROM delta.tombstones').pluck().all() as number[]) : []);
    keywords = await openKeywords(dir, manifest, tombstones);
    const papers = new PaperStore(db, keywords);
    const n = papers.count();
    if (n !== manifest.counts.papers) {
      throw new AppError('INDEX_CORRUPT', `index ${dir}: ${n} papers in the database, manifest says ${manifest.counts.papers}`);
    }
    const vectors = await VectorSet.load([...base.hnsw, ...(delta?.hnsw ?? [])].map((f) => path.join(dir, f.name)), manifest.model.dims);
    vectors.hide(tombstones, base.hnsw.length);
    const kw = keywords;
    const bytes = manifestBytes(manifest);
    return {
      dir,
      manifest,
      db,
      papers,
      vectors,
      sizeBytes: bytes.sqlite + bytes.hnsw,
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
