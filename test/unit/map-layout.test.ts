// The neighbourhood map's pure geometry: MDS recovers known shapes, edges follow the threshold, same input gives the same picture.
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_LAYOUT,
  classicalMds,
  colourGroups,
  edgesAbove,
  layoutNeighbourhood,
  neighbourAngles,
  pairQuantile,
  placeLabels,
  separate,
  similarityMatrix,
} from '../../src/web/map-layout.js';
import { shortLabel } from '../../src/web/neighbourhood-map.js';

const unit = (...xs: number[]): Float32Array => {
  const n = Math.hypot(...xs);
  return Float32Array.from(xs.map((x) => x / n));
};
const dist = (a: { x: number; y: number }, b: { x: number; y: number }) => Math.hypot(a.x - b.x, a.y - b.y);

/** Deterministic pseudo-random unit vectors (a fixed LCG), so the test itself is repeatable. */
function vectors(n: number, dims: number, seed = 7): Float32Array[] {
  let s = seed;
  const rnd = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
  return Array.from({ length: n }, () => unit(...Array.from({ length: dims }, rnd)));
}

describe('similarityMatrix', () => {
  it('is the symmetric matrix of dot products with 1 on the diagonal', () => {
    const s = similarityMatrix([unit(1, 0), unit(0, 1), unit(1, 1)]);
    expect(s[0]![0]).toBe(1);
    expect(s[0]![1]).toBeCloseTo(0, 6);
    expect(s[0]![2]).toBeCloseTo(Math.SQRT1_2, 6);
    expect(s[2]![0]).toBe(s[0]![2]);
  });
});

describe('classicalMds', () => {
  it('recovers planar distances exactly (vectors that lie on a great circle)', () => {
    // Unit vectors at angles in one plane: their chord distances are embeddable in 2-D, so MDS must reproduce them.
    const angles = [0, 0.3, 0.9, 1.4, 2.2];
    const vs = angles.map((a) => unit(Math.cos(a), Math.sin(a), 0, 0));
    const coords = classicalMds(similarityMatrix(vs)).map(([x = 0, y = 0]) => ({ x, y }));
    for (let i = 0; i < vs.length; i++) {
      for (let j = 0; j < vs.length; j++) {
        const chord = Math.sqrt(Math.max(0, 2 - 2 * Math.cos(angles[i]! - angles[j]!)));
        expect(dist(coords[i]!, coords[j]!)).toBeCloseTo(chord, 5);
      }
    }
  });

  it('puts similar papers closer than dissimilar ones', () => {
    const vs = [unit(1, 0.1, 0), unit(1, 0.2, 0), unit(0, 1, 0.1), unit(0, 1, 0.3), unit(0.1, 0, 1)];
    const c = classicalMds(similarityMatrix(vs)).map(([x = 0, y = 0]) => ({ x, y }));
    expect(dist(c[0]!, c[1]!)).toBeLessThan(dist(c[0]!, c[2]!));
    expect(dist(c[2]!, c[3]!)).toBeLessThan(dist(c[2]!, c[4]!));
  });

  it('handles one point, two points and identical vectors without NaN', () => {
    expect(classicalMds([[1]])).toEqual([[0, 0]]);
    const two = classicalMds(similarityMatrix([unit(1, 0), unit(0, 1)]));
    expect(Math.abs(two[0]![0]! - two[1]![0]!)).toBeCloseTo(Math.SQRT2, 5);
    const same = classicalMds(similarityMatrix([unit(1, 1), unit(1, 1), unit(1, 1)]));
    for (const row of same) for (const x of row) expect(Number.isFinite(x)).toBe(true);
  });
});

describe('edges', () => {
  const sim = [
    [1, 0.9, 0.2, 0.5],
    [0.9, 1, 0.3, 0.6],
    [0.2, 0.3, 1, 0.4],
    [0.5, 0.6, 0.4, 1],
  ];
  it('joins exactly the pairs at or above the threshold, most similar first', () => {
    expect(edgesAbove(sim, 0.5)).toEqual([
      { a: 0, b: 1, similarity: 0.9 },
      { a: 1, b: 3, similarity: 0.6 },
      { a: 0, b: 3, similarity: 0.5 },
    ]);
    expect(edgesAbove(sim, 0.95)).toEqual([]);
  });
  it('the threshold is a quantile of the pair similarities', () => {
    // Pairs sorted: 0.2 0.3 0.4 0.5 0.6 0.9; the 0.75 quantile is the 5th (index 4).
    expect(pairQuantile(sim, 0.75)).toBe(0.6);
    expect(pairQuantile(sim, 0)).toBe(0.2);
    expect(pairQuantile([[1]], 0.75)).toBe(1);
  });
});

