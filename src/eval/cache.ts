// What an evaluation index depends on (corpus, model, index format, the code that builds it), and whether a cached one still fits.
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../config.js';
import type { Embedder, ModelInfo } from '../embed/index.js';
import { SCHEMA_VERSION } from '../store/db.js';
import { FORMAT_VERSION } from '../store/manifest.js';

/**
 * The source that decides what an index holds: reading and validating records, the passage text, the embedder,
 * SQLite/FTS5/HNSW writing and the FTS5 query side of the tokenizer. Any edit there may change an index, so a
 * cached evaluation index built by other code is rebuilt (an index built before a fix once hid a relevant
 * document and skewed published figures). Paths from the project root; missing ones are skipped.
 */
export const INDEX_CODE: readonly string[] = ['src/ingest', 'src/paper.ts', 'src/embed', 'src/store', 'src/build.ts', 'src/build', 'src/search/fts.ts'];

export interface CacheKey {
  corpusSha256: string;
  formatVersion: number;
  schemaVersion: number;
  modelId: string;
  dtype: string;
  /** sha256 over the path and content of every file under INDEX_CODE. */
  code: string;
  /**
   * sha256 of the model's vector for a fixed passage: a model folder re-imported or re-fetched with other weights
   * under the same name (another converter, a fine-tuned checkpoint) gives other vectors, so its index is stale.
   */
  weights: string;
}

function filesUnder(p: string): string[] {
  if (!existsSync(p)) return [];
  if (!statSync(p).isDirectory()) return [p];
  return readdirSync(p)
    .sort()
    .flatMap((n) => filesUnder(path.join(p, n)));
}

/** Hash of the files under `entries` (relative to `root`): their relative paths and contents, in a fixed order. */
export function hashTree(root: string, entries: readonly string[]): string {
  const h = createHash('sha256');
  const files = [...new Set(entries.flatMap((e) => filesUnder(path.join(root, e))))].sort();
  for (const f of files) {
    h.update(path.relative(root, f).split(path.sep).join('/'));
    h.update('\0');
    h.update(readFileSync(f));
    h.update('\0');
  }
  return h.digest('hex');
}

export async function sha256File(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const c of createReadStream(file)) h.update(c as Buffer);
  return h.digest('hex');
}

export async function cacheKey(corpus: string, model: ModelInfo, weights: string, codeRoot = PROJECT_ROOT): Promise<CacheKey> {
  return {
    corpusSha256: await sha256File(corpus),
    formatVersion: FORMAT_VERSION,
    schemaVersion: SCHEMA_VERSION,
    modelId: model.modelId,
    dtype: model.dtype,
    code: hashTree(codeRoot, INDEX_CODE),
    weights,
  };
}

/** The passage whose vector stands for a model's weights in the cache key. */
const PROBE = 'paperscope evaluation cache probe: which weights made this index?';

/** sha256 of the embedder's vector for PROBE (exact bytes: the cache is local, and one machine is deterministic). */
export async function weightsFingerprint(embedder: Pick<Embedder, 'embedPassages'>): Promise<string> {
  const [v] = await embedder.embedPassages([PROBE]);
  return createHash('sha256').update(new Uint8Array(v!.buffer, v!.byteOffset, v!.byteLength)).digest('hex');
}

const REASONS: Record<keyof CacheKey, string> = {
  corpusSha256: 'the corpus changed',
  formatVersion: 'the index format changed',
  schemaVersion: 'the database schema changed',
  modelId: 'the model changed',
  dtype: 'the model precision (dtype) changed',
  code: 'the code that builds indexes changed',
  weights: "the model's weights changed (another vector for a fixed passage)",
};

/** Why a cached index with key `old` does not fit `now` ("" when it does); an unreadable key never fits. */
export function staleReasons(old: Partial<CacheKey> | undefined, now: CacheKey): string {
  if (!old) return 'it has no cache key (written by an older paperscope)';
  return (Object.keys(REASONS) as (keyof CacheKey)[])
    .filter((k) => old[k] !== now[k])
    .map((k) => REASONS[k])
    .join(', ');
}

export function readCacheKey(file: string): Partial<CacheKey> | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Partial<CacheKey>;
  } catch {
    return undefined;
  }
}
