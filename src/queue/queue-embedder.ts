// QueueEmbedder: the Embedder a build uses with --queue; each embedPassages call becomes one BullMQ job for the workers.
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Embedder, ModelInfo } from '../embed/embedder.js';
import { AppError } from '../errors.js';
import {
  DEFAULT_QUEUE_NAME,
  KEY_PREFIX,
  PROTOCOL,
  type JobData,
  type QueueModel,
  type WorkerInfo,
  WorkerInfoSchema,
  decodeVector,
  describeModel,
  keys,
  modelMatchesSpec,
  modelMismatch,
  textKey,
} from './protocol.js';
import { type RedisTarget, connectRedis, parseRedisUrl, redactError } from './redis.js';

export interface QueueEmbedderOptions {
  url: string;
  queueName?: string;
  /** The model the build names (--model): only workers running it may embed for this build. */
  model: string;
  /** The weights the build names (--dtype), if it names them: workers with other weights are refused. */
  dtype?: string;
  log: (line: string) => void;
  /** Bound on every wait: for Redis to come back, for a first worker, for a queued job to be taken. */
  timeoutMs?: number;
  /** How often a job's state is read. */
  pollMs?: number;
  /** Log per-worker counts this often (0: only at the end). */
  reportEveryMs?: number;
}


/** An error of a lost or closing Redis connection (as ioredis and BullMQ word them), not of the command itself. */
const isConnectionError = (e: unknown): boolean =>
  /ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT|Connection is closed|Stream isn't writeable|max retries per request/i.test(
    `${(e as NodeJS.ErrnoException)?.code ?? ''} ${(e as Error)?.message ?? ''}`,
  );

/** A job that came back without all its vectors is queued again this many times before the build gives up. */
const MAX_RESUBMITS = 5;
const REGISTRY_EVERY_MS = 3_000;
const MAX_IN_FLIGHT = 64;

export interface QueueEmbedder extends Embedder {
  /** Passages embedded per worker in this run, from the workers' own counts in Redis. */
  workerCounts(): Promise<Record<string, number>>;
}

/** Live workers registered on the queue (their registrations expire unless refreshed). */
async function liveWorkers(client: Redis, queueName: string): Promise<WorkerInfo[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await client.scan(cursor, 'MATCH', keys.workerPattern(queueName), 'COUNT', 200);
    cursor = next;
    found.push(...batch);
  } while (cursor !== '0');
  if (!found.length) return [];
  const values = await client.mget(found);
  return values.flatMap((v) => {
    if (!v) return [];
    try {
      const r = WorkerInfoSchema.safeParse(JSON.parse(v));
      return r.success ? [r.data] : [];
    } catch {
      return [];
    }
  });
}

/**
 * Which model the build embeds with: the workers that run the model the build names. Their description
 * (dims, dtype, pooling, probe vector) must agree; a worker on the queue with any other model is refused,
 * because it would take this build's jobs and fail them.
 */
function pickModel(spec: string, dtype: string | undefined, workers: WorkerInfo[]): { model: QueueModel; probe: string } | undefined {
  const others = workers.filter((w) => !modelMatchesSpec(spec, w.model.modelId) || (dtype !== undefined && w.model.dtype !== dtype));
  if (others.length) {
    throw new AppError(
      'INDEX_MISMATCH',
      `worker ${others[0]!.id} on this queue embeds with ${describeModel(others[0]!.model)}, not ${spec}${dtype ? ` (${dtype})` : ''}: stop it, start it with --model ${spec}${dtype ? ` --dtype ${dtype}` : ''}, ` +
        'or give each model its own --queue-name',
    );
  }
  const first = workers[0];
  if (!first) return undefined;
  for (const w of workers.slice(1)) {
    const why = modelMismatch(first, w);
    if (why) throw new AppError('INDEX_MISMATCH', `workers ${first.id} and ${w.id} disagree about model ${spec}: ${why}`);
  }
  return { model: first.model, probe: first.probe };
}

export async function openQueueEmbedder(opts: QueueEmbedderOptions): Promise<QueueEmbedder> {
  const target = parseRedisUrl(opts.url);
  const queueName = opts.queueName ?? DEFAULT_QUEUE_NAME;
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const pollMs = opts.pollMs ?? 250;
  const { log } = opts;
  // The first connection fails fast (a wrong host or port is the usual cause), never later than --queue-timeout.
  const client = await connectRedis(target, { timeoutMs: Math.min(10_000, timeoutMs) });
  client.on('error', () => {});
  try {
    const deadline = Date.now() + timeoutMs;
    let workers = await liveWorkers(client, queueName);
    let picked = pickModel(opts.model, opts.dtype, workers);
    if (!picked) log(`waiting for a worker with model ${opts.model} on ${target.display} (queue "${queueName}"): start one with \`paperscope worker --queue URL --model ${opts.model}\``);
    while (!picked) {
      if (Date.now() > deadline) {
        throw new AppError('QUEUE_UNAVAILABLE', `no worker with model ${opts.model} registered on ${target.display} (queue "${queueName}") within ${Math.round(timeoutMs / 1000)} s; nothing was embedded`);
      }
      await sleep(500);
      workers = await liveWorkers(client, queueName);
      picked = pickModel(opts.model, opts.dtype, workers);
    }
    return new Coordinator(client, target, queueName, picked, workers, { log, timeoutMs, pollMs, reportEveryMs: opts.reportEveryMs ?? 10_000 });
  } catch (e) {
    client.disconnect();
    throw e;
  }
}

