// The staging folder of a build: resumed if an interrupted build left one, else made from the current build (linked or copied).
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { copyFile, link, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ReadOptions, SourceFormat } from '../ingest/index.js';
import { BUILDS, BaseReader, HNSW_FILE, KEYWORD_FILE, SQLITE_FILE, openWritable, type Segment } from '../store/index.js';
import type { CurrentBuild } from './lock.js';
import type { BuildMode } from './types.js';

export const STAGE_FILE = 'stage.json';
/** A delta segment's files (the base keeps the names a single-segment build has always had). */
export const DELTA_SQLITE = 'delta.sqlite';
export const DELTA_HNSW = 'delta.hnsw';
export const DELTA_KEYWORDS = 'delta.keywords.bin';

export type Layout = 'single' | 'delta';

/** What a staging folder was started for: an interrupted build resumes it only if all of this is the same. */
export interface StageKey {
  op: 'build' | 'remove';
  modelId: string;
  dims: number;
  baseId: string;
  mode: BuildMode;
  prune: boolean;
  sources: string[];
  format: SourceFormat;
  read: ReadOptions;
  vectors?: string;
  layout: Layout;
}

export interface Stage {
  dir: string;
  buildId: string;
  resumed: boolean;
  layout: Layout;
  /** The database this build writes: the base's copy (single) or its delta (delta). */
  workDb: string;
  /** With the delta layout: the base segment, hard-linked here from the current build. */
  base?: Segment;
  /** An abandoned staging folder of the same model whose vectors may be reused (its work database). */
  leftover?: string;
}

const keyString = (k: StageKey): string => JSON.stringify(k);

function readStageKey(dir: string): StageKey | undefined {
  try {
    return JSON.parse(readFileSync(path.join(dir, STAGE_FILE), 'utf8')) as StageKey;
  } catch {
    return undefined;
  }
}

