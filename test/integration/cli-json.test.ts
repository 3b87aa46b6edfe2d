// Every CLI command that prints a result takes --json: exactly one JSON document on stdout, human text on stderr (real child processes).
import { execFile, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, SEED, removeTempDirs, tempDir, tinyModelDir } from '../helpers.js';

const exec = promisify(execFile);
const BIN = path.join(ROOT, 'scripts', 'paperscope.js');
const FIXTURE = path.join(ROOT, 'test', 'integration', 'fixtures', 's2-papers.jsonl');
let indexDir: string;
let model: string;

const cli = (args: string[], env: Record<string, string> = {}) => exec(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, PAPERSCOPE_INDEX: indexDir, ...env } });

/** stdout holds one JSON document and nothing else (JSON.parse refuses trailing text). */
const oneDocument = (stdout: string): Record<string, unknown> => {
  expect(stdout.trim()).not.toBe('');
  return JSON.parse(stdout) as Record<string, unknown>;
};

/** Runs a long-lived command until its first stdout line, which it returns parsed, then stops it with SIGTERM. */
async function readyLine(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const line = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (stdout.includes('\n')) resolve(stdout.slice(0, stdout.indexOf('\n')));
    });
    exited.then((code) => reject(new Error(`exited ${code} before a ready line: ${stderr}`)));
  });
  const doc = JSON.parse(line) as { url: string } & Record<string, unknown>;
  const health = (await (await fetch(`${doc.url}/health`)).json()) as Record<string, unknown>;
  child.kill('SIGTERM');
  const code = await exited;
  return { doc, health, stdout, stderr, code };
}

beforeAll(async () => {
  indexDir = await tempDir();
  model = await tinyModelDir();
});
afterAll(removeTempDirs);

describe('--json on every command', () => {
  it('build, search, related, remove and stats print one JSON document on stdout', async () => {
    const build = await cli(['build', '--model', model, '--source', SEED, FIXTURE, '--json']);
    expect(oneDocument(build.stdout)).toMatchObject({ added: 50, papers: 50, rejected: 0, model: 'test-tiny' });

    const search = await cli(['search', 'graph', 'neural', 'networks', '--mode', 'keyword', '--limit', '2', '--json']);
    expect(oneDocument(search.stdout)).toMatchObject({ mode: 'keyword', limit: 2, results: [{ id: '2305.00001v2' }, expect.anything()] });
    // The human summary line goes to stderr only without --json.
    expect(search.stderr).not.toMatch(/matching papers/);

    const related = oneDocument((await cli(['related', '2401.01234', '--limit', '3', '--json'])).stdout);
    expect(related).toMatchObject({ id: '2401.01234' });
    expect(related.results).toHaveLength(3);

    const removed = await cli(['remove', 'lab-note-7', '--json']);
    expect(oneDocument(removed.stdout)).toMatchObject({ removed: 1, papers: 49, notFound: [] });
    expect(removed.stdout).not.toMatch(/built /);

    expect(oneDocument((await cli(['stats', '--json'])).stdout)).toMatchObject({ papers: 49, model: { modelId: 'test-tiny', dims: 32 } });
  });

  it('stats without --json is text for people', async () => {
    const { stdout } = await cli(['stats']);
    expect(() => JSON.parse(stdout)).toThrow();
    expect(stdout).toMatch(/^49 papers, [\d.]+ MB in /);
    expect(stdout).toMatch(/^model {2}test-tiny \(transformers, 32-d/m);
  });

  it('an error under --json leaves stdout empty and says why on stderr', async () => {
    const e = await cli(['search', 'x', '--limit', '500', '--json']).catch((x: { code: number; stdout: string; stderr: string }) => x);
    expect(e).toMatchObject({ code: 2, stdout: '', stderr: expect.stringMatching(/limit: must be at most 100/) });
  });

  it('fetch-model --json names the model and its folder', async () => {
    // A Hub mirror on 127.0.0.1 ($HF_ENDPOINT) serving the tiny model's files; its fp32 weights stand in for the quantized file.
    const hub: Server = createServer(async (req, res) => {
      const m = /^\/acme\/tiny\/resolve\/main\/(.+)$/.exec(req.url ?? '');
      const file = m && !m[1]!.includes('..') ? m[1]!.replace('model_quantized.onnx', 'model.onnx') : undefined;
      const body = file ? await readFile(path.join(model, file)).catch(() => null) : null;
      res.writeHead(body || req.url === '/' ? 200 : 404).end(body ?? '');
    });
    await new Promise<void>((r) => hub.listen(0, '127.0.0.1', () => r()));
    try {
      const modelsDir = await tempDir();
      const env = { HF_ENDPOINT: `http://127.0.0.1:${(hub.address() as AddressInfo).port}/`, PAPERSCOPE_MODELS: modelsDir };
      const { stdout } = await cli(['fetch-model', 'acme/tiny', '--json'], env);
      expect(oneDocument(stdout)).toEqual({ model: 'acme/tiny', dir: path.join(modelsDir, 'acme', 'tiny'), source: 'hub' });
    } finally {
      hub.close();
    }
  });

  it('serve --json prints one ready line with the URL it listens on (port 0 works)', async () => {
    const r = await readyLine(['serve', '--port', '0', '--json'], { PAPERSCOPE_INDEX: indexDir, PAPERSCOPE_LOG_REQUESTS: 'false' });
    expect(r.doc).toMatchObject({ url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/), papers: 49, model: 'test-tiny' });
    expect(r.health).toMatchObject({ status: 'ok', papers: 49, build: r.doc.build });
    expect(r.code).toBe(0);
    // The ready line is all of stdout; shutdown messages go to stderr.
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/SIGTERM/);
  });

  it('start --json on an empty folder builds first and reports that build in the ready line', async () => {
    const fresh = await tempDir();
    const r = await readyLine(['start', '--index', fresh, '--model', model, '--port', '0', '--json'], { PAPERSCOPE_LOG_REQUESTS: 'false' });
    expect(r.doc).toMatchObject({ papers: 45, built: { added: 45, papers: 45, model: 'test-tiny' } });
    expect(r.health).toMatchObject({ papers: 45 });
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/building the bundled papers/);
  });
});
