// `npm run eval`: nDCG@10 / Recall@100 / MRR@10 per mode on the shared BEIR collections (Cranfield, SciFact test).
//
//   npm run eval                 print the table (stdout), progress on stderr
//   npm run eval -- --write      also put it into the <!-- figures:eval --> blocks of README.md and docs/relevance.md
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PROJECT_ROOT, loadConfig } from '../src/config.js';
import { loadEmbedder } from '../src/embed/index.js';
import { runEval, type EvalReport } from '../src/eval/run.js';
import type { Scores } from '../src/eval/metrics.js';
import { fusionOption } from '../src/runtime.js';
import { defaultAlpha } from '../src/search/searcher.js';
import { publishFigures } from './lib/figures.js';
import { modelsToMeasure } from './lib/models.js';

const { values } = parseArgs({
  options: { model: { type: 'string' }, split: { type: 'string', default: 'test' }, write: { type: 'boolean', default: false } },
});
const BEIR = path.resolve(PROJECT_ROOT, '..', 'shared', 'data', 'beir');
const sets = ['cranfield', 'scifact'].map((n) => path.join(BEIR, n)).filter((d) => {
  if (!existsSync(d)) console.error(`skipped: ${d} is absent`);
  return existsSync(d);
});
if (!sets.length) process.exit(0);
const reports: { alpha: number; report: EvalReport }[] = [];
for (const model of modelsToMeasure(values.model)) {
  const cfg = loadConfig({ model });
  const embedder = await loadEmbedder(cfg.model, { modelsDir: cfg.modelsDir, dtype: cfg.dtype });
  const alpha = cfg.hybridAlpha ?? defaultAlpha(embedder.info.modelId);
  for (const dir of sets) {
    const report = await runEval({ dir, split: values.split, embedder, cacheDir: path.join(PROJECT_ROOT, '.cache', 'eval'), ...fusionOption(cfg), log: (l) => console.error(l), progress: true });
    reports.push({ alpha, report });
  }
  await embedder.dispose();
}

/** The table (per model and collection, the best nDCG@10 in bold) and how hybrid compares with the better of its parts. */
function evalFigures(rs: typeof reports): string {
  const out = [`split ${values.split}; hybrid = weighted fusion with the model's alpha (tuned on SciFact train by \`npm run tune-fusion\`)`, ''];
  out.push('| model | collection | queries | mode | nDCG@10 | Recall@100 | MRR@10 |', '| --- | --- | --- | --- | --- | --- | --- |');
  const gains: string[] = [];
  for (const { alpha, report: r } of rs) {
    const best = Math.max(...Object.values(r.modes).map((s) => s!['ndcg@10']));
    const model = `${r.model}${r.dtype ? ` (${r.dtype})` : ''}`;
    for (const [mode, s] of Object.entries(r.modes) as [string, Scores][]) {
      const ndcg = s['ndcg@10'].toFixed(4);
      const name = mode === 'hybrid' ? `hybrid (alpha ${alpha})` : mode;
      out.push(`| ${model} | ${r.dataset} | ${r.queries} | ${name} | ${s['ndcg@10'] === best ? `**${ndcg}**` : ndcg} | ${s['recall@100'].toFixed(4)} | ${s['mrr@10'].toFixed(4)} |`);
    }
    const { hybrid, semantic, keyword } = r.modes;
    if (hybrid && semantic && keyword) {
      const d = hybrid['ndcg@10'] - Math.max(semantic['ndcg@10'], keyword['ndcg@10']);
      gains.push(`${r.model} ${r.dataset} ${d >= 0 ? '+' : ''}${d.toFixed(4)}`);
    }
  }
  if (gains.length) out.push('', `nDCG@10 of hybrid minus the better of semantic and keyword: ${gains.join(', ')}.`);
  return out.join('\n');
}

publishFigures('eval', evalFigures(reports));