const newBuildId = (): string => {
  const t = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${t}-${Math.random().toString(36).slice(2, 8)}`;
};

export interface LayoutPolicy {
  deltaMinPapers: number;
  mergeShare: number;
}

export const DEFAULT_POLICY: LayoutPolicy = { deltaMinPapers: 50_000, mergeShare: 0.2 };

/**
 * How this build is written. A delta over the current base when the base is large (copying it would make an
 * update cost what the index weighs, not what changed) and the current delta is still small; else one segment,
 * copied from the current build, with its delta folded in (a merge: its cost is spread over many updates).
 */
export function chooseLayout(current: CurrentBuild | undefined, mode: BuildMode, policy: LayoutPolicy): { layout: Layout; merge: boolean } {
  if (!current || mode === 'rebuild') return { layout: 'single', merge: false };
  const [base, delta] = current.manifest.segments as [Segment, Segment | undefined];
  const deltaSize = delta ? delta.rows + (delta.tombstones ?? 0) : 0;
  if (base.rows >= policy.deltaMinPapers && deltaSize <= policy.mergeShare * base.rows) return { layout: 'delta', merge: false };
  return { layout: 'single', merge: !!delta };
}

/** Copies into `dir` under a temporary name, then renames: a crash never leaves a half-copied file with the real name. */
async function copyInto(from: string, to: string): Promise<void> {
  await copyFile(from, `${to}.copy`);
  await rename(`${to}.copy`, to);
}

/** Single layout: copies of the current base's files; with a delta, its changes applied to the copy (the merge). */
async function stageSingle(dir: string, current: CurrentBuild, merge: boolean): Promise<void> {
  const [base, delta] = current.manifest.segments as [Segment, Segment | undefined];
  await copyInto(path.join(current.dir, base.sqlite.name), path.join(dir, SQLITE_FILE));
  for (const h of base.hnsw) await copyInto(path.join(current.dir, h.name), path.join(dir, h.name));
  const db = openWritable(path.join(dir, SQLITE_FILE));
  try {
    if (merge && delta) {
      const copy = path.join(dir, `merge-${DELTA_SQLITE}`);
      await copyInto(path.join(current.dir, delta.sqlite.name), copy);
      mergeDelta(db, copy);
      await rm(copy, { force: true });
    }
    db.exec('DELETE FROM build_changes');
  } finally {
    db.close();
  }
}

/**
 * Folds a delta into a copy of its base: tombstoned papers go (their labels queued for the HNSW graph), the
 * delta's papers and vectors come in with their labels (queued to be added to the graph).
 */
function mergeDelta(db: ReturnType<typeof openWritable>, deltaFile: string): void {
  db.prepare('ATTACH DATABASE ? AS d').run(deltaFile);
  try {
    db.transaction(() => {
      db.exec('INSERT OR IGNORE INTO pending_removals (label) SELECT label FROM d.tombstones');
      db.exec('DELETE FROM papers WHERE label IN (SELECT label FROM d.tombstones)');
      db.exec('INSERT INTO papers SELECT * FROM d.papers');
      db.exec('INSERT INTO vectors SELECT * FROM d.vectors');
      db.exec('INSERT OR IGNORE INTO hnsw_pending (label) SELECT label FROM d.vectors');
      // Labels are never reused: the new base's counter starts above every label the delta gave out, kept or not.
      db.exec("UPDATE sqlite_sequence SET seq = max(seq, coalesce((SELECT seq FROM d.sqlite_sequence WHERE name = 'papers'), 0)) WHERE name = 'papers'");
    })();
  } finally {
    db.prepare('DETACH DATABASE d').run();
  }
}

/**
 * Delta layout: the base's files hard-linked (no copy: they are never written), and the delta copied from the
 * current build's (small by construction) or started empty, its labels above every label the base gave out.
 */
async function stageDelta(dir: string, current: CurrentBuild): Promise<Segment> {
  const [base, delta] = current.manifest.segments as [Segment, Segment | undefined];
  const linked = [base.sqlite, ...base.hnsw, ...(base.keywords ? [base.keywords] : [])].map((f) => f.name);
  if (!base.keywords && existsSync(path.join(current.dir, KEYWORD_FILE))) linked.push(KEYWORD_FILE);
  for (const name of linked) await linkOrCopy(path.join(current.dir, name), path.join(dir, name));
  if (delta) {
    await copyInto(path.join(current.dir, delta.sqlite.name), path.join(dir, DELTA_SQLITE));
    // Each shard under its own name (a delta of more than shardMin papers is sharded too).
    for (const h of delta.hnsw) await copyInto(path.join(current.dir, h.name), path.join(dir, h.name));
  }
  const reader = new BaseReader(path.join(dir, base.sqlite.name));
  const db = openWritable(path.join(dir, DELTA_SQLITE));
  try {
    const floor = reader.maxLabel();
    db.transaction(() => {
      db.exec('DELETE FROM build_changes');
      const seq = db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'papers'").pluck().get() as number | undefined;
      if (seq === undefined) db.prepare("INSERT INTO sqlite_sequence (name, seq) VALUES ('papers', ?)").run(floor);
      else if (seq < floor) db.prepare("UPDATE sqlite_sequence SET seq = ? WHERE name = 'papers'").run(floor);
    })();
  } finally {
    db.close();
    reader.close();
  }
  return baseSegment(current, dir);
}

/**
 * The work database of a staging folder: where an interrupted build's vectors are. By layout, never by which file
 * exists: in a delta stage papers.sqlite is the base, linked from the served build, and must never be written.
 */
const workDbOf = (dir: string, layout: Layout | undefined): string => path.join(dir, layout === 'delta' ? DELTA_SQLITE : SQLITE_FILE);

/**
 * The base segment a delta stage shares with the current build. A base published before keyword files were listed
 * in manifests (format 1) still has one on disk: it is linked and listed too, so the engine keeps serving queries
 * over base and delta instead of FTS5 alone until the next merge.
 */
function baseSegment(current: CurrentBuild, dir: string): Segment {
  const base = current.manifest.segments[0] as Segment;
  if (base.keywords || !existsSync(path.join(dir, KEYWORD_FILE))) return base;
  return { ...base, keywords: { name: KEYWORD_FILE, bytes: statSync(path.join(dir, KEYWORD_FILE)).size } };
}

/** A hard link where the filesystem allows one, else a copy (another device, no link permission): never a shared write. */
async function linkOrCopy(from: string, to: string): Promise<void> {
  try {
    await link(from, to);
  } catch (e) {
    if (!['EXDEV', 'EPERM', 'EMLINK', 'ENOTSUP'].includes((e as NodeJS.ErrnoException).code ?? '')) throw e;
    await copyInto(from, to);
  }
}

/**
 * Finds or creates the staging folder: an interrupted build with the same key is resumed as is; otherwise a
 * new folder is made from the current build. Files arrive under temporary names and the key file is written
 * last, so a folder with a key file is always complete enough to resume.
 */
export async function prepareStage(
  indexDir: string,
  key: StageKey,
  current: CurrentBuild | undefined,
  merge: boolean,
): Promise<Stage> {
  const builds = path.join(indexDir, BUILDS);
  const partials = readdirSync(builds)
    .filter((n) => n.endsWith('.partial'))
    .sort()
    .reverse()
    .map((n) => path.join(builds, n));
  let resume: string | undefined;
  let leftover: string | undefined;
  for (const dir of partials) {
    const k = readStageKey(dir);
    if (!k || !existsSync(workDbOf(dir, k.layout))) continue;
    if (!resume && key.op === 'build' && keyString(k) === keyString(key)) resume = dir;
    else if (!leftover && k.modelId === key.modelId && k.dims === key.dims) leftover = dir;
  }
  // Anything else can never be resumed or salvaged: another model, or no key file (killed while copying).
  for (const dir of partials) if (dir !== resume && dir !== leftover) await rm(dir, { recursive: true, force: true });
  const salvage = leftover ? { leftover: workDbOf(leftover, readStageKey(leftover)?.layout) } : {};
  if (resume) {
    const base = key.layout === 'delta' ? baseSegment(current!, resume) : undefined;
    return { dir: resume, buildId: path.basename(resume, '.partial'), resumed: true, layout: key.layout, workDb: workDbOf(resume, key.layout), ...(base ? { base } : {}), ...salvage };
  }

  const buildId = newBuildId();
  const dir = path.join(builds, `${buildId}.partial`);
  await mkdir(dir, { recursive: true });
  let base: Segment | undefined;
  if (key.layout === 'delta') base = await stageDelta(dir, current!);
  else if (current && key.baseId) await stageSingle(dir, current, merge);
  const tmp = path.join(dir, `${STAGE_FILE}.tmp`);
  await writeFile(tmp, keyString(key));
  await rename(tmp, path.join(dir, STAGE_FILE));
  const workDb = workDbOf(dir, key.layout);
  return { dir, buildId, resumed: false, layout: key.layout, workDb, ...(base ? { base } : {}), ...salvage };
}

export { HNSW_FILE, KEYWORD_FILE, SQLITE_FILE };
