// Chooses the keyword column weights and the hybrid fusion on a TRAINING split only (SciFact train), printing the comparison.
//
//   npm run tune-fusion              print the table (stdout)
//   npm run tune-fusion -- --write   also put it into the <!-- figures:tune-fusion --> block of docs/relevance.md
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PROJECT_ROOT } from '../src/config.js';
import { loadEmbedder } from '../src/embed/index.js';
import { evalIndex, loadQuerySet, scoreMode } from '../src/eval/run.js';
import type { Fusion } from '../src/search/fuse.js';
import { Searcher } from '../src/search/searcher.js';
import { publishFigures } from './lib/figures.js';
import { REAL_MODEL, hasRealModel } from './lib/models.js';

const { values } = parseArgs({
  options: {
    dir: { type: 'string', default: path.resolve(PROJECT_ROOT, '..', 'shared', 'data', 'beir', 'scifact') },
    split: { type: 'string', default: 'train' },
    model: { type: 'string', default: hasRealModel() ? REAL_MODEL : 'use-lite' },
    write: { type: 'boolean', default: false },
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
type Row = { name: string; s: { 'ndcg@10': number; 'recall@100': number; 'mrr@10': number } };
const rows: Row[] = [];

let best = { w: 1, ndcg: -1 };
for (const w of [1, 2, 3, 5]) {
  const s = await scoreMode(new Searcher(index, embedder, { keywordWeights: { title: w, abstract: 1 } }), qs, 'keyword', vectors);
  rows.push({ name: `keyword, title weight ${w}`, s });
  if (s['ndcg@10'] > best.ndcg) best = { w, ndcg: s['ndcg@10'] };
}
const keywordWeights = { title: best.w, abstract: 1 };
rows.push({ name: 'semantic', s: await scoreMode(new Searcher(index, embedder), qs, 'semantic', vectors) });
const fusions: [string, Fusion][] = [['RRF k=60', { kind: 'rrf', k: 60 }]];
for (let a = 0; a <= 10; a++) fusions.push([`weighted alpha=${(a / 10).toFixed(1)}`, { kind: 'weighted', alpha: a / 10 }]);
const hybrid: Row[] = [];
for (const [name, fusion] of fusions) {
  hybrid.push({ name: `hybrid ${name}`, s: await scoreMode(new Searcher(index, embedder, { fusion, keywordWeights }), qs, 'hybrid', vectors) });
}
index.close();
await embedder.dispose();

// The best keyword weight and the best fusion in bold (the first of equals: the simpler setting).
const bestHybrid = hybrid.reduce((a, b) => (b.s['ndcg@10'] > a.s['ndcg@10'] ? b : a));
const bold = (r: Row, on: boolean) => (on ? `**${r.s['ndcg@10'].toFixed(4)}**` : r.s['ndcg@10'].toFixed(4));
const line = (r: Row, on: boolean) => `| ${r.name} | ${bold(r, on)} | ${r.s['recall@100'].toFixed(4)} | ${r.s['mrr@10'].toFixed(4)} |`;
publishFigures(
  'tune-fusion',
  [
    `${paths.name} ${values.split}: ${qs.ids.length} queries, model ${embedder.info.modelId}; hybrid rows use keyword title weight ${best.w}`,
    '',
    '| setting | nDCG@10 | Recall@100 | MRR@10 |',
    '| --- | --- | --- | --- |',
    ...rows.map((r) => line(r, r.name === `keyword, title weight ${best.w}`)),
    ...hybrid.map((r) => line(r, r === bestHybrid)),
    '',
    `Best on ${values.split}: keyword title weight ${best.w}, ${bestHybrid.name.replace(/^hybrid /, '')} (nDCG@10 ${bestHybrid.s['ndcg@10'].toFixed(4)}).`,
  ].join('\n'),
);
