// `npm run quant-check`: how close the int8 model is to fp32 (mean cosine over 1,000 real arXiv abstracts) and how much faster.
import { createReadStream, existsSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { createGunzip } from 'node:zlib';
import { PROJECT_ROOT } from '../src/config.js';
import { passageText } from '../src/embed/embedder.js';
import { loadTransformersEmbedder } from '../src/embed/transformers.js';
import { publishFigures } from './lib/figures.js';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: path.join(PROJECT_ROOT, 'models', 'all-MiniLM-L6-v2') },
    data: { type: 'string', default: path.resolve(PROJECT_ROOT, '..', 'shared', 'data', 'arxiv', 'arxiv-cs-2025-2026-20k.jsonl.gz') },
    n: { type: 'string', default: '1000' },
    rounds: { type: 'string', default: '3' },
    write: { type: 'boolean', default: false },
  },
});
for (const [what, p] of [['abstracts', values.data], ['model', path.join(values.model, 'onnx', 'model_quantized.onnx')]] as const) {
  if (!existsSync(p)) {
    console.log(`skipped: no ${what} at ${p}${what === 'model' ? ' (run `npm run get-models`)' : ''}`);
    process.exit(0);
  }
}

const texts: string[] = [];
for await (const line of createInterface({ input: createReadStream(values.data).pipe(createGunzip()) })) {
  if (line.trim()) texts.push(passageText(JSON.parse(line) as { title: string; abstract: string }));
  if (texts.length >= Number(values.n)) break;
}
const load = (dtype: string) => loadTransformersEmbedder({ model: values.model, modelsDir: path.dirname(values.model), allowRemote: false, dtype });
const [fp32, q8] = [await load('fp32'), await load('q8')];
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

// Alternate the two (ABAB...) so machine noise hits both alike; the vectors of the last round are compared.
const speed: Record<string, number[]> = { fp32: [], q8: [] };
let vecs: Record<string, Float32Array[]> = {};
for (let r = 0; r < Number(values.rounds); r++) {
  for (const [name, e] of [['fp32', fp32], ['q8', q8]] as const) {
    const t0 = performance.now();
    vecs = { ...vecs, [name]: await e.embedPassages(texts) };
    speed[name]!.push(texts.length / ((performance.now() - t0) / 1000));
  }
}
const cos = texts.map((_, i) => vecs.fp32![i]!.reduce((s, x, d) => s + x * vecs.q8![i]![d]!, 0)).sort((a, b) => a - b);
const mean = cos.reduce((a, b) => a + b, 0) / cos.length;
publishFigures(
  'quant',
  [
    `all-MiniLM-L6-v2 imported by \`paperscope import-model\` from its PyPI wheel; ${texts.length} arXiv abstracts (title + abstract, at most ${fp32.info.maxTokens} tokens), batches of 16, the machine's default threads.`,
    '',
    '| measure | value |',
    '| --- | --- |',
    `| mean cosine, fp32 vs q8 vectors of the same abstract | ${mean.toFixed(4)} |`,
    `| lowest cosine (1st percentile) | ${cos[0]!.toFixed(4)} (${cos[Math.floor(cos.length / 100)]!.toFixed(4)}) |`,
    `| fp32 papers/s (median of ${values.rounds}, alternating) | ${median(speed.fp32!).toFixed(1)} |`,
    `| q8 papers/s (median of ${values.rounds}, alternating) | ${median(speed.q8!).toFixed(1)} |`,
    `| q8 / fp32 speed | ${(median(speed.q8!) / median(speed.fp32!)).toFixed(2)}x |`,
  ].join('\n'),
);
await fp32.dispose();
await q8.dispose();
