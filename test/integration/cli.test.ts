// The paperscope command as a user runs it: build, search (with filters), related, stats, and clear errors with exit codes.
import { execFile } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, SEED, removeTempDirs, tempDir, tinyModelDir } from '../helpers.js';

const exec = promisify(execFile);
let indexDir: string;
const cli = (...args: string[]) => exec(process.execPath, [path.join(ROOT, 'scripts', 'paperscope.js'), ...args], { cwd: ROOT, env: { ...process.env, PAPERSCOPE_INDEX: indexDir } });

beforeAll(async () => {
  indexDir = await tempDir();
  const { stdout } = await cli('build', '--model', await tinyModelDir(), '--source', SEED, '--json');
  expect(JSON.parse(stdout)).toMatchObject({ added: 45, updated: 0, unchanged: 0, removed: 0, rejected: 0 });
});
afterAll(removeTempDirs);

describe('paperscope CLI', () => {
  it('search --json answers with the API response shape', async () => {
    const { stdout } = await cli('search', 'pipeline', 'parallelism', '--mode', 'keyword', '--limit', '3', '--json');
    const r = JSON.parse(stdout);
    expect(r).toMatchObject({ mode: 'keyword', limit: 3, model: 'test-tiny' });
    expect(r.results[0].title).toMatch(/GPipe/);
  });

  it('search prints numbered hits and honours --offset', async () => {
    const { stdout } = await cli('search', 'language', 'models', '--limit', '2', '--offset', '4');
    expect(stdout).toMatch(/^ 5\. .+\n {4}\S+ {2}score/m);
    expect(stdout).toMatch(/^ 6\. /m);
    expect(stdout).not.toMatch(/^ 1\. /m);
  });

  it('related --json excludes the paper itself', async () => {
    const id = 'gpipe-efficient-training-of-giant-neural-networks-using-73caf0';
    const r = JSON.parse((await cli('related', id, '--limit', '5', '--json')).stdout);
    expect(r.results).toHaveLength(5);
    expect(r.results.map((h: { id: string }) => h.id)).not.toContain(id);
  });

  it('stats reports the model and the count', async () => {
    const r = JSON.parse((await cli('stats', '--json')).stdout);
    expect(r).toMatchObject({ papers: 45, model: { modelId: 'test-tiny', dims: 32 } });
  });

  it('serve on a port in use says so in one line (exit 2), not a stack trace', async () => {
    const blocker = createServer().listen(0, '127.0.0.1');
    await new Promise((r) => blocker.once('listening', r));
    const port = String((blocker.address() as AddressInfo).port);
    try {
      const e = await cli('serve', '--port', port).catch((x: { code: number; stderr: string }) => x);
      expect(e).toMatchObject({ code: 2, stderr: expect.stringMatching(new RegExp(`127\\.0\\.0\\.1:${port} is already in use`)) });
      expect((e as { stderr: string }).stderr).not.toMatch(/\n\s+at /);
    } finally {
      blocker.close();
    }
  });

  it('bad input exits 2 with the same message as the API; unknown ids exit 1', async () => {
    await expect(cli('search', 'x', '--limit', '500')).rejects.toMatchObject({ code: 2, stderr: expect.stringMatching(/limit: must be at most 100/) });
    await expect(cli('search', ' ')).rejects.toMatchObject({ code: 2, stderr: expect.stringMatching(/q must not be empty/) });
    await expect(cli('related', 'x', '--limit', '0')).rejects.toMatchObject({ code: 2, stderr: expect.stringMatching(/limit: must be at least 1/) });
    await expect(cli('related', 'no-such-paper')).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/no paper with id "no-such-paper"/) });
  });
});
