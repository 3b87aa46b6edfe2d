// `npm run seed-eval`: MRR@10 of the seed questions (scripts/lib/seed-questions.ts) per mode, on the 45 bundled papers.
//
//   npm run seed-eval                   the real all-MiniLM-L6-v2 (where get-models put it) and USE lite
//   npm run seed-eval -- --model A,B    other models
//   npm run seed-eval -- --write        also put the table into the <!-- figures:seed --> block of docs/relevance.md
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { buildIndex } from '../src/build/index.js';
import { PROJECT_ROOT } from '../src/config.js';
import { loadEmbedder } from '../src/embed/index.js';
import { Searcher } from '../src/search/searcher.js';
import { openIndex } from '../src/store/index.js';
import { publishFigures } from './lib/figures.js';
import { modelsToMeasure } from './lib/models.js';
import { SEED_QUESTIONS, seedScores, type SeedMode } from './lib/seed-questions.js';

const { values } = parseArgs({ options: { model: { type: 'string' }, write: { type: 'boolean', default: false } } });
const SEED = path.join(PROJECT_ROOT, 'index', 'papers.jsonl');

/** Builds the seed with one model and scores every mode on the seed questions. */
async function scoreModel(model: string, tmp: string) {
  const embedder = await loadEmbedder(model, { modelsDir: path.join(PROJECT_ROOT, 'models') });
  const indexDir = path.join(tmp, embedder.info.modelId.replace(/[^\w.-]+/g, '_'));
  const built = await buildIndex({ indexDir, sources: [SEED], embedder });
  const searcher = new Searcher(await openIndex(indexDir), embedder);
  const rows = [];
  for (const mode of ['hybrid', 'semantic', 'keyword'] as SeedMode[]) rows.push(await seedScores(searcher, mode));
  searcher.index.close();
  await embedder.dispose();
  return { model: `${embedder.info.modelId} (${embedder.info.dtype})`, papers: built.papers, rows };
}

const tmp = await mkdtemp(path.join(tmpdir(), 'paperscope-seed-eval-'));
try {
  const results = [];
  for (const model of modelsToMeasure(values.model)) results.push(await scoreModel(model, tmp));
  publishFigures(
    'seed',
    [
      `${SEED_QUESTIONS.length} plain-language questions about the ${results[0]!.papers} bundled papers, one answering paper each`,
      '',
      '| model | mode | MRR@10 | answer first | answer in top 3 |',
      '| --- | --- | --- | --- | --- |',
      ...results.flatMap(({ model, rows }) => rows.map((r) => `| ${model} | ${r.mode} | ${r.mrr10.toFixed(3)} | ${r.top1} of ${r.questions} | ${r.top3} of ${r.questions} |`)),
    ].join('\n'),
  );
} finally {
  await rm(tmp, { recursive: true, force: true });
}
