// One build at a time per index, and which folder is an index root and which build it serves now.
import { existsSync, readFileSync } from 'node:fs';
import { link, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../errors.js';
import { BUILDS, MANIFEST_FILE, readManifest, resolveBuildDir, type Manifest } from '../store/index.js';

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
export function checkIndexRoot(indexDir: string): void {
  if (!existsSync(path.join(indexDir, MANIFEST_FILE))) return;
  const parent = path.dirname(path.resolve(indexDir));
  const root = path.basename(parent) === BUILDS ? ` (${path.dirname(parent)})` : '';
  throw new AppError('INVALID_INPUT', `${indexDir} is a published build, not an index root: give the folder that holds builds/ and CURRENT${root}`);
}

export interface CurrentBuild {
  dir: string;
  manifest: Manifest;
}

export function currentBuild(indexDir: string): CurrentBuild | undefined {
  const dir = resolveBuildDir(indexDir);
  if (!dir || !existsSync(path.join(dir, MANIFEST_FILE))) return undefined;
  return { dir, manifest: readManifest(path.join(dir, MANIFEST_FILE)) };
}
