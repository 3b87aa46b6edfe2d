// The indexing job: read sources, validate, embed what changed, write SQLite + HNSW in a staging folder, publish atomically.
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { copyFile, mkdir, open, rm, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { passageText, type Embedder } from './embed/index.js';
import { AppError } from './errors.js';
import { formatReject, readSources } from './ingest/index.js';
import { contentHash } from './paper.js';
import { startProgress } from './progress.js';
import {
  BUILDS,
  DEFAULT_HNSW,
  FORMAT_VERSION,
  HNSW_FILE,
  MANIFEST_FILE,
  PaperWriter,
  SQLITE_FILE,
  VectorIndex,
  ensureIndexRoot,
  finalize,
  openWritable,
  publishBuild,
  pruneOldBuilds,
  readManifest,
  resolveBuildDir,
  writeManifest,
  type Manifest,
} from './store/index.js';
import { openReadonly } from './store/db.js';
import { getMeta } from './store/papers.js';

/**
 * full:    the sources define the index; vectors of unchanged papers are reused from the current build.
 * update:  add new and changed papers to the current build, keep the rest (remove absent ones with prune).
 * rebuild: ignore the current build entirely and embed everything.
 */
export type BuildMode = 'full' | 'update' | 'rebuild';

export interface BuildOptions {
  indexDir: string;
  sources: readonly string[];
  embedder: Embedder;
  mode?: BuildMode;
  prune?: boolean;
  strict?: boolean;
  batchSize?: number;
  progress?: boolean;
  /** One line of human output (stderr). */
  log?: (line: string) => void;
  /** Folder of a model given as a path, recorded in the manifest so the server finds it again. */
  modelLocation?: string;
  /** Test hook: called after each committed embedding batch. */
  onBatch?: (embedded: number) => void;
}

export interface BuildSummary {
  buildId: string;
  dir: string;
  model: string;
  papers: number;
  added: number;
  updated: number;
  unchanged: number;
  removed: number;
  rejected: number;
  embedded: number;
  resumed: boolean;
  seconds: number;
  embedSeconds: number;
  rejectsFile?: string;
}

const MAX_REJECTS_PRINTED = 20;
const INSERT_TX = 1000;

async function sha256File(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
}

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

/** One build at a time per index: a lock file with the owner's pid; a dead owner's lock is taken over. */
async function acquireLock(indexDir: string): Promise<() => Promise<void>> {
  const file = path.join(indexDir, 'build.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fh = await open(file, 'wx');
      await fh.writeFile(String(process.pid));
      await fh.close();
      return () => unlink(file).catch(() => {});
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const owner = Number(readFileSync(file, 'utf8'));
      if (owner && pidAlive(owner) && owner !== process.pid) {
        throw new AppError('INVALID_INPUT', `another build (pid ${owner}) is running on ${indexDir}`);
      }
      await unlink(file).catch(() => {});
    }
  }
  throw new AppError('INTERNAL', `could not lock ${indexDir}`);
}

function currentManifest(indexDir: string): { dir: string; manifest: Manifest } | undefined {
  const dir = resolveBuildDir(indexDir);
  if (!dir || !existsSync(path.join(dir, MANIFEST_FILE))) return undefined;
  return { dir, manifest: readManifest(path.join(dir, MANIFEST_FILE)) };
}

/** A staging folder left by an interrupted build of the same model on the same base can be resumed. */
function findResumable(indexDir: string, modelId: string, baseId: string, mode: BuildMode): string | undefined {
  const dir = path.join(indexDir, BUILDS);
  if (!existsSync(dir)) return undefined;
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.partial')).sort().reverse()) {
    const db = path.join(dir, name, SQLITE_FILE);
    if (!existsSync(db)) continue;
    try {
      const conn = openWritable(db);
      const ok = getMeta(conn, 'model_id') === modelId && getMeta(conn, 'base_build') === baseId && getMeta(conn, 'mode') === mode;
      conn.close();
      if (ok) return path.join(dir, name);
    } catch {
      // An unreadable leftover is not resumable; it is cleaned up below.
    }
  }
  return undefined;
}

