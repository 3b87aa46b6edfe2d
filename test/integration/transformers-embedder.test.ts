// The transformers.js embedder on a generated tiny BERT: vectors, batching, truncation, prefixes, errors, and model download.
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeBertModel } from '../../src/embed/make-bert.js';
import { loadTransformersEmbedder } from '../../src/embed/transformers.js';
import { fetchModel } from '../../src/embed/fetch-model.js';
import type { Embedder } from '../../src/embed/embedder.js';

let root: string;
let modelDir: string;
let emb: Embedder;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'paperscope-embedder-'));
  modelDir = (await writeBertModel({ outDir: join(root, 'tiny') })).dir;
  emb = await loadTransformersEmbedder({ model: modelDir, modelsDir: join(root, 'models'), allowRemote: false, batchSize: 2 });
});
afterAll(async () => {
  await emb?.dispose();
  await rm(root, { recursive: true, force: true });
});

const norm = (v: Float32Array): number => Math.hypot(...v);
const maxDiff = (a: Float32Array, b: Float32Array): number => Math.max(...a.map((x, i) => Math.abs(x - b[i]!)));
const words = (n: number): string => Array.from({ length: n }, (_, i) => ['graph', 'neural', 'retrieval', 'model'][i % 4]).join(' ');

describe('loadTransformersEmbedder', () => {
  it('reports the model', () => {
    expect(emb.info).toEqual({
      modelId: 'tiny', backend: 'transformers', dims: 32, maxTokens: 256, pooling: 'mean', normalize: true, dtype: 'fp32',
    });
  });

  it('returns L2-normalised, deterministic vectors', async () => {
    const [a] = await emb.embedPassages(['Sparse attention for long documents.']);
    const b = await emb.embedQuery('Sparse attention for long documents.');
    expect(a).toHaveLength(32);
    expect(norm(a!)).toBeCloseTo(1, 5);
    expect(b).toEqual(a); // no prefix for a plain BERT, and the same text gives the same vector
    expect(await emb.embedPassages([])).toEqual([]);
  });

  it('returns vectors in input order whatever the batching', async () => {
    const texts = [words(180), 'short', words(40), 'graph retrieval', words(300), ''];
    const batched = await emb.embedPassages(texts);
    for (const [i, t] of texts.entries()) {
      const [alone] = await emb.embedPassages([t]);
      expect(maxDiff(batched[i]!, alone!)).toBeLessThan(1e-4);
    }
    expect(maxDiff(batched[0]!, batched[1]!)).toBeGreaterThan(1e-3);
  });

  it('truncates long text at maxTokens', async () => {
    const [huge] = await emb.embedPassages([words(10_000)]);
    const [prefix] = await emb.embedPassages([words(300)]); // both keep 254 word tokens + [CLS] [SEP]
    expect(norm(huge!)).toBeCloseTo(1, 5);
    expect(maxDiff(huge!, prefix!)).toBeLessThan(1e-5);
    const short = await loadTransformersEmbedder({ model: modelDir, modelsDir: root, allowRemote: false, maxTokens: 8 });
    expect(short.info.maxTokens).toBe(8);
    // [CLS] + 6 words + [SEP]: the closing [SEP] survives truncation, as in Python's tokenizers
    const [x, y, z] = await short.embedPassages([words(6) + ' attention', words(6) + ' transformers', words(6)]);
    expect(x).toEqual(y);
    expect(x).toEqual(z);
    await short.dispose();
  });

  it('finds a Hub id under modelsDir and applies query prefixes', async () => {
    const modelsDir = join(root, 'hub');
    await cp(modelDir, join(modelsDir, 'someone', 'tiny-bert'), { recursive: true });
    await cp(modelDir, join(modelsDir, 'intfloat', 'e5-tiny'), { recursive: true });
    const plain = await loadTransformersEmbedder({ model: 'someone/tiny-bert', modelsDir, allowRemote: false });
    const e5 = await loadTransformersEmbedder({ model: 'intfloat/e5-tiny', modelsDir, allowRemote: false });
    expect(plain.info.modelId).toBe('someone/tiny-bert');
    const [q] = await plain.embedPassages(['query: gnn']);
    const [p] = await plain.embedPassages(['passage: gnn']);
    expect(maxDiff(await e5.embedQuery('gnn'), q!)).toBeLessThan(1e-6);
    expect(maxDiff((await e5.embedPassages(['gnn']))[0]!, p!)).toBeLessThan(1e-6);
    await Promise.all([plain.dispose(), e5.dispose()]);
  });

  it('raises MODEL_UNAVAILABLE for a missing model, naming the folder and the ways out', async () => {
    const err = await loadTransformersEmbedder({ model: 'Xenova/all-MiniLM-L6-v2', modelsDir: join(root, 'empty'), allowRemote: false }).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: 'MODEL_UNAVAILABLE' });
    const msg = (err as Error).message;
    expect(msg).toContain(join(root, 'empty', 'Xenova', 'all-MiniLM-L6-v2'));
    expect(msg).toContain('paperscope fetch-model');
    expect(msg).toContain('--model use-lite');
  });
});

