// Checks a published build folder against its manifest (sizes, then sha256 of each file), streaming: how a replica trusts a copied build.
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { AppError } from '../errors.js';
import { MANIFEST_FILE, type Manifest, manifestFiles, readManifest } from './manifest.js';

/** Large reads: hashing a multi-GB build is bound by the disk, not by a 64 KB default chunk. */
const CHUNK = 4 * 1024 * 1024;

export async function sha256File(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: CHUNK })) h.update(chunk as Buffer);
  return h.digest('hex');
}

export interface Verified {
  dir: string;
  manifest: Manifest;
  /** What was compared: sizes only, or sizes and sha256 (old manifests have no checksums). */
  checked: 'sizes' | 'checksums';
  bytes: number;
  seconds: number;
}

/**
 * A cheap fingerprint of a build folder's files (names, sizes, modification times): a build that failed
 * verification is tried again only when this changes, e.g. once a copy in progress has finished.
 */
export function folderSignature(dir: string): string {
  const parts: string[] = [];
  let names = [MANIFEST_FILE];
  try {
    names = [MANIFEST_FILE, ...manifestFiles(readManifest(path.join(dir, MANIFEST_FILE))).map((f) => f.name)];
  } catch {
    // no readable manifest yet (a copy in progress): its own stat below is the signature
  }
  for (const name of names) {
    const p = path.join(dir, name);
    try {
      const s = statSync(p);
      parts.push(`${name}:${s.size}:${s.mtimeMs}:${s.ino}`);
    } catch {
      parts.push(`${name}:-`);
    }
  }
  return parts.join('|');
}

/**
 * Verifies a build folder against its manifest: every file present with its recorded size, then (with
 * checksums) its sha256. Throws INDEX_CORRUPT naming the first file that differs, by name only.
 */
export async function verifyBuild(dir: string, opts: { checksums?: boolean } = {}): Promise<Verified> {
  const t0 = performance.now();
  const manifest = readManifest(path.join(dir, MANIFEST_FILE));
  const name = path.basename(dir);
  if (manifest.buildId !== name && !name.endsWith('.partial')) {
    throw new AppError('INDEX_CORRUPT', `build folder ${name} holds the manifest of build ${manifest.buildId}`);
  }
  let bytes = 0;
  for (const f of manifestFiles(manifest)) {
    const p = path.join(dir, f.name);
    const size = existsSync(p) ? statSync(p).size : -1;
    if (size !== f.bytes) throw new AppError('INDEX_CORRUPT', `build ${manifest.buildId}: ${f.name} is ${size < 0 ? 'missing' : `${size} bytes`}, the manifest says ${f.bytes}`);
    bytes += size;
  }
  const withSums = opts.checksums !== false && manifestFiles(manifest).every((f) => f.sha256);
  if (withSums) {
    for (const f of manifestFiles(manifest)) {
      const got = await sha256File(path.join(dir, f.name));
      if (got !== f.sha256) throw new AppError('INDEX_CORRUPT', `build ${manifest.buildId}: ${f.name} does not match its checksum (sha256 ${got.slice(0, 12)}..., the manifest says ${f.sha256!.slice(0, 12)}...)`);
    }
  }
  return { dir, manifest, checked: withSums ? 'checksums' : 'sizes', bytes, seconds: (performance.now() - t0) / 1000 };
}
