// Metric code against values computed by hand.
import { describe, expect, it } from 'vitest';
import { evaluate, mrrAt, ndcgAt, recallAt } from '../../src/eval/metrics.js';

const q = new Map([
  ['a', 3],
  ['b', 1],
  ['c', 2],
  ['z', 0],
]);

describe('metrics', () => {
  it('nDCG@k uses graded gains and the ideal ordering of the qrels', () => {
    // ranking: b(1) x a(3) -> DCG = 1/log2(2) + 0 + 3/log2(4) = 1 + 1.5 = 2.5
    // ideal: a(3) c(2) b(1) -> 3 + 2/log2(3) + 1/log2(4) = 3 + 1.261860 + 0.5 = 4.761860
    expect(ndcgAt(['b', 'x', 'a'], q, 10)).toBeCloseTo(2.5 / (3 + 2 / Math.log2(3) + 0.5), 10);
    expect(ndcgAt(['a', 'c', 'b'], q, 10)).toBeCloseTo(1, 12);
    expect(ndcgAt(['x', 'y'], q, 10)).toBe(0);
    // cut at k=1: DCG = 1 (b), ideal = 3 (a)
    expect(ndcgAt(['b', 'a'], q, 1)).toBeCloseTo(1 / 3, 12);
  });

  it('recall@k counts relevant documents (score > 0) found', () => {
    expect(recallAt(['a', 'z', 'x'], q, 100)).toBeCloseTo(1 / 3, 12);
    expect(recallAt(['x', 'a', 'b', 'c'], q, 2)).toBeCloseTo(1 / 3, 12);
  });

  it('MRR@k is the reciprocal rank of the first relevant document', () => {
    expect(mrrAt(['z', 'x', 'c'], q, 10)).toBeCloseTo(1 / 3, 12);
    expect(mrrAt(['z', 'x', 'c'], q, 2)).toBe(0);
  });

  it('averages over judged queries; unanswered ones score 0', () => {
    const qrels = new Map([
      ['q1', new Map([['d1', 1]])],
      ['q2', new Map([['d2', 1]])],
    ]);
    const s = evaluate(new Map([['q1', ['d1']]]), qrels);
    expect(s).toEqual({ 'ndcg@10': 0.5, 'recall@100': 0.5, 'mrr@10': 0.5 });
  });
});

describe('metrics edge cases', () => {
  it('nDCG: the ideal DCG is cut at k too, ignores non-relevant grades, and is 0 without relevant documents', () => {
    const graded = new Map([
      ['a', 1],
      ['b', 1],
      ['c', 1],
    ]);
    // k=2: ideal = 1 + 1/log2(3); ranking finds a at rank 2 only.
    expect(ndcgAt(['x', 'a', 'b'], graded, 2)).toBeCloseTo(1 / Math.log2(3) / (1 + 1 / Math.log2(3)), 12);
    expect(ndcgAt(['a'], new Map([['a', 0]]), 10)).toBe(0);
    expect(ndcgAt(['a', 'b'], new Map([['a', -1], ['b', 2]]), 10)).toBeCloseTo(2 / Math.log2(3) / 2, 12);
    expect(ndcgAt([], graded, 10)).toBe(0);
  });

  it('recall and MRR ignore grade 0 and negative judgments', () => {
    const j = new Map([
      ['a', 0],
      ['b', -1],
      ['c', 1],
    ]);
    expect(recallAt(['a', 'b'], j, 10)).toBe(0);
    expect(recallAt(['c'], j, 10)).toBe(1);
    expect(recallAt(['c'], new Map([['a', 0]]), 10)).toBe(0);
    expect(mrrAt(['a', 'b', 'c'], j, 10)).toBeCloseTo(1 / 3, 12);
    expect(mrrAt(['c'], j, 1)).toBe(1);
    expect(mrrAt([], j, 10)).toBe(0);
  });

  it('rounds the means to 4 decimals and scores only judged queries', () => {
    const qrels = new Map([
      ['q1', new Map([['d1', 1]])],
      ['q2', new Map([['d2', 1]])],
      ['q3', new Map([['d3', 1]])],
    ]);
    const s = evaluate(
      new Map([
        ['q1', ['d1']],
        ['q2', ['x', 'x2', 'd2']],
        ['unjudged', ['d1']],
      ]),
      qrels,
    );
    expect(s['mrr@10']).toBe(0.4444);
    expect(s['recall@100']).toBe(0.6667);
    expect(s['ndcg@10']).toBe(Math.round(((1 + 1 / Math.log2(4)) / 3) * 10_000) / 10_000);
    expect(evaluate(new Map(), new Map())).toEqual({ 'ndcg@10': 0, 'recall@100': 0, 'mrr@10': 0 });
  });

  it('cuts each metric at its own depth: nDCG and MRR at 10, recall at 100', () => {
    const ranking = [...Array.from({ length: 10 }, (_, i) => `x${i}`), 'rel', ...Array.from({ length: 89 }, (_, i) => `y${i}`), 'rel2'];
    const s = evaluate(new Map([['q', ranking]]), new Map([['q', new Map([['rel', 1], ['rel2', 1]])]]));
    expect(s).toEqual({ 'ndcg@10': 0, 'recall@100': 0.5, 'mrr@10': 0 });
  });
});