describe('fetchModel', () => {
  const servers: Server[] = [];
  afterAll(() => Promise.all(servers.map((s) => new Promise((r) => s.close(r)))));
  const listen = async (s: Server | ReturnType<typeof createTcpServer>): Promise<number> => {
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    return (s.address() as AddressInfo).port;
  };

  it('fails fast when nothing listens', async () => {
    const probe = createTcpServer();
    const port = await listen(probe);
    await new Promise((r) => probe.close(r)); // the port is now closed: connection refused
    const t0 = Date.now();
    const err = await fetchModel('Xenova/all-MiniLM-L6-v2', join(root, 'dl'), { remoteHost: `http://127.0.0.1:${port}` }).catch((e: unknown) => e);
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(err).toMatchObject({ code: 'MODEL_UNAVAILABLE' });
    expect((err as Error).message).toMatch(/could not be reached.*use-lite/s);
  });

  it('fails within the timeout when the host never answers', async () => {
    const silent = createTcpServer((sock) => sock.on('error', () => {}));
    const port = await listen(silent);
    const t0 = Date.now();
    const err = await fetchModel('Xenova/all-MiniLM-L6-v2', join(root, 'dl'), { remoteHost: `http://127.0.0.1:${port}`, timeoutMs: 500 }).catch(
      (e: unknown) => e,
    );
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(err).toMatchObject({ code: 'MODEL_UNAVAILABLE' });
    silent.close();
  });

  it('downloads into <modelsDir>/<id>/ so the model then loads offline', async () => {
    const requested: string[] = [];
    const hub = createServer(async (req, res) => {
      requested.push(req.url!);
      const m = /^\/acme\/tiny-bert\/resolve\/main\/(.+)$/.exec(req.url ?? '');
      const body = m && !m[1]!.includes('..') ? await readFile(join(modelDir, m[1]!)).catch(() => null) : null;
      res.writeHead(body ? 200 : req.url === '/' ? 200 : 404).end(body ?? '');
    });
    servers.push(hub);
    const port = await listen(hub);
    const modelsDir = join(root, 'fetched');
    // The fake hub has only fp32 weights; the product's default (q8, the quantized export) is checked below.
    const { dir } = await fetchModel('acme/tiny-bert', modelsDir, { remoteHost: `http://127.0.0.1:${port}/`, dtype: 'fp32' });
    expect(dir).toBe(join(modelsDir, 'acme', 'tiny-bert'));
    expect(requested).toContain('/acme/tiny-bert/resolve/main/onnx/model.onnx');
    const offline = await loadTransformersEmbedder({ model: 'acme/tiny-bert', modelsDir, allowRemote: false });
    expect(maxDiff(await offline.embedQuery('graph'), await emb.embedQuery('graph'))).toBe(0);
    await offline.dispose();
    // by default the quantized weights are asked for; a missing dtype is reported, not half-downloaded
    const err = await fetchModel('acme/tiny-bert', join(root, 'fetched-q8'), { remoteHost: `http://127.0.0.1:${port}/` }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'MODEL_UNAVAILABLE' });
    expect(requested).toContain('/acme/tiny-bert/resolve/main/onnx/model_quantized.onnx');
  });
});
