// The neighbourhood map's geometry, pure: cosine matrix, classical MDS to 2-D, similarity edges, fitting, colour groups.

export interface Point {
  x: number;
  y: number;
}

export interface Edge {
  a: number;
  b: number;
  similarity: number;
}

export interface MapLayout {
  points: Point[];
  edges: Edge[];
  /** Pairs at least this similar are joined by an edge. */
  threshold: number;
}

/** Cosine similarities of L2-normalised vectors (dot products), symmetric, 1 on the diagonal. */
export function similarityMatrix(vectors: readonly Float32Array[]): number[][] {
  const n = vectors.length;
  const s = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    s[i]![i] = 1;
    for (let j = i + 1; j < n; j++) {
      const a = vectors[i]!;
      const b = vectors[j]!;
      let dot = 0;
      for (let k = 0; k < a.length; k++) dot += a[k]! * b[k]!;
      s[i]![j] = dot;
      s[j]![i] = dot;
    }
  }
  return s;
}

const matVec = (m: readonly number[][], v: readonly number[]): number[] => m.map((row) => row.reduce((acc, x, j) => acc + x * v[j]!, 0));
const norm = (v: readonly number[]): number => Math.sqrt(v.reduce((a, x) => a + x * x, 0));

/**
 * The leading eigenpair of a symmetric matrix by power iteration from a fixed start vector (so the result
 * is the same on every run), its sign fixed so the largest component is positive.
 */
function leadingEigen(m: readonly number[][]): { value: number; vector: number[] } {
  const n = m.length;
  // A fixed, non-symmetric start: no eigenvector of a real similarity matrix is orthogonal to it in practice.
  let v = Array.from({ length: n }, (_, i) => 1 + Math.sin(i + 1) / 2);
  let value = 0;
  for (let iter = 0; iter < 1000; iter++) {
    const w = matVec(m, v);
    const len = norm(w);
    if (len < 1e-12) return { value: 0, vector: new Array<number>(n).fill(0) };
    const next = w.map((x) => x / len);
    const delta = norm(next.map((x, i) => x - v[i]!));
    v = next;
    value = len;
    if (delta < 1e-10) break;
  }
  // Rayleigh quotient: the eigenvalue with its sign (power iteration's norm loses it).
  const mv = matVec(m, v);
  value = v.reduce((acc, x, i) => acc + x * mv[i]!, 0);
  let big = 0;
  for (let i = 1; i < n; i++) if (Math.abs(v[i]!) > Math.abs(v[big]!) + 1e-12) big = i;
  if (v[big]! < 0) v = v.map((x) => -x);
  return { value, vector: v };
}

/**
 * Classical (Torgerson) MDS of unit vectors from their cosine matrix: squared distances are 2 - 2s, so the
 * double-centred Gram matrix is B = J S J; the coordinates are B's top eigenvectors scaled by sqrt(eigenvalue).
 */
export function classicalMds(sim: readonly number[][], dims = 2): number[][] {
  const n = sim.length;
  if (n === 0) return [];
  const rowMean = sim.map((row) => row.reduce((a, x) => a + x, 0) / n);
  const mean = rowMean.reduce((a, x) => a + x, 0) / n;
  let b = sim.map((row, i) => row.map((x, j) => x - rowMean[i]! - rowMean[j]! + mean));
  const coords = Array.from({ length: n }, () => new Array<number>(dims).fill(0));
  for (let d = 0; d < dims; d++) {
    const { value, vector } = leadingEigen(b);
    if (value <= 1e-9) break;
    const scale = Math.sqrt(value);
    vector.forEach((x, i) => (coords[i]![d] = x * scale));
    // Deflate: remove this component so the next power iteration finds the next one.
    b = b.map((row, i) => row.map((x, j) => x - value * vector[i]! * vector[j]!));
  }
  return coords;
}

/** The q-quantile (0..1) of the similarities of distinct pairs; 1 when there are none. */
export function pairQuantile(sim: readonly number[][], q: number): number {
  const values: number[] = [];
  for (let i = 0; i < sim.length; i++) for (let j = i + 1; j < sim.length; j++) values.push(sim[i]![j]!);
  if (!values.length) return 1;
  values.sort((a, b) => a - b);
  return values[Math.min(values.length - 1, Math.floor(q * values.length))]!;
}

/** Pairs whose similarity is at least the threshold, most similar first. */
export function edgesAbove(sim: readonly number[][], threshold: number): Edge[] {
  const edges: Edge[] = [];
  for (let i = 0; i < sim.length; i++) {
    for (let j = i + 1; j < sim.length; j++) if (sim[i]![j]! >= threshold) edges.push({ a: i, b: j, similarity: sim[i]![j]! });
  }
  return edges.sort((x, y) => y.similarity - x.similarity || x.a - y.a || x.b - y.b);
}

/**
 * Pushes apart points closer than minDist (a few deterministic passes), so no node hides another, then clamps
 * them into the box. Coincident points move apart along a fixed angle per pair.
 */
