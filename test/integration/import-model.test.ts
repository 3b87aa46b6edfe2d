// import-model: a safetensors BERT folder becomes an ONNX model that embeds exactly like the original; bad input leaves nothing.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { AutoModel, AutoTokenizer, Tensor } from '@huggingface/transformers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Embedder } from '../../src/embed/embedder.js';
import { importModel } from '../../src/embed/import-model.js';
import { type BertShape, type BertWeights, writeBertModel } from '../../src/embed/make-bert.js';
import { loadTransformersEmbedder } from '../../src/embed/transformers.js';
import { ROOT, removeTempDirs, tempDir } from '../helpers.js';

const run = promisify(execFile);
const CLI = path.join(ROOT, 'scripts', 'paperscope.js');

/** A safetensors file of the given float32 tensors (the format: u64 header length, JSON header, raw data). */
function safetensorsBytes(tensors: [string, number[], Float32Array][]): Buffer {
  let off = 0;
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  for (const [name, shape, data] of tensors) {
    header[name] = { dtype: 'F32', shape, data_offsets: [off, off + data.byteLength] };
    off += data.byteLength;
  }
  const json = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([len, json, ...tensors.map(([, , d]) => Buffer.from(d.buffer, d.byteOffset, d.byteLength))]);
}

/** The writer's weights in a torch checkpoint's names and layout (Linear weights [out, in]), optionally "bert."-prefixed. */
function torchTensors(shape: BertShape, w: BertWeights, prefix = ''): [string, number[], Float32Array][] {
  const out: [string, number[], Float32Array][] = [];
  for (const [name, data] of w) {
    if (!name.endsWith('.weight_T')) {
      const dims = name.startsWith('embeddings.') && name.endsWith('embeddings.weight') ? [data.length / shape.hidden, shape.hidden] : [data.length];
      out.push([prefix + name, dims, data]);
      continue;
    }
    const fin = name.includes('.intermediate.') ? shape.hidden : /layer\.\d+\.output\.dense/.test(name) ? shape.ffn : shape.hidden;
    const fout = data.length / fin;
    const t = new Float32Array(data.length);
    for (let i = 0; i < fin; i++) for (let j = 0; j < fout; j++) t[j * fin + i] = data[i * fout + j]!;
    out.push([prefix + name.replace(/\.weight_T$/, '.weight'), [fout, fin], t]);
  }
  return out;
}

let root: string;
let direct: string; // the generated model, written straight to ONNX
let shape: BertShape;
let weights: BertWeights;

/** A Hugging Face / sentence-transformers folder holding the generated model's weights as safetensors. */
async function hfFolder(name: string, opts: { pooling?: 'mean' | 'cls'; prefix?: string; vocabOnly?: boolean; config?: object } = {}) {
  const dir = path.join(root, name);
  await mkdir(path.join(dir, '1_Pooling'), { recursive: true });
  const cfg = JSON.parse(await readFile(path.join(direct, 'config.json'), 'utf8')) as object;
  await writeFile(path.join(dir, 'config.json'), JSON.stringify({ ...cfg, ...opts.config }));
  for (const f of ['tokenizer_config.json', 'special_tokens_map.json', 'vocab.txt', ...(opts.vocabOnly ? [] : ['tokenizer.json'])])
    await cp(path.join(direct, f), path.join(dir, f));
  await writeFile(path.join(dir, 'model.safetensors'), safetensorsBytes(torchTensors(shape, weights, opts.prefix)));
  await writeFile(
    path.join(dir, 'modules.json'),
    JSON.stringify([
      { idx: 0, name: '0', path: '', type: 'sentence_transformers.models.Transformer' },
      { idx: 1, name: '1', path: '1_Pooling', type: 'sentence_transformers.models.Pooling' },
      { idx: 2, name: '2', path: '2_Normalize', type: 'sentence_transformers.models.Normalize' },
    ]),
  );
  const cls = opts.pooling === 'cls';
  await writeFile(path.join(dir, '1_Pooling', 'config.json'), JSON.stringify({ word_embedding_dimension: shape.hidden, pooling_mode_cls_token: cls, pooling_mode_mean_tokens: !cls }));
  await writeFile(path.join(dir, 'sentence_bert_config.json'), JSON.stringify({ max_seq_length: 128, do_lower_case: false }));
  return dir;
}

