// The build's --vectors step: precomputed vectors stored for their papers, checked whole before a single one is written.
import type { ModelInfo } from '../embed/index.js';
import { AppError } from '../errors.js';
import { openVectorsFile, readVectorRows } from '../ingest/vectors.js';
import type { DB, PaperWriter } from '../store/index.js';

const TX = 4096;

/**
 * Stores the vectors of a --vectors set for the papers of this build. Refused before anything is written: vectors
 * of another model (the queries will be embedded with the index's model, so the vectors must be that model's),
 * another dimension, a truncated file, or ids with no paper. A NaN is found while reading: the build then stops
 * unpublished (and resumable). Papers whose stored vector is already current are left as they are.
 */
export async function importVectors(db: DB, w: PaperWriter, file: string, model: ModelInfo, log: (l: string) => void): Promise<number> {
  const f = await openVectorsFile(file);
  const m = f.meta;
  if (m.model !== model.modelId || m.dims !== model.dims || (m.dtype && m.dtype !== model.dtype)) {
    throw new AppError(
      'INDEX_MISMATCH',
      `${f.prefix}.json says the vectors were made with ${m.model} (${m.dims}-d${m.dtype ? `, ${m.dtype}` : ''}), but this index uses ${model.modelId} (${model.dims}-d, ${model.dtype}): queries must be embedded by the model that made the vectors`,
    );
  }
  const targets = w.vectorTargets();
  const missing = f.ids.filter((id) => !targets.has(id) && !w.base?.find(id));
  if (missing.length) {
    throw new AppError('SOURCE_INVALID', `${f.prefix}.ids names ${missing.length} papers that are not in the sources, e.g. ${missing.slice(0, 3).join(', ')}; nothing was published`);
  }
  const put = db.transaction((rows: { label: number; hash: string; v: Float32Array }[]) => rows.forEach((r) => w.putVector(r.label, r.hash, r.v)));
  let batch: { label: number; hash: string; v: Float32Array }[] = [];
  let stored = 0;
  for await (const row of readVectorRows(f)) {
    const t = targets.get(row.id);
    if (!t || t.current) continue;
    batch.push({ label: t.label, hash: t.hash, v: row.vector });
    if (batch.length >= TX) {
      put(batch);
      stored += batch.length;
      batch = [];
    }
  }
  put(batch);
  stored += batch.length;
  log(`stored ${stored} precomputed vectors from ${f.prefix}.npy (${f.rows - stored} were current already or belong to unchanged papers)`);
  return stored;
}
