// The embedding queue's messages (zod) and the pure checks both ends run: job data, worker registration, binary vectors, model identity.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { ModelInfo } from '../embed/embedder.js';
import { ModelInfoSchema } from '../store/manifest.js';

export const PROTOCOL = 1;
/** BullMQ key prefix: every key of the queue lives under paperscope:<queue name>:... */
export const KEY_PREFIX = 'paperscope';
export const DEFAULT_QUEUE_NAME = 'embed';
/** Vectors and run statistics left in Redis by a build that died expire after a day. */
export const RESULT_TTL_S = 24 * 3600;
/** A worker's registration lives this long unless refreshed (every third of it). */
export const WORKER_TTL_S = 15;

/** What both ends must agree on (a model folder's location is local to each machine, so it is not part of it). */
export const QueueModelSchema = ModelInfoSchema.omit({ location: true });
export type QueueModel = z.infer<typeof QueueModelSchema>;
/** Every field of the model description (pooling, prefixes, dtype...): all of them shape the vectors. */
const MODEL_FIELDS = Object.keys(QueueModelSchema.shape) as (keyof QueueModel)[];

const KEY = /^[0-9a-f]{32}$/;

export const JobDataSchema = z.object({
  v: z.literal(PROTOCOL),
  /** The build run that queued the job (worker counts are kept per run). */
  run: z.string().min(1).max(200),
  model: QueueModelSchema,
  /** The model's vector for PROBE_TEXT (base64 Float32): two different models with one name are told apart by it. */
  probe: z.string().min(1),
  /** Redis hash the worker stores vectors in, field = text key. */
  cache: z.string().min(1).max(300),
  items: z
    .array(z.object({ k: z.string().regex(KEY), t: z.string().min(1) }))
    .min(1)
    .max(20_000),
});
export type JobData = z.infer<typeof JobDataSchema>;

export const JobResultSchema = z.object({ worker: z.string(), n: z.number().int().nonnegative() });
export type JobResult = z.infer<typeof JobResultSchema>;

export const WorkerInfoSchema = z.object({
  v: z.literal(PROTOCOL),
  id: z.string().min(1),
  model: QueueModelSchema,
  probe: z.string().min(1),
  concurrency: z.number().int().positive(),
  startedAt: z.string(),
});
export type WorkerInfo = z.infer<typeof WorkerInfoSchema>;

/** A fixed passage every worker embeds when it starts; its vector is the model's fingerprint. */
export const PROBE_TEXT =
  'paperscope model probe. Every worker embeds this passage once, so that two models with the same name but different weights are never mixed in one index.';
/** Same weights on two CPUs give the same vector up to rounding; different weights do not come near. */
export const PROBE_MIN_COSINE = 0.9999;

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

/** Results are keyed by a hash of exactly the text embedded: a retried or duplicated batch can only overwrite a vector with itself. */
export const textKey = (text: string): string => sha256(text).slice(0, 32);

/** Identity of a model configuration, for the Redis key of its vector cache. */
export const modelKey = (m: QueueModel): string => sha256(JSON.stringify(MODEL_FIELDS.map((f) => m[f] ?? null))).slice(0, 16);

export const keys = {
  worker: (queue: string, id: string) => `${KEY_PREFIX}:${queue}:worker:${id}`,
  workerPattern: (queue: string) => `${KEY_PREFIX}:${queue}:worker:*`,
  run: (queue: string, run: string) => `${KEY_PREFIX}:${queue}:run:${run}`,
  cache: (queue: string, m: QueueModel) => `${KEY_PREFIX}:${queue}:vectors:${modelKey(m)}`,
};

/** Float32 little-endian bytes (every platform Node runs on is little-endian), copied so the caller's buffer is not shared. */
export function encodeVector(v: Float32Array): Buffer {
  return Buffer.from(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
}

/** Why a vector cannot go into the index, or undefined: the right dimension, finite, unit length (every backend L2-normalises). */
export function vectorProblem(v: Float32Array, dims: number): string | undefined {
  if (v.length !== dims) return `${v.length} dimensions, expected ${dims}`;
  let s = 0;
  for (let i = 0; i < v.length; i++) {
    const x = v[i]!;
    if (!Number.isFinite(x)) return `component ${i} is ${x}`;
    s += x * x;
  }
  const norm = Math.sqrt(s);
  if (Math.abs(norm - 1) > 1e-3) return `norm ${norm.toFixed(6)}, expected 1 (L2-normalised)`;
  return undefined;
}

/** Decodes a stored vector, or returns why it is unusable. */
export function decodeVector(buf: Buffer, dims: number): Float32Array | string {
  if (buf.length !== dims * 4) return `${buf.length} bytes, expected ${dims * 4} (${dims} float32)`;
  // Copied: a Buffer from the socket may sit at an offset that is not a multiple of 4.
  const v = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length));
  return vectorProblem(v, dims) ?? v;
}

export const vectorToBase64 = (v: Float32Array): string => encodeVector(v).toString('base64');
export function vectorFromBase64(s: string): Float32Array {
  const b = Buffer.from(s, 'base64');
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length - (b.length % 4)));
}

export function cosine(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Number.NaN;
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return dot / Math.sqrt(na * nb);
}

export const describeModel = (m: QueueModel): string => `${m.modelId} (${m.dims}-d, ${m.dtype}, ${m.pooling} pooling, ${m.maxTokens} tokens, ${m.backend})`;

/** The model fields of an Embedder's info, as they travel on the queue. */
export const queueModel = (m: ModelInfo): QueueModel => QueueModelSchema.parse(m);

/** Why two model descriptions (and probe vectors) are not the same model, or undefined when they are. */
export function modelMismatch(want: { model: QueueModel; probe: string }, have: { model: QueueModel; probe: string }): string | undefined {
  const diff = MODEL_FIELDS.filter((f) => want.model[f] !== have.model[f]);
  if (diff.length) return `${describeModel(have.model)} is not ${describeModel(want.model)} (${diff.join(', ')} differ)`;
  const c = cosine(vectorFromBase64(want.probe), vectorFromBase64(have.probe));
  if (!(c >= PROBE_MIN_COSINE)) return `two different models are both named ${want.model.modelId}: their vectors for the probe passage differ (cosine ${c.toFixed(4)})`;
  return undefined;
}

/**
 * Whether a worker's model id is the one a build names: the same id, or the folder name of a model given as
 * a path (a local folder's id is its folder name, as for a local build).
 */
export function modelMatchesSpec(spec: string, modelId: string): boolean {
  const trimmed = spec.replace(/[/\\]+$/, '');
  return modelId === trimmed || modelId === trimmed.split(/[/\\]/).pop();
}