const load = (dir: string, dtype = 'fp32'): Promise<Embedder> => loadTransformersEmbedder({ model: dir, modelsDir: root, allowRemote: false, dtype });
const cos = (a: Float32Array, b: Float32Array): number => a.reduce((s, x, i) => s + x * b[i]!, 0);
const TEXTS = ['Attention is all you need. Transformers replace recurrence with attention.', 'Graph neural networks for molecules', 'a'];

beforeAll(async () => {
  root = await tempDir('paperscope-import-');
  const m = await writeBertModel({ outDir: path.join(root, 'direct') });
  ({ dir: direct, shape, weights } = m);
});
afterAll(removeTempDirs);

describe('import-model', () => {
  it('writes fp32 and int8 ONNX that embed like the original weights, with pooling and length from the model files', async () => {
    const src = await hfFolder('hf-mean', { prefix: 'bert.' });
    const models = path.join(root, 'models');
    const r = await importModel({ src, modelsDir: models, out: 'imported' });
    expect(r.sentence).toMatchObject({ pooling: 'mean', maxTokens: 128, source: 'model files' });
    for (const f of ['config.json', 'tokenizer.json', 'onnx/model.onnx', 'onnx/model_quantized.onnx', '1_Pooling/config.json'])
      expect(existsSync(path.join(r.dir, f)), f).toBe(true);
    const [orig, fp32, q8] = [await load(direct), await load(r.dir), await load(r.dir, 'q8')];
    expect(fp32.info).toMatchObject({ pooling: 'mean', maxTokens: 128, dtype: 'fp32', dims: shape.hidden });
    expect(q8.info.dtype).toBe('q8');
    const [a, b, c] = [await orig.embedPassages(TEXTS), await fp32.embedPassages(TEXTS), await q8.embedPassages(TEXTS)];
    TEXTS.forEach((_, i) => {
      expect(cos(a[i]!, b[i]!)).toBeGreaterThan(0.99999);
      expect(cos(b[i]!, c[i]!)).toBeGreaterThan(0.99);
    });
    // Really quantized: int8 MatMuls on dynamically quantized activations, not a copy of the fp32 graph.
    const q8File = await readFile(path.join(r.dir, 'onnx', 'model_quantized.onnx'));
    expect(q8File.includes('MatMulInteger') && q8File.includes('DynamicQuantizeLinear')).toBe(true);
    expect((await readFile(path.join(r.dir, 'onnx', 'model.onnx'))).includes('MatMulInteger')).toBe(false);
    await Promise.all([orig, fp32, q8].map((e) => e.dispose()));
  });

  it('pools by the CLS token when the model says so', async () => {
    const r = await importModel({ src: await hfFolder('hf-cls', { pooling: 'cls' }), modelsDir: path.join(root, 'models'), out: 'cls', quantize: 'none' });
    expect(existsSync(path.join(r.dir, 'onnx', 'model_quantized.onnx'))).toBe(false);
    const e = await load(r.dir);
    expect(e.info.pooling).toBe('cls');
    const [v] = await e.embedPassages([TEXTS[0]!]);
    await e.dispose();
    // The first token's hidden state, normalised, computed straight from the ONNX model.
    const tok = await AutoTokenizer.from_pretrained(r.dir);
    const ids = tok.encode(TEXTS[0]!);
    const model = await AutoModel.from_pretrained(r.dir, { dtype: 'fp32' });
    const t = (xs: number[]) => new Tensor('int64', BigInt64Array.from(xs.map(BigInt)), [1, xs.length]);
    const out = (await model({ input_ids: t(ids), attention_mask: t(ids.map(() => 1)), token_type_ids: t(ids.map(() => 0)) })) as {
      last_hidden_state: { data: Float32Array };
    };
    await model.dispose();
    const first = out.last_hidden_state.data.slice(0, shape.hidden);
    const n = Math.hypot(...first);
    expect(cos(v!, first.map((x) => x / n))).toBeGreaterThan(0.99999);
  });

  it('makes tokenizer.json from vocab.txt when that is all there is', async () => {
    const r = await importModel({ src: await hfFolder('hf-vocab', { vocabOnly: true }), modelsDir: path.join(root, 'models'), out: 'vocab', quantize: 'none' });
    const [a, b] = [await AutoTokenizer.from_pretrained(direct), await AutoTokenizer.from_pretrained(r.dir)];
    for (const s of TEXTS) expect(b.encode(s)).toEqual(a.encode(s));
  });
});

