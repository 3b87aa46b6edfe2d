// `paperscope worker`: takes embedding jobs from the BullMQ queue, embeds them with a locally loaded model, stores vectors by text key.
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Job, UnrecoverableError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { Embedder } from '../embed/embedder.js';
import { AppError } from '../errors.js';
import {
  DEFAULT_QUEUE_NAME,
  JobDataSchema,
  KEY_PREFIX,
  PROBE_TEXT,
  PROTOCOL,
  RESULT_TTL_S,
  WORKER_TTL_S,
  type JobResult,
  type QueueModel,
  type WorkerInfo,
  describeModel,
  encodeVector,
  keys,
  modelMismatch,
  queueModel,
  vectorProblem,
  vectorToBase64,
} from './protocol.js';
import { type RedisTarget, connectRedis, parseRedisUrl, redactError, redisOptions } from './redis.js';

export interface WorkerOptions {
  url: string;
  queueName?: string;
  /** Loads the model (as a local build would), once Redis has answered: a wrong URL fails before a slow model load. */
  load: () => Promise<Embedder>;
  concurrency?: number;
  log: (line: string) => void;
  /** How long the worker keeps trying while Redis is unreachable before it exits (a supervisor restarts it). */
  timeoutMs?: number;
  /** BullMQ lock duration and stalled-check interval: a dead worker's job goes back to the queue after about this long. */
  lockMs?: number;
  /** Test hook: pause after embedding a job and before storing its vectors (a kill then lands mid-batch). */
  batchDelayMs?: number;
  /** Stops the worker (it finishes its current jobs first). */
  signal?: AbortSignal;
}

export interface WorkerSummary {
  id: string;
  jobs: number;
  passages: number;
}

/** Registers the worker (model, probe vector, concurrency) under a key that expires unless refreshed. */
function startRegistration(client: Redis, key: string, info: WorkerInfo, log: (l: string) => void): () => Promise<void> {
  const write = () => client.set(key, JSON.stringify(info), 'EX', WORKER_TTL_S);
  let warned = false;
  const timer = setInterval(() => {
    write().then(
      () => (warned = false),
      () => {
        if (!warned) log('could not refresh the worker registration (Redis unreachable); retrying');
        warned = true;
      },
    );
  }, (WORKER_TTL_S * 1000) / 3);
  timer.unref();
  void write().catch(() => {});
  return async () => {
    clearInterval(timer);
    await client.del(key).catch(() => {});
  };
}

interface JobContext {
  id: string;
  queueName: string;
  model: QueueModel;
  probe: string;
  embedder: Embedder;
  client: Redis;
  log: (line: string) => void;
  summary: WorkerSummary;
  batchDelayMs?: number | undefined;
}