class Coordinator implements QueueEmbedder {
  readonly info: ModelInfo;
  private readonly queue: Queue;
  private readonly run = `${hostname()}-${process.pid}-${Date.now().toString(36)}`;
  private readonly cache: string;
  private downSince: number | undefined;
  private workersAt = Date.now();
  private noWorkerSince: number | undefined;
  /** Keys handed to the build: deleted from Redis on the next call, once the build has committed them. */
  private handedOut: string[] = [];
  private readonly timer: NodeJS.Timeout | undefined;
  private lastQueueError = 0;

  constructor(
    private readonly client: Redis,
    private readonly target: RedisTarget,
    private readonly queueName: string,
    private readonly model: { model: QueueModel; probe: string },
    /** The live workers with this model (refreshed every few seconds): how many batches to keep in flight. */
    private workers: WorkerInfo[],
    private readonly opts: { log: (l: string) => void; timeoutMs: number; pollMs: number; reportEveryMs: number },
  ) {
    this.info = { ...model.model, normalize: true };
    this.cache = keys.cache(queueName, model.model);
    this.queue = new Queue(queueName, { connection: client as never, prefix: KEY_PREFIX });
    this.queue.on('error', (e) => {
      if (Date.now() - this.lastQueueError > 10_000) opts.log(`queue error: ${redactError(e, target)}`);
      this.lastQueueError = Date.now();
    });
    opts.log(`embedding on the queue "${queueName}" at ${target.display} with ${describeModel(model.model)}`);
    if (opts.reportEveryMs > 0) {
      this.timer = setInterval(() => void this.report().catch(() => {}), opts.reportEveryMs);
      this.timer.unref();
    }
  }

  /** Two batches per worker slot: one being embedded, one waiting, so no worker idles while the build commits. */
  get parallelism(): number {
    const slots = this.workers.reduce((s, w) => s + w.concurrency, 0);
    return Math.min(MAX_IN_FLIGHT, Math.max(2, 2 * slots));
  }

  /**
   * Runs a Redis operation; while Redis is unreachable, retries until it has been gone for timeoutMs, then
   * fails clearly. An error while connected is a real error and is thrown at once.
   */
  private async redis<T>(op: () => Promise<T>): Promise<T> {
    for (;;) {
      try {
        const r = await op();
        if (this.downSince !== undefined) this.opts.log(`Redis is back after ${((Date.now() - this.downSince) / 1000).toFixed(1)} s; carrying on`);
        this.downSince = undefined;
        return r;
      } catch (e) {
        // The queue has its own connection: this client can be ready while that one is still down.
        if (e instanceof AppError || (this.client.status === 'ready' && !isConnectionError(e))) throw e;
        if (this.downSince === undefined) {
          this.downSince = Date.now();
          this.opts.log(`Redis at ${this.target.display} is unreachable (${redactError(e, this.target)}); waiting up to ${Math.round(this.opts.timeoutMs / 1000)} s`);
        }
        if (Date.now() - this.downSince > this.opts.timeoutMs) {
          throw new AppError(
            'QUEUE_UNAVAILABLE',
            `lost Redis at ${this.target.display} for ${Math.round(this.opts.timeoutMs / 1000)} s; the vectors committed so far are kept: run the same build again to resume`,
          );
        }
        await sleep(500);
      }
    }
  }

  /** Refreshes the live workers (for parallelism and to notice that none is left). */
  private async refreshWorkers(): Promise<void> {
    if (Date.now() - this.workersAt < REGISTRY_EVERY_MS) return;
    this.workersAt = Date.now();
    const all = await this.redis(() => liveWorkers(this.client, this.queueName));
    this.workers = all.filter((w) => !modelMismatch(this.model, w));
    if (this.workers.length) {
      if (this.noWorkerSince !== undefined) this.opts.log(`${this.workers.length} worker(s) with ${this.info.modelId} registered again`);
      this.noWorkerSince = undefined;
    } else if (this.noWorkerSince === undefined) {
      this.noWorkerSince = Date.now();
      this.opts.log(`no worker with ${this.info.modelId} is registered on the queue; waiting up to ${Math.round(this.opts.timeoutMs / 1000)} s for one`);
    }
    if (this.noWorkerSince !== undefined && Date.now() - this.noWorkerSince > this.opts.timeoutMs) {
      throw new AppError(
        'QUEUE_UNAVAILABLE',
        `no worker with ${this.info.modelId} for ${Math.round(this.opts.timeoutMs / 1000)} s; the vectors committed so far are kept: start workers and run the same build again to resume`,
      );
    }
  }