describe('import-model on bad input: one line, exit 2, nothing left in models/', () => {
  const cli = async (src: string) => {
    const models = await tempDir('paperscope-import-models-');
    const r = await run(process.execPath, [CLI, 'import-model', src, '--out', 'broken'], { env: { ...process.env, PAPERSCOPE_MODELS: models } }).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }),
    );
    return { ...r, lines: r.stderr.trim().split('\n'), left: await readdir(models) };
  };

  it('a truncated safetensors file', async () => {
    const src = await hfFolder('bad-truncated');
    const file = path.join(src, 'model.safetensors');
    const bytes = await readFile(file);
    await writeFile(file, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    const r = await cli(src);
    expect(r.code).toBe(2);
    expect(r.lines).toHaveLength(1);
    expect(r.lines[0]).toMatch(/truncated/);
    expect(r.left).toEqual([]);
  });

  it('a file that is not safetensors at all', async () => {
    const src = await hfFolder('bad-garbage');
    await writeFile(path.join(src, 'model.safetensors'), Buffer.from('this is not a tensor file, just text that goes on'));
    const r = await cli(src);
    expect(r.code).toBe(2);
    expect(r.lines).toHaveLength(1);
    expect(r.lines[0]).toMatch(/not a valid safetensors file/);
    expect(r.left).toEqual([]);
  });

  it('a tensor whose shape disagrees with config.json', async () => {
    const r = await cli(await hfFolder('bad-shape', { config: { intermediate_size: shape.ffn * 2 } }));
    expect(r.code).toBe(2);
    expect(r.lines).toHaveLength(1);
    expect(r.lines[0]).toMatch(/intermediate\.dense\.weight has shape \[\d+, \d+\] but config\.json implies/);
    expect(r.left).toEqual([]);
  });

  it('an architecture that is not a BERT encoder', async () => {
    const r = await cli(await hfFolder('bad-arch', { config: { model_type: 'gpt2', architectures: ['GPT2LMHeadModel'] } }));
    expect(r.code).toBe(2);
    expect(r.lines).toHaveLength(1);
    expect(r.lines[0]).toMatch(/model_type "gpt2" \(GPT2LMHeadModel\) is not a BERT encoder/);
    expect(r.left).toEqual([]);
  });
});

// The real all-MiniLM-L6-v2 (npm run get-models), against figures published outside this project.
const REAL = path.join(ROOT, 'models', 'all-MiniLM-L6-v2');
const hasReal = existsSync(path.join(REAL, 'onnx', 'model.onnx')) && existsSync(path.join(REAL, 'onnx', 'model_quantized.onnx'));
if (!hasReal) console.warn(`[import-model] real-model checks skipped: ${REAL} is absent (run \`npm run get-models\`)`);

describe.runIf(hasReal)('the imported all-MiniLM-L6-v2', () => {
  // sentence-transformers' quickstart (sbert.net, README) prints these cosine similarities for all-MiniLM-L6-v2:
  // tensor([[1.0000, 0.6660, 0.1046], [0.6660, 1.0000, 0.1411], [0.1046, 0.1411, 1.0000]])
  const S = ['The weather is lovely today.', "It's so sunny outside!", 'He drove to the stadium.'];
  const PUBLISHED: [number, number, number][] = [
    [0, 1, 0.666],
    [0, 2, 0.1046],
    [1, 2, 0.1411],
  ];

  it.each(['fp32', 'q8'])('reproduces the published sentence similarities (%s)', async (dtype) => {
    const e = await loadTransformersEmbedder({ model: REAL, modelsDir: path.join(ROOT, 'models'), allowRemote: false, dtype });
    expect(e.info).toMatchObject({ dims: 384, maxTokens: 256, pooling: 'mean', dtype });
    const v = await e.embedPassages(S);
    await e.dispose();
    // fp32 must match to the printed precision; int8 weights move a similarity by a few thousandths.
    const tol = dtype === 'fp32' ? 0.0006 : 0.01;
    for (const [i, j, want] of PUBLISHED) expect(Math.abs(cos(v[i]!, v[j]!) - want)).toBeLessThan(tol);
  });
});
