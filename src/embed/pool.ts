// An Embedder that runs the model on N worker threads: queries embed in parallel and the event loop never waits on inference.
import { defaultWorkers } from '../config.js';
import { Worker } from 'node:worker_threads';
import { AppError } from '../errors.js';
import type { Embedder } from './embedder.js';
import { type LoadOptions, loadEmbedder } from './index.js';
import { type ResolvedModel, resolveTransformersModel, transformersInfo } from './transformers.js';
import { USE_LITE_ID } from './use-lite.js';

export type PoolRequest = { id: number; texts: string[]; prefix: string };
export type PoolResponse =
  | { kind: 'ready'; maxTokens: number }
  | { kind: 'failed'; message: string }
  | { kind: 'vectors'; id: number; flat: Float32Array }
  | { kind: 'error'; id: number; message: string };

export interface PoolOptions extends LoadOptions {
  /** Worker threads, each with its own model session (default: one per core but one). */
  workers?: number;
}

interface Job {
  req: { texts: string[]; prefix: string };
  resolve: (v: Float32Array[]) => void;
  reject: (e: Error) => void;
}

/**
 * Jobs handed to one worker at a time: the one it embeds and the next, waiting in its message port. With one, a
 * worker sat idle from the moment it answered until the main thread, busy with HTTP and search, got round to
 * handing it the next query.
 */
const IN_FLIGHT = 2;

interface Slot {
  worker: Worker;
  /** The jobs it holds (in the order it answers them), by id. */
  jobs: Map<number, Job>;
  /** Crashed or exited: never given work again. */
  dead: boolean;
}

const WORKER_URL = new URL('./pool-worker.mjs', import.meta.url);

/** Starts one worker on the resolved model and waits until it is loaded; says the passage length it settled on. */
function startWorker(spec: ResolvedModel['spec']): Promise<{ worker: Worker; maxTokens: number }> {
  const worker = new Worker(WORKER_URL, { workerData: { spec } });
  return new Promise((resolve, reject) => {
    worker.once('message', (m: PoolResponse) => {
      worker.off('error', reject);
      if (m.kind === 'ready') resolve({ worker, maxTokens: m.maxTokens });
      else if (m.kind === 'failed') {
        void worker.terminate();
        reject(new AppError('MODEL_UNAVAILABLE', `Could not load model from ${spec.dir} (dtype ${spec.dtype}): ${m.message}`));
      }
    });
    worker.once('error', reject);
  });
}

/**
 * Loads `model` on `workers` threads, each with one ONNX Runtime intra-op thread: a worker is one core, so N
 * concurrent queries use N cores instead of queueing for one inference at a time. One thread, not cores / N: a
 * query is a dozen tokens, and splitting its inference over threads only adds the waiting of the extra threads
 * (measured by `npm run bench:workers`: 3.0 ms of server CPU per request with one worker of 2 threads, 1.6 ms
 * with 2 workers of one thread each).
 * Passages are split across the workers; a query goes to an idle worker, or waits for the first free one.
 */
export async function loadEmbedderPool(model: string, opts: PoolOptions): Promise<Embedder> {
  // USE lite (TensorFlow.js) runs in-process: the pool serves ONNX models, whose workers need no TS loader.
  if (model === USE_LITE_ID) return loadEmbedder(model, opts);
  const n = Math.max(1, opts.workers ?? defaultWorkers());
  const threads = opts.threads ?? 1;
  const resolved = await resolveTransformersModel({
    model,
    modelsDir: opts.modelsDir,
    allowRemote: false,
    threads,
    ...(opts.dtype ? { dtype: opts.dtype } : {}),
    ...(opts.batchSize ? { batchSize: opts.batchSize } : {}),
  });
  const started = await Promise.allSettled(Array.from({ length: n }, () => startWorker(resolved.spec)));
  const failed = started.find((s) => s.status === 'rejected');
  if (failed) {
    for (const s of started) if (s.status === 'fulfilled') void s.value.worker.terminate();
    throw (failed as PromiseRejectedResult).reason;
  }
  const ok = started.map((s) => (s as PromiseFulfilledResult<{ worker: Worker; maxTokens: number }>).value);
  const info = transformersInfo(resolved, ok[0]!.maxTokens);
  const slots: Slot[] = ok.map(({ worker }) => ({ worker, jobs: new Map(), dead: false }));
  const queue: Job[] = [];
  let nextId = 1;
  let closed = false;

  /** Rejects what is waiting once no worker is left alive: a query must fail, never hang. */
  const failQueue = (why: string): void => {
    for (const job of queue.splice(0)) job.reject(new AppError('INTERNAL', why));
  };

  const dispatch = (): void => {
    // Fill the least-loaded live worker first: an idle worker gets a job before a busy one gets its next.
    for (let load = 0; load < IN_FLIGHT; load++) {
      for (const slot of slots) {
        if (!queue.length) return;
        if (slot.dead || slot.jobs.size !== load) continue;
        const job = queue.shift()!;
        const id = nextId++;
        slot.jobs.set(id, job);
        slot.worker.postMessage({ ...job.req, id } satisfies PoolRequest);
      }
    }
    if (queue.length && slots.every((s) => s.dead)) failQueue('every embedding worker has stopped');
  };

  // One permanent listener per worker for answers, errors and exits: a crash rejects its jobs and retires the slot.
  for (const slot of slots) {
    slot.worker.on('message', (m: PoolResponse) => {
      if (!('id' in m)) return;
      const job = slot.jobs.get(m.id);
      if (!job) return;
      slot.jobs.delete(m.id);
      if (m.kind === 'vectors') job.resolve(Array.from({ length: m.flat.length / info.dims }, (_, i) => m.flat.subarray(i * info.dims, (i + 1) * info.dims)));
      else if (m.kind === 'error') job.reject(new AppError('INTERNAL', `embedding failed: ${m.message}`));
      dispatch();
    });
    const retire = (why: string) => {
      if (slot.dead) return;
      slot.dead = true;
      for (const job of slot.jobs.values()) job.reject(new AppError('INTERNAL', why));
      slot.jobs.clear();
      dispatch();
    };
    slot.worker.on('error', (e) => retire(`embedding worker failed: ${e.message}`));
    slot.worker.on('exit', (code) => retire(closed ? 'the embedding pool is closed' : `embedding worker exited (${code})`));
  }

  const submit = (req: Job['req']): Promise<Float32Array[]> => {
    if (closed) return Promise.reject(new AppError('INTERNAL', 'the embedding pool is closed'));
    return new Promise((resolve, reject) => {
      queue.push({ req, resolve, reject });
      dispatch();
    });
  };

  return {
    info,
    async embedPassages(texts) {
      if (!texts.length) return [];
      // One contiguous share per worker: each sorts its share by length, so padding stays as small as in one process.
      const share = Math.ceil(texts.length / slots.length);
      const parts: Promise<Float32Array[]>[] = [];
      for (let i = 0; i < texts.length; i += share) parts.push(submit({ texts: texts.slice(i, i + share), prefix: resolved.passagePrefix }));
      return (await Promise.all(parts)).flat();
    },
    embedQuery: async (text) => (await submit({ texts: [text], prefix: resolved.queryPrefix }))[0]!,
    async dispose() {
      closed = true;
      failQueue('the embedding pool is closed');
      await Promise.all(slots.map((s) => s.worker.terminate()));
    },
  };
}
