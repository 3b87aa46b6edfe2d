// The walk-through of docs/scale-out.md, run exactly as written (its bash blocks, in one shell): 2 workers, 2 replicas, nginx, same answers.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { NGINX, REDIS_SERVER, RSYNC } from '../../scripts/lib/servers.js';
import { ROOT, removeTempDirs, tempDir, tinyModelDir } from '../helpers.js';

const PORTS = [6390, 8080, 8081, 8082, 8090];
const DOC = path.join(ROOT, 'docs', 'scale-out.md');

/** The bash blocks between the walk-through markers, in order. */
export function walkthroughScript(doc: string): string {
  const m = /<!-- walkthrough -->([\s\S]*?)<!-- \/walkthrough -->/.exec(doc);
  if (!m) throw new Error('docs/scale-out.md has no <!-- walkthrough --> section');
  return [...m[1]!.matchAll(/```bash\n([\s\S]*?)```/g)].map((b) => b[1]!).join('\n');
}

const portFree = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });

const hasCurl = (() => {
  try {
    execFileSync('curl', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

let work: string | undefined;

afterAll(async () => {
  // Whatever the script started and did not stop (it failed half-way): by the pids it recorded.
  const pids = work && existsSync(path.join(work, 'pids')) ? readFileSync(path.join(work, 'pids'), 'utf8').split(/\s+/).filter(Boolean) : [];
  for (const pid of pids) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await removeTempDirs();
});

describe.skipIf(!REDIS_SERVER || !NGINX || !RSYNC || !hasCurl)('docs/scale-out.md walk-through', () => {
  it('runs as written and gets the same answers through nginx as from a single server', async (ctx) => {
    const busy = [];
    for (const p of PORTS) if (!(await portFree(p))) busy.push(p);
    if (busy.length) ctx.skip(`ports ${busy.join(', ')} are in use on this machine: the walk-through needs ${PORTS.join(', ')}`);
    work = await tempDir('paperscope-walkthrough-');
    const script = walkthroughScript(readFileSync(DOC, 'utf8'));
    const child = spawn('bash', ['-c', `set -eo pipefail\n${script}`], {
      cwd: ROOT,
      env: { ...process.env, MODEL: await tinyModelDir(), WORK: work, PAPERSCOPE_MODEL: '', PAPERSCOPE_INDEX: '', PAPERSCOPE_QUEUE: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code, out).toBe(0);
    expect(out).toContain('through nginx: 12 answers the same as the single server, 0 different');
    const counts = [...out.matchAll(/replica(\d)\.log:(\d+)/g)].map((m) => Number(m[2]));
    expect(counts).toHaveLength(2);
    for (const n of counts) expect(n).toBeGreaterThan(0);
    expect(out).toContain('with replica 1 down: 10 of 10 searches answered');
    // The workers embedded all 45 passages (whether both got a batch depends on who starts first: 45 passages are
    // three batches), and the replicas verified their copies.
    expect(out).toMatch(/embedded by: .*\(45 passages, [12] workers?\)/);
    expect(out.match(/build \S+: OK \(checksums/g)).toHaveLength(2);
  });
});
