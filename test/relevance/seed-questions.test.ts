// Relevance on the bundled seed with a real pretrained model (USE lite): plain-language questions find their paper.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Searcher } from '../../src/search/searcher.js';
import { buildTemp, openTempSearcher, removeTempDirs, useLiteEmbedder } from '../helpers.js';

/** [question a researcher would type, id prefix of the paper that answers it] */
const SEED_QUESTIONS: [string, string][] = [
  ['which papers split a model across accelerators?', 'gpipe'],
  ['how to train a huge network when the weights do not fit in GPU memory', 'zero-infinity'],
  ['can several copies of an LLM write one answer together while sharing their attention cache?', 'hogwild'],
  ['a simulator to choose the best parallel plan for serving LLMs', 'apex'],
  ['weather and climate foundation model', 'prithvi'],
  ['reinforcement learning environments that run fast in parallel', 'envpool'],
  ['saving model checkpoints asynchronously during large model training', 'datastates'],
  ['do reasoning models need to think step by step', 'reasoning-models-can-be-effective'],
  ['generate MPI code with a language model', 'mpirigen'],
  ['scaling LLM training to a cluster of over 10,000 GPUs', 'megascale'],
  ['retrieving similar legal cases in a supreme court', 'empirical-analysis-of-binding'],
  ['code switching with entities for cross-lingual transfer', 'entitycs'],
  ['multi-agent reinforcement learning in JAX', 'jaxmarl'],
  ['RLHF training system for large language models', 'realhf'],
  ['benchmark for graph foundation models', 'graphfm'],
  ['test questions for school children generated with language models', 'generating-and-evaluating-tests'],
  ['sparse coding library in Python', 'prosper'],
  ['translating sequential code to parallel code', 'mutual-supervised'],
  ['LLM serving throughput optimisation', 'nanoflow'],
  ['teaching small models to reason', 'orca-2'],
];

let searcher: Searcher;
beforeAll(async () => {
  const emb = await useLiteEmbedder();
  const { indexDir } = await buildTemp(emb);
  searcher = await openTempSearcher(indexDir, emb);
});
afterAll(async () => {
  searcher?.index.close();
  await removeTempDirs();
});

const rankOf = async (q: string, want: string, mode: 'hybrid' | 'semantic' | 'keyword') => {
  const r = await searcher.search({ q, mode, limit: 10 });
  return r.results.findIndex((h) => h.id.startsWith(want)) + 1;
};

describe('seed relevance with USE lite', () => {
  it.each(SEED_QUESTIONS)('hybrid (default) puts the answer to %j in the top 3', async (q, want) => {
    const rank = await rankOf(q, want, 'hybrid');
    expect(rank, `rank of ${want}`).toBeGreaterThanOrEqual(1);
    expect(rank).toBeLessThanOrEqual(3);
  });

  it('the dense model alone carries meaning (MRR@10 well above chance)', async () => {
    let mrr = 0;
    for (const [q, want] of SEED_QUESTIONS) {
      const rank = await rankOf(q, want, 'semantic');
      if (rank) mrr += 1 / rank;
    }
    // Chance is about 0.1 on 45 papers; measured 0.64.
    expect(mrr / SEED_QUESTIONS.length).toBeGreaterThan(0.5);
  });

  it('related papers of a pipeline-parallel training paper are about distributed training', async () => {
    const gpipe = (await searcher.search({ q: 'GPipe', mode: 'keyword', limit: 1 })).results[0]!;
    const related = searcher.related(gpipe.id, { limit: 5 }).results.map((h) => h.title).join(' | ');
    expect(related).toMatch(/Training|Parallel/);
  });
});