  /** Vectors already in Redis for these keys (from a job, a retried job, or an earlier run of this build). */
  private async fetch(want: string[], into: Map<string, Float32Array>): Promise<void> {
    if (!want.length) return;
    const bufs = await this.redis(() => this.client.hmgetBuffer(this.cache, ...want));
    want.forEach((k, i) => {
      const b = bufs[i];
      if (!b) return;
      const v = decodeVector(b, this.info.dims);
      if (typeof v === 'string') throw new AppError('INTERNAL', `the vector stored for text ${k} is unusable (${v}); nothing of it was committed`);
      into.set(k, v);
    });
  }

  /** Waits until the job has finished (or is gone: removed on completion, or lost with a Redis restart). */
  private async waitJob(id: string, n: number): Promise<void> {
    let last = '';
    for (;;) {
      const state = await this.redis(() => this.queue.getJobState(id));
      if (state === 'unknown' || state === 'completed') return;
      if (state === 'failed') {
        const job = await this.redis(() => this.queue.getJob(id));
        const reason = job?.failedReason ?? 'no reason recorded';
        throw new AppError(/model mismatch/.test(reason) ? 'INDEX_MISMATCH' : 'INTERNAL', `embedding job ${id} failed: ${reason}`);
      }
      if (last === 'active' && state === 'waiting') this.opts.log(`job ${id} (${n} passages) went back to the queue: its worker stopped mid-batch`);
      last = state;
      await this.refreshWorkers();
      await sleep(this.opts.pollMs);
    }
  }

  async embedPassages(texts: readonly string[]): Promise<Float32Array[]> {
    await this.forgetHandedOut();
    await this.refreshWorkers();
    const textKeys = texts.map(textKey);
    const byKey = new Map<string, string>();
    textKeys.forEach((k, i) => byKey.set(k, texts[i]!));
    const got = new Map<string, Float32Array>();
    await this.fetch([...byKey.keys()], got);
    for (let attempt = 0; ; attempt++) {
      const missing = [...byKey.keys()].filter((k) => !got.has(k));
      if (!missing.length) break;
      if (attempt > MAX_RESUBMITS) throw new AppError('INTERNAL', `${missing.length} passages were queued ${MAX_RESUBMITS + 1} times and never came back; nothing of them was committed`);
      if (attempt > 0) this.opts.log(`${missing.length} passages came back without vectors (Redis restarted?); queueing them again`);
      const data: JobData = { v: PROTOCOL, run: this.run, model: this.model.model, probe: this.model.probe, cache: this.cache, items: missing.map((k) => ({ k, t: byKey.get(k)! })) };
      const job = await this.redis(() =>
        this.queue.add('embed', data, { attempts: 3, backoff: { type: 'fixed', delay: 1000 }, removeOnComplete: true, removeOnFail: { age: 24 * 3600 } }),
      );
      await this.waitJob(job.id!, missing.length);
      await this.fetch(missing, got);
    }
    this.handedOut.push(...byKey.keys());
    // Placed by key, never by position: a vector can only land on the text it was computed from.
    return textKeys.map((k) => got.get(k)!);
  }

  /** Deletes vectors the build has had since the last call: by then it has committed them to SQLite. */
  private async forgetHandedOut(): Promise<void> {
    const done = this.handedOut.splice(0);
    for (let i = 0; i < done.length; i += 1000) await this.redis(() => this.client.hdel(this.cache, ...done.slice(i, i + 1000)));
  }

  async workerCounts(): Promise<Record<string, number>> {
    const raw = await this.redis(() => this.client.hgetall(keys.run(this.queueName, this.run)));
    return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, Number(v)]));
  }

  private async report(final = false): Promise<void> {
    const counts = Object.entries(await this.workerCounts()).sort((a, b) => b[1] - a[1]);
    if (!counts.length) return;
    const total = counts.reduce((s, [, n]) => s + n, 0);
    this.opts.log(`${final ? 'embedded by' : 'workers'}: ${counts.map(([w, n]) => `${w} ${n}`).join(', ')} (${total} passages, ${counts.length} workers)`);
  }

  async embedQuery(): Promise<Float32Array> {
    throw new AppError('INVALID_INPUT', 'the queue embeds passages for builds; queries are embedded by the server with its own model');
  }

  async dispose(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    try {
      await this.forgetHandedOut();
      await this.report(true);
    } catch {
      // Redis gone at the end: the leftovers expire on their own.
    }
    await this.queue.close().catch(() => {});
    this.client.disconnect();
  }
}
