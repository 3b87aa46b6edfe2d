// Relevance floors on the shared BEIR collections: keyword BM25 on SciFact, hybrid never below its parts, the real model's published score.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Embedder } from '../../src/embed/embedder.js';
import { loadTransformersEmbedder } from '../../src/embed/transformers.js';
import { runEval } from '../../src/eval/run.js';
import { ROOT, SHARED, hasShared, removeTempDirs, tempDir, tinyEmbedder, useLiteEmbedder } from '../helpers.js';

const BEIR = path.join(SHARED, 'data', 'beir');
afterAll(removeTempDirs);

describe.skipIf(!hasShared)('BEIR relevance (needs ../shared/data/beir; skipped where it is absent)', () => {
  it('keyword search reaches nDCG@10 >= 0.63 on SciFact test (BM25 in the BEIR paper: 0.665)', async () => {
    // Keyword ranking does not depend on the embedder: the fast tiny BERT builds the index.
    const r = await runEval({ dir: path.join(BEIR, 'scifact'), modes: ['keyword'], embedder: await tinyEmbedder(), cacheDir: await tempDir() });
    expect(r.queries).toBe(300);
    expect(r.modes.keyword!['ndcg@10']).toBeGreaterThanOrEqual(0.63);
  }, 300_000);

  it('hybrid is at least as good as keyword and semantic on Cranfield (USE lite)', async () => {
    const r = await runEval({ dir: path.join(BEIR, 'cranfield'), embedder: await useLiteEmbedder(), cacheDir: await tempDir() });
    const { hybrid, semantic, keyword } = r.modes;
    expect(hybrid!['ndcg@10']).toBeGreaterThanOrEqual(Math.max(keyword!['ndcg@10'], semantic!['ndcg@10']));
    expect(keyword!['ndcg@10']).toBeGreaterThan(0.5);
  }, 600_000);
});

// The real all-MiniLM-L6-v2 (npm run get-models; CI runs it), int8 as the default build uses it.
const REAL = path.join(ROOT, 'models', 'all-MiniLM-L6-v2');
const hasReal = existsSync(path.join(REAL, 'onnx', 'model_quantized.onnx'));

describe.skipIf(!hasShared || !hasReal)('BEIR relevance with the real all-MiniLM-L6-v2 (needs ../shared and npm run get-models)', () => {
  let emb: Embedder;
  beforeAll(async () => {
    emb = await loadTransformersEmbedder({ model: REAL, modelsDir: path.dirname(REAL), allowRemote: false, dtype: 'q8' });
  });
  afterAll(() => emb?.dispose());

  it('semantic search reproduces the published nDCG@10 on SciFact (MTEB: 0.645), and hybrid beats both parts', async () => {
    const r = await runEval({ dir: path.join(BEIR, 'scifact'), embedder: emb, cacheDir: await tempDir() });
    const { hybrid, semantic, keyword } = r.modes;
    expect(semantic!['ndcg@10']).toBeGreaterThanOrEqual(0.63);
    expect(semantic!['ndcg@10']).toBeLessThanOrEqual(0.66);
    expect(hybrid!['ndcg@10']).toBeGreaterThanOrEqual(Math.max(keyword!['ndcg@10'], semantic!['ndcg@10']));
  }, 1_200_000);

  it('hybrid is at least as good as keyword and semantic on Cranfield', async () => {
    const r = await runEval({ dir: path.join(BEIR, 'cranfield'), embedder: emb, cacheDir: await tempDir() });
    const { hybrid, semantic, keyword } = r.modes;
    expect(hybrid!['ndcg@10']).toBeGreaterThanOrEqual(Math.max(keyword!['ndcg@10'], semantic!['ndcg@10']));
    expect(semantic!['ndcg@10']).toBeGreaterThan(0.45);
  }, 600_000);
});

if (!hasShared) console.warn(`BEIR relevance tests skipped: ${BEIR} is absent`);
if (!hasReal) console.warn(`BEIR relevance with the real model skipped: ${REAL} is absent (npm run get-models)`);
