// `npm run seed-eval`: MRR@10 of the seed questions (scripts/lib/seed-questions.ts) per mode, on the 45 bundled papers.
//
//   npm run seed-eval                   USE lite (the model test/relevance/seed-questions.test.ts uses)
//   npm run seed-eval -- --model DIR    another model
//   npm run seed-eval -- --write        also put the table into the <!-- figures:seed --> block of docs/relevance.md
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { buildIndex } from '../src/build.js';
import { PROJECT_ROOT } from '../src/config.js';
import { loadEmbedder } from '../src/embed/index.js';
import { Searcher } from '../src/search/searcher.js';
import { openIndex } from '../src/store/index.js';
import { publishFigures } from './lib/figures.js';
import { SEED_QUESTIONS, seedScores, type SeedMode } from './lib/seed-questions.js';

const { values } = parseArgs({ options: { model: { type: 'string', default: 'use-lite' }, write: { type: 'boolean', default: false } } });
const SEED = path.join(PROJECT_ROOT, 'index', 'papers.jsonl');

const tmp = await mkdtemp(path.join(tmpdir(), 'paperscope-seed-eval-'));
try {
  const embedder = await loadEmbedder(values.model, { modelsDir: path.join(PROJECT_ROOT, 'models') });
  const indexDir = path.join(tmp, 'index');
  const built = await buildIndex({ indexDir, sources: [SEED], embedder });
  const searcher = new Searcher(await openIndex(indexDir), embedder);
  const rows = [];
  for (const mode of ['hybrid', 'semantic', 'keyword'] as SeedMode[]) rows.push(await seedScores(searcher, mode));
  searcher.index.close();
  await embedder.dispose();
  publishFigures(
    'seed',
    [
      `${SEED_QUESTIONS.length} questions about the ${built.papers} bundled papers, one answering paper each; model ${embedder.info.modelId}`,
      '',
      '| mode | MRR@10 | answer first | answer in top 3 |',
      '| --- | --- | --- | --- |',
      ...rows.map((r) => `| ${r.mode} | ${r.mrr10.toFixed(3)} | ${r.top1} of ${r.questions} | ${r.top3} of ${r.questions} |`),
    ].join('\n'),
  );
} finally {
  await rm(tmp, { recursive: true, force: true });
}