export function separate(points: readonly Point[], minDist: number, box: { width: number; height: number; marginX: number; marginY: number }): Point[] {
  const p = points.map((q) => ({ ...q }));
  for (let pass = 0; pass < 50; pass++) {
    let moved = false;
    for (let i = 0; i < p.length; i++) {
      for (let j = i + 1; j < p.length; j++) {
        let dx = p[j]!.x - p[i]!.x;
        let dy = p[j]!.y - p[i]!.y;
        let d = Math.hypot(dx, dy);
        if (d >= minDist) continue;
        if (d < 1e-9) {
          const angle = (i * 7 + j * 13) % 360;
          dx = Math.cos((angle * Math.PI) / 180);
          dy = Math.sin((angle * Math.PI) / 180);
          d = 1;
        } else {
          dx /= d;
          dy /= d;
        }
        const push = (minDist - Math.min(d, minDist)) / 2 + 1e-6;
        p[i]!.x -= dx * push;
        p[i]!.y -= dy * push;
        p[j]!.x += dx * push;
        p[j]!.y += dy * push;
        moved = true;
      }
    }
    for (const q of p) {
      q.x = Math.min(box.width - box.marginX, Math.max(box.marginX, q.x));
      q.y = Math.min(box.height - box.marginY, Math.max(box.marginY, q.y));
    }
    if (!moved) break;
  }
  return p;
}

export interface LayoutOptions {
  width: number;
  height: number;
  /** Room kept free at the box's edge: wide enough at the sides for node labels. */
  marginX: number;
  marginY: number;
  /** Nodes closer than this (in box units) are pushed apart. */
  minDist: number;
  /** The most similar neighbour's distance from the centre, as a fraction of the full radius. */
  innerRadius: number;
  /** How far each angle moves from its MDS value towards even spacing (0: pure MDS, 1: evenly spaced). */
  spread: number;
  /** Edge threshold as a quantile of the pairwise similarities: 0.75 joins the most similar quarter of pairs. */
  edgeQuantile: number;
}

export const DEFAULT_LAYOUT: LayoutOptions = {
  width: 760,
  height: 440,
  marginX: 150,
  marginY: 30,
  minDist: 30,
  innerRadius: 0.3,
  spread: 0.5,
  edgeQuantile: 0.75,
};

/** An angle difference folded into (-pi, pi]. */
const wrapAngle = (a: number): number => {
  const t = (a + Math.PI) % (2 * Math.PI);
  return (t <= 0 ? t + 2 * Math.PI : t) - Math.PI;
};

/**
 * Angles for the neighbours: their directions from the centre of their own classical MDS (so papers similar
 * to each other point the same way), pulled part of the way towards even spacing in the same order, so a
 * tight cluster does not stack its nodes on one spoke.
 */
export function neighbourAngles(neighbourSim: readonly number[][], spread: number): number[] {
  const m = neighbourSim.length;
  const theta = classicalMds(neighbourSim, 2).map(([x = 0, y = 0]) => Math.atan2(y, x));
  const order = theta.map((t, i) => ({ t, i })).sort((a, b) => a.t - b.t || a.i - b.i);
  const out = new Array<number>(m).fill(0);
  const base = order[0]?.t ?? 0;
  order.forEach(({ t, i }, k) => {
    const even = base + (2 * Math.PI * k) / m;
    out[i] = even + (1 - spread) * wrapAngle(t - even);
  });
  return out;
}

/**
 * The whole map, a radial MDS layout: the paper in the centre; each neighbour at a distance that grows as its
 * similarity to the paper falls (min-max over the neighbours) and in a direction from the MDS of the neighbours;
 * edges between similar pairs. The same vectors always give the same picture: nothing random anywhere.
 */
export function layoutNeighbourhood(vectors: readonly Float32Array[], opts: LayoutOptions = DEFAULT_LAYOUT): MapLayout {
  const sim = similarityMatrix(vectors);
  const threshold = pairQuantile(sim, opts.edgeQuantile);
  const edges = edgesAbove(sim, threshold);
  const cx = opts.width / 2;
  const cy = opts.height / 2;
  if (vectors.length <= 1) return { points: vectors.map(() => ({ x: cx, y: cy })), edges, threshold };
  const toPaper = sim[0]!.slice(1);
  const angles = neighbourAngles(sim.slice(1).map((row) => row.slice(1)), opts.spread);
  const [lo, hi] = [Math.min(...toPaper), Math.max(...toPaper)];
  const rx = opts.width / 2 - opts.marginX;
  const ry = opts.height / 2 - opts.marginY;
  const points: Point[] = [{ x: cx, y: cy }];
  toPaper.forEach((s, i) => {
    const depth = hi - lo > 1e-9 ? (hi - s) / (hi - lo) : 0.5;
    const r = opts.innerRadius + (1 - opts.innerRadius) * depth;
    points.push({ x: cx + r * rx * Math.cos(angles[i]!), y: cy + r * ry * Math.sin(angles[i]!) });
  });
  return { points: separate(points, opts.minDist, opts), edges, threshold };
}

