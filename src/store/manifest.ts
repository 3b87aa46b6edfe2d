// The index manifest (zod): what built the index, with what parameters, from which sources; read and write.
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { z } from 'zod';
import { AppError } from '../errors.js';

export const MANIFEST_FILE = 'manifest.json';
export const SQLITE_FILE = 'papers.sqlite';
export const HNSW_FILE = 'vectors.hnsw';
export const FORMAT_VERSION = 1;

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

export const ManifestSchema = z.object({
  formatVersion: z.literal(FORMAT_VERSION),
  buildId: z.string().min(1),
  createdAt: z.string(),
  model: ModelInfoSchema,
  hnsw: z.object({ space: z.literal('cosine'), M: z.number().int(), efConstruction: z.number().int() }),
  counts: z.object({ papers: z.number().int().nonnegative(), rejected: z.number().int().nonnegative() }),
  sources: z.array(z.object({ path: z.string(), sha256: z.string(), bytes: z.number().int() })),
  files: z.object({
    sqlite: FileEntrySchema,
    hnsw: FileEntrySchema,
  }),
  buildSeconds: z.number().nonnegative(),
});
export type Manifest = z.infer<typeof ManifestSchema>;

export function readManifest(file: string): Manifest {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
    throw new AppError(missing ? 'INDEX_MISSING' : 'INDEX_CORRUPT', `${missing ? 'no manifest' : 'unreadable manifest'} at ${file}`);
  }
  const parsed = ManifestSchema.safeParse(raw);
  if (!parsed.success) {
    throw new AppError('INDEX_CORRUPT', `invalid manifest ${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return parsed.data;
}

export async function writeManifest(file: string, m: Manifest): Promise<void> {
  await writeFile(file, JSON.stringify(ManifestSchema.parse(m), null, 2) + '\n');
}
