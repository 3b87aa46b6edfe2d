// `npm run eval`: nDCG@10 / Recall@100 / MRR@10 per mode on the shared BEIR collections (Cranfield, SciFact test).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PROJECT_ROOT, loadConfig } from '../src/config.js';
import { loadEmbedder } from '../src/embed/index.js';
import { runEval, type EvalReport } from '../src/eval/run.js';
import { fusionOption } from '../src/runtime.js';
import { defaultAlpha } from '../src/search/searcher.js';

const { values } = parseArgs({ options: { model: { type: 'string', default: 'use-lite' }, split: { type: 'string', default: 'test' } } });
const BEIR = path.resolve(PROJECT_ROOT, '..', 'shared', 'data', 'beir');
const sets = ['cranfield', 'scifact'].map((n) => path.join(BEIR, n)).filter((d) => {
  if (!existsSync(d)) console.error(`skipped: ${d} is absent`);
  return existsSync(d);
});
const cfg = loadConfig({ model: values.model });
const embedder = await loadEmbedder(cfg.model, { modelsDir: cfg.modelsDir });
const reports: EvalReport[] = [];
for (const dir of sets) {
  reports.push(
    await runEval({ dir, split: values.split, embedder, cacheDir: path.join(PROJECT_ROOT, '.cache', 'eval'), ...fusionOption(cfg), log: (l) => console.error(l), progress: true }),
  );
}
await embedder.dispose();
console.log(`\nmodel ${embedder.info.modelId}, split ${values.split}, hybrid = weighted fusion alpha ${cfg.hybridAlpha ?? defaultAlpha(embedder.info.modelId)}\n`);
console.log('| collection | queries | mode | nDCG@10 | Recall@100 | MRR@10 |\n| --- | --- | --- | --- | --- | --- |');
for (const r of reports) {
  for (const [mode, s] of Object.entries(r.modes)) {
    console.log(`| ${r.dataset} | ${r.queries} | ${mode} | ${s['ndcg@10'].toFixed(4)} | ${s['recall@100'].toFixed(4)} | ${s['mrr@10'].toFixed(4)} |`);
  }
}
