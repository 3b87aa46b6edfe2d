// Load test: serves the seed (built with USE lite in a temp folder) through the real CLI in a child process, drives it with autocannon.
//
//   npm run load                  30 s per endpoint at 32 connections (the figures in docs/operations.md)
//   npm run load -- --duration 5 --connections 8
//
// Prints a markdown table: requests/s, p50/p99 latency, errors and non-2xx per endpoint, and the server's RSS
// (from its own /metrics) before and after. Exits 1 if any request failed or was not 2xx.
// `npm run load -- --write` also puts it into the <!-- figures:load --> block of docs/operations.md (only when no request failed).
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { buildIndex } from '../src/build/index.js';
import { PROJECT_ROOT } from '../src/config.js';
import { loadUseLiteEmbedder } from '../src/embed/use-lite.js';
import { publishFigures } from './lib/figures.js';

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '30' },
    connections: { type: 'string', default: '32' },
    write: { type: 'boolean', default: false },
  },
});
const duration = Number(args.duration);
const connections = Number(args.connections);
const SEED = path.join(PROJECT_ROOT, 'index', 'papers.jsonl');

/** Hybrid queries a user might type, rotated so the embedder and FTS see different text. */
const QUERIES = [
  'how to train a model that does not fit in GPU memory',
  'pipeline parallelism',
  'do reasoning models need to think step by step',
  'LLM serving throughput',
  'reinforcement learning environments that run in parallel',
  'asynchronous checkpointing for large models',
  'cross-lingual transfer with code switching',
  'weather and climate foundation model',
];

const log = (s: string) => process.stderr.write(s + '\n');

async function waitForUrl(logFile: string, child: ReturnType<typeof spawn>): Promise<string> {
  for (let i = 0; i < 600; i++) {
    const m = /at (http:\/\/[^\s]+)/.exec(readFileSync(logFile, 'utf8'));
    // The CLI prints localhost for people; connect to the address it listens on.
    if (m) return m[1]!.replace('//localhost:', '//127.0.0.1:');
    if (child.exitCode !== null) throw new Error(`server exited:\n${readFileSync(logFile, 'utf8')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('server did not start within 60 s');
}

async function rssBytes(url: string): Promise<number> {
  const text = await (await fetch(url + '/metrics')).text();
  const m = /^process_resident_memory_bytes (\d+(?:\.\d+)?(?:e\+\d+)?)/m.exec(text);
  if (!m) throw new Error('no process_resident_memory_bytes in /metrics');
  return Number(m[1]);
}

function run(url: string, title: string, paths: string[]): Promise<autocannon.Result> {
  let i = 0;
  return new Promise((resolve, reject) => {
    const inst = autocannon(
      {
        url,
        title,
        connections,
        duration,
        // Rotate the request path per request: different queries / papers, as real traffic would be.
        requests: [{ setupRequest: (req) => ({ ...req, path: paths[i++ % paths.length]! }) }],
      },
      (err, res) => (err ? reject(err) : resolve(res)),
    );
    autocannon.track(inst, { renderProgressBar: false, renderResultsTable: false, renderLatencyTable: false });
  });
}

const mib = (b: number) => `${(b / 1024 / 1024).toFixed(0)} MiB`;

async function main(): Promise<void> {
  const work = await mkdtemp(path.join(tmpdir(), 'paperscope-load-'));
  const logFile = path.join(work, 'server.log');
  let child: ReturnType<typeof spawn> | undefined;
  try {
    log(`building the seed with use-lite in ${work}`);
    const embedder = await loadUseLiteEmbedder();
    const indexDir = path.join(work, 'index');
    const summary = await buildIndex({ indexDir, sources: [SEED], embedder });
    await embedder.dispose();

    // The production path: `paperscope serve`, request logging on (the default), logs to a file.
    const fd = openSync(logFile, 'w');
    child = spawn(process.execPath, [path.join(PROJECT_ROOT, 'scripts', 'paperscope.js'), 'serve', '--index', indexDir, '--port', '0', '--host', '127.0.0.1'], {
      stdio: ['ignore', 'ignore', fd],
      env: { ...process.env, PAPERSCOPE_RATE_LIMIT: '0', PAPERSCOPE_API_KEY: '' },
    });
    closeSync(fd);
    const url = await waitForUrl(logFile, child);
    log(`server at ${url}`);

    const ids = (JSON.parse(`[${readFileSync(SEED, 'utf8').trim().split('\n').join(',')}]`) as { id: string }[]).map((p) => p.id);
    const relatedPaths = ids.map((id) => `/api/papers/${encodeURIComponent(id)}/related?limit=10`);
    const searchPaths = QUERIES.map((q) => `/api/search?mode=hybrid&limit=10&q=${encodeURIComponent(q)}`);
    // Every request a new text (a number appended), so the query-embedding cache never hits: the cost of new questions.
    const distinctPaths = Array.from({ length: 200_000 }, (_, i) => `/api/search?mode=hybrid&limit=10&q=${encodeURIComponent(`${QUERIES[i % QUERIES.length]} ${i}`)}`);
    // Warm up (JIT, SQLite page cache, first embeddings) so "before" is the steady idle state.
    for (const p of [...relatedPaths, ...searchPaths]) {
      const r = await fetch(url + p);
      if (!r.ok) throw new Error(`warm-up ${p}: HTTP ${r.status}`);
      await r.arrayBuffer();
    }
    const rssBefore = await rssBytes(url);

    const rows: { name: string; r: autocannon.Result }[] = [];
    for (const [name, paths] of [
      ['GET /api/papers/:id/related', relatedPaths],
      ['GET /api/search (hybrid, distinct queries)', distinctPaths],
      ['GET /api/search (hybrid, 8 repeated queries)', searchPaths],
    ] as const) {
      log(`${name}: ${duration} s at ${connections} connections`);
      rows.push({ name, r: await run(url, name, [...paths]) });
    }
    const rssAfter = await rssBytes(url);

    const lines = [
      `Seed index: ${summary.papers} papers, use-lite (512-d). ${duration} s per endpoint, ${connections} connections, autocannon in the same machine as the server (${cpus().length} CPUs, ${cpus()[0]?.model.trim() ?? 'unknown CPU'}), Node ${process.version}, request logging on.`,
      '',
      '| endpoint | requests/s | p50 ms | p99 ms | requests | errors | non-2xx |',
      '|---|---:|---:|---:|---:|---:|---:|',
      ...rows.map(
        ({ name, r }) =>
          `| ${name} | ${r.requests.average.toFixed(0)} | ${r.latency.p50} | ${r.latency.p99} | ${r.requests.total} | ${r.errors + r.timeouts} | ${r.non2xx} |`,
      ),
      '',
      `Server RSS: ${mib(rssBefore)} before (after start-up and warm-up), ${mib(rssAfter)} after the load (${rows.length * duration} s, ${rows.reduce((n, { r }) => n + r.requests.total, 0)} requests).`,
    ];
    const failed = rows.some(({ r }) => r.errors + r.timeouts + r.non2xx > 0);
    // A failed run still prints its figures, but never writes them into the docs.
    publishFigures('load', lines.join('\n'), failed ? process.argv.slice(2).filter((a) => a !== '--write') : process.argv.slice(2));
    if (failed) {
      log('FAIL: some requests errored or were not 2xx');
      process.exitCode = 1;
    }
  } finally {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child!.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    await rm(work, { recursive: true, force: true });
  }
}

await main();
