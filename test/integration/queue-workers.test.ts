// Fault test: three workers embed a 5,000-paper build over a real Redis; one is SIGKILLed mid-batch; the index equals a local build's.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeTempDirs } from '../helpers.js';
import { REDIS_SERVER, type Child, type RedisServer, paperscope, waitFor } from '../../scripts/lib/servers.js';
import { builtPapers, expectSameVectors, queueSetup, startWorkers } from './queue-fixtures.js';

const PAPERS = 5000;
const COMMIT = 100;

let redis: RedisServer | undefined;
let workers: Child[] = [];

afterAll(async () => {
  await Promise.all(workers.map((w) => w.kill('SIGKILL')));
  await redis?.stop();
  await removeTempDirs();
});

describe.skipIf(!REDIS_SERVER)('embedding over the queue with three workers', () => {
  let dir: string;
  let source: string;
  let localIndex: string;
  let model: string;

  beforeAll(async () => {
    // The reference, localIndex: the same papers built locally with the same model folder.
    const setup = await queueSetup('paperscope-queue-', PAPERS);
    ({ dir, source, localIndex, model } = setup);
    redis = setup.redis;
  });

  it('completes after a worker is SIGKILLed mid-batch: one vector per paper, equal to a local build', async () => {
    // A short lock so the killed worker's batch goes back to the queue within seconds; a pause before each
    // batch's vectors are stored, so the kill lands between taking a batch and finishing it.
    workers = await startWorkers(3, redis!.url, model, ['--lock-ms', '3000', '--batch-delay-ms', '300']);
    const queueIndex = path.join(dir, 'queued');
    const build = paperscope(['build', '--queue', redis!.url, '--model', model, '--source', source, '--index', queueIndex, '--commit-every', String(COMMIT)], {}, 'build');

    // Kill worker 0 once it has finished a batch and taken the next one.
    const victim = workers[0]!;
    let killedJob = '';
    await waitFor('worker 0 to be in the middle of a batch', () => {
      const log = victim.output();
      const lastDone = log.lastIndexOf(': done in');
      const started = [...log.matchAll(/job (\S+): \d+ passages/g)].filter((m) => m.index! > lastDone && lastDone >= 0);
      if (started.length) killedJob = started[started.length - 1]![1]!;
      return killedJob !== '';
    }, 120_000, 20);
    await victim.kill('SIGKILL');

    const { code } = await build.exited;
    const out = build.output();
    expect(code, out).toBe(0);
    expect(builtPapers(out)).toBe(PAPERS);
    // The killed worker's batch was taken again by a surviving worker.
    const survivors = workers.slice(1).map((w) => w.output()).join('\n');
    expect(survivors).toMatch(new RegExp(`job ${killedJob}: \\d+ passages \\(attempt [2-9]\\)`));
    // Progress across the workers: the bar's final count and the per-worker counts.
    expect(out).toMatch(new RegExp(`embedding ${PAPERS}/${PAPERS}`));
    const counts = /embedded by: (.*) \((\d+) passages, (\d+) workers\)/.exec(out);
    expect(counts, out).not.toBeNull();
    expect(Number(counts![3])).toBe(3);
    expect(Number(counts![2])).toBeGreaterThanOrEqual(PAPERS);

    const min = await expectSameVectors(queueIndex, localIndex, PAPERS);
    process.stderr.write(`queue build of ${PAPERS} papers with 3 workers (one killed mid-batch in job ${killedJob}): min cosine to the local build ${min.toFixed(6)}\n`);
  });
});
