// `npm run bench-research`: what facets, date order, feeds and the map cost, on 20k real arXiv records (needs ../shared).
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildIndex } from '../src/build/index.js';
import { PROJECT_ROOT } from '../src/config.js';
import { loadTransformersEmbedder } from '../src/embed/transformers.js';
import { writeBertModel } from '../src/embed/make-bert.js';
import { type Mode, Searcher } from '../src/search/searcher.js';
import { openIndex } from '../src/store/index.js';
import { layoutNeighbourhood } from '../src/web/map-layout.js';

const ARXIV = path.resolve(PROJECT_ROOT, '..', 'shared', 'data', 'arxiv', 'arxiv-cs-2025-2026-20k.jsonl.gz');
const QUERIES = ['diffusion models for video generation', 'graph neural networks', 'large language model reasoning', 'reinforcement learning robot', 'image segmentation'];
const ROUNDS = 10;

if (!existsSync(ARXIV)) {
  console.log(`skipped: ${ARXIV} is absent (the shared benchmark data)`);
  process.exit(0);
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Median milliseconds of f over ROUNDS passes of every query, after one warm-up pass (query embeddings cached). */
async function time(f: (q: string) => unknown): Promise<number> {
  for (const q of QUERIES) await f(q);
  const ts: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    for (const q of QUERIES) {
      const t = performance.now();
      await f(q);
      ts.push(performance.now() - t);
    }
  }
  return median(ts);
}

const tmp = await mkdtemp(path.join(tmpdir(), 'paperscope-bench-research-'));
try {
  // The tiny random-weight BERT: embedding is nearly free, so the figures are the SQL, fusion and layout costs.
  const { dir } = await writeBertModel({ outDir: path.join(tmp, 'test-tiny') });
  const embedder = await loadTransformersEmbedder({ model: dir, modelsDir: tmp, allowRemote: false });
  const indexDir = path.join(tmp, 'index');
  await buildIndex({ indexDir, sources: [ARXIV], embedder });
  const s = new Searcher(await openIndex(indexDir), embedder);
  console.log(`${s.index.papers.count()} papers; median ms over ${ROUNDS} x ${QUERIES.length} queries (query embeddings cached)\n`);
  console.log('| mode | relevance | + facets | sort=date | feed |');
  console.log('| --- | --- | --- | --- | --- |');
  for (const mode of ['hybrid', 'semantic', 'keyword'] as Mode[]) {
    const cells = [
      await time((q) => s.search({ q, mode })),
      await time((q) => s.search({ q, mode, facets: true })),
      await time((q) => s.search({ q, mode, sort: 'date' })),
      await time((q) => s.newest({ q, mode })),
    ];
    console.log(`| ${mode} | ${cells.map((c) => c.toFixed(2)).join(' | ')} |`);
  }
  const ids = new Map<string, string>();
  for (const q of QUERIES) ids.set(q, (await s.search({ q, limit: 1 })).results[0]!.id);
  const map = await time((q) => layoutNeighbourhood(s.neighbourhood(ids.get(q)!, 14).vectors));
  console.log(`\npaper page map (14 neighbours + layout): ${map.toFixed(2)} ms`);
  s.index.close();
  await embedder.dispose();
} finally {
  await rm(tmp, { recursive: true, force: true });
}
