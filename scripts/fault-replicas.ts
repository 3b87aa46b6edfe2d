// Fault test: two `paperscope serve` replicas behind nginx (deploy/nginx.conf) under autocannon load; one replica is SIGKILLed and the other swaps to a new build copied with rsync meanwhile. Prints the figures; exits 1 if the client saw any failed request.
//
//   npm run fault:replicas                       30 s at 32 connections (the figures in docs/scale-out.md)
//   npm run fault:replicas -- --write            and put them into docs/scale-out.md
//   npm run fault:replicas -- --duration 10 --connections 16 --papers 1000
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { PROJECT_ROOT } from '../src/config.js';
import { writeBertModel } from '../src/embed/make-bert.js';
import { writePaperSample } from './lib/papers.js';
import { publish } from './lib/publish-figures.js';
import { type Child, RSYNC, freePort, paperscope, startNginx, waitFor } from './lib/servers.js';

export interface ReplicaFaultOptions {
  durationS: number;
  connections: number;
  papers: number;
  model?: string;
  log?: (line: string) => void;
}

export interface ReplicaFaultResult {
  requests: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  rps: number;
  p50: number;
  p99: number;
  max: number;
  killedAtS: number;
  /** Seconds from the start of the copy until the surviving replica answered /health with the new build. */
  swapSeconds: number;
  oldBuild: string;
  newBuild: string;
  servedAfter: string;
  papersAfter: number;
  table: string;
}

const rsync = (from: string, to: string, ...flags: string[]) => execFileSync(RSYNC ?? 'rsync', ['-a', ...flags, from, to], { stdio: 'pipe' });

/**
 * The publish step of a replica: the build folder first, the CURRENT pointer last (rsync renames it into
 * place). CURRENT by content (--checksum): its size never changes, so two builds published within one second
 * would look alike to rsync's size-and-time check and the second would not be copied.
 */
export function copyBuild(fromIndex: string, toIndex: string): string {
  const id = readFileSync(path.join(fromIndex, 'CURRENT'), 'utf8').trim();
  execFileSync('mkdir', ['-p', path.join(toIndex, 'builds')]);
  rsync(path.join(fromIndex, 'builds', id) + '/', path.join(toIndex, 'builds', id) + '/');
  rsync(path.join(fromIndex, 'CURRENT'), path.join(toIndex, 'CURRENT'), '--checksum');
  return id;
}

async function health(url: string): Promise<{ status: string; build: string; papers: number } | undefined> {
  try {
    const r = await fetch(`${url}/health`);
    return (await r.json()) as { status: string; build: string; papers: number };
  } catch {
    return undefined;
  }
}

async function startReplica(indexDir: string, name: string): Promise<{ child: Child; url: string }> {
  const port = await freePort();
  const child = paperscope(['serve', '--index', indexDir, '--port', String(port), '--host', '127.0.0.1'], { PAPERSCOPE_LOG_REQUESTS: 'false', PAPERSCOPE_RATE_LIMIT: '0' }, name);
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`${name} to be ready`, async () => {
    if (child.proc.exitCode !== null) throw new Error(`${name} exited:\n${child.output()}`);
    return (await health(url))?.status === 'ok';
  }, 120_000, 100);
  return { child, url };
}

/** Requests a lab's users make, rotated: searches in every mode (GET and POST), a paper, its related papers. */
function requestMix(ids: string[], titles: string[]): autocannon.Request[] {
  let i = 0;
  return [
    {
      setupRequest: (req) => {
        const n = i++;
        const id = encodeURIComponent(ids[n % ids.length]!);
        const q = encodeURIComponent(titles[(n * 7) % titles.length]!.split(' ').slice(0, 6).join(' '));
        switch (n % 5) {
          case 0:
            return { ...req, method: 'GET', path: `/api/search?q=${q}&limit=10` };
          case 1:
            return { ...req, method: 'GET', path: `/api/search?q=${q}&mode=semantic&limit=10` };
          case 2:
            return { ...req, method: 'POST', path: '/api/search', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ q: decodeURIComponent(q), mode: 'keyword', limit: 10 }) };
          case 3:
            return { ...req, method: 'GET', path: `/api/papers/${id}` };
          default:
            return { ...req, method: 'GET', path: `/api/papers/${id}/related?limit=10` };
        }
      },
    },
  ];
}

