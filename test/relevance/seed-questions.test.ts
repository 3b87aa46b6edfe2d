// Relevance on the bundled seed with a real pretrained model (USE lite): plain-language questions find their paper.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Searcher } from '../../src/search/searcher.js';
import { buildTemp, openTempSearcher, removeTempDirs, useLiteEmbedder } from '../helpers.js';
// The question set is shared with `npm run seed-eval`, which prints the figures docs/relevance.md quotes.
import { SEED_QUESTIONS, seedRank } from '../../scripts/lib/seed-questions.js';

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

const rankOf = (q: string, want: string, mode: 'hybrid' | 'semantic' | 'keyword') => seedRank(searcher, q, want, mode);

describe('seed relevance with USE lite', () => {
  it.each(SEED_QUESTIONS.map(([q, want]): [string, string] => [q, want]))('hybrid (default) puts the answer to %j in the top 3', async (q, want) => {
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
    // Chance is about 0.1 on 45 papers; `npm run seed-eval` prints the measured value.
    expect(mrr / SEED_QUESTIONS.length).toBeGreaterThan(0.5);
  });

  it('related papers of a pipeline-parallel training paper are about distributed training', async () => {
    const gpipe = (await searcher.search({ q: 'GPipe', mode: 'keyword', limit: 1 })).results[0]!;
    const related = searcher.related(gpipe.id, { limit: 5 }).results.map((h) => h.title).join(' | ');
    expect(related).toMatch(/Training|Parallel/);
  });
});
