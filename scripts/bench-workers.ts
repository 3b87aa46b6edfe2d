// `npm run bench:workers [-- --write]`: distinct-query throughput of `serve --workers 1` against `--workers 2`, and what a thread costs.
//
// The seed built with the real all-MiniLM-L6-v2 (int8), served by the CLI in a child process, driven by autocannon with
// a new query text on every request (so every request embeds: what a busy lab endpoint sees), 16 and 32 connections.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { buildIndex } from '../src/build/index.js';
import { PROJECT_ROOT } from '../src/config.js';
import { loadEmbedder } from '../src/embed/index.js';
import { publishFigures } from './lib/figures.js';
import { REAL_MODEL, hasRealModel } from './lib/models.js';
import { startServe } from './lib/servers.js';

const { values } = parseArgs({ options: { duration: { type: 'string', default: '10' }, rounds: { type: 'string', default: '3' }, write: { type: 'boolean', default: false } } });
if (!hasRealModel()) {
  console.log(`skipped: ${REAL_MODEL} is absent (npm run get-models)`);
  process.exit(0);
}
const SEED = path.join(PROJECT_ROOT, 'index', 'papers.jsonl');
const cpus = availableParallelism();
const WORDS = 'graph neural networks pipeline parallel training sparse attention retrieval language models diffusion protein reinforcement learning'.split(' ');