/** One job: refuse another model, embed, check every vector, store them by text key (and count them for the build's log). */
async function processJob(job: Job, c: JobContext): Promise<JobResult> {
  const parsed = JobDataSchema.safeParse(job.data);
  if (!parsed.success) throw new UnrecoverableError(`malformed job ${job.id}: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  const data = parsed.data;
  const mismatch = modelMismatch({ model: data.model, probe: data.probe }, { model: c.model, probe: c.probe });
  if (mismatch) {
    throw new UnrecoverableError(
      `model mismatch: worker ${c.id} embeds with ${describeModel(c.model)}, but the build needs ${describeModel(data.model)}: ${mismatch}. ` +
        `Restart the worker with --model ${data.model.modelId}, or give each model its own --queue-name`,
    );
  }
  const t0 = performance.now();
  c.log(`job ${job.id}: ${data.items.length} passages${job.attemptsStarted > 1 ? ` (attempt ${job.attemptsStarted})` : ''}`);
  const vecs = await c.embedder.embedPassages(data.items.map((i) => i.t));
  const fields: (string | Buffer)[] = [];
  data.items.forEach((item, i) => {
    const problem = vectorProblem(vecs[i]!, c.model.dims);
    if (problem) throw new UnrecoverableError(`worker ${c.id}: the model gave an unusable vector for text ${item.k} (${problem})`);
    fields.push(item.k, encodeVector(vecs[i]!));
  });
  if (c.batchDelayMs) await sleep(c.batchDelayMs);
  const run = keys.run(c.queueName, data.run);
  const res = await c.client.multi().hset(data.cache, ...fields).expire(data.cache, RESULT_TTL_S).hincrby(run, c.id, data.items.length).expire(run, RESULT_TTL_S).exec();
  const failed = res?.find(([e]) => e);
  if (!res || failed) throw new Error(`could not store the vectors of job ${job.id}: ${failed?.[0]?.message ?? 'transaction aborted'}`);
  c.summary.jobs++;
  c.summary.passages += data.items.length;
  c.log(`job ${job.id}: done in ${((performance.now() - t0) / 1000).toFixed(2)} s`);
  return { worker: c.id, n: data.items.length };
}

/**
 * Resolves when the worker should stop: the signal (undefined), or Redis gone for longer than timeoutMs (the
 * error). Reconnecting is routine (a restart) and is logged; a Redis gone for good ends the worker clearly.
 */
function untilStopped(client: Redis, target: RedisTarget, timeoutMs: number, log: (l: string) => void, signal?: AbortSignal): Promise<AppError | undefined> {
  let downSince: number | undefined;
  let stopped = false;
  client.on('error', () => {});
  client.on('close', () => {
    if (stopped) return;
    if (downSince === undefined) log(`lost Redis at ${target.display}; reconnecting (giving up after ${Math.round(timeoutMs / 1000)} s)`);
    downSince ??= Date.now();
  });
  client.on('ready', () => {
    if (downSince !== undefined) log(`Redis is back after ${((Date.now() - downSince) / 1000).toFixed(1)} s`);
    downSince = undefined;
  });
  return new Promise((resolve) => {
    const done = (e?: AppError) => {
      stopped = true;
      clearInterval(check);
      signal?.removeEventListener('abort', onAbort);
      resolve(e);
    };
    const onAbort = () => done();
    const check = setInterval(() => {
      if (downSince !== undefined && Date.now() - downSince > timeoutMs) {
        done(new AppError('QUEUE_UNAVAILABLE', `lost Redis at ${target.display} for ${Math.round(timeoutMs / 1000)} s: stopping the worker`));
      }
    }, 500);
    if (signal?.aborted) done();
    else signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Runs until stopped (signal) or until Redis has been unreachable for longer than timeoutMs. */
export async function runWorker(opts: WorkerOptions): Promise<WorkerSummary> {
  const target = parseRedisUrl(opts.url);
  const queueName = opts.queueName ?? DEFAULT_QUEUE_NAME;
  const { log } = opts;
  const id = `${hostname()}:${process.pid}`;
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const client = await connectRedis(target, { timeoutMs: Math.min(10_000, timeoutMs) });
  let embedder: Embedder;
  try {
    embedder = await opts.load();
  } catch (e) {
    client.disconnect();
    throw e;
  }
  const model = queueModel(embedder.info);
  const probe = vectorToBase64((await embedder.embedPassages([PROBE_TEXT]))[0]!);
  const concurrency = Math.max(1, opts.concurrency ?? 1);
  const unregister = startRegistration(client, keys.worker(queueName, id), { v: PROTOCOL, id, model, probe, concurrency, startedAt: new Date().toISOString() }, log);
  const summary: WorkerSummary = { id, jobs: 0, passages: 0 };
  const context: JobContext = { id, queueName, model, probe, embedder, client, log, summary, batchDelayMs: opts.batchDelayMs };

  // BullMQ's blocking connection queues commands while it reconnects (BullMQ requires it); the bound on how
  // long the worker waits for Redis is kept by untilStopped, from the other connection's state.
  const blocking = new Redis(redisOptions(target, { blocking: true }));
  blocking.on('error', () => {});
  const worker = new Worker(queueName, (job) => processJob(job, context), {
    connection: blocking as never,
    prefix: KEY_PREFIX,
    concurrency,
    lockDuration: opts.lockMs ?? 30_000,
    stalledInterval: opts.lockMs ?? 30_000,
    // A job whose worker died is put back a few times before it counts as failed.
    maxStalledCount: 5,
    name: id,
  });
  let lastError = 0;
  worker.on('error', (e) => {
    if (Date.now() - lastError > 10_000) log(`queue error: ${redactError(e, target)}`);
    lastError = Date.now();
  });
  worker.on('failed', (job, e) => {
    if (job && e instanceof UnrecoverableError) log(`job ${job.id} refused: ${e.message}`);
  });
  log(`worker ${id}: ${describeModel(model)}, queue "${queueName}" on ${target.display}, concurrency ${concurrency}`);

  const fatal = await untilStopped(client, target, timeoutMs, log, opts.signal);
  if (!fatal) log(`stopping: finishing ${concurrency > 1 ? 'the current jobs' : 'the current job'}`);
  await worker.close(Boolean(fatal)).catch(() => {});
  await unregister();
  blocking.disconnect();
  client.disconnect();
  await embedder.dispose();
  if (fatal) throw fatal;
  log(`worker ${id} stopped after ${summary.jobs} jobs (${summary.passages} passages)`);
  return summary;
}
