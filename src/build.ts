// The indexing job: read sources, validate, embed what changed, write SQLite + HNSW in a staging folder, publish atomically.
import { closeSync, constants, existsSync, openSync, readFileSync, readdirSync, statSync, writeSync } from 'node:fs';
import { copyFile, link, mkdir, rename, rm, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Embedder, ModelInfo } from './embed/index.js';
import { AppError } from './errors.js';
import { formatReject, readSources, type ReadOptions, type SourceFormat } from './ingest/index.js';
import { contentHash, passageText, type Paper } from './paper.js';
import { startProgress } from './progress.js';
import { sha256File } from './store/verify.js';
import {
  BUILDS,
  DEFAULT_HNSW,
  FORMAT_VERSION,
  HNSW_FILE,
  KEYWORD_FILE,
  MANIFEST_FILE,
  PaperWriter,
  SQLITE_FILE,
  VectorIndex,
  deferFts,
  ensureIndexRoot,
  finalize,
  openWritable,
  publishBuild,
  pruneOldBuilds,
  readManifest,
  rebuildFts,
  rejectsFile as rejectsPath,
  resolveBuildDir,
  writeKeywordIndex,
  writeManifest,
  type Manifest,
} from './store/index.js';

/**
 * full:    the sources define the index; vectors of unchanged papers are reused from the current build.
 * update:  add new and changed papers to the current build, keep the rest (remove absent ones with prune).
 * rebuild: ignore the current build entirely and embed everything (the way to change the model).
 */
export type BuildMode = 'full' | 'update' | 'rebuild';

export interface BuildOptions {
  indexDir: string;
  sources: readonly string[];
  embedder: Embedder;
  mode?: BuildMode;
  prune?: boolean;
  strict?: boolean;
  /** Source format for every source ("auto": by file name and content). */
  format?: SourceFormat;
  /** Reader options: forced JSON shape, CSV column map and delimiter. */
  read?: ReadOptions;
  batchSize?: number;
  /** Papers embedded per committed transaction: an interrupted build loses at most this much embedding work. */
  commitEvery?: number;
  progress?: boolean;
  /** One line of human output (stderr). */
  log?: (line: string) => void;
  /** Folder of a model given as a path, recorded in the manifest so the server finds it again. */
  modelLocation?: string;
  /** Test hook: called after each committed embedding batch. */
  onBatch?: (embedded: number) => void;
  /** Test hook: pause after each committed embedding batch, so a test can kill the process mid-build. */
  batchDelayMs?: number;
}

export interface BuildTimings {
  /** Finding or creating the staging folder (copying the base build's files). */
  stage: number;
  /** Reading, validating, hashing and writing papers to SQLite (and FTS5). */
  ingest: number;
  /** The embedding loop: model time plus committing vectors. */
  embed: number;
  /** Adding vectors to the HNSW graph and saving it. */
  hnsw: number;
  /** Writing the keyword index (keywords.bin) from the FTS5 index. */
  keywords: number;
  /** Checkpoint, manifest, fsync and the atomic publish. */
  publish: number;
}

export interface BuildSummary {
  buildId: string;
  dir: string;
  model: string;
  papers: number;
  /** Relative to the build this one started from (none: everything is added). */
  added: number;
  updated: number;
  unchanged: number;
  removed: number;
  rejected: number;
  /** Papers embedded by this run (a resumed run embeds only what the interrupted one had not committed). */
  embedded: number;
  resumed: boolean;
  /** Vectors recovered from an abandoned staging folder instead of being embedded again. */
  salvaged: number;
  seconds: number;
  embedSeconds: number;
  timings: BuildTimings;
  rejectsFile?: string;
}

export interface RemoveOptions {
  indexDir: string;
  ids: readonly string[];
  log?: (line: string) => void;
}

export interface RemoveSummary {
  buildId: string;
  dir: string;
  model: string;
  papers: number;
  removed: number;
  notFound: string[];
  seconds: number;
}

const MAX_REJECTS_PRINTED = 20;
/** Papers per SQLite transaction while ingesting: large enough that commits do not dominate. */
const INSERT_TX = 2000;
/** Rebuild the HNSW graph from the stored vectors once this share of its points are deleted ones. */
const COMPACT_DELETED_SHARE = 0.25;
const STAGE_FILE = 'stage.json';
const round3 = (x: number): number => Math.round(x * 1000) / 1000;

