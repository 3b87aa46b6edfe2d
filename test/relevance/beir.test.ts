// Relevance floors on the shared BEIR collections: keyword BM25 on SciFact, and hybrid never below its parts (Cranfield).
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runEval } from '../../src/eval/run.js';
import { SHARED, hasShared, removeTempDirs, tempDir, tinyEmbedder, useLiteEmbedder } from '../helpers.js';

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

if (!hasShared) console.warn(`BEIR relevance tests skipped: ${BEIR} is absent`);
