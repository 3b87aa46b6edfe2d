// Fault test: Redis dies during a queue build. A short outage: the build waits and carries on. A long one: it fails clearly and a rerun resumes. Nothing is lost.
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeTempDirs } from '../helpers.js';
import { REDIS_SERVER, type Child, type RedisServer, paperscope, waitFor } from '../../scripts/lib/servers.js';
import { builtPapers, expectSameVectors, queueSetup, stagedVectors, startWorkers } from './queue-fixtures.js';

const PAPERS = 1500;
const COMMIT = 100;

let redis: RedisServer | undefined;
let workers: Child[] = [];

afterAll(async () => {
  await Promise.all(workers.map((w) => w.kill('SIGKILL')));
  await redis?.stop();
  await removeTempDirs();
});

describe.skipIf(!REDIS_SERVER)('Redis restarted during a queue build', () => {
  let dir: string;
  let source: string;
  let localIndex: string;
  let model: string;

  beforeAll(async () => {
    const setup = await queueSetup('paperscope-queue-restart-', PAPERS);
    ({ dir, source, localIndex, model } = setup);
    redis = setup.redis;
    // Workers keep reconnecting for the default 120 s, longer than either outage below.
    workers = await startWorkers(2, redis.url, model, ['--lock-ms', '3000', '--batch-delay-ms', '200']);
  });

  it('a short outage: the build waits, queues again what Redis lost, and completes', async () => {
    const index = path.join(dir, 'short');
    const build = paperscope(['build', '--queue', redis!.url, '--model', model, '--source', source, '--index', index, '--commit-every', String(COMMIT)], {}, 'build');
    await waitFor('a few committed batches', () => stagedVectors(index) >= 3 * COMMIT || build.proc.exitCode !== null, 120_000);
    const before = stagedVectors(index);
    expect(before).toBeLessThan(PAPERS);
    // SIGKILL, no persistence: queued jobs, stored vectors and worker registrations are all gone.
    await redis!.restart(1500);
    const { code } = await build.exited;
    const out = build.output();
    expect(code, out).toBe(0);
    expect(out).toMatch(/Redis at redis:\/\/127\.0\.0\.1:\d+\/0 is unreachable .*waiting up to 120 s/);
    expect(out).toMatch(/Redis is back after/);
    expect(builtPapers(out)).toBe(PAPERS);
    await expectSameVectors(index, localIndex, PAPERS);
    // The workers reconnected on their own.
    for (const w of workers) expect(w.proc.exitCode).toBeNull();
  });

  it('a long outage: the build fails clearly, keeps its committed batches, and a rerun resumes', async () => {
    const index = path.join(dir, 'long');
    const args = ['build', '--queue', redis!.url, '--model', model, '--source', source, '--index', index, '--commit-every', String(COMMIT), '--json'];
    const build = paperscope([...args, '--queue-timeout', '3'], {}, 'build');
    await waitFor('a few committed batches', () => stagedVectors(index) >= 3 * COMMIT || build.proc.exitCode !== null, 120_000);
    await redis!.child.kill('SIGKILL');
    const t0 = Date.now();
    const { code } = await build.exited;
    const waited = Date.now() - t0;
    const out = build.output();
    expect(code, out).toBe(1);
    expect(out).toMatch(/paperscope: lost Redis at redis:\/\/127\.0\.0\.1:\d+\/0 for 3 s; the vectors committed so far are kept: run the same build again to resume/);
    expect(waited).toBeLessThan(60_000); // bounded, not a hang (generous: the machine may be busy)
    const kept = stagedVectors(index);
    expect(kept).toBeGreaterThanOrEqual(3 * COMMIT);

    await redis!.restart();
    await sleep(500);
    const rerun = paperscope(args, {}, 'rerun');
    const r = await rerun.exited;
    expect(r.code, rerun.output()).toBe(0);
    expect(rerun.output()).toMatch(/resuming interrupted build/);
    const summary = JSON.parse(rerun.output().split('\n').find((l) => l.startsWith('{'))!) as { papers: number; embedded: number; resumed: boolean };
    expect(summary).toMatchObject({ papers: PAPERS, resumed: true });
    // Only what the failed run had not committed was embedded again.
    expect(summary.embedded).toBe(PAPERS - kept);
    await expectSameVectors(index, localIndex, PAPERS);
  });
});