export async function buildIndex(opts: BuildOptions): Promise<BuildSummary> {
  const t0 = performance.now();
  const log = opts.log ?? (() => {});
  const mode = opts.mode ?? 'full';
  const batchSize = opts.batchSize ?? 16;
  const { embedder } = opts;
  const model = embedder.info;
  if (!opts.sources.length) throw new AppError('INVALID_INPUT', 'no sources given');
  for (const s of opts.sources) {
    if (!existsSync(s) || !statSync(s).isFile()) throw new AppError('SOURCE_INVALID', `${s}: no such file`);
  }

  await ensureIndexRoot(opts.indexDir);
  const release = await acquireLock(opts.indexDir);
  try {
    const current = currentManifest(opts.indexDir);
    if (mode === 'update' && current && current.manifest.model.modelId !== model.modelId) {
      throw new AppError(
        'INDEX_MISMATCH',
        `the index was built with ${current.manifest.model.modelId}, not ${model.modelId}: an update cannot mix models; run the build with --rebuild`,
      );
    }
    if (mode === 'update' && !current) log('no existing index: building a new one');
    const base = mode !== 'rebuild' && current && current.manifest.model.modelId === model.modelId ? current : undefined;
    const baseId = base?.manifest.buildId ?? '';

    // Stage: resume an interrupted build, or start from a copy of the base build (its vectors are reused).
    let stage = findResumable(opts.indexDir, model.modelId, baseId, mode);
    const resumed = !!stage;
    const buildId = resumed ? path.basename(stage!, '.partial') : newBuildId();
    if (!stage) {
      stage = path.join(opts.indexDir, BUILDS, `${buildId}.partial`);
      await mkdir(stage, { recursive: true });
      if (base) {
        await copyFile(path.join(base.dir, base.manifest.files.sqlite.name), path.join(stage, SQLITE_FILE));
        await copyFile(path.join(base.dir, base.manifest.files.hnsw.name), path.join(stage, HNSW_FILE));
      }
    }
    // Other staging leftovers (another model, an older base) can never be resumed: remove them.
    for (const name of readdirSync(path.join(opts.indexDir, BUILDS))) {
      if (name.endsWith('.partial') && path.join(opts.indexDir, BUILDS, name) !== stage) {
        await rm(path.join(opts.indexDir, BUILDS, name), { recursive: true, force: true });
      }
    }

    const db = openWritable(path.join(stage, SQLITE_FILE));
    const w = new PaperWriter(db);
    let finished = false;
    try {
      if (resumed) log(`resuming interrupted build ${buildId}`);
      w.setMeta('model_id', model.modelId);
      w.setMeta('base_build', baseId);
      w.setMeta('mode', mode);
      w.setMeta('build_id', buildId);
      const baseHashes = new Map<string, string>();
      if (base) {
        // Counts are relative to the base build, so a resumed build reports the same as an uninterrupted one.
        const baseDb = openReadonly(path.join(base.dir, base.manifest.files.sqlite.name));
        for (const r of baseDb.prepare('SELECT id, content_hash FROM papers').iterate() as Iterable<{ id: string; content_hash: string }>) {
          baseHashes.set(r.id, r.content_hash);
        }
        baseDb.close();
      }

      // 1. Ingest: validate, dedupe, upsert (no embedding yet).
      const seen = new Map<string, string>();
      const rejects: string[] = [];
      let buffered: (() => void)[] = [];
      const flush = db.transaction((ops: (() => void)[]) => ops.forEach((op) => op()));
      for await (const item of readSources(opts.sources)) {
        if (item.kind === 'reject') {
          rejects.push(formatReject(item));
          continue;
        }
        const where = `${item.file}:${item.line}`;
        const first = seen.get(item.paper.id);
        if (first) {
          rejects.push(formatReject({ file: item.file, line: item.line, reason: `duplicate id ${item.paper.id} (first at ${first})` }));
          continue;
        }
        seen.set(item.paper.id, where);
        const p = item.paper;
        buffered.push(() => w.upsert(p, contentHash(p), where));
        if (buffered.length >= INSERT_TX) {
          flush(buffered);
          buffered = [];
        }
      }
      flush(buffered);
      rejects.forEach((r, i) => i < MAX_REJECTS_PRINTED && log(r));
      if (rejects.length > MAX_REJECTS_PRINTED) log(`... and ${rejects.length - MAX_REJECTS_PRINTED} more rejected records`);
      let rejectsFile: string | undefined;
      if (rejects.length) {
        rejectsFile = path.join(stage, 'rejects.txt');
        await writeFile(rejectsFile, rejects.join('\n') + '\n');
      }
      if (seen.size === 0) throw new AppError('SOURCE_INVALID', `no valid paper in ${opts.sources.join(', ')} (${rejects.length} rejected)`);
      if (opts.strict && rejects.length) {
        throw new AppError('SOURCE_INVALID', `${rejects.length} invalid records and --strict was given; nothing was published`);
      }

      // 2. Remove papers absent from the sources (full builds define the index; updates only with --prune).
      let removed = 0;
      if (mode !== 'update' || opts.prune) {
        const gone = w.allIds().filter((id) => !seen.has(id));
        removed = db.transaction(() => w.remove(gone).length)();
      }

      // 3. Embed what has no up-to-date vector, committing each batch so a crash loses at most one batch.
      const total = w.countPending();
      const te = performance.now();
      const bar = startProgress('embedding', total, opts.progress ?? false);
      let embedded = 0;
      const chunk = Math.max(batchSize * 4, 32);
      const put = db.transaction((rows: { label: number; content_hash: string }[], vecs: Float32Array[]) =>
        rows.forEach((r, i) => w.putVector(r.label, r.content_hash, vecs[i]!)),
      );
      for (;;) {
        const rows = w.pendingEmbeddings(chunk);
        if (!rows.length) break;
        const vecs = await embedder.embedPassages(rows.map(passageText));
        put(rows, vecs);
        embedded += rows.length;
        bar.update(embedded);
        opts.onBatch?.(embedded);
      }
      bar.stop();
      const embedSeconds = (performance.now() - te) / 1000;

      // 4. HNSW: extend the base build's graph (or start one), delete removed labels, save.
      const hnswPath = path.join(stage, HNSW_FILE);
      const paperCount = db.prepare('SELECT count(*) FROM papers').pluck().get() as number;
      const index = existsSync(hnswPath) ? await VectorIndex.load(hnswPath, model.dims) : VectorIndex.create(model.dims, paperCount);
      for (const { label, vector } of w.unindexedVectors()) index.add(label, vector);
      for (const label of w.pendingRemovals()) index.markDeleted(label);
      await index.save(hnswPath);
      w.markAllIndexed();

      // Counts relative to the base build.
      let added = 0;
      let updated = 0;
      let unchanged = 0;
      for (const r of db.prepare('SELECT id, content_hash FROM papers').iterate() as Iterable<{ id: string; content_hash: string }>) {
        const h = baseHashes.get(r.id);
        if (h === undefined) added++;
        else if (h === r.content_hash) unchanged++;
        else updated++;
      }
      if (base) removed = baseHashes.size - unchanged - updated;

      finalize(db);
      db.close();
      finished = true;

      // 5. Manifest, then the atomic publish.
      const sources = [];
      for (const s of opts.sources) sources.push({ path: path.resolve(s), sha256: await sha256File(s), bytes: statSync(s).size });
      const seconds = (performance.now() - t0) / 1000;
      const manifest: Manifest = {
        formatVersion: FORMAT_VERSION,
        buildId,
        createdAt: new Date().toISOString(),
        model: { ...model, ...(opts.modelLocation ? { location: opts.modelLocation } : {}) },
        hnsw: DEFAULT_HNSW,
        counts: { papers: paperCount, rejected: rejects.length },
        sources,
        files: {
          sqlite: { name: SQLITE_FILE, bytes: statSync(path.join(stage, SQLITE_FILE)).size },
          hnsw: { name: HNSW_FILE, bytes: statSync(hnswPath).size },
        },
        buildSeconds: Math.round(seconds * 1000) / 1000,
      };
      await writeManifest(path.join(stage, MANIFEST_FILE), manifest);
      const dir = await publishBuild(opts.indexDir, stage, buildId);
      await pruneOldBuilds(opts.indexDir, [buildId, ...(current ? [path.basename(current.dir)] : [])]);
      return {
        buildId,
        dir,
        model: model.modelId,
        papers: paperCount,
        added,
        updated,
        unchanged,
        removed,
        rejected: rejects.length,
        embedded,
        resumed,
        seconds,
        embedSeconds,
        ...(rejectsFile ? { rejectsFile: path.join(dir, 'rejects.txt') } : {}),
      };
    } finally {
      if (!finished) db.close();
    }
  } finally {
    await release();
  }
}
