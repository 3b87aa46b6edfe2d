// The relevance floor of topic feeds, pure: halfway from the typical candidate's score to the best one.

/** Where the floor sits between the candidates' median score (0) and the best score (1). */
export const FLOOR_POSITION = 0.5;

/**
 * The score a candidate needs to enter a feed: the median of the candidates' scores plus half the gap to the
 * best. Relative, because scores are on different scales (one model's cosines bunch between 0.3 and 0.7,
 * fused hybrid scores span 0..1, BM25 is unbounded); it keeps the clearly relevant head of the list and drops
 * the tail a small index or a broad query fills with loosely related papers. Scores must be best first.
 */
export function relevanceFloor(scoresBestFirst: readonly number[], position = FLOOR_POSITION): number {
  if (!scoresBestFirst.length) return Infinity;
  const sorted = [...scoresBestFirst].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  const median = sorted.length % 2 ? sorted[Math.floor(mid)]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  const best = sorted[sorted.length - 1]!;
  return median + position * (best - median);
}
