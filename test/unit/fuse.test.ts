// Rank fusion on hand-computed examples: RRF, weighted normalised scores, stable tie-breaking.
import { describe, expect, it } from 'vitest';
import { fuse, minMax, sortStable } from '../../src/search/fuse.js';

const id = (l: number) => `p${l}`;

describe('fuse', () => {
  it('computes reciprocal rank fusion (k=60)', () => {
    const hits = fuse([{ label: 1, score: 0.9 }, { label: 2, score: 0.8 }], [{ label: 2, score: 5 }, { label: 3, score: 4 }], { kind: 'rrf', k: 60 }, id);
    expect(hits.map((h) => h.label)).toEqual([2, 1, 3]);
    expect(hits[0]!.fused).toBeCloseTo(1 / 62 + 1 / 61, 12);
    expect(hits[1]!.fused).toBeCloseTo(1 / 61, 12);
  });

  it('combines min-max dense and max-scaled keyword scores with weight alpha', () => {
    const dense = [{ label: 1, score: 0.9 }, { label: 2, score: 0.5 }];
    const keyword = [{ label: 2, score: 10 }, { label: 3, score: 5 }];
    const all = (l: number) => ({ 1: 0.9, 2: 0.5, 3: 0.7 })[l];
    const hits = fuse(dense, keyword, { kind: 'weighted', alpha: 0.25 }, id, all);
    const by = new Map(hits.map((h) => [h.label, h.fused]));
    expect(by.get(1)).toBeCloseTo(0.25 * 1 + 0.75 * 0, 12);
    expect(by.get(2)).toBeCloseTo(0.25 * 0 + 0.75 * 1, 12);
    expect(by.get(3)).toBeCloseTo(0.25 * 0.5 + 0.75 * 0.5, 12);
    expect(hits.map((h) => h.label)).toEqual([2, 3, 1]);
    expect(hits.find((h) => h.label === 3)!.dense).toEqual({ score: 0.7, rank: 0 });
  });

  it('alpha 1 is pure dense, alpha 0 pure keyword', () => {
    const dense = [{ label: 1, score: 0.9 }, { label: 2, score: 0.1 }];
    const keyword = [{ label: 2, score: 3 }, { label: 1, score: 1 }];
    expect(fuse(dense, keyword, { kind: 'weighted', alpha: 1 }, id).map((h) => h.label)).toEqual([1, 2]);
    expect(fuse(dense, keyword, { kind: 'weighted', alpha: 0 }, id).map((h) => h.label)).toEqual([2, 1]);
  });

  it('breaks ties by id for a stable order', () => {
    const hits = fuse([{ label: 9, score: 1 }], [{ label: 4, score: 1 }], { kind: 'rrf', k: 60 }, id);
    expect(hits.map((h) => h.label)).toEqual([4, 9]);
  });

  it('min-max maps a constant list to 1', () => {
    expect(minMax([2, 2])(2)).toBe(1);
    expect(minMax([1, 3])(2)).toBe(0.5);
  });
});

describe('fuse edge cases', () => {
  it('scores a keyword-only candidate without a dense score as 0 dense, and a dense-only one as 0 keyword', () => {
    const hits = fuse([{ label: 1, score: 0.9 }, { label: 2, score: 0.5 }], [{ label: 3, score: 4 }, { label: 2, score: 2 }], { kind: 'weighted', alpha: 0.5 }, id);
    const by = new Map(hits.map((h) => [h.label, h]));
    expect(by.get(3)).toEqual({ label: 3, fused: 0.5, dense: undefined, keyword: { score: 4, rank: 1 } });
    expect(by.get(1)).toEqual({ label: 1, fused: 0.5, dense: { score: 0.9, rank: 1 }, keyword: undefined });
    expect(by.get(2)!.fused).toBeCloseTo(0.25, 12);
  });

  it('gives no keyword credit when every keyword score is 0 (no division by zero)', () => {
    const hits = fuse([{ label: 1, score: 0.9 }], [{ label: 1, score: 0 }], { kind: 'weighted', alpha: 0.5 }, id);
    expect(hits[0]!.fused).toBe(0.5);
  });

  it('min-max of no values maps everything to 0', () => {
    expect(minMax([])(3)).toBe(0);
  });
});

describe('sortStable', () => {
  it('orders by score, then by key, counting scores equal to 6 decimals as ties', () => {
    const items = [
      { s: 0.5, k: 'b' },
      { s: 0.9, k: 'z' },
      { s: 0.5000004, k: 'a' },
      { s: 0.5, k: 'c' },
      { s: 0.499, k: 'a' },
    ];
    expect(sortStable(items, (x) => x.s, (x) => x.k).map((x) => x.k)).toEqual(['z', 'a', 'b', 'c', 'a']);
    expect(sortStable([{ s: 1, k: 'b' }, { s: 1, k: 'a' }], (x) => x.s, (x) => x.k).map((x) => x.k)).toEqual(['a', 'b']);
    expect(sortStable([{ s: 1, k: 'a' }, { s: 1, k: 'b' }], (x) => x.s, (x) => x.k).map((x) => x.k)).toEqual(['a', 'b']);
  });
});
