// The index manifest (zod): what built the index, with what parameters, from which sources; read and write.
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { z } from 'zod';
import { AppError } from '../errors.js';

export const MANIFEST_FILE = 'manifest.json';
export const SQLITE_FILE = 'papers.sqlite';
export const HNSW_FILE = 'vectors.hnsw';
/** 2: a build is a list of segments (a base, and a small delta over it), each with its own files. */
export const FORMAT_VERSION = 2;

export const ModelInfoSchema = z.object({
  modelId: z.string().min(1),
  backend: z.enum(['transformers', 'use-lite']),
  dims: z.number().int().positive(),
  maxTokens: z.number().int().positive(),
  pooling: z.enum(['mean', 'cls', 'none']),
  normalize: z.literal(true),
  dtype: z.string(),
  queryPrefix: z.string().optional(),
  passagePrefix: z.string().optional(),
  /** Absolute folder of a model given as a path (not found under models/ by its id), so the server can load it again. */
  location: z.string().optional(),
});

/** A data file of a build; sha256 (hex) lets a replica verify a copied build (absent in manifests written before it). */
const FileEntrySchema = z.object({
  name: z.string(),
  bytes: z.number().int(),
  sha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
});
export type FileEntry = z.infer<typeof FileEntrySchema>;

/**
 * A segment: one SQLite file (papers, vectors, FTS5), its HNSW graph as one or more shards (built in parallel,
 * searched together; label % shards picks a paper's shard) and its keyword file. The base holds most papers
 * and is shared, unchanged, by the builds that update it (hard links); a delta holds what those updates added
 * or changed, and the labels of base papers they removed or replaced (its tombstones table).
 */
export const SegmentSchema = z.object({
  role: z.enum(['base', 'delta']),
  /** The build that wrote this segment's files (its SQLite meta build_id). */
  writtenBy: z.string().min(1),
  sqlite: FileEntrySchema,
  hnsw: z.array(FileEntrySchema).min(1),
  keywords: FileEntrySchema.optional(),
  /** Rows in this segment's papers table (a delta's tombstones hide some of the base's). */
  rows: z.number().int().nonnegative(),
  /** A delta's tombstones: base papers it removes or replaces. */
  tombstones: z.number().int().nonnegative().optional(),
});
export type Segment = z.infer<typeof SegmentSchema>;

const common = {
  buildId: z.string().min(1),
  createdAt: z.string(),
  model: ModelInfoSchema,
  hnsw: z.object({ space: z.literal('cosine'), M: z.number().int(), efConstruction: z.number().int() }),
  /** papers: what the build serves (base rows minus tombstones, plus delta rows). */
  counts: z.object({ papers: z.number().int().nonnegative(), rejected: z.number().int().nonnegative() }),
  sources: z.array(z.object({ path: z.string(), sha256: z.string(), bytes: z.number().int() })),
  buildSeconds: z.number().nonnegative(),
};

export const ManifestSchema = z.object({
  formatVersion: z.literal(FORMAT_VERSION),
  ...common,
  segments: z.array(SegmentSchema).min(1).max(2),
});
export type Manifest = z.infer<typeof ManifestSchema>;

/** Format 1 (one SQLite and one HNSW file, no segments): still served, read as a single base segment. */
const ManifestV1Schema = z.object({
  formatVersion: z.literal(1),
  ...common,
  files: z.object({ sqlite: FileEntrySchema, hnsw: FileEntrySchema }),
});

const fromV1 = (m: z.infer<typeof ManifestV1Schema>): Manifest => {
  const { files, formatVersion: _v, ...rest } = m;
  return { formatVersion: FORMAT_VERSION, ...rest, segments: [{ role: 'base', writtenBy: m.buildId, sqlite: files.sqlite, hnsw: [files.hnsw], rows: m.counts.papers }] };
};

/** Every data file a manifest lists (what a replica copies and verifies). */
export const manifestFiles = (m: Manifest): FileEntry[] => m.segments.flatMap((s) => [s.sqlite, ...s.hnsw, ...(s.keywords ? [s.keywords] : [])]);

/** Bytes of a kind of file across segments: SQLite, HNSW, keywords. */
export function manifestBytes(m: Manifest): { sqlite: number; hnsw: number; keywords: number } {
  const sum = (xs: (FileEntry | undefined)[]) => xs.reduce((a, f) => a + (f?.bytes ?? 0), 0);
  return {
    sqlite: sum(m.segments.map((s) => s.sqlite)),
    hnsw: sum(m.segments.flatMap((s) => s.hnsw)),
    keywords: sum(m.segments.map((s) => s.keywords)),
  };
}

export function readManifest(file: string): Manifest {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
    throw new AppError(missing ? 'INDEX_MISSING' : 'INDEX_CORRUPT', `${missing ? 'no manifest' : 'unreadable manifest'} at ${file}`);
  }
  const v1 = (raw as { formatVersion?: unknown } | null)?.formatVersion === 1;
  const parsed = (v1 ? ManifestV1Schema : ManifestSchema).safeParse(raw);
  if (!parsed.success) {
    throw new AppError('INDEX_CORRUPT', `invalid manifest ${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return v1 ? fromV1(parsed.data as z.infer<typeof ManifestV1Schema>) : (parsed.data as Manifest);
}

export async function writeManifest(file: string, m: Manifest): Promise<void> {
  await writeFile(file, JSON.stringify(ManifestSchema.parse(m), null, 2) + '\n');
}
