// Chooses the keyword column weights and the hybrid fusion on a TRAINING split only (SciFact train), printing the comparison.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PROJECT_ROOT } from '../src/config.js';
import { loadEmbedder } from '../src/embed/index.js';
import { evalIndex, loadQuerySet, scoreMode } from '../src/eval/run.js';
import type { Fusion } from '../src/search/fuse.js';
import { Searcher } from '../src/search/searcher.js';

const { values } = parseArgs({
  options: {
    dir: { type: 'string', default: path.resolve(PROJECT_ROOT, '..', 'shared', 'data', 'beir', 'scifact') },
    split: { type: 'string', default: 'train' },
    model: { type: 'string', default: 'use-lite' },
  },
});
if (!existsSync(values.dir)) {
  console.error(`skipped: ${values.dir} is absent (this script needs the shared SciFact collection)`);
  process.exit(0);
}

const embedder = await loadEmbedder(values.model, { modelsDir: path.join(PROJECT_ROOT, 'models') });
const { paths, index } = await evalIndex({ dir: values.dir, split: values.split, embedder, cacheDir: path.join(PROJECT_ROOT, '.cache', 'eval'), log: (l) => console.error(l), progress: true });
const qs = await loadQuerySet(paths.queries, paths.qrels);
const vectors = new Map<string, Float32Array>();
for (const q of qs.ids) vectors.set(q, await embedder.embedQuery(qs.text.get(q)!));
console.log(`\n${paths.name} ${values.split}: ${qs.ids.length} queries, model ${embedder.info.modelId}\n`);
const row = (name: string, s: { 'ndcg@10': number; 'recall@100': number; 'mrr@10': number }) =>
  console.log(`| ${name} | ${s['ndcg@10'].toFixed(4)} | ${s['recall@100'].toFixed(4)} | ${s['mrr@10'].toFixed(4)} |`);
console.log('| setting | nDCG@10 | Recall@100 | MRR@10 |\n| --- | --- | --- | --- |');

let best = { w: 1, ndcg: -1 };
for (const w of [1, 2, 3, 5]) {
  const s = await scoreMode(new Searcher(index, embedder, { keywordWeights: { title: w, abstract: 1 } }), qs, 'keyword', vectors);
  row(`keyword, title weight ${w}`, s);
  if (s['ndcg@10'] > best.ndcg) best = { w, ndcg: s['ndcg@10'] };
}
const keywordWeights = { title: best.w, abstract: 1 };
row('semantic', await scoreMode(new Searcher(index, embedder), qs, 'semantic', vectors));
const fusions: [string, Fusion][] = [['RRF k=60', { kind: 'rrf', k: 60 }]];
for (let a = 0; a <= 10; a++) fusions.push([`weighted alpha=${(a / 10).toFixed(1)}`, { kind: 'weighted', alpha: a / 10 }]);
for (const [name, fusion] of fusions) {
  row(`hybrid ${name} (title weight ${best.w})`, await scoreMode(new Searcher(index, embedder, { fusion, keywordWeights }), qs, 'hybrid', vectors));
}
index.close();
await embedder.dispose();
