// `npx tsx scripts/scale-data.ts --papers N`: writes the million-paper benchmark's inputs (texts and vectors) under .cache/scale.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PROJECT_ROOT } from '../src/config.js';
import { loadEmbedderPool } from '../src/embed/pool.js';
import { writeVectorsFile } from '../src/ingest/vectors.js';
import { extrapolateNearestCosine, noisyVectors, readArxiv, realVectors, scaledId, sigmaFor, writeScaledPapers } from './lib/scale-data.js';

const { values } = parseArgs({
  options: {
    papers: { type: 'string', default: '1000000' },
    real: { type: 'string', default: '20000' },
    model: { type: 'string', default: path.join(PROJECT_ROOT, 'models', 'all-MiniLM-L6-v2') },
    out: { type: 'string', default: path.join(PROJECT_ROOT, '.cache', 'scale') },
  },
});
const ARXIV = path.resolve(PROJECT_ROOT, '..', 'shared', 'data', 'arxiv');
// The 20k recent CS records first: the real vectors are theirs, so papers 0..19,999 carry their own true vectors.
const files = ['arxiv-cs-2025-2026-20k.jsonl.gz', 'arxiv-1990-2017-100k.jsonl.gz'].map((f) => path.join(ARXIV, f));
if (!files.every(existsSync)) {
  console.log(`skipped: the shared arXiv records are absent (${ARXIV})`);
  process.exit(0);
}
const log = (l: string) => process.stderr.write(`${l}\n`);
const n = Number(values.papers);
const records = await readArxiv(files);
const papersFile = path.join(values.out, `papers-${n}.jsonl.gz`);
await writeScaledPapers(records, n, papersFile);
log(`papers: ${papersFile}`);

const embedder = await loadEmbedderPool(values.model, { modelsDir: path.dirname(values.model), workers: 2 });
const real = await realVectors(records, Number(values.real), embedder, path.join(values.out, `real-${values.real}-${embedder.info.modelId}-${embedder.info.dtype}`), log);
const info = embedder.info;
await embedder.dispose();
const fit = extrapolateNearestCosine(real, n);
const c = fit.atTarget;
const sigma = sigmaFor(c, info.dims);
log(`median nearest-neighbour cosine of the real vectors: ${fit.points.map(([s, v]) => `${s}: ${v.toFixed(4)}`).join(', ')}; at ${n}: ${c.toFixed(4)} => sigma ${sigma.toFixed(5)} per dimension`);
const prefix = path.join(values.out, `vectors-${n}-s${sigma.toFixed(4)}`);
if (!existsSync(`${prefix}.npy`)) {
  const ids = Array.from({ length: n }, (_, j) => scaledId(records[j % records.length]!, j, records.length));
  await writeVectorsFile(prefix, { model: info.modelId, dtype: info.dtype, dims: info.dims }, ids, noisyVectors(real, n, sigma));
}
console.log(JSON.stringify({ papers: papersFile, vectors: prefix, nearestCosineFit: fit.points, nearestCosineAtTarget: c, sigma, model: info.modelId, dtype: info.dtype }));
