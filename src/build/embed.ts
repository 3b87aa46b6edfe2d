// The build's embed step: every paper without an up-to-date vector, in committed batches (a crash loses at most one).
import { setTimeout as sleep } from 'node:timers/promises';
import type { Embedder } from '../embed/index.js';
import { passageText } from '../paper.js';
import { startProgress } from '../progress.js';
import type { DB, PaperWriter } from '../store/index.js';

export interface EmbedStepOptions {
  commitEvery: number;
  progress: boolean;
  onBatch?: ((embedded: number) => void) | undefined;
  batchDelayMs?: number | undefined;
}

/**
 * Up to embedder.parallelism batches in flight (1 for a local model; several for the queue's workers, or a
 * worker pool), each committed as soon as it arrives, in whatever order: a resumed build embeds what has no
 * vector. Reading the next batch and writing the last overlap with the model's work. Returns how many embedded.
 */
export async function embedPending(db: DB, w: PaperWriter, embedder: Embedder, o: EmbedStepOptions): Promise<number> {
  const bar = startProgress('embedding', w.countPending(), o.progress);
  try {
    return await embedLoop(db, w, embedder, o, bar);
  } finally {
    // Also on failure: a progress bar left running keeps redrawing, and the process would never exit.
    bar.stop();
  }
}

async function embedLoop(db: DB, w: PaperWriter, embedder: Embedder, o: EmbedStepOptions, bar: ReturnType<typeof startProgress>): Promise<number> {
  let embedded = 0;
  let after = 0;
  const put = db.transaction((rows: { label: number; content_hash: string }[], vecs: Float32Array[]) =>
    rows.forEach((r, i) => w.putVector(r.label, r.content_hash, vecs[i]!)),
  );
  const inFlight = new Set<Promise<void>>();
  let failure: unknown;
  for (let exhausted = false; ; ) {
    while (!exhausted && failure === undefined && inFlight.size < Math.max(1, embedder.parallelism ?? 1)) {
      const rows = w.pendingEmbeddings(o.commitEvery, after);
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
          o.onBatch?.(embedded);
        })
        .catch((e) => void (failure ??= e));
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
    }
    if (!inFlight.size) break;
    // After a failure the batches already in flight still commit; then the build stops (resumable).
    await Promise.race(inFlight);
    if (o.batchDelayMs) await sleep(o.batchDelayMs);
  }
  if (failure !== undefined) throw failure;
  return embedded;
}
