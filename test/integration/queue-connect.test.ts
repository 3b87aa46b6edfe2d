// The queue's edges with real redis-server processes: no Redis, a password, TLS, and workers running another model.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeBertModel } from '../../src/embed/make-bert.js';
import { SEED, removeTempDirs, tempDir, tinyModelDir } from '../helpers.js';
import { REDIS_SERVER, type Child, type RedisServer, freePort, makeTlsCerts, paperscope, startRedis, waitFor } from '../../scripts/lib/servers.js';
import { builtPapers, stagedVectors, startWorkers, writeSource } from './queue-fixtures.js';

const PASSWORD = 'pw-Zx81-do-not-log';
const servers: RedisServer[] = [];
const children: Child[] = [];

afterAll(async () => {
  await Promise.all(children.map((c) => c.kill('SIGKILL')));
  await Promise.all(servers.map((s) => s.stop()));
  await removeTempDirs();
});

const withPassword = (url: string, pw = PASSWORD): string => url.replace('://', `://:${encodeURIComponent(pw)}@`);

describe.skipIf(!REDIS_SERVER)('connecting to the queue', () => {
  let dir: string;
  let model: string;

  beforeAll(async () => {
    dir = await tempDir('paperscope-queue-connect-');
    model = await tinyModelDir();
  });

  it('a Redis that is not there: build and worker fail with one clear line, in bounded time', async () => {
    const url = `redis://127.0.0.1:${await freePort()}/0`;
    // --queue-timeout bounds the first connection too (10 s at most by default).
    const build = paperscope(['build', '--queue', url, '--model', model, '--index', path.join(dir, 'none'), '--queue-timeout', '2']);
    const worker = paperscope(['worker', '--queue', url, '--model', model, '--queue-timeout', '2']);
    for (const c of [build, worker]) {
      const { code } = await c.exited;
      expect(code, c.output()).toBe(1);
      expect(c.output()).toMatch(new RegExp(`^paperscope: cannot reach Redis at ${url.replace(/[/.]/g, '\\$&')}: .*ECONNREFUSED.*\\(check that redis-server is running and reachable\\)$`, 'm'));
      expect(c.output()).not.toMatch(/\n\s+at /); // no stack trace
    }
  });

  it('a bad URL is refused before anything starts', async () => {
    const c = paperscope(['worker', '--queue', 'http://:secret-in-url@127.0.0.1:1/0', '--model', model]);
    expect((await c.exited).code).toBe(2);
    expect(c.output()).toMatch(/paperscope: http:\/\/:\*\*\*@127\.0\.0\.1:1\/0: the scheme must be redis:\/\/ or rediss:\/\//);
    expect(c.output()).not.toContain('secret-in-url');
  });

  it('a password-protected Redis works, and the password never appears in any output', async () => {
    const redis = await startRedis(path.join(dir, 'redis-pw'), ['--requirepass', PASSWORD]);
    servers.push(redis);
    const url = withPassword(redis.url);
    // Two batches at a time in one worker (BullMQ concurrency), so the 45 papers in 3 jobs overlap.
    const [w] = await startWorkers(1, url, model, ['--concurrency', '2']);
    children.push(w!);
    const build = paperscope(['build', '--queue', url, '--model', model, '--source', SEED, '--index', path.join(dir, 'pw-index'), '--commit-every', '16']);
    expect((await build.exited).code, build.output()).toBe(0);
    expect(builtPapers(build.output())).toBe(45);
    expect(build.output()).toContain(`redis://:***@127.0.0.1:${redis.port}/0`);

    // A wrong password: refused at once, and neither password is shown.
    const wrong = paperscope(['build', '--queue', withPassword(redis.url, 'wrong-pw-123'), '--model', model, '--index', path.join(dir, 'pw-index')]);
    expect((await wrong.exited).code).toBe(1);
    expect(wrong.output()).toMatch(/cannot reach Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+\/0: .*(WRONGPASS|invalid).*check the password/);
    await w!.kill();
    for (const out of [w!.output(), build.output(), wrong.output()]) {
      expect(out).not.toContain(PASSWORD);
      expect(out).not.toContain('wrong-pw-123');
    }
    expect(w!.output()).toMatch(/stopped after 3 jobs \(45 passages\)/);
  });

  it('rediss:// (TLS) with a private CA given by NODE_EXTRA_CA_CERTS', async () => {
    const certs = await makeTlsCerts(path.join(dir, 'tls'));
    const redis = await startRedis(
      path.join(dir, 'redis-tls'),
      ['--tls-cert-file', certs.cert, '--tls-key-file', certs.key, '--tls-ca-cert-file', certs.ca, '--tls-auth-clients', 'no', '--requirepass', PASSWORD],
      { tlsPort: true },
    );
    servers.push(redis);
    expect(redis.url).toMatch(/^rediss:/);
    const url = withPassword(redis.url);
    const env = { NODE_EXTRA_CA_CERTS: certs.ca };
    const [w] = await startWorkers(1, url, model, [], env);
    children.push(w!);
    const build = paperscope(['build', '--queue', url, '--model', model, '--source', SEED, '--index', path.join(dir, 'tls-index')], env);
    expect((await build.exited).code, build.output()).toBe(0);
    expect(builtPapers(build.output())).toBe(45);
    // Without the CA the certificate is not trusted: a clear error, not a hang.
    const untrusted = paperscope(['build', '--queue', url, '--model', model, '--index', path.join(dir, 'tls-index')]);
    expect((await untrusted.exited).code).toBe(1);
    expect(untrusted.output()).toMatch(/cannot reach Redis at rediss:\/\/:\*\*\*@127\.0\.0\.1:\d+\/0: .*certificate.*NODE_EXTRA_CA_CERTS/);
    await w!.kill();
    for (const out of [w!.output(), build.output(), untrusted.output()]) expect(out).not.toContain(PASSWORD);
  });

  describe('workers with another model', () => {
    let redis: RedisServer;
    let source: string;

    beforeAll(async () => {
      redis = await startRedis(path.join(dir, 'redis-models'));
      servers.push(redis);
      ({ file: source } = await writeSource(path.join(dir, 'papers.jsonl'), 800));
    });

    it('a worker with another model id on the queue: the build refuses to start', async () => {
      const other = (await writeBertModel({ outDir: path.join(dir, 'other', 'other-tiny') })).dir;
      const [w] = await startWorkers(1, redis.url, other);
      children.push(w!);
      const build = paperscope(['build', '--queue', redis.url, '--model', model, '--source', SEED, '--index', path.join(dir, 'models-a')]);
      expect((await build.exited).code).toBe(1);
      expect(build.output()).toMatch(/paperscope: worker \S+ on this queue embeds with other-tiny \(32-d.*\), not .*test-tiny: stop it, start it with --model/);
      await w!.kill();
    });

    it('a worker whose model has the same name but other weights fails the job it takes; the build stops clearly and a rerun resumes', async () => {
      // Same folder name (test-tiny), so the same model id, but other random weights: only the probe vector tells.
      const impostor = (await writeBertModel({ outDir: path.join(dir, 'impostor', 'test-tiny'), seed: 999 })).dir;
      const [good] = await startWorkers(1, redis.url, model, ['--batch-delay-ms', '300']);
      children.push(good!);
      const index = path.join(dir, 'models-b');
      const args = ['build', '--queue', redis.url, '--model', model, '--source', source, '--index', index, '--commit-every', '50', '--json'];
      const build = paperscope(args);
      await waitFor('a committed batch', () => stagedVectors(index) >= 50 || build.proc.exitCode !== null, 60_000);
      const [bad] = await startWorkers(1, redis.url, impostor);
      children.push(bad!);
      const { code } = await build.exited;
      expect(code, build.output()).toBe(1);
      expect(build.output()).toMatch(
        /paperscope: embedding job \S+ failed: model mismatch: worker \S+ embeds with test-tiny .*: two different models are both named test-tiny: their vectors for the probe passage differ/,
      );
      expect(bad!.output()).toMatch(/refused: model mismatch/);
      const kept = stagedVectors(index);
      expect(kept).toBeGreaterThanOrEqual(50);
      await bad!.kill();
      // Its registration is gone (it unregisters on SIGTERM), so the rerun only sees the good worker.
      const rerun = paperscope(args);
      expect((await rerun.exited).code, rerun.output()).toBe(0);
      const summary = JSON.parse(rerun.output().split('\n').find((l) => l.startsWith('{'))!) as { papers: number; embedded: number; resumed: boolean };
      expect(summary).toMatchObject({ papers: 800, resumed: true });
      expect(summary.embedded).toBe(800 - kept);
      await good!.kill();
    });
  });
});