export interface LabelPlacement {
  x: number;
  y: number;
  anchor: 'start' | 'end' | 'middle';
}

interface Rect {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

const overlaps = (a: Rect, b: Rect): boolean => a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;

/**
 * Where each node's text label goes, greedily in node order (the paper, then nearest first): beside the node
 * pointing away from the centre, else on the other side, below or above; a label that would cover another
 * label or a node, or leave the box, is left out (the node keeps its title and accessible name).
 * Widths are estimated from the text length (`charWidth` per character): exact enough to avoid collisions.
 */
export function placeLabels(
  points: readonly Point[],
  texts: readonly string[],
  box: { width: number; height: number },
  opts = { charWidth: 6.2, lineHeight: 13, nodeRadius: 10, gap: 4 },
): (LabelPlacement | undefined)[] {
  const { charWidth, lineHeight, nodeRadius, gap } = opts;
  const nodes: Rect[] = points.map((p) => ({ x0: p.x - nodeRadius, y0: p.y - nodeRadius, x1: p.x + nodeRadius, y1: p.y + nodeRadius }));
  const placed: Rect[] = [];
  const cx = box.width / 2;
  return points.map((p, i) => {
    const w = texts[i]!.length * charWidth;
    const side = (anchor: 'start' | 'end'): [LabelPlacement, Rect] => {
      const x = anchor === 'start' ? p.x + nodeRadius + gap : p.x - nodeRadius - gap;
      const x0 = anchor === 'start' ? x : x - w;
      return [{ x, y: p.y + 4, anchor }, { x0, y0: p.y - lineHeight / 2, x1: x0 + w, y1: p.y + lineHeight / 2 }];
    };
    const vertical = (dir: 1 | -1): [LabelPlacement, Rect] => {
      const top = dir === 1 ? p.y + nodeRadius + gap : p.y - nodeRadius - gap - lineHeight;
      return [{ x: p.x, y: top + lineHeight - 3, anchor: 'middle' }, { x0: p.x - w / 2, y0: top, x1: p.x + w / 2, y1: top + lineHeight }];
    };
    const outward = p.x < cx ? 'end' : 'start';
    const candidates = i === 0 ? [vertical(1), vertical(-1)] : [side(outward), side(outward === 'end' ? 'start' : 'end'), vertical(1), vertical(-1)];
    for (const [at, rect] of candidates) {
      const inside = rect.x0 >= 0 && rect.y0 >= 0 && rect.x1 <= box.width && rect.y1 <= box.height;
      if (inside && !placed.some((r) => overlaps(r, rect)) && !nodes.some((n, j) => j !== i && overlaps(n, rect))) {
        placed.push(rect);
        return at;
      }
    }
    return undefined;
  });
}

export interface ColourGroups {
  /** What the colours stand for. */
  by: 'category' | 'year' | 'none';
  /** Legend entries in order: value and its colour index (the last may be "other"). */
  legend: { label: string; colour: number }[];
  /** Colour index of each item. */
  colours: number[];
}

/** Colours available to groups; the last one is "other". */
export const PALETTE_SIZE = 7;

/**
 * Colours by primary category when the nodes have at least two, else by year, else one colour: the most
 * frequent values get their own colour (ties broken by value), the rest share "other".
 */
export function colourGroups(items: readonly { categories: readonly string[]; year: number | null }[]): ColourGroups {
  const byCat = items.map((i) => i.categories[0]);
  const byYear = items.map((i) => (i.year ? String(i.year) : undefined));
  const distinct = (vs: (string | undefined)[]) => new Set(vs.filter((v) => v !== undefined)).size;
  const by = distinct(byCat) >= 2 ? 'category' : distinct(byYear) >= 2 ? 'year' : 'none';
  if (by === 'none') return { by, legend: [], colours: items.map(() => 0) };
  const values = by === 'category' ? byCat : byYear;
  const freq = new Map<string, number>();
  for (const v of values) if (v !== undefined) freq.set(v, (freq.get(v) ?? 0) + 1);
  const ranked = [...freq.entries()].sort((a, b) => b[1] - a[1] || (by === 'year' ? b[0].localeCompare(a[0]) : a[0].localeCompare(b[0])));
  // The grey last colour is always "other", so it never looks like a category of its own.
  const own = Math.min(ranked.length, PALETTE_SIZE - 1);
  const index = new Map(ranked.slice(0, own).map(([v], i) => [v, i]));
  const other = PALETTE_SIZE - 1;
  const colours = values.map((v) => (v !== undefined && index.has(v) ? index.get(v)! : other));
  const legend = ranked.slice(0, own).map(([label], i) => ({ label, colour: i }));
  if (colours.includes(other)) legend.push({ label: by === 'year' ? 'other or undated' : 'other or none', colour: other });
  return { by, legend, colours };
}