describe('separation', () => {
  it('pushes overlapping nodes apart and keeps them inside the box', () => {
    const p = separate([{ x: 50, y: 50 }, { x: 50, y: 50 }, { x: 52, y: 50 }], 20, { width: 100, height: 100, marginX: 5, marginY: 5 });
    for (let i = 0; i < p.length; i++) {
      expect(p[i]!.x).toBeGreaterThanOrEqual(5);
      expect(p[i]!.x).toBeLessThanOrEqual(95);
      for (let j = i + 1; j < p.length; j++) expect(dist(p[i]!, p[j]!)).toBeGreaterThanOrEqual(19.9);
    }
  });
});

describe('neighbourAngles', () => {
  it('gives papers similar to each other nearby directions, and spreads a tight cluster', () => {
    // Two pairs of near-duplicates, far apart: each pair shares a direction, the pairs point away from each other.
    const vs = [unit(1, 0.05, 0), unit(1, 0, 0.05), unit(0, 1, 0.05), unit(0.05, 1, 0)];
    const a = neighbourAngles(similarityMatrix(vs), 0);
    const gap = (x: number, y: number) => Math.abs(Math.atan2(Math.sin(x - y), Math.cos(x - y)));
    expect(gap(a[0]!, a[1]!)).toBeLessThan(0.5);
    expect(gap(a[2]!, a[3]!)).toBeLessThan(0.5);
    expect(gap(a[0]!, a[2]!)).toBeGreaterThan(2.5);
    // Fully spread, the four directions are evenly spaced (a quarter turn apart in angular order).
    const even = neighbourAngles(similarityMatrix(vs), 1).sort((x, y) => x - y);
    for (let i = 1; i < 4; i++) expect(even[i]! - even[i - 1]!).toBeCloseTo(Math.PI / 2, 6);
  });
});

describe('layoutNeighbourhood', () => {
  it('is deterministic: the same vectors give the same picture', () => {
    const vs = vectors(15, 32);
    const a = layoutNeighbourhood(vs);
    const b = layoutNeighbourhood(vs.map((v) => Float32Array.from(v)));
    expect(b).toEqual(a);
    expect(a.points).toHaveLength(15);
    for (const p of a.points) {
      expect(p.x).toBeGreaterThanOrEqual(DEFAULT_LAYOUT.marginX - 1e-9);
      expect(p.x).toBeLessThanOrEqual(DEFAULT_LAYOUT.width - DEFAULT_LAYOUT.marginX + 1e-9);
      expect(p.y).toBeGreaterThanOrEqual(DEFAULT_LAYOUT.marginY - 1e-9);
      expect(p.y).toBeLessThanOrEqual(DEFAULT_LAYOUT.height - DEFAULT_LAYOUT.marginY + 1e-9);
    }
    // A quarter of the 105 pairs (ties aside) pass the 0.75-quantile threshold.
    expect(a.edges.length).toBeGreaterThanOrEqual(25);
    expect(a.edges.length).toBeLessThanOrEqual(28);
    for (const e of a.edges) expect(e.similarity).toBeGreaterThanOrEqual(a.threshold);
  });

  it('puts the paper in the centre and nearer neighbours closer to it', () => {
    const paper = unit(1, 0, 0, 0);
    const vs = [paper, unit(1, 0.1, 0, 0), unit(1, 0, 0.6, 0), unit(1, 0, 0, 1.5), unit(0.2, 1, 0, 0), unit(0, 0, 1, 1)];
    const { points } = layoutNeighbourhood(vs);
    expect(points[0]).toEqual({ x: DEFAULT_LAYOUT.width / 2, y: DEFAULT_LAYOUT.height / 2 });
    // Distances in the ellipse's own units (x and y radii differ), ordered as the similarities to the paper.
    const rx = DEFAULT_LAYOUT.width / 2 - DEFAULT_LAYOUT.marginX;
    const ry = DEFAULT_LAYOUT.height / 2 - DEFAULT_LAYOUT.marginY;
    const r = points.slice(1).map((p) => Math.hypot((p.x - points[0]!.x) / rx, (p.y - points[0]!.y) / ry));
    const sims = vs.slice(1).map((v) => v.reduce((acc, x, i) => acc + x * paper[i]!, 0));
    const byRadius = r.map((_, i) => i).sort((i, j) => r[i]! - r[j]!);
    const bySim = sims.map((_, i) => i).sort((i, j) => sims[j]! - sims[i]!);
    expect(byRadius).toEqual(bySim);
    expect(r[0]).toBeCloseTo(DEFAULT_LAYOUT.innerRadius, 6);
    expect(Math.max(...r)).toBeCloseTo(1, 6);
  });
});

