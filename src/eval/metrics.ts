// IR metrics computed the standard (trec_eval / BEIR) way: nDCG@k with graded linear gains, Recall@k, MRR@k.

/** qrels for one query: doc id -> graded relevance (> 0 is relevant). */
export type Judgments = ReadonlyMap<string, number>;

/** nDCG@k: DCG = sum rel_i / log2(i + 1) over the ranking; the ideal DCG comes from the qrels, not the ranking. */
export function ndcgAt(ranking: readonly string[], qrels: Judgments, k: number): number {
  let dcg = 0;
  ranking.slice(0, k).forEach((id, i) => {
    const rel = qrels.get(id) ?? 0;
    if (rel > 0) dcg += rel / Math.log2(i + 2);
  });
  const ideal = [...qrels.values()].filter((r) => r > 0).sort((a, b) => b - a).slice(0, k);
  const idcg = ideal.reduce((s, rel, i) => s + rel / Math.log2(i + 2), 0);
  return idcg > 0 ? dcg / idcg : 0;
}

/** Recall@k: share of the relevant documents found in the top k. */
export function recallAt(ranking: readonly string[], qrels: Judgments, k: number): number {
  const relevant = [...qrels.entries()].filter(([, r]) => r > 0).map(([id]) => id);
  if (!relevant.length) return 0;
  const top = new Set(ranking.slice(0, k));
  return relevant.filter((id) => top.has(id)).length / relevant.length;
}

/** MRR@k: reciprocal rank of the first relevant document within the top k, else 0. */
export function mrrAt(ranking: readonly string[], qrels: Judgments, k: number): number {
  const i = ranking.slice(0, k).findIndex((id) => (qrels.get(id) ?? 0) > 0);
  return i < 0 ? 0 : 1 / (i + 1);
}

export interface Scores {
  'ndcg@10': number;
  'recall@100': number;
  'mrr@10': number;
}

/** Mean of the per-query metrics over every judged query (a query with no result scores 0). */
export function evaluate(runs: ReadonlyMap<string, readonly string[]>, qrels: ReadonlyMap<string, Judgments>): Scores {
  let n = 0;
  const sum = { 'ndcg@10': 0, 'recall@100': 0, 'mrr@10': 0 };
  for (const [qid, judged] of qrels) {
    const ranking = runs.get(qid) ?? [];
    sum['ndcg@10'] += ndcgAt(ranking, judged, 10);
    sum['recall@100'] += recallAt(ranking, judged, 100);
    sum['mrr@10'] += mrrAt(ranking, judged, 10);
    n++;
  }
  const r = (x: number) => Math.round((x / Math.max(1, n)) * 10_000) / 10_000;
  return { 'ndcg@10': r(sum['ndcg@10']), 'recall@100': r(sum['recall@100']), 'mrr@10': r(sum['mrr@10']) };
}
