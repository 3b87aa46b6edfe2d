// CLI: writes a random-weight BERT folder (default: the tiny test model; --from DIR: that model's exact shape, for benchmarks).
import { parseArgs } from 'node:util';
import { writeBertModel } from '../src/embed/make-bert.js';

const { values } = parseArgs({
  options: {
    out: { type: 'string', default: 'models/test-tiny' },
    from: { type: 'string' },
    seed: { type: 'string', default: '1234' },
  },
});

const t0 = performance.now();
const r = await writeBertModel({ outDir: values.out, from: values.from, seed: Number(values.seed) });
const s = r.shape;
const params = [...r.weights.values()].reduce((n, a) => n + a.length, 0);
console.log(
  `wrote ${r.dir}: vocab ${s.vocabSize}, hidden ${s.hidden}, ${s.layers} layers, ${s.heads} heads, FFN ${s.ffn}, ` +
    `${(params / 1e6).toFixed(2)} M params, onnx ${(r.onnxBytes / 1e6).toFixed(1)} MB in ${((performance.now() - t0) / 1000).toFixed(2)} s`,
);