describe('colourGroups', () => {
  it('colours by primary category when there are several, most frequent first, the rest as other', () => {
    const items = ['cs.LG', 'cs.LG', 'cs.CL', 'cs.DC', 'cs.CL', 'cs.LG', 'a', 'b', 'c', 'd', 'e'].map((c) => ({ categories: [c, 'x'], year: 2020 }));
    const g = colourGroups(items);
    expect(g.by).toBe('category');
    expect(g.legend.map((l) => l.label)).toEqual(['cs.LG', 'cs.CL', 'a', 'b', 'c', 'cs.DC', 'other or none']);
    expect(g.colours.slice(0, 4)).toEqual([0, 0, 1, 5]);
    expect(g.colours.at(-1)).toBe(6);
  });
  it('falls back to year, then to one colour', () => {
    expect(colourGroups([{ categories: [], year: 2020 }, { categories: [], year: 2021 }, { categories: [], year: null }])).toEqual({
      by: 'year',
      legend: [
        { label: '2021', colour: 0 },
        { label: '2020', colour: 1 },
        { label: 'other or undated', colour: 6 },
      ],
      colours: [1, 0, 6],
    });
    expect(colourGroups([{ categories: ['cs.LG'], year: null }, { categories: [], year: null }]).by).toBe('none');
  });
});

describe('shortLabel', () => {
  it('keeps whole words (the visible label stays part of the accessible name)', () => {
    expect(shortLabel('SQuat: Subspace-orthogonal KV Cache Quantization')).toBe('SQuat: Subspace-orthogonal…');
    expect(shortLabel('Parallel TreeSPH')).toBe('Parallel TreeSPH');
    expect(shortLabel('Scaling Test-Time Compute Without Verification')).toBe('Scaling Test-Time Compute…');
    expect(shortLabel('GPipe: Efficient Training of Giant Neural Networks')).toBe('GPipe: Efficient Training…');
    expect(shortLabel('Supercalifragilisticexpialidocious-networks for all')).toBe('Supercalifragilisticexpialidocious-networks…');
  });
});

describe('placeLabels', () => {
  const box = { width: 400, height: 200 };
  const rect = (at: { x: number; y: number; anchor: string }, text: string) => {
    const w = text.length * 6.2;
    const x0 = at.anchor === 'start' ? at.x : at.anchor === 'end' ? at.x - w : at.x - w / 2;
    return { x0, x1: x0 + w, y0: at.y - 10, y1: at.y + 3 };
  };
  it('never lets two labels or a label and another node overlap, and stays in the box', () => {
    // A crowded cluster: some labels must give way.
    const points = [{ x: 200, y: 100 }, ...Array.from({ length: 12 }, (_, i) => ({ x: 170 + (i % 4) * 22, y: 70 + Math.floor(i / 4) * 22 }))];
    const texts = points.map((_, i) => (i === 0 ? 'This paper' : `Neighbour number ${i}`));
    const at = placeLabels(points, texts, box);
    const rects = at.flatMap((a, i) => (a ? [{ i, r: rect(a, texts[i]!) }] : []));
    expect(rects.length).toBeGreaterThan(2);
    expect(rects.length).toBeLessThan(points.length);
    for (const { r } of rects) {
      expect(r.x0).toBeGreaterThanOrEqual(-1);
      expect(r.x1).toBeLessThanOrEqual(box.width + 1);
    }
    for (let a = 0; a < rects.length; a++) {
      for (let b = a + 1; b < rects.length; b++) {
        const [p, q] = [rects[a]!.r, rects[b]!.r];
        expect(p.x0 < q.x1 - 0.5 && q.x0 < p.x1 - 0.5 && p.y0 < q.y1 - 1 && q.y0 < p.y1 - 1).toBe(false);
      }
    }
  });
  it('puts labels beside nodes pointing away from the centre, and the paper\'s label below it', () => {
    const at = placeLabels([{ x: 200, y: 100 }, { x: 100, y: 40 }, { x: 300, y: 160 }], ['This paper', 'Left one', 'Right one'], box);
    expect(at[0]).toMatchObject({ anchor: 'middle', x: 200 });
    expect(at[0]!.y).toBeGreaterThan(100);
    expect(at[1]!.anchor).toBe('end');
    expect(at[2]!.anchor).toBe('start');
  });
});