export async function runReplicaFault(opts: ReplicaFaultOptions): Promise<ReplicaFaultResult> {
  const log = opts.log ?? ((l: string) => process.stderr.write(l + '\n'));
  if (!RSYNC) throw new Error('rsync is not installed (apt-get install rsync)');
  const work = await mkdtemp(path.join(tmpdir(), 'paperscope-replicas-'));
  const children: Child[] = [];
  try {
    const model = opts.model ?? (existsSync(path.join(PROJECT_ROOT, 'models', 'test-tiny', 'config.json')) ? path.join(PROJECT_ROOT, 'models', 'test-tiny') : (await writeBertModel({ outDir: path.join(work, 'test-tiny') })).dir);
    // The build machine: build 1 now, build 2 (an update adding 10% more papers) ready to ship mid-load.
    const origin = path.join(work, 'origin');
    const first = await writePaperSample(path.join(work, 'a.jsonl'), opts.papers);
    const more = await writePaperSample(path.join(work, 'b.jsonl'), Math.ceil(opts.papers / 10), opts.papers);
    const build = async (args: string[]) => {
      const c = paperscope(['build', '--index', origin, '--model', model, '--json', ...args], {}, 'build');
      if ((await c.exited).code !== 0) throw new Error(`build failed:\n${c.output()}`);
    };
    log(`building ${opts.papers} ${first.real ? 'arXiv' : 'generated'} papers with ${path.basename(model)}`);
    await build(['--source', first.file]);
    const replicaA = path.join(work, 'replica-a');
    const replicaB = path.join(work, 'replica-b');
    const oldBuild = copyBuild(origin, replicaA);
    copyBuild(origin, replicaB);
    await build(['--update', '--source', more.file]);
    const newBuild = readFileSync(path.join(origin, 'CURRENT'), 'utf8').trim();

    const a = await startReplica(replicaA, 'replica-a');
    const b = await startReplica(replicaB, 'replica-b');
    children.push(a.child, b.child);
    const ports = [a, b].map((r) => Number(new URL(r.url).port));
    const nginx = await startNginx(path.join(work, 'nginx'), ports);
    children.push(nginx.child);
    log(`replicas on ${ports.join(', ')}, nginx on ${nginx.port}; ${opts.durationS} s at ${opts.connections} connections`);

    const sample = readFileSync(first.file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { id?: string; title: string });
    const ids = sample.filter((p) => p.id).map((p) => p.id!);
    const titles = sample.map((p) => p.title);
    const t0 = Date.now();
    const load = new Promise<autocannon.Result>((resolve, reject) => {
      autocannon(
        { url: nginx.url, connections: opts.connections, duration: opts.durationS, timeout: 10, requests: requestMix(ids, titles) },
        (err, res) => (err ? reject(err) : resolve(res)),
      );
    });

    // Mid-load: replica A dies without a goodbye; then B gets build 2 by a plain copy and swaps to it.
    await sleep(opts.durationS * 300);
    await a.child.kill('SIGKILL');
    const killedAtS = (Date.now() - t0) / 1000;
    log(`t=${killedAtS.toFixed(1)} s: replica A SIGKILLed`);
    await sleep(opts.durationS * 200);
    const tc = Date.now();
    copyBuild(origin, replicaB);
    log(`t=${((tc - t0) / 1000).toFixed(1)} s: build ${newBuild} copied to replica B (folder, then CURRENT)`);
    await waitFor('replica B to serve the new build', async () => (await health(b.url))?.build === newBuild, 60_000, 100);
    const swapSeconds = (Date.now() - tc) / 1000;
    log(`t=${((Date.now() - t0) / 1000).toFixed(1)} s: replica B serves ${newBuild} (${swapSeconds.toFixed(1)} s after the copy started)`);

    const r = await load;
    const after = (await health(b.url))!;
    const res: Omit<ReplicaFaultResult, 'table'> = {
      requests: r.requests.total,
      errors: r.errors,
      timeouts: r.timeouts,
      non2xx: r.non2xx,
      rps: r.requests.average,
      p50: r.latency.p50,
      p99: r.latency.p99,
      max: r.latency.max,
      killedAtS,
      swapSeconds,
      oldBuild,
      newBuild,
      servedAfter: after.build,
      papersAfter: after.papers,
    };
    const table = [
      `Two replicas behind nginx (deploy/nginx.conf), ${opts.papers} papers (+${Math.ceil(opts.papers / 10)} in build 2), model ${path.basename(model)}; autocannon ${opts.connections} connections for ${opts.durationS} s on the same machine (${cpus().length} CPUs); replica A SIGKILLed at ${killedAtS.toFixed(1)} s, build 2 copied to replica B with rsync meanwhile.`,
      '',
      '| requests | requests/s | p50 ms | p99 ms | max ms | errors | timeouts | non-2xx | B swapped to build 2 after |',
      '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
      `| ${res.requests} | ${res.rps.toFixed(0)} | ${res.p50} | ${res.p99} | ${res.max} | ${res.errors} | ${res.timeouts} | ${res.non2xx} | ${swapSeconds.toFixed(1)} s |`,
    ].join('\n');
    return { ...res, table };
  } finally {
    for (const c of children.reverse()) await c.kill('SIGTERM');
    await rm(work, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({
    options: {
      duration: { type: 'string', default: '30' },
      connections: { type: 'string', default: '32' },
      papers: { type: 'string', default: '2000' },
      model: { type: 'string' },
      write: { type: 'boolean', default: false },
    },
  });
  const r = await runReplicaFault({
    durationS: Number(values.duration),
    connections: Number(values.connections),
    papers: Number(values.papers),
    ...(values.model ? { model: values.model } : {}),
  });
  publish('fault-replicas', 'fault:replicas', r.table, process.argv.slice(2));
  if (r.errors + r.timeouts + r.non2xx > 0 || r.servedAfter !== r.newBuild) {
    process.stderr.write('FAIL: the client saw failed requests, or replica B did not swap to the new build\n');
    process.exitCode = 1;
  }
}
