// Benchmark: passages/s over real arXiv abstracts at several batch sizes, and 12-token query latency; prints a markdown table.
import { createReadStream, existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { parseArgs } from 'node:util';
import { passageText } from '../src/embed/embedder.js';
import { loadTransformersEmbedder } from '../src/embed/transformers.js';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'models/minilm-shape' },
    data: { type: 'string', default: '../shared/data/arxiv/arxiv-cs-2025-2026-20k.jsonl.gz' },
    n: { type: 'string', default: '256' },
    batches: { type: 'string', default: '1,8,16,32' },
    threads: { type: 'string' },
    dtype: { type: 'string' },
    rounds: { type: 'string', default: '3' },
  },
});

if (!existsSync(values.data)) {
  console.log(`skipped: no abstracts at ${values.data} (pass --data FILE.jsonl.gz with {title, abstract} lines)`);
  process.exit(0);
}
if (!existsSync(`${values.model}/config.json`)) {
  console.log(
    `skipped: no model at ${values.model}; make one of MiniLM-L6 shape with\n` +
      `  npx tsx scripts/make-test-model.ts --from ../shared/models/all-MiniLM-L6-v2 --out ${values.model}`,
  );
  process.exit(0);
}

const n = Number(values.n);
const texts: string[] = [];
for await (const line of createInterface({ input: createReadStream(values.data).pipe(createGunzip()) })) {
  if (!line.trim()) continue;
  texts.push(passageText(JSON.parse(line) as { title: string; abstract: string }));
  if (texts.length >= n) break;
}

const common = {
  model: values.model,
  modelsDir: 'models',
  allowRemote: false,
  ...(values.threads ? { threads: Number(values.threads) } : {}),
  ...(values.dtype ? { dtype: values.dtype } : {}),
};
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

// Rounds alternate the batch sizes so a burst of load from elsewhere hits all of them alike; medians are reported.
const batchSizes = values.batches.split(',').map(Number);
const rates = new Map<number, number[]>(batchSizes.map((b) => [b, []]));
const queryMs: number[] = [];
// 10 word pieces + [CLS] [SEP] in the BERT uncased vocabulary
const query = 'graph neural networks for molecular property prediction with few labels';
for (let round = 0; round < Number(values.rounds); round++) {
  for (const batchSize of [...batchSizes.slice(round % batchSizes.length), ...batchSizes.slice(0, round % batchSizes.length)]) {
    const emb = await loadTransformersEmbedder({ ...common, batchSize });
    if (round === 0 && batchSize === batchSizes[0])
      console.error(`model ${emb.info.modelId}: dims ${emb.info.dims}, maxTokens ${emb.info.maxTokens}, dtype ${emb.info.dtype}`);
    await emb.embedPassages(texts.slice(0, 8)); // warm-up: first runs allocate ORT's arenas
    const t0 = performance.now();
    await emb.embedPassages(texts);
    rates.get(batchSize)!.push(texts.length / ((performance.now() - t0) / 1000));
    if (batchSize === batchSizes[0]) {
      for (let i = 0; i < 5; i++) await emb.embedQuery(query);
      for (let i = 0; i < 50; i++) {
        const q0 = performance.now();
        await emb.embedQuery(query);
        queryMs.push(performance.now() - q0);
      }
    }
    await emb.dispose();
  }
}

console.log(`${texts.length} abstracts from ${values.data}, ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}, ${values.rounds} rounds\n`);
console.log('| measure | median | best |\n| --- | --- | --- |');
for (const [b, r] of rates) console.log(`| passages/s, batch ${b} | ${median(r).toFixed(1)} | ${Math.max(...r).toFixed(1)} |`);
console.log(`| 12-token query, ms | ${median(queryMs).toFixed(2)} | ${Math.min(...queryMs).toFixed(2)} |`);
console.log(`\npeak RSS ${(process.resourceUsage().maxRSS / 1024 / 1024).toFixed(2)} GB`);
