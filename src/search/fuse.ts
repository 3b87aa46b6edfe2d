// Pure rank fusion of a dense and a keyword result list: reciprocal rank fusion and a weighted sum of normalised scores.

export interface Scored {
  label: number;
  score: number;
}

export interface FusedHit {
  label: number;
  fused: number;
  dense?: { score: number; rank: number } | undefined;
  keyword?: { score: number; rank: number } | undefined;
}

export type Fusion = { kind: 'rrf'; k: number } | { kind: 'weighted'; alpha: number };

const ranked = (list: readonly Scored[]): Map<number, { score: number; rank: number }> =>
  new Map(list.map((h, i) => [h.label, { score: h.score, rank: i + 1 }]));

/** Min-max normalisation to [0,1] over a list; a constant list maps to 1 (all equally good). */
export function minMax(values: readonly number[]): (v: number) => number {
  if (!values.length) return () => 0;
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  return hi > lo ? (v) => (v - lo) / (hi - lo) : () => 1;
}

/**
 * Fuses two ranked lists (each sorted best first). `denseAll` gives the dense score of any candidate,
 * so keyword-only candidates are scored exactly instead of being assumed irrelevant to the dense model.
 * Ties are broken by `tieKey` (the paper id) so the order is stable.
 */
export function fuse(
  dense: readonly Scored[],
  keyword: readonly Scored[],
  fusion: Fusion,
  tieKey: (label: number) => string,
  denseAll?: (label: number) => number | undefined,
): FusedHit[] {
  const d = ranked(dense);
  const k = ranked(keyword);
  const labels = new Set<number>([...d.keys(), ...k.keys()]);
  const hits: FusedHit[] = [];
  if (fusion.kind === 'rrf') {
    for (const label of labels) {
      const dh = d.get(label);
      const kh = k.get(label);
      const fused = (dh ? 1 / (fusion.k + dh.rank) : 0) + (kh ? 1 / (fusion.k + kh.rank) : 0);
      hits.push({ label, fused, dense: dh, keyword: kh });
    }
  } else {
    const denseScore = new Map<number, number>();
    for (const label of labels) {
      const s = d.get(label)?.score ?? denseAll?.(label);
      if (s !== undefined) denseScore.set(label, s);
    }
    const nd = minMax([...denseScore.values()]);
    // BM25 is unbounded: scale by the best keyword score; papers without a keyword match get 0.
    const kmax = keyword.length ? Math.max(...keyword.map((h) => h.score)) : 0;
    for (const label of labels) {
      const ds = denseScore.get(label);
      const kh = k.get(label);
      const dn = ds === undefined ? 0 : nd(ds);
      const kn = kh && kmax > 0 ? kh.score / kmax : 0;
      hits.push({
        label,
        fused: fusion.alpha * dn + (1 - fusion.alpha) * kn,
        dense: d.get(label) ?? (ds !== undefined ? { score: ds, rank: 0 } : undefined),
        keyword: kh,
      });
    }
  }
  return sortStable(hits, (h) => h.fused, (h) => tieKey(h.label));
}

/** Scores equal to 6 decimals (what the API shows) count as ties, broken by key: the order a user sees is stable. */
export function sortStable<T>(items: T[], score: (t: T) => number, key: (t: T) => string): T[] {
  const r = (x: number) => Math.round(x * 1e6);
  return items.sort((a, b) => r(score(b)) - r(score(a)) || (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}