const newBuildId = (): string => {
  const t = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${t}-${Math.random().toString(36).slice(2, 8)}`;
};

const pidAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * One build at a time per index: a lock file with the owner's pid; a dead owner's lock (a killed build) is taken over.
 * The file appears with the pid already in it (a hard link of a complete file), so a build starting at the same
 * moment never reads an empty lock and mistakes it for a dead owner's. Exported for the lock test.
 */
export async function acquireLock(indexDir: string): Promise<() => Promise<void>> {
  const file = path.join(indexDir, 'build.lock');
  const mine = `${file}.${process.pid}`;
  await writeFile(mine, String(process.pid));
  try {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        await link(mine, file);
        return () => unlink(file).catch(() => {});
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      let owner: number;
      try {
        owner = Number(readFileSync(file, 'utf8'));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue; // released meanwhile: try again
        throw e;
      }
      if (owner && pidAlive(owner) && owner !== process.pid) {
        throw new AppError('INVALID_INPUT', `another build (pid ${owner}) is running on ${indexDir}`);
      }
      await unlink(file).catch(() => {});
    }
  } finally {
    await unlink(mine).catch(() => {});
  }
  throw new AppError('INTERNAL', `could not lock ${indexDir}`);
}

/**
 * Builds go into an index root (builds/ + CURRENT). A published build folder given instead would get an
 * index nested inside it that nothing serves: the folder's own manifest.json always wins when it is opened.
 */
function checkIndexRoot(indexDir: string): void {
  if (!existsSync(path.join(indexDir, MANIFEST_FILE))) return;
  const parent = path.dirname(path.resolve(indexDir));
  const root = path.basename(parent) === BUILDS ? ` (${path.dirname(parent)})` : '';
  throw new AppError('INVALID_INPUT', `${indexDir} is a published build, not an index root: give the folder that holds builds/ and CURRENT${root}`);
}

function currentBuild(indexDir: string): { dir: string; manifest: Manifest } | undefined {
  const dir = resolveBuildDir(indexDir);
  if (!dir || !existsSync(path.join(dir, MANIFEST_FILE))) return undefined;
  return { dir, manifest: readManifest(path.join(dir, MANIFEST_FILE)) };
}

/** What a staging folder was started for: an interrupted build resumes it only if all of this is the same. */
interface StageKey {
  op: 'build' | 'remove';
  modelId: string;
  dims: number;
  baseId: string;
  mode: BuildMode;
  prune: boolean;
  sources: string[];
  format: SourceFormat;
  read: ReadOptions;
}

const keyString = (k: StageKey): string => JSON.stringify(k);

function readStageKey(dir: string): StageKey | undefined {
  try {
    return JSON.parse(readFileSync(path.join(dir, STAGE_FILE), 'utf8')) as StageKey;
  } catch {
    return undefined;
  }
}

interface Stage {
  dir: string;
  buildId: string;
  resumed: boolean;
  /** An abandoned staging folder of the same model whose vectors may be reused. */
  leftover?: string;
}

/**
 * Finds or creates the staging folder: an interrupted build with the same key is resumed as is; otherwise a
 * new folder starts from a copy of the base build (whose vectors are reused). The copies go to temporary
 * names and the key file is written last, so a folder with a key file is always complete enough to resume.
 */
async function prepareStage(indexDir: string, key: StageKey, base: { dir: string; manifest: Manifest } | undefined): Promise<Stage> {
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
    if (!k || !existsSync(path.join(dir, SQLITE_FILE))) continue;
    if (!resume && key.op === 'build' && keyString(k) === keyString(key)) resume = dir;
    else if (!leftover && k.modelId === key.modelId && k.dims === key.dims) leftover = dir;
  }
  // Anything else can never be resumed or salvaged: another model, or no key file (killed while copying).
  for (const dir of partials) if (dir !== resume && dir !== leftover) await rm(dir, { recursive: true, force: true });
  if (resume) return { dir: resume, buildId: path.basename(resume, '.partial'), resumed: true, ...(leftover ? { leftover } : {}) };

  const buildId = newBuildId();
  const dir = path.join(builds, `${buildId}.partial`);
  await mkdir(dir, { recursive: true });
  if (base) {
    for (const [from, to] of [
      [base.manifest.files.sqlite.name, SQLITE_FILE],
      [base.manifest.files.hnsw.name, HNSW_FILE],
    ] as const) {
      // A reflink (copy-on-write clone) where the filesystem has them: instant even for a large index.
      await copyFile(path.join(base.dir, from), path.join(dir, `${to}.copy`), constants.COPYFILE_FICLONE);
      await rename(path.join(dir, `${to}.copy`), path.join(dir, to));
    }
  }
  const tmp = path.join(dir, `${STAGE_FILE}.tmp`);
  await writeFile(tmp, keyString(key));
  await rename(tmp, path.join(dir, STAGE_FILE));
  return { dir, buildId, resumed: false, ...(leftover ? { leftover } : {}) };
}

/**
 * Brings the stage's HNSW file up to date with its SQLite vectors: adds the vectors not yet indexed, marks
 * removed labels deleted, and rebuilds the graph from all stored vectors when the file is missing or
 * unreadable (a crash while it was written) or when deleted points have piled up.
 */
async function syncHnsw(stage: string, w: PaperWriter, dims: number, log: (l: string) => void): Promise<void> {
  const hnswPath = path.join(stage, HNSW_FILE);
  const papers = w.count();
  let index: VectorIndex | undefined;
  if (existsSync(hnswPath)) {
    try {
      index = await VectorIndex.load(hnswPath, dims);
    } catch (e) {
      log(`the staged vector index is unreadable (${(e as Error).message}); rebuilding it from the stored vectors`);
    }
  }
  if (index) {
    index.reserve(index.count + w.countUnindexed());
    for (const { label, vector } of w.unindexedVectors()) index.add(label, vector);
    for (const label of w.pendingRemovals()) index.markDeleted(label);
    const deleted = index.count - papers;
    if (deleted > 1000 && deleted > index.count * COMPACT_DELETED_SHARE) {
      log(`compacting the vector index: ${deleted} of its ${index.count} points are deleted papers`);
      index = undefined;
    }
  }
  if (!index) {
    index = VectorIndex.create(dims, papers);
    for (const { label, vector } of w.unindexedVectors(true)) index.add(label, vector);
  }
  await index.save(hnswPath);
  w.markAllIndexed();
}

/** Checkpoints the stage, writes its manifest and publishes it; older builds but the previous one are pruned. */
async function publishStage(
  indexDir: string,
  stage: string,
  buildId: string,
  previous: string | undefined,
  manifest: Omit<Manifest, 'files' | 'formatVersion' | 'buildId' | 'createdAt'>,
): Promise<string> {
  await rm(path.join(stage, STAGE_FILE), { force: true });
  const full: Manifest = {
    formatVersion: FORMAT_VERSION,
    buildId,
    createdAt: new Date().toISOString(),
    ...manifest,
    // Checksums let a replica that receives the build by a plain copy verify it before serving it.
    files: {
      sqlite: { name: SQLITE_FILE, bytes: statSync(path.join(stage, SQLITE_FILE)).size, sha256: await sha256File(path.join(stage, SQLITE_FILE)) },
      hnsw: { name: HNSW_FILE, bytes: statSync(path.join(stage, HNSW_FILE)).size, sha256: await sha256File(path.join(stage, HNSW_FILE)) },
    },
  };
  await writeManifest(path.join(stage, MANIFEST_FILE), full);
  const dir = await publishBuild(indexDir, stage, buildId);
  await pruneOldBuilds(indexDir, [buildId, ...(previous ? [previous] : [])]);
  return dir;
}

/** Streams rejects to the rejects file and keeps the first few for the log. */
class Rejects {
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
}

/** Refuses to mix models: vectors of two models in one index would be meaningless to each other. */
function checkModel(current: { manifest: Manifest } | undefined, model: ModelInfo, mode: BuildMode): void {
  if (!current || mode === 'rebuild') return;
  const m = current.manifest.model;
  if (m.modelId !== model.modelId || m.dims !== model.dims || m.dtype !== model.dtype) {
    throw new AppError(
      'INDEX_MISMATCH',
      `the index was built with ${m.modelId} (${m.dims}-d, ${m.dtype}), not ${model.modelId} (${model.dims}-d, ${model.dtype}): vectors of two models cannot be mixed; ` +
        'run the build with --rebuild to re-embed every paper with the new model',
    );
  }
}

export async function buildIndex(opts: BuildOptions): Promise<BuildSummary> {
  const t0 = performance.now();
  const log = opts.log ?? (() => {});
  const mode = opts.mode ?? 'full';
  const batchSize = opts.batchSize ?? 16;
  // Large enough that the embedder's length-sorted batches pad little, small enough that a crash loses seconds.
  const commitEvery = Math.max(1, opts.commitEvery ?? Math.max(batchSize * 16, 256));
  const { embedder } = opts;
  const model = embedder.info;
  if (!opts.sources.length) throw new AppError('INVALID_INPUT', 'no sources given');
  for (const s of opts.sources) {
    if (!existsSync(s) || !statSync(s).isFile()) throw new AppError('SOURCE_INVALID', `${s}: no such file`);
  }

  checkIndexRoot(opts.indexDir);
  await ensureIndexRoot(opts.indexDir);
  const release = await acquireLock(opts.indexDir);
  try {
    let current: ReturnType<typeof currentBuild>;
    try {
      current = currentBuild(opts.indexDir);
    } catch (e) {
      // --rebuild is the way out of a damaged index: it needs nothing from the current build.
      if (mode !== 'rebuild' || !(e instanceof AppError)) throw e;
      log(`ignoring the current build: ${e.message}`);
    }
    checkModel(current, model, mode);
    if (mode === 'update' && !current) log('no existing index: building a new one');
    const base = mode !== 'rebuild' ? current : undefined;
    const key: StageKey = {
      op: 'build',
      modelId: model.modelId,
      dims: model.dims,
      baseId: base?.manifest.buildId ?? '',
      mode,
      prune: mode === 'update' ? (opts.prune ?? false) : true,
      sources: opts.sources.map((s) => path.resolve(s)),
      format: opts.format ?? 'auto',
      read: opts.read ?? {},
    };
    const ts = performance.now();
    const stage = await prepareStage(opts.indexDir, key, base);
    const stageSeconds = (performance.now() - ts) / 1000;
    const { buildId, resumed } = stage;
    if (resumed) log(`resuming interrupted build ${buildId}`);

    const db = openWritable(path.join(stage.dir, SQLITE_FILE));
    const w = new PaperWriter(db);
    let closed = false;
    const rejects = new Rejects(rejectsPath(opts.indexDir, buildId));
    try {
      w.setMeta('model_id', model.modelId);
      w.setMeta('build_id', buildId);
      // Without a base every paper is new: build the FTS5 index once after the bulk insert instead of row by row.
      if (!base) deferFts(db);

      // 1. Ingest: validate, dedupe, upsert (no embedding yet). Nothing but the id map grows with the input.
      const ti = performance.now();
      await rm(rejects.file, { force: true }); // a resumed build reads everything again, so it writes the file anew
      const fileNo = new Map(opts.sources.map((s, i) => [s, i]));
      // id -> where it was first seen, packed as file number * 2^32 + line (a number, not a string per paper).
      const seen = new Map<string, number>();
      const where = (packed: number): string => `${opts.sources[Math.floor(packed / 2 ** 32)]}:${packed % 2 ** 32}`;
      let batch: { p: Paper; src: string }[] = [];
      const flush = db.transaction((rows: { p: Paper; src: string }[]) => {
        for (const r of rows) w.upsert(r.p, contentHash(r.p), r.src);
      });
      let read = 0;
      let nextReport = performance.now() + 5000;
      for await (const item of readSources(opts.sources, opts.format ?? 'auto', opts.read ?? {})) {
        read++;
        if (opts.progress && read % 1000 === 0 && performance.now() > nextReport) {
          nextReport = performance.now() + 5000;
          log(`reading: ${read} records (${Math.round(read / ((performance.now() - ti) / 1000))}/s)`);
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
      batch = [];
      rejects.close();
      rejects.first.forEach((r) => log(r));
      if (rejects.count > rejects.first.length) log(`... and ${rejects.count - rejects.first.length} more rejected records`);
      if (rejects.count) log(`rejected records are listed in ${rejects.file}`);
      if (seen.size === 0 || (opts.strict && rejects.count)) {
        db.close();
        closed = true;
        // A fresh stage holds no embedding work yet; a resumed one keeps it for the next attempt.
        if (!resumed) await rm(stage.dir, { recursive: true, force: true });
        throw new AppError(
          'SOURCE_INVALID',
          seen.size === 0
            ? `no valid paper in ${opts.sources.join(', ')} (${rejects.count} rejected${rejects.count ? `: see ${rejects.file}` : ''}); nothing was published`
            : `${rejects.count} invalid records and --strict was given (see ${rejects.file}); nothing was published`,
        );
      }

      // 2. Remove papers absent from the sources (full builds define the index; updates only with --prune).
      if (key.prune) {
        const gone = [...w.ids()].filter((id) => !seen.has(id));
        if (gone.length) db.transaction(() => w.remove(gone))();
      }
      seen.clear();
      rebuildFts(db);
      let salvaged = 0;
      if (stage.leftover) {
        try {
          salvaged = w.salvageVectors(path.join(stage.leftover, SQLITE_FILE));
          if (salvaged) log(`reused ${salvaged} vectors from the interrupted build ${path.basename(stage.leftover, '.partial')}`);
        } catch (e) {
          log(`could not reuse the interrupted build ${stage.leftover}: ${(e as Error).message}`);
        }
        await rm(stage.leftover, { recursive: true, force: true });
      }
      const ingestSeconds = (performance.now() - ti) / 1000;

      // 3. Embed what has no up-to-date vector, committing each batch so a crash loses at most one batch.
      const total = w.countPending();
      const te = performance.now();
      const bar = startProgress('embedding', total, opts.progress ?? false);
      let embedded = 0;
      let after = 0;
      const put = db.transaction((rows: { label: number; content_hash: string }[], vecs: Float32Array[]) =>
        rows.forEach((r, i) => w.putVector(r.label, r.content_hash, vecs[i]!)),
      );
      // Up to embedder.parallelism batches in flight (1 for a local model; several for the queue's workers),
      // each committed as soon as it arrives, in whatever order: a resumed build embeds what has no vector.
      const inFlight = new Set<Promise<void>>();
      let failure: unknown;
      for (let exhausted = false; ; ) {
        while (!exhausted && failure === undefined && inFlight.size < Math.max(1, embedder.parallelism ?? 1)) {
          const rows = w.pendingEmbeddings(commitEvery, after);
          if (!rows.length) {
            exhausted = true;
            break;
          }
          after = rows[rows.length - 1]!.label;
          const p: Promise<void> = embedder
            .embedPassages(rows.map(passageText))
            .then((vecs) => {
              put(rows, vecs);
              embedded += rows.length;
              bar.update(embedded);
              opts.onBatch?.(embedded);
            })
            .catch((e) => void (failure ??= e));
          inFlight.add(p);
          void p.finally(() => inFlight.delete(p));
        }
        if (!inFlight.size) break;
        // After a failure the batches already in flight still commit; then the build stops (resumable).
        await Promise.race(inFlight);
        if (opts.batchDelayMs) await sleep(opts.batchDelayMs);
      }
      if (failure !== undefined) throw failure;
      bar.stop();
      const embedSeconds = (performance.now() - te) / 1000;

      // 4. HNSW: extend the base build's graph (or build one), delete removed labels, save atomically.
      const th = performance.now();
      await syncHnsw(stage.dir, w, model.dims, log);
      const hnswSeconds = (performance.now() - th) / 1000;

      // 5. The keyword index, from the finished FTS5 index.
      const tk = performance.now();
      writeKeywordIndex(db, path.join(stage.dir, KEYWORD_FILE), { buildId });
      const keywordSeconds = (performance.now() - tk) / 1000;

      // 6. Counts relative to the base build (so a resumed build reports what an uninterrupted one would).
      const tp = performance.now();
      const papers = w.count();
      const counts = base
        ? w.compareWith(path.join(base.dir, base.manifest.files.sqlite.name))
        : { added: papers, updated: 0, unchanged: 0, removed: 0 };
      finalize(db);
      db.close();
      closed = true;

      // 7. Manifest, then the atomic publish.
      const sources = [];
      for (const s of opts.sources) sources.push({ path: path.resolve(s), sha256: await sha256File(s), bytes: statSync(s).size });
      const dir = await publishStage(opts.indexDir, stage.dir, buildId, current ? path.basename(current.dir) : undefined, {
        model: { ...model, ...(opts.modelLocation ? { location: opts.modelLocation } : {}) },
        hnsw: DEFAULT_HNSW,
        counts: { papers, rejected: rejects.count },
        sources,
        buildSeconds: round3((performance.now() - t0) / 1000),
      });
      const publishSeconds = (performance.now() - tp) / 1000;
      return {
        buildId,
        dir,
        model: model.modelId,
        papers,
        ...counts,
        rejected: rejects.count,
        embedded,
        resumed,
        salvaged,
        seconds: (performance.now() - t0) / 1000,
        embedSeconds,
        timings: { stage: round3(stageSeconds), ingest: round3(ingestSeconds), embed: round3(embedSeconds), hnsw: round3(hnswSeconds), keywords: round3(keywordSeconds), publish: round3(publishSeconds) },
        ...(rejects.count ? { rejectsFile: rejects.file } : {}),
      };
    } finally {
      rejects.close();
      if (!closed) db.close();
    }
  } finally {
    await release();
  }
}

/**
 * Removes papers by id: a new build (a copy of the current one without them, their HNSW points marked
 * deleted) published atomically like any other, so the served index never shows a half-applied removal.
 */
export async function removePapers(opts: RemoveOptions): Promise<RemoveSummary> {
  const t0 = performance.now();
  const log = opts.log ?? (() => {});
  const ids = [...new Set(opts.ids.map((s) => s.trim()).filter(Boolean))];
  if (!ids.length) throw new AppError('INVALID_INPUT', 'no paper ids given');
  checkIndexRoot(opts.indexDir);
  await ensureIndexRoot(opts.indexDir);
  const release = await acquireLock(opts.indexDir);
  try {
    const current = currentBuild(opts.indexDir);
    if (!current) throw new AppError('INDEX_MISSING', `no index in ${opts.indexDir}: nothing to remove from`);
    const m = current.manifest;
    const stage = await prepareStage(
      opts.indexDir,
      { op: 'remove', modelId: m.model.modelId, dims: m.model.dims, baseId: m.buildId, mode: 'update', prune: false, sources: [], format: 'auto', read: {} },
      current,
    );
    const db = openWritable(path.join(stage.dir, SQLITE_FILE));
    let closed = false;
    try {
      const w = new PaperWriter(db);
      w.setMeta('build_id', stage.buildId);
      const removedIds: string[] = [];
      db.transaction(() => {
        for (const id of ids) if (w.remove([id]).length) removedIds.push(id);
      })();
      const notFound = ids.filter((id) => !removedIds.includes(id));
      if (!removedIds.length) {
        db.close();
        closed = true;
        await rm(stage.dir, { recursive: true, force: true });
        throw new AppError('NOT_FOUND', `no paper with id ${notFound.map((id) => `"${id}"`).join(', ')} in the index; nothing was changed`);
      }
      if (notFound.length) log(`not in the index: ${notFound.join(', ')}`);
      await syncHnsw(stage.dir, w, m.model.dims, log);
      writeKeywordIndex(db, path.join(stage.dir, KEYWORD_FILE), { buildId: stage.buildId });
      const papers = w.count();
      finalize(db);
      db.close();
      closed = true;
      const dir = await publishStage(opts.indexDir, stage.dir, stage.buildId, path.basename(current.dir), {
        model: m.model,
        hnsw: m.hnsw,
        counts: { papers, rejected: 0 },
        sources: m.sources,
        buildSeconds: round3((performance.now() - t0) / 1000),
      });
      return { buildId: stage.buildId, dir, model: m.model.modelId, papers, removed: removedIds.length, notFound, seconds: (performance.now() - t0) / 1000 };
    } finally {
      if (!closed) db.close();
    }
  } finally {
    await release();
  }
}
