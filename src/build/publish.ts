// The build's publish step: checksums, the manifest listing every segment's files, the atomic swap, old builds pruned.
import { statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import {
  FORMAT_VERSION,
  MANIFEST_FILE,
  type FileEntry,
  type Manifest,
  type Segment,
  manifestFiles,
  publishBuild,
  pruneOldBuilds,
  sha256File,
  writeManifest,
} from '../store/index.js';
import { STAGE_FILE } from './stage.js';

/** A segment as the build knows it before publishing: file names, not yet sizes and checksums. */
export interface SegmentDraft {
  role: Segment['role'];
  writtenBy: string;
  sqlite: string;
  hnsw: string[];
  keywords?: string | undefined;
  rows: number;
  tombstones?: number | undefined;
}

/**
 * Size and sha256 of a staged file. A file hard-linked from the previous build (the same inode, so the same
 * bytes) keeps the checksum that build recorded: an update does not re-hash the gigabytes it did not change.
 */
async function fileEntry(dir: string, name: string, known: ReadonlyMap<string, FileEntry & { ino?: number; dev?: number }>): Promise<FileEntry> {
  const st = statSync(path.join(dir, name));
  const k = known.get(name);
  if (k?.sha256 && k.bytes === st.size && k.ino === st.ino && k.dev === st.dev) return { name, bytes: st.size, sha256: k.sha256 };
  return { name, bytes: st.size, sha256: await sha256File(path.join(dir, name)) };
}

/** The previous build's files with their inodes, so linked ones are recognised. */
export function knownFiles(previous: { dir: string; manifest: Manifest } | undefined): Map<string, FileEntry & { ino?: number; dev?: number }> {
  const out = new Map<string, FileEntry & { ino?: number; dev?: number }>();
  if (!previous) return out;
  for (const f of manifestFiles(previous.manifest)) {
    try {
      const st = statSync(path.join(previous.dir, f.name));
      out.set(f.name, { ...f, ino: st.ino, dev: st.dev });
    } catch {
      // gone from the previous build: nothing to reuse
    }
  }
  return out;
}

export interface PublishArgs {
  indexDir: string;
  stageDir: string;
  buildId: string;
  /** The build served until now: kept for rollback, and the source of checksums of linked files. */
  previous: { dir: string; manifest: Manifest } | undefined;
  manifest: Omit<Manifest, 'segments' | 'formatVersion' | 'buildId' | 'createdAt'>;
  segments: SegmentDraft[];
}

/** Writes the manifest and publishes the stage; older builds but the previous one are pruned. */
export async function publishStage(a: PublishArgs): Promise<string> {
  await rm(path.join(a.stageDir, STAGE_FILE), { force: true });
  const known = knownFiles(a.previous);
  const segments: Segment[] = [];
  for (const d of a.segments) {
    // Checksums let a replica that receives the build by a plain copy verify it before serving it.
    const entry = (name: string) => fileEntry(a.stageDir, name, known);
    const hnsw: FileEntry[] = [];
    for (const h of d.hnsw) hnsw.push(await entry(h));
    segments.push({
      role: d.role,
      writtenBy: d.writtenBy,
      sqlite: await entry(d.sqlite),
      hnsw,
      ...(d.keywords ? { keywords: await entry(d.keywords) } : {}),
      rows: d.rows,
      ...(d.tombstones !== undefined ? { tombstones: d.tombstones } : {}),
    });
  }
  const full: Manifest = { formatVersion: FORMAT_VERSION, buildId: a.buildId, createdAt: new Date().toISOString(), ...a.manifest, segments };
  await writeManifest(path.join(a.stageDir, MANIFEST_FILE), full);
  const dir = await publishBuild(a.indexDir, a.stageDir, a.buildId);
  await pruneOldBuilds(a.indexDir, [a.buildId, ...(a.previous ? [path.basename(a.previous.dir)] : [])]);
  return dir;
}
