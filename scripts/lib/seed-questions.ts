// The seed's plain-language questions and how they are scored: shared by test/relevance/seed-questions.test.ts and `npm run seed-eval`.
import type { Searcher } from '../../src/search/searcher.js';

/** [question a researcher would type, id prefix of the paper that answers it] */
export const SEED_QUESTIONS: readonly (readonly [string, string])[] = [
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

export type SeedMode = 'hybrid' | 'semantic' | 'keyword';

/** 1-based rank of the answering paper in the top 10, 0 when it is not there. */
export async function seedRank(searcher: Searcher, q: string, want: string, mode: SeedMode): Promise<number> {
  const r = await searcher.search({ q, mode, limit: 10 });
  return r.results.findIndex((h) => h.id.startsWith(want)) + 1;
}

export interface SeedScores {
  mode: SeedMode;
  /** Mean reciprocal rank over the questions, cut at 10. */
  mrr10: number;
  top1: number;
  top3: number;
  questions: number;
}

/** MRR@10 and how many answers are ranked first / in the top 3, over every seed question. */
export async function seedScores(searcher: Searcher, mode: SeedMode): Promise<SeedScores> {
  let mrr = 0;
  let top1 = 0;
  let top3 = 0;
  for (const [q, want] of SEED_QUESTIONS) {
    const rank = await seedRank(searcher, q, want, mode);
    if (rank) mrr += 1 / rank;
    if (rank === 1) top1++;
    if (rank >= 1 && rank <= 3) top3++;
  }
  return { mode, mrr10: mrr / SEED_QUESTIONS.length, top1, top3, questions: SEED_QUESTIONS.length };
}
