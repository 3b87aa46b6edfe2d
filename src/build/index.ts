// The indexing job as a pipeline: lock, stage, ingest, vectors, embed, HNSW, keywords, publish (one module per step).
import { existsSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { ModelInfo } from '../embed/index.js';
import { AppError } from '../errors.js';
import {
  BaseReader,
  DEFAULT_HNSW,
  PaperWriter,
  deferFts,
  ensureIndexRoot,
  finalize,
  getMeta,
  openWritable,
  rebuildFts,
  rejectsFile as rejectsPath,
  sha256File,
  writeKeywordIndex,
  type HnswParams,
} from '../store/index.js';
import { embedPending } from './embed.js';
import { SHARDS_META, defaultShards, stagedShards, syncHnsw } from './hnsw.js';
import { Rejects, checkIngest, ingestSources, pruneAbsent } from './ingest.js';
import { acquireLock, checkIndexRoot, currentBuild, type CurrentBuild } from './lock.js';
import { publishStage, type SegmentDraft } from './publish.js';
import {
  DEFAULT_POLICY,
  DELTA_HNSW,
  DELTA_KEYWORDS,
  HNSW_FILE,
  KEYWORD_FILE,
  SQLITE_FILE,
  chooseLayout,
  prepareStage,
  type Stage,
  type StageKey,
} from './stage.js';
import { round3, type BuildMode, type BuildOptions, type BuildSummary, type RemoveOptions, type RemoveSummary } from './types.js';
import { importVectors } from './vectors.js';

export { acquireLock } from './lock.js';
export type { BuildMode, BuildOptions, BuildSummary, BuildTimings, RemoveOptions, RemoveSummary } from './types.js';

/** Shards only pay off for large graphs: below this many vectors one graph is built on one thread. */
const SHARD_MIN_PAPERS = 200_000;

/** Refuses to mix models: vectors of two models (or two weights of one) in one index would not compare. */
function checkModel(current: CurrentBuild | undefined, model: ModelInfo, mode: BuildMode): void {
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

/** The staged database and writer of a build (over its base's read-only connection for the delta layout). */
function openWork(stage: Stage): { db: ReturnType<typeof openWritable>; w: PaperWriter; close: () => void } {
  const base = stage.base ? new BaseReader(path.join(stage.dir, stage.base.sqlite.name)) : undefined;
  let db: ReturnType<typeof openWritable>;
  try {
    db = openWritable(stage.workDb);
  } catch (e) {
    base?.close(); // not left open when the work database cannot be opened
    throw e;
  }
  const w = new PaperWriter(db, base);
  let open = true;
  return {
    db,
    w,
    close: () => {
      if (!open) return;
      open = false;
      db.close();
      base?.close();
    },
  };
}

interface Finish {
  stage: Stage;
  db: ReturnType<typeof openWritable>;
  w: PaperWriter;
  dims: number;
  params: HnswParams;
  shards: number;
  shardMin: number;
  log: (l: string) => void;
}

/** HNSW and keyword files of the stage brought up to date; returns the segments to publish and the step times. */
async function finishSegments(f: Finish): Promise<{ segments: SegmentDraft[]; hnswSeconds: number; keywordSeconds: number }> {
  const { stage, db, w } = f;
  const delta = stage.layout === 'delta';
  const baseName = delta ? DELTA_HNSW : HNSW_FILE;
  const th = performance.now();
  const names = await syncHnsw(
    { dir: stage.dir, dbFile: stage.workDb, baseName, existing: stagedShards(stage.dir, baseName, getMeta(db, SHARDS_META)), dims: f.dims, params: f.params, shards: f.shards, shardMin: f.shardMin, log: f.log },
    w,
  );
  const hnswSeconds = (performance.now() - th) / 1000;
  const tk = performance.now();
  const keywords = delta ? DELTA_KEYWORDS : KEYWORD_FILE;
  writeKeywordIndex(db, path.join(stage.dir, keywords), { buildId: stage.buildId });
  const keywordSeconds = (performance.now() - tk) / 1000;
  const own: SegmentDraft = { role: delta ? 'delta' : 'base', writtenBy: stage.buildId, sqlite: path.basename(stage.workDb), hnsw: names, keywords, rows: w.rows() };
  if (!delta) return { segments: [own], hnswSeconds, keywordSeconds };
  const b = stage.base!;
  const base: SegmentDraft = { role: 'base', writtenBy: b.writtenBy, sqlite: b.sqlite.name, hnsw: b.hnsw.map((h) => h.name), keywords: b.keywords?.name, rows: b.rows };
  return { segments: [base, { ...own, tombstones: w.countTombstones() }], hnswSeconds, keywordSeconds };
}

export async function buildIndex(opts: BuildOptions): Promise<BuildSummary> {
  const mode = opts.mode ?? 'full';
  if (!opts.sources.length) throw new AppError('INVALID_INPUT', 'no sources given');
  for (const s of opts.sources) {
    if (!existsSync(s) || !statSync(s).isFile()) throw new AppError('SOURCE_INVALID', `${s}: no such file`);
  }
  checkIndexRoot(opts.indexDir);
  await ensureIndexRoot(opts.indexDir);
  const release = await acquireLock(opts.indexDir);
  try {
    let current: CurrentBuild | undefined;
    try {
      current = currentBuild(opts.indexDir);
    } catch (e) {
      // --rebuild is the way out of a damaged index: it needs nothing from the current build.
      if (mode !== 'rebuild' || !(e instanceof AppError)) throw e;
      opts.log?.(`ignoring the current build: ${e.message}`);
    }
    checkModel(current, opts.embedder.info, mode);
    return await runBuild(opts, mode, current);
  } finally {
    await release();
  }
}

/** Stages, runs every step and publishes; a failure leaves the stage to resume and the served build untouched. */
async function runBuild(opts: BuildOptions, mode: BuildMode, current: CurrentBuild | undefined): Promise<BuildSummary> {
  const t0 = performance.now();
  const log = opts.log ?? (() => {});
  const model = opts.embedder.info;
  if (mode === 'update' && !current) log('no existing index: building a new one');
  const base = mode !== 'rebuild' ? current : undefined;
  const { layout, merge } = chooseLayout(base, mode, { deltaMinPapers: opts.deltaMinPapers ?? DEFAULT_POLICY.deltaMinPapers, mergeShare: opts.mergeShare ?? DEFAULT_POLICY.mergeShare });
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
    ...(opts.vectors ? { vectors: path.resolve(opts.vectors) } : {}),
    layout,
  };
  const ts = performance.now();
  const stage = await prepareStage(opts.indexDir, key, base, merge);
  const stageSeconds = (performance.now() - ts) / 1000;
  if (stage.resumed) log(`resuming interrupted build ${stage.buildId}`);
  if (merge) log('folding the previous updates (delta segment) into a new base');
  const work = openWork(stage);
  const rejects = new Rejects(rejectsPath(opts.indexDir, stage.buildId));
  try {
    const { db, w } = work;
    w.setMeta('model_id', model.modelId);
    w.setMeta('build_id', stage.buildId);
    // Without a base every paper is new: build the FTS5 index once after the bulk insert instead of row by row.
    if (!base) deferFts(db);

    // 1. Ingest: validate, dedupe, upsert (no embedding yet); 2. prune what the sources no longer have.
    const ti = performance.now();
    const seen = await ingestSources(db, w, rejects, { sources: opts.sources, format: opts.format ?? 'auto', read: opts.read ?? {}, progress: opts.progress ?? false, log });
    try {
      checkIngest(seen, rejects, opts.sources, opts.strict ?? false);
    } catch (e) {
      work.close();
      // A fresh stage holds no embedding work yet; a resumed one keeps it for the next attempt.
      if (!stage.resumed) await rm(stage.dir, { recursive: true, force: true });
      throw e;
    }
    if (key.prune) pruneAbsent(db, w, seen);
    seen.clear();
    rebuildFts(db);
    const salvaged = salvage(w, stage, log);
    const ingestSeconds = (performance.now() - ti) / 1000;
    if (stage.leftover) await rm(path.dirname(stage.leftover), { recursive: true, force: true });

    // 3. Precomputed vectors, then 4. the model for every paper still without one.
    const tv = performance.now();
    const imported = opts.vectors ? await importVectors(db, w, opts.vectors, model, log) : 0;
    const vectorSeconds = (performance.now() - tv) / 1000;
    const te = performance.now();
    const batchSize = opts.batchSize ?? 16;
    // Large enough that the embedder's length-sorted batches pad little, small enough that a crash loses seconds.
    const commitEvery = Math.max(1, opts.commitEvery ?? Math.max(batchSize * 16, 256));
    const embedded = await embedPending(db, w, opts.embedder, { commitEvery, progress: opts.progress ?? false, onBatch: opts.onBatch, batchDelayMs: opts.batchDelayMs });
    const embedSeconds = (performance.now() - te) / 1000;

    // 5. HNSW and 6. keywords, then 7. counts, manifest and the atomic publish.
    const params = layout === 'delta' || (base && !merge) ? (current?.manifest.hnsw ?? DEFAULT_HNSW) : DEFAULT_HNSW;
    const fin = await finishSegments({ stage, db, w, dims: model.dims, params, shards: opts.hnswShards ?? defaultShards(), shardMin: opts.shardMinPapers ?? SHARD_MIN_PAPERS, log });
    const tp = performance.now();
    const papers = w.count();
    const changes = base ? w.changeCounts() : { added: papers, updated: 0, removed: 0 };
    finalize(db);
    work.close();
    const sources = [];
    for (const s of opts.sources) sources.push({ path: path.resolve(s), sha256: await sha256File(s), bytes: statSync(s).size });
    const dir = await publishStage({
      indexDir: opts.indexDir,
      stageDir: stage.dir,
      buildId: stage.buildId,
      previous: current,
      manifest: {
        model: { ...model, ...(opts.modelLocation ? { location: opts.modelLocation } : {}) },
        hnsw: params,
        counts: { papers, rejected: rejects.count },
        sources,
        buildSeconds: round3((performance.now() - t0) / 1000),
      },
      segments: fin.segments,
    });
    return {
      buildId: stage.buildId,
      dir,
      model: model.modelId,
      papers,
      ...changes,
      unchanged: papers - changes.added - changes.updated,
      rejected: rejects.count,
      embedded,
      imported,
      resumed: stage.resumed,
      salvaged,
      layout,
      merged: merge,
      seconds: (performance.now() - t0) / 1000,
      embedSeconds,
      timings: {
        stage: round3(stageSeconds),
        ingest: round3(ingestSeconds),
        vectors: round3(vectorSeconds),
        embed: round3(embedSeconds),
        hnsw: round3(fin.hnswSeconds),
        keywords: round3(fin.keywordSeconds),
        publish: round3((performance.now() - tp) / 1000),
      },
      ...(rejects.count ? { rejectsFile: rejects.file } : {}),
    };
  } finally {
    rejects.close();
    work.close();
  }
}

/** Vectors of an abandoned build of the same model, reused by paper id and content hash instead of embedded again. */
function salvage(w: PaperWriter, stage: Stage, log: (l: string) => void): number {
  if (!stage.leftover) return 0;
  try {
    const n = w.salvageVectors(stage.leftover);
    if (n) log(`reused ${n} vectors from the interrupted build ${path.basename(path.dirname(stage.leftover), '.partial')}`);
    return n;
  } catch (e) {
    log(`could not reuse the interrupted build ${path.dirname(stage.leftover)}: ${(e as Error).message}`);
    return 0;
  }
}

/**
 * Removes papers by id: a new build without them (a delta with their tombstones over a large base, else a copy
 * with their HNSW points marked deleted) published atomically like any other, so the served index never shows
 * a half-applied removal.
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
    const { layout, merge } = chooseLayout(current, 'update', { ...DEFAULT_POLICY, ...(opts.deltaMinPapers !== undefined ? { deltaMinPapers: opts.deltaMinPapers } : {}) });
    const key: StageKey = { op: 'remove', modelId: m.model.modelId, dims: m.model.dims, baseId: m.buildId, mode: 'update', prune: false, sources: [], format: 'auto', read: {}, layout };
    const stage = await prepareStage(opts.indexDir, key, current, merge);
    const work = openWork(stage);
    try {
      const { db, w } = work;
      w.setMeta('build_id', stage.buildId);
      const removedIds: string[] = [];
      db.transaction(() => {
        for (const id of ids) if (w.remove([id]).length) removedIds.push(id);
      })();
      const notFound = ids.filter((id) => !removedIds.includes(id));
      if (!removedIds.length) {
        work.close();
        await rm(stage.dir, { recursive: true, force: true });
        throw new AppError('NOT_FOUND', `no paper with id ${notFound.map((id) => `"${id}"`).join(', ')} in the index; nothing was changed`);
      }
      if (notFound.length) log(`not in the index: ${notFound.join(', ')}`);
      const fin = await finishSegments({ stage, db, w, dims: m.model.dims, params: m.hnsw, shards: 1, shardMin: Number.POSITIVE_INFINITY, log });
      const papers = w.count();
      finalize(db);
      work.close();
      const dir = await publishStage({
        indexDir: opts.indexDir,
        stageDir: stage.dir,
        buildId: stage.buildId,
        previous: current,
        manifest: { model: m.model, hnsw: m.hnsw, counts: { papers, rejected: 0 }, sources: m.sources, buildSeconds: round3((performance.now() - t0) / 1000) },
        segments: fin.segments,
      });
      return { buildId: stage.buildId, dir, model: m.model.modelId, papers, removed: removedIds.length, notFound, seconds: (performance.now() - t0) / 1000 };
    } finally {
      work.close();
    }
  } finally {
    await release();
  }
}

export { SQLITE_FILE };