/** CPU seconds (user + system) of a process, or of one of its threads (tid), from /proc: field 14 and 15 of stat. */
function cpuSeconds(pid: number, tid?: number): number {
  const stat = readFileSync(tid ? `/proc/${pid}/task/${tid}/stat` : `/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // after "pid (comm) ": field 3 is index 0
  return (Number(fields[11]) + Number(fields[12])) / 100; // USER_HZ is 100 on Linux
}

/** CPU seconds the hypervisor gave to other guests (steal, the 8th value of /proc/stat's cpu line), all cores. */
function stealSeconds(): number {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
  return Number(cpu[8] ?? 0) / 100;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

const vmKB = (pid: number, field: string): number => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);

/** `serve --workers N` in a child process, request logging off. */
const serve = (indexDir: string, workers: number) => startServe(['--index', indexDir, '--workers', String(workers)], { PAPERSCOPE_LOG_REQUESTS: '0' });

/** Requests per second with a new query text on every request (a counter makes each one distinct). */
async function run(url: string, connections: number, offset: number, pid: number) {
  let n = offset;
  const [server0, main0, gen0, steal0, t0] = [cpuSeconds(pid), cpuSeconds(pid, pid), process.cpuUsage(), stealSeconds(), performance.now()];
  const r = await autocannon({
    url,
    connections,
    duration: Number(values.duration),
    requests: [
      {
        setupRequest: (req) => {
          n++;
          const q = `${WORDS[n % WORDS.length]} ${WORDS[(n * 7) % WORDS.length]} ${WORDS[(n * 13) % WORDS.length]} ${n}`;
          return { ...req, path: `/api/search?mode=semantic&limit=10&q=${encodeURIComponent(q)}` };
        },
      },
    ],
  });
  const wall = (performance.now() - t0) / 1000;
  const gen = process.cpuUsage(gen0);
  const server = cpuSeconds(pid) - server0;
  const main = cpuSeconds(pid, pid) - main0;
  return {
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    errors: r.errors + r.non2xx,
    // Cores busy on average: the server's main thread (HTTP, search, JSON), its other threads (embedding), and the load generator.
    mainCores: main / wall,
    embedCores: (server - main) / wall,
    genCores: (gen.user + gen.system) / 1e6 / wall,
    stealCores: (stealSeconds() - steal0) / wall,
    serverMsPerReq: (server * 1000) / Math.max(1, r.requests.total),
  };
}

const tmp = await mkdtemp(path.join(tmpdir(), 'paperscope-workers-'));
try {
  const emb = await loadEmbedder(REAL_MODEL, { modelsDir: path.dirname(REAL_MODEL), dtype: 'q8' });
  const indexDir = path.join(tmp, 'index');
  await buildIndex({ indexDir, sources: [SEED], embedder: emb });
  await emb.dispose();
  // Both servers stay up and the runs alternate (1, 2, 1, 2, ...), so a slow spell of this shared machine hits
  // both alike; each figure is the median of the rounds.
  const servers = new Map<number, Awaited<ReturnType<typeof serve>>>();
  const rss: Record<number, number> = {};
  for (const workers of [1, 2]) {
    const s = await serve(indexDir, workers);
    servers.set(workers, s);
    rss[workers] = vmKB(s.child.proc.pid!, 'VmRSS') / 1024;
  }
  const runs: Record<string, Awaited<ReturnType<typeof run>>[]> = {};
  try {
    for (let round = 0; round < Number(values.rounds); round++) {
      for (const c of [16, 32]) {
        for (const [workers, s] of servers) {
          const r = await run(s.url, c, round * 10_000_000 + workers * 1_000_000 + c * 10_000, s.child.proc.pid!);
          (runs[`${workers}:${c}`] ??= []).push(r);
        }
      }
    }
  } finally {
    await Promise.all([...servers.values()].map((s) => s.child.kill('SIGTERM')));
  }
  const med = (key: string, f: (r: Awaited<ReturnType<typeof run>>) => number): number => median(runs[key]!.map(f));
  const rows: string[] = [];
  const rps: Record<string, number> = {};
  for (const workers of [1, 2]) {
    for (const c of [16, 32]) {
      const k = `${workers}:${c}`;
      rps[k] = med(k, (r) => r.rps);
      const [main, embed, gen, steal] = [med(k, (r) => r.mainCores), med(k, (r) => r.embedCores), med(k, (r) => r.genCores), med(k, (r) => r.stealCores)];
      rows.push(
        `| ${workers} | ${c} | ${rps[k]!.toFixed(0)} | ${med(k, (r) => r.p50)} | ${med(k, (r) => r.p99)} | ${runs[k]!.reduce((a, r) => a + r.errors, 0)} | ${main.toFixed(2)} | ${embed.toFixed(2)} | ${gen.toFixed(2)} | ${steal.toFixed(2)} | ${(main + embed + gen).toFixed(2)} / ${cpus} | ${med(k, (r) => r.serverMsPerReq).toFixed(2)} |`,
      );
    }
  }
  const serverMs = med('2:32', (r) => r.serverMsPerReq);
  const genCores = med('2:32', (r) => r.genCores);
  const stealCores = med('2:32', (r) => r.stealCores);
  const ceiling = ((cpus - genCores - stealCores) * 1000) / serverMs;
  publishFigures(
    'workers',
    [
      `The seed (${45} papers) with all-MiniLM-L6-v2 int8; every request a new query text (semantic mode), so each one embeds; autocannon on the same machine; medians of ${values.rounds} alternating rounds of ${values.duration} s. Cores: CPU seconds per second of the server's main thread (HTTP, search, JSON), its embedding threads, the load generator, and the time the hypervisor gave to other guests (steal).`,
      '',
      '| --workers | connections | requests/s | p50 ms | p99 ms | errors + non-2xx | main thread cores | embedding threads cores | load generator cores | stolen cores | busy cores | server CPU ms / request |',
      '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
      ...rows,
      '',
      `Throughput of 2 workers over 1: ${(rps['2:16']! / rps['1:16']!).toFixed(2)}x at 16 connections, ${(rps['2:32']! / rps['1:32']!).toFixed(2)}x at 32.`,
      // The bound: the cores left once the load generator and the hypervisor have their share, over one request's server CPU.
      `Ceiling on this machine at 32 connections: (${cpus} cores - ${genCores.toFixed(2)} load generator - ${stealCores.toFixed(2)} stolen) / ${serverMs.toFixed(2)} ms of server CPU per request = ${ceiling.toFixed(0)} requests/s, ${(ceiling / rps['1:32']!).toFixed(2)}x of 1 worker.`,
      `Server RSS after loading: ${rss[1]!.toFixed(0)} MB with 1 worker, ${rss[2]!.toFixed(0)} MB with 2: a worker thread costs ${(rss[2]! - rss[1]!).toFixed(0)} MB (its model session).`,
    ].join('\n'),
  );
} finally {
  await rm(tmp, { recursive: true, force: true });
}
