// Writes a random-weight BERT model folder (transformers.js layout, hand-encoded ONNX) so tests and benchmarks need no download.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export interface BertShape {
  vocabSize: number;
  hidden: number;
  layers: number;
  heads: number;
  ffn: number;
  maxPositions: number;
  typeVocab: number;
  eps: number;
}

/** Shape of the default "test-tiny" model (vocabSize comes from the generated vocabulary). */
export const TINY_SHAPE: Omit<BertShape, 'vocabSize'> = {
  hidden: 32,
  layers: 2,
  heads: 2,
  ffn: 64,
  maxPositions: 512,
  typeVocab: 2,
  eps: 1e-12,
};

/** Weights by name; Linear weights are stored transposed ([in, out]) as torch exports them. */
export type BertWeights = Map<string, Float32Array>;

// ---------------------------------------------------------------- seeded N(0, 1)

/** mulberry32 + Box-Muller: deterministic across platforms, fast enough for 23 M weights. */
export function normalRng(seed: number): () => number {
  let a = seed >>> 0;
  const uniform = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296; // never 0, so log() is finite
  };
  let spare: number | null = null;
  return () => {
    if (spare !== null) {
      const s = spare;
      spare = null;
      return s;
    }
    const r = Math.sqrt(-2 * Math.log(uniform()));
    const th = 2 * Math.PI * uniform();
    spare = r * Math.sin(th);
    return r * Math.cos(th);
  };
}

/**
 * Embeddings, Linear weights and biases ~ N(0, std); LayerNorm gamma 1 + N(0, std) so no optimiser can drop it.
 * BERT's init std is 0.02; a larger one makes attention peaky and GELU non-linear, which numerical tests need to see a wrong graph.
 */
export function makeBertWeights(shape: BertShape, seed = 1234, std = 0.02): BertWeights {
  const rnd = normalRng(seed);
  const w: BertWeights = new Map();
  const add = (name: string, n: number, base = 0): void => {
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++) a[i] = base + std * rnd();
    w.set(name, a);
  };
  const { vocabSize, hidden: H, ffn: F } = shape;
  const ln = (p: string): void => {
    add(`${p}.weight`, H, 1);
    add(`${p}.bias`, H);
  };
  const lin = (p: string, fin: number, fout: number): void => {
    add(`${p}.weight_T`, fin * fout);
    add(`${p}.bias`, fout);
  };
  add('embeddings.word_embeddings.weight', vocabSize * H);
  add('embeddings.position_embeddings.weight', shape.maxPositions * H);
  add('embeddings.token_type_embeddings.weight', shape.typeVocab * H);
  ln('embeddings.LayerNorm');
  for (let l = 0; l < shape.layers; l++) {
    const p = `encoder.layer.${l}`;
    for (const n of ['query', 'key', 'value']) lin(`${p}.attention.self.${n}`, H, H);
    lin(`${p}.attention.output.dense`, H, H);
    ln(`${p}.attention.output.LayerNorm`);
    lin(`${p}.intermediate.dense`, H, F);
    lin(`${p}.output.dense`, F, H);
    ln(`${p}.output.LayerNorm`);
  }
  return w;
}

// ---------------------------------------------------------------- minimal protobuf writer

const utf8 = new TextEncoder();

/** Collects encoded chunks without copying large payloads; nested messages are appended by reference. */
class Pb {
  readonly parts: Uint8Array[] = [];
  len = 0;

  private push(b: Uint8Array): void {
    this.parts.push(b);
    this.len += b.length;
  }

  private varint(n: bigint): void {
    const out: number[] = [];
    let v = BigInt.asUintN(64, n); // negative int64 -> 10-byte two's complement, as protobuf requires
    while (v >= 0x80n) {
      out.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    out.push(Number(v));
    this.push(Uint8Array.from(out));
  }

  int(field: number, n: number | bigint): this {
    this.varint(BigInt(field << 3));
    this.varint(BigInt(n));
    return this;
  }

  bytes(field: number, b: Uint8Array): this {
    this.varint(BigInt((field << 3) | 2));
    this.varint(BigInt(b.length));
    this.push(b);
    return this;
  }

  str(field: number, s: string): this {
    return this.bytes(field, utf8.encode(s));
  }

  msg(field: number, m: Pb): this {
    this.varint(BigInt((field << 3) | 2));
    this.varint(BigInt(m.len));
    for (const p of m.parts) this.push(p);
    return this;
  }

  finish(): Uint8Array {
    return Buffer.concat(this.parts, this.len);
  }
}

// onnx.proto enums and field numbers (only those used here)
const FLOAT = 1;
const INT8 = 3;
const INT64 = 7;
const ATTR_INT = 2;
const ATTR_INTS = 7;

type Attr = number | number[];

function tensorProto(name: string, dims: number[], type: number, data: Float32Array | BigInt64Array | Int8Array | Uint8Array): Pb {
  const t = new Pb();
  for (const d of dims) t.int(1, d); // dims (proto2 repeated, unpacked)
  t.int(2, type).str(8, name);
  // raw_data is little-endian; so is every platform Node runs on
  return t.bytes(9, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
}

function valueInfo(name: string, type: number, dims: (number | string)[]): Pb {
  const shape = new Pb();
  for (const d of dims) shape.msg(1, typeof d === 'number' ? new Pb().int(1, d) : new Pb().str(2, d));
  const tensorType = new Pb().int(1, type).msg(2, shape);
  return new Pb().str(1, name).msg(2, new Pb().msg(1, tensorType));
}

// ---------------------------------------------------------------- the graph (mirrors gen_bench_model.py, opset 11)

/**
 * Per-output-column symmetric int8 quantization of a [fin, fout] weight: q = round(w / scale), scale = max|w| / 127.
 * Per column rather than per tensor: one outlier column no longer costs every other column its precision.
 */
export function quantizeColumns(wt: Float32Array, fin: number, fout: number): { q: Int8Array; scale: Float32Array } {
  const scale = new Float32Array(fout);
  for (let i = 0; i < fin; i++) for (let j = 0; j < fout; j++) scale[j] = Math.max(scale[j]!, Math.abs(wt[i * fout + j]!));
  for (let j = 0; j < fout; j++) scale[j] = scale[j]! > 0 ? scale[j]! / 127 : 1;
  const q = new Int8Array(fin * fout);
  for (let i = 0; i < fin; i++)
    for (let j = 0; j < fout; j++) q[i * fout + j] = Math.max(-127, Math.min(127, Math.round(wt[i * fout + j]! / scale[j]!)));
  return { q, scale };
}

export interface BertOnnxOptions {
  /**
   * 'q8': dynamic int8 quantization of every weight MatMul, the pattern onnxruntime's quantize_dynamic writes
   * (DynamicQuantizeLinear, MatMulInteger, Cast, Mul by the two scales), which onnxruntime fuses into one
   * quantized kernel at load. Activations are quantized per call, weights once here.
   */
  quantize?: 'q8';
  /** Graph name recorded in the file. */
  name?: string;
}

/** Encodes the BertModel ONNX graph exactly as torch.onnx.export (opset 11) emits it, so onnxruntime fuses it the same way. */
export function bertOnnx(shape: BertShape, w: BertWeights, opts: BertOnnxOptions = {}): Uint8Array {
  const { hidden: H, heads, layers } = shape;
  const head = H / heads;
  if (!Number.isInteger(head)) throw new Error(`hidden ${H} is not divisible by heads ${heads}`);
  const graph = new Pb();
  const initializers: Pb[] = [];
  let ctr = 0;

  const f32 = (name: string, dims: number[], data: Float32Array): string => {
    initializers.push(tensorProto(name, dims, FLOAT, data));
    return name;
  };
  const i64 = (name: string, dims: number[], values: number[]): string => {
    initializers.push(tensorProto(name, dims, INT64, BigInt64Array.from(values.map(BigInt))));
    return name;
  };
  const weight = (name: string, dims: number[]): string => {
    const data = w.get(name);
    if (!data) throw new Error(`missing weight ${name}`);
    return f32(name, dims, data);
  };
  const nodeN = (op: string, inputs: string[], outputs: number, attrs: Record<string, Attr> = {}): string[] => {
    ctr++;
    const outs = Array.from({ length: outputs }, (_, k) => `${op}_${ctr}_o${k}`);
    const n = new Pb();
    for (const i of inputs) n.str(1, i);
    for (const o of outs) n.str(2, o);
    n.str(3, `${op}_${ctr}`).str(4, op);
    for (const [k, v] of Object.entries(attrs)) {
      const a = new Pb().str(1, k);
      if (Array.isArray(v)) {
        for (const x of v) a.int(8, x);
        a.int(20, ATTR_INTS);
      } else a.int(3, v).int(20, ATTR_INT);
      n.msg(5, a);
    }
    graph.msg(1, n);
    return outs;
  };
  const node = (op: string, inputs: string[], attrs: Record<string, Attr> = {}): string => nodeN(op, inputs, 1, attrs)[0]!;

  const c0 = i64('const_i64_0', [], [0]);
  const c1 = i64('const_i64_1', [], [1]);
  const cHeads = i64('const_heads', [1], [heads]);
  const cHeadDim = i64('const_headdim', [1], [head]);
  const cHid = i64('const_hid', [1], [H]);
  const cTwo = f32('const_f_2', [], Float32Array.of(2));
  const cEps = f32('const_f_eps', [], Float32Array.of(shape.eps));
  const cOne = f32('const_f_1', [], Float32Array.of(1));
  const cHalf = f32('const_f_half', [], Float32Array.of(0.5));
  const cSqrt2 = f32('const_f_sqrt2', [], Float32Array.of(Math.SQRT2));
  const cSqrtHd = f32('const_f_sqrt_headdim', [], Float32Array.of(Math.sqrt(head)));
  const cMin = f32('const_f_min', [], Float32Array.of(-3.4028234663852886e38)); // finfo(float32).min
  const cSliceStart = i64('const_slice_start', [1], [0]);
  const cSliceAxes = i64('const_slice_axes', [1], [1]);
  const cSliceSteps = i64('const_slice_steps', [1], [1]);

  const layerNorm = (x: string, p: string): string => {
    const g = weight(`${p}.weight`, [H]);
    const b = weight(`${p}.bias`, [H]);
    const sub = node('Sub', [x, node('ReduceMean', [x], { axes: [-1] })]);
    const v = node('ReduceMean', [node('Pow', [sub, cTwo])], { axes: [-1] });
    const div = node('Div', [sub, node('Sqrt', [node('Add', [v, cEps])])]);
    return node('Add', [node('Mul', [div, g]), b]);
  };
  const linear = (x: string, p: string, fin: number, fout: number): string => {
    const b = weight(`${p}.bias`, [fout]);
    if (opts.quantize !== 'q8') return node('Add', [b, node('MatMul', [x, weight(`${p}.weight_T`, [fin, fout])])]); // torch exports Add(bias, matmul)
    const wt = w.get(`${p}.weight_T`);
    if (!wt) throw new Error(`missing weight ${p}.weight_T`);
    const { q, scale } = quantizeColumns(wt, fin, fout);
    initializers.push(tensorProto(`${p}.weight_quantized`, [fin, fout], INT8, q));
    initializers.push(tensorProto(`${p}.weight_zero_point`, [fout], INT8, new Int8Array(fout)));
    const wScale = f32(`${p}.weight_scale`, [fout], scale);
    const [xq, xScale, xZero] = nodeN('DynamicQuantizeLinear', [x], 3) as [string, string, string];
    const mm = node('MatMulInteger', [xq, `${p}.weight_quantized`, xZero, `${p}.weight_zero_point`]);
    const y = node('Mul', [node('Cast', [mm], { to: FLOAT }), node('Mul', [xScale, wScale])]);
    return node('Add', [b, y]);
  };
  const shapePrefix = (x: string): [string, string] => {
    const shp = node('Shape', [x]);
    return [
      node('Unsqueeze', [node('Gather', [shp, c0], { axis: 0 })], { axes: [0] }),
      node('Unsqueeze', [node('Gather', [shp, c1], { axis: 0 })], { axes: [0] }),
    ];
  };
  const splitHeads = (x: string, perm: number[]): string => {
    const [d0, d1] = shapePrefix(x);
    const r = node('Reshape', [x, node('Concat', [d0, d1, cHeads, cHeadDim], { axis: 0 })]);
    return node('Transpose', [r], { perm });
  };

  /**
   * The word-embedding lookup. With q8 the table (a third of MiniLM's weights) is int8 with a scale per row, looked
   * up and scaled per token: each loaded model session is 35 MB smaller, which a server with one embedding thread
   * per core beside a large index needs.
   */
  const wordEmbeddings = (V: number, Hd: number): string => {
    const name = 'embeddings.word_embeddings.weight';
    if (opts.quantize !== 'q8') return node('Gather', [weight(name, [V, Hd]), 'input_ids'], { axis: 0 });
    const table = w.get(name);
    if (!table) throw new Error(`missing weight ${name}`);
    const q = new Int8Array(V * Hd);
    const scale = new Float32Array(V);
    for (let r = 0; r < V; r++) {
      let m = 0;
      for (let c = 0; c < Hd; c++) m = Math.max(m, Math.abs(table[r * Hd + c]!));
      scale[r] = m > 0 ? m / 127 : 1;
      for (let c = 0; c < Hd; c++) q[r * Hd + c] = Math.round(table[r * Hd + c]! / scale[r]!);
    }
    initializers.push(tensorProto(`${name}_quantized`, [V, Hd], INT8, q));
    const rowScale = f32(`${name}_scale`, [V, 1], scale);
    const looked = node('Cast', [node('Gather', [`${name}_quantized`, 'input_ids'], { axis: 0 })], { to: FLOAT });
    return node('Mul', [looked, node('Gather', [rowScale, 'input_ids'], { axis: 0 })]);
  };

  // embeddings
  const words = wordEmbeddings(shape.vocabSize, H);
  const pemb = weight('embeddings.position_embeddings.weight', [shape.maxPositions, H]);
  const temb = weight('embeddings.token_type_embeddings.weight', [shape.typeVocab, H]);
  const posIds = i64('embeddings.position_ids', [1, shape.maxPositions], [...Array(shape.maxPositions).keys()]);
  let emb = node('Add', [words, node('Gather', [temb, 'token_type_ids'], { axis: 0 })]);
  const seqLen = node('Unsqueeze', [node('Gather', [node('Shape', ['input_ids']), c1], { axis: 0 })], { axes: [0] });
  const pos = node('Slice', [posIds, cSliceStart, seqLen, cSliceAxes, cSliceSteps]);
  emb = node('Add', [emb, node('Gather', [pemb, pos], { axis: 0 })]);
  let h = layerNorm(emb, 'embeddings.LayerNorm');

  // extended attention mask: (1 - mask[:, None, None, :]) * finfo.min
  const m = node('Unsqueeze', [node('Unsqueeze', ['attention_mask'], { axes: [1] })], { axes: [2] });
  const maskAdd = node('Mul', [node('Sub', [cOne, node('Cast', [m], { to: FLOAT })]), cMin]);

  for (let l = 0; l < layers; l++) {
    const p = `encoder.layer.${l}`;
    const q = linear(h, `${p}.attention.self.query`, H, H);
    const k = linear(h, `${p}.attention.self.key`, H, H);
    const v = linear(h, `${p}.attention.self.value`, H, H);
    const kt = splitHeads(k, [0, 2, 3, 1]);
    const vt = splitHeads(v, [0, 2, 1, 3]);
    const qt = splitHeads(q, [0, 2, 1, 3]);
    let s = node('Div', [node('MatMul', [qt, kt]), cSqrtHd]);
    s = node('Softmax', [node('Add', [s, maskAdd])], { axis: -1 });
    let ctx = node('Transpose', [node('MatMul', [s, vt])], { perm: [0, 2, 1, 3] });
    const [d0, d1] = shapePrefix(ctx);
    ctx = node('Reshape', [ctx, node('Concat', [d0, d1, cHid], { axis: 0 })]);
    const ao = node('Add', [linear(ctx, `${p}.attention.output.dense`, H, H), h]);
    h = layerNorm(ao, `${p}.attention.output.LayerNorm`);
    const inter = linear(h, `${p}.intermediate.dense`, H, shape.ffn);
    const erf = node('Erf', [node('Div', [inter, cSqrt2])]);
    const gelu = node('Mul', [node('Mul', [inter, node('Add', [erf, cOne])]), cHalf]);
    const o = node('Add', [linear(gelu, `${p}.output.dense`, shape.ffn, H), h]);
    h = layerNorm(o, `${p}.output.LayerNorm`);
  }
  graph.msg(1, new Pb().str(1, h).str(2, 'last_hidden_state').str(3, 'output_identity').str(4, 'Identity'));

  graph.str(2, opts.name ?? 'bert_random');
  for (const t of initializers) graph.msg(5, t);
  for (const n of ['input_ids', 'attention_mask', 'token_type_ids'])
    graph.msg(11, valueInfo(n, INT64, ['batch_size', 'sequence_length']));
  graph.msg(12, valueInfo('last_hidden_state', FLOAT, ['batch_size', 'sequence_length', H]));

  // ir_version 6 + opset 11: loadable by onnxruntime 1.14 through 1.30
  return new Pb().int(1, 6).str(2, 'paperscope make-bert').msg(7, graph).msg(8, new Pb().int(2, 11)).finish();
}

// ---------------------------------------------------------------- WordPiece tokenizer

const SPECIALS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];
const PUNCT = [...'!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~'];
const SUFFIXES = ['s', 'es', 'ed', 'ing', 'ly', 'er', 'ers', 'est', 'al', 'ic', 'ity', 'ive', 'ion', 'ions', 'ation',
  'ations', 'ment', 'ments', 'ness', 'able', 'ize', 'ized', 'izes', 'ization', 'ous', 'ful', 'less', 'ist', 'ism'];

/** [PAD]=0 [UNK] [CLS] [SEP] [MASK], single characters and their ## forms, common suffixes, then the embedded word list. */
export function tinyVocab(): string[] {
  const chars = [...'abcdefghijklmnopqrstuvwxyz0123456789', ...PUNCT];
  const all = [...SPECIALS, ...chars, ...chars.map((c) => `##${c}`), ...SUFFIXES.map((s) => `##${s}`), ...WORDS.split(/\s+/)];
  return [...new Set(all.filter(Boolean))];
}

/** Hugging Face tokenizers JSON of a BERT WordPiece tokenizer (lowercasing unless told otherwise, as uncased BERTs are). */
export function wordPieceTokenizerJson(vocab: readonly string[], lowercase = true): object {
  const id = (t: string): number => {
    const i = vocab.indexOf(t);
    if (i < 0) throw new Error(`vocabulary lacks ${t}`);
    return i;
  };
  const special = (t: string, typeId: number) => ({ SpecialToken: { id: t, type_id: typeId } });
  const seq = (s: string, typeId: number) => ({ Sequence: { id: s, type_id: typeId } });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIALS.map((t) => ({
      id: id(t), content: t, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true,
    })),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [special('[CLS]', 0), seq('A', 0), special('[SEP]', 0)],
      pair: [special('[CLS]', 0), seq('A', 0), special('[SEP]', 0), seq('B', 1), special('[SEP]', 1)],
      special_tokens: Object.fromEntries(['[CLS]', '[SEP]'].map((t) => [t, { id: t, ids: [id(t)], tokens: [t] }])),
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: '[UNK]',
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100,
      vocab: Object.fromEntries(vocab.map((t, i) => [t, i])),
    },
  };
}

// ---------------------------------------------------------------- the folder

export interface WriteBertOptions {
  outDir: string;
  /** Folder with config.json + tokenizer files to copy; the weights then take that config's exact shape. */
  from?: string;
  seed?: number;
  /** Standard deviation of the random weights (default 0.02, BERT's init). */
  std?: number;
  /** tokenizer_config model_max_length of the generated tokenizer (ignored with `from`). */
  modelMaxLength?: number;
}

export interface WrittenBert {
  dir: string;
  shape: BertShape;
  weights: BertWeights;
  onnxBytes: number;
}

const TOKENIZER_FILES = ['tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'vocab.txt'];

const json = (v: unknown): string => `${JSON.stringify(v, null, 2)}\n`;

/** Writes config.json, tokenizer files and onnx/model.onnx into outDir (created if needed). */
export async function writeBertModel(opts: WriteBertOptions): Promise<WrittenBert> {
  const { outDir, from, seed = 1234 } = opts;
  await mkdir(join(outDir, 'onnx'), { recursive: true });
  let shape: BertShape;
  if (from) {
    const cfg = JSON.parse(await readFile(join(from, 'config.json'), 'utf8')) as Record<string, unknown>;
    const num = (k: string, dflt?: number): number => {
      const v = cfg[k] ?? dflt;
      if (typeof v !== 'number') throw new Error(`${from}/config.json lacks numeric ${k}`);
      return v;
    };
    shape = {
      vocabSize: num('vocab_size'),
      hidden: num('hidden_size'),
      layers: num('num_hidden_layers'),
      heads: num('num_attention_heads'),
      ffn: num('intermediate_size'),
      maxPositions: num('max_position_embeddings'),
      typeVocab: num('type_vocab_size', 2),
      eps: num('layer_norm_eps', 1e-12),
    };
    // read + write rather than copyFile: the source may be read-only, and a copied mode would block the next run
    for (const f of ['config.json', ...TOKENIZER_FILES])
      if (existsSync(join(from, f))) await writeFile(join(outDir, f), await readFile(join(from, f)));
  } else {
    const vocab = tinyVocab();
    shape = { ...TINY_SHAPE, vocabSize: vocab.length };
    const special = { unk_token: '[UNK]', sep_token: '[SEP]', pad_token: '[PAD]', cls_token: '[CLS]', mask_token: '[MASK]' };
    await writeFile(join(outDir, 'config.json'), json({
      architectures: ['BertModel'],
      model_type: 'bert',
      vocab_size: shape.vocabSize,
      hidden_size: shape.hidden,
      num_hidden_layers: shape.layers,
      num_attention_heads: shape.heads,
      intermediate_size: shape.ffn,
      hidden_act: 'gelu',
      max_position_embeddings: shape.maxPositions,
      type_vocab_size: shape.typeVocab,
      layer_norm_eps: shape.eps,
      pad_token_id: 0,
      position_embedding_type: 'absolute',
    }));
    await writeFile(join(outDir, 'tokenizer.json'), json(wordPieceTokenizerJson(vocab)));
    await writeFile(join(outDir, 'tokenizer_config.json'), json({
      tokenizer_class: 'BertTokenizer',
      do_lower_case: true,
      model_max_length: opts.modelMaxLength ?? 256,
      clean_up_tokenization_spaces: true,
      ...special,
    }));
    await writeFile(join(outDir, 'special_tokens_map.json'), json(special));
    await writeFile(join(outDir, 'vocab.txt'), `${vocab.join('\n')}\n`);
  }
  const weights = makeBertWeights(shape, seed, opts.std);
  const onnx = bertOnnx(shape, weights);
  await writeFile(join(outDir, 'onnx', 'model.onnx'), onnx);
  return { dir: outDir, shape, weights, onnxBytes: onnx.length };
}

// The 2000 most frequent words of 8,000 recent arXiv CS titles and abstracts: plain English plus ML vocabulary.
const WORDS = `
the and to of in for we that on with models this is by our model as from based language data performance an are
large image methods learning these reasoning llms framework which training while propose across tasks multi
generation using dataset method can existing their high approach or at visual results demonstrate such novel
datasets text fine introduce however both quality video detection real through state images human experiments
have it accuracy information into task knowledge time more address vision art two llm paper domain be features
between semantic its evaluation often work level diffusion has show multimodal world attention first benchmark
segmentation analysis challenges scale code extensive specific ai diverse achieves efficient but research only
systems significant approaches significantly feature multiple over new also available tuning complex context
understanding via https object github trained different capabilities benchmarks alignment further aware spatial
temporal when not low proposed process cross without due classification key applications study each inference
open recent long scenarios robust dynamic including medical critical three where effective effectiveness
potential present com efficiency single deep they optimization system generated challenge agent various neural
limited specifically source computational retrieval effectively self view enabling network designed space
outperforms representation current motion enhance design comprehensive remains under modeling representations
than compared challenging scene strategy prompt like shot pre evaluate all content reconstruction during use
generalization how prediction end supervised within limitations grained consistency then generate module
recognition most generative one experimental improve agents yet fusion transformer input used modal point
accurate target enables strong synthetic findings resolution achieving guided gap prior techniques user
enhancing ability depth global natural architecture token estimation robustness particularly improving adaptive
driven stage step achieve making test additionally provide strategies tokens well capture distribution improves
been question mechanism loss leveraging speech memory problem metrics them pose traditional free processing
furthermore noise set environments adaptation other gaussian videos networks clinical pipeline structured
foundation better introduces local even control rely domains prompts non structure graph resource focus zero
class parameters leverages integrates up patterns provides objects future practical safety struggle need latent
unified generating lack face samples studies languages superior field support mllms synthesis settings vlms cost
editing score range automated bias insights adversarial perception general conditions identify enhanced crucial
baseline despite improvements reinforcement enhances maintaining solution sparse regions standard leading
complexity textual will consistent previous sampling driving promising camera gpt evaluating small lightweight
imaging interaction autonomous uncertainty scenes preserving few development action fidelity rag translation
decision evaluations parameter questions paradigm augmented machine reward essential dual audio reducing
hierarchical simple presents modality consistently improved achieved encoder typically baselines components
architectures textbf may instruction scalable embeddings expert labels transfer extraction structural selection
diversity relevant publicly improvement error geometric interactions responses outputs tool especially many four
directly highlight role behavior find still embedding learn requires modalities higher algorithm demonstrated
precise types map offers out demonstrating advanced issues several building tracking policy matching requiring
moreover frame planning layer rl average providing search style best second rendering pairs details multilingual
computer inputs annotations distillation downstream advances reliable offering dense thereby additional
frequency integrating flow impact deployment demonstrates constraints answering full prompting substantial tools
about scaling preference perform event require against reference among scores precision contextual overall
concept tuned finally success instance integration contrastive mechanisms reveal guidance fully remain issue
capability query social number maps was beyond related given chain fail annotated realistic hybrid progress
online privacy compression problems enable resulting experts explore public output assessment cloud application
explicit aims evaluated structures clip intelligence linguistic localization core similarity response algorithms
dynamically highly dynamics develop exhibit layers cot reduces assess answer size highlighting label specialized
geometry short aligned shown validate incorporating distinct towards produce same reduce conventional train any
applied constrained english optimal systematically interpretability employs remarkable anomaly original feedback
were varying queries primarily post fundamental thought leverage interpretable cues users ensuring common
importance form mitigate rgb although systematic pixel outperforming points rich construct facial splatting
categories priors annotation continuous unlike pruning sequences reliability cognitive gradient less rate
predictions widely generates investigate errors refinement function combines poses frames advancements shape
transformers individual relationships supervision empirical levels increasingly no interactive identity costs
inherent implicit attacks solutions document gains five denoising signals grounding whether exploration inspired
contrast edge length offer competitive detailed augmentation addition degradation identification ensure surface
conduct sample toward wise biases terms recently identifying pretrained unseen evidence grounded term similar
tailored sequence decoding explicitly guide steps iterative metric incorporates increasing enhancement notably
suffer semantics llama automatic combining attack do ground thus base technique per scientific cases nlp learned
extract external concepts perspective hand labeled views confidence emotion joint convolutional become light
there shared those attributes integrated weights direct distributions navigation some causal value risk speed
comparable artificial accurately modules important minimal trajectory linear processes head relative limitation
align integrate analyze reveals variations contexts dgs off qa uses simulation bridge allows review times
diagnosis health along efficiently advancing derived static limiting classes way mask changes vlm resources
descriptions quantization early decoder emerged rather nature net rapid next order environment distance
capturing mapping examples case objective made shows powerful unsupervised bench detecting developed project
benchmarking diagnostic physical sensitive centric characteristics pseudo humans wide addresses manual works
sensing predict body overcome stable addressing scalability mathematical path lidar leads lora initial fast
autoregressive patient sam background complementary instructions focused communication encoding hallucination
facilitate setting make survey inter top thinking monitoring imagery employ upon factors turn respectively
digital hallucinations legal internal documents allowing proposes shifts corresponding unique mri remote
optimized capable actions lead conducted properties qwen substantially pretraining latency following trade
valuable group frameworks re overhead fields result word mamba dimensional flexible detect manipulation io known
called lower vit final sources intensive introducing difficulty being dimensions noisy either developing effects
differences quantitative alternative spectral directions virtual clustering reduction part impressive capacity
trajectories after handle built collaborative release series dialogue conditional six region coherence texts
verification vocabulary cnn sota simultaneously rank semi report largely phase semantically fixed highlights
sensor textit entropy signal increase artifacts mixture released co corpus captures engineering component
introduced complete jointly restoration position particular underlying disease monocular difficult mean student
refine validation answers utility factual appearance therefore personalized coherent influence play optical
theoretical color modern truth testing automatically supports sets promise decomposition what underexplored
classifier ii reliance cancer devices agnostic larger texture preferences brain named coarse handling
computation box aligning apply entity weight teacher does backbone community create discrete attribute power
analyzing stability solving agentic values tackle direction requirements balance utilizes functions includes
news stages applying heterogeneous parallel oriented ct observe mitigating abilities graphs chinese subject
continual controllable dependencies healthcare performing relying applicability adapt goal random masks web mllm
type areas operations generalizable suggest intermediate focuses gaps focusing combined incorporate understand
establish ones area correct performs cultural forward super concerns compact compare access activation layout
comprising shift calibration urban correlation hardware explanations robot curated density major indicate
segment instead channel faster risks character sign registration gaussians growing could change rates masked
sentiment utilizing vector clouds outperform construction filtering generalize hard loop controlled adaptability
cameras main associated optimize negative advantages purpose researchers media limits events behaviors
literature yields before targeted game sequential sensitivity qualitative manner faces closed sub explored build
meaningful compute learns ensemble person aim perceptual regression instances measure help popular ablation raw
forgetting energy consists environmental block conditioned theory solely utilize collection aggregation
regularization patch scarcity deepseek occlusion page states fact observed spanning required scales fairness
management pipelines updates usage decisions methodology emotional serve merging words recall ood surpasses
showing evolution sentence boundary vehicle industrial years detail effect elements discriminative progressive
variability unlabeled binary predicting solve benefits science security adaptively creation intelligent harmful
example optimizing expressions expression category vqa should involves summarization involving robotic us
historical represent emerging poor deepfake suitable relevance embodied positive computing supporting scheme
intrinsic efforts lvlms smaller interest correction traffic expensive producing rule spatio technical gui makes
computationally demands insight learnable comparison conversational adapting preserve observation probability
outcomes ranking tree found boundaries workflows intent estimates coding logical superiority discovery paired
redundancy observations reduced aerial detectors adapter steering entities auxiliary aligns preservation
foundational exploring physics sft moe meta subtle mitigation judge symbolic objectives surgical contributions
identifies scoring configurations surpassing coverage provided increases ray aspects reason validated creating
previously pattern containing primary broader flexibility relationship mesh independent include implementation
mobile collected comprehension assessing vs math cache scenario manually entire compositional ensures captured
architectural extracted maintain constructed weighted awareness classical so tissue notable paradigms sizes
generalizability anatomical principles interpretation misinformation exhibits certain inherently defined
universal evolving estimate lingual seamlessly intra obtain platform branch black statistical corpora increased
convergence produces execution matrix correlations dependent covering collaboration modular conditioning extend
comprises employing financial efficacy perspectives advance plays established variants topic encode because
extended employed comparing residual examine vl variety perturbations strengths mixed bridging experience gpu
comparative groups material asr technology caused hidden predictive practice ambiguity vectors encoders formal
codes trust near line demand grpo reports contains plug extracting rewards together followed standardized
acquisition ad subset choice targets false greater completion analyses volume visualization rigorous captioning
nuanced shapes clear unlearning labeling iteratively fewer cnns representative parts if missing patches partial
heavily combination explainable investigates robotics explores broad tumor soft suboptimal establishing refines
road federated captions costly active redundant obtained candidate generator gender frequently measures whole
must balanced abstract radar relies reality commonly holistic bidirectional egocentric cannot masking
subsequently condition refined establishes invariant failure accessible here vehicles predicted imagenet
infrared adoption software narrative tune much visually correctness confirm discuss bottleneck utilization sql
reflection bert normal numerous pathology relation safe informative able gemini variance adapted numerical
innovations empirically informed relations since needs sparsity reflect predominantly created animation
technologies motivated alongside balancing weather update around highest spaces illumination initialization
underscore kv innovative retraining possible logic total quantify stream filter necessary very revealing ar
transformation probabilistic paths represents insufficient exploit reconstruct mainly music activity styles true
parametric adopt cell gain great excel overlook incremental satellite variation maintains embedded unstructured
robots gained assisted cause progressively pass evaluates approximately jailbreak potentially routing occlusions
visible inconsistencies resnet designs just considering positional clinically finetuning eye lmms experiment
constraint ratio production prototype explainability central unknown lesion suggesting detector selective lms
tend llava bit recovery caption facilitating workflow generalized advantage finding determine fall granularity
select uav writing gaze methodologies easily lighting representing id taxonomy ms performed appropriate meaning
education contribute spatiotemporal vits deeper preserves stereo educational segments age participants garment
facilitates mode extremely platforms enabled deployed contain serves projection movements termed transparent
reconstructing sensors measurement guiding storage availability ultrasound incorrect removal distributed
individuals moving materials yield identified pair proprietary selecting million eliminating expertise
phenomenon intervention quantum seen window temporally aspect closely separate yolov tests discourse dedicated
arbitrary description powered deformation third functional iii adopted underscoring good selected presence match
frozen useful catastrophic political mini ethical sar ml autoencoder gs severe constructing ranging tested
measuring bounding scans simulated interference advancement ended implications patients featuring extends indoor
sharing contribution weak sourced successfully injection showed interpret imbalance overlooking correspondence
stronger biomedical basic irrelevant conversations arabic database aiming consumption argue ambiguous stochastic
explanation blocks instruct behavioral inconsistent plausible according attribution carefully dpo tokenization
rules speaker underwater absolute overfitting transform diseases limit foreground subjective past variable try
inverse probing topics hyperspectral operates simulate labor policies treatment constructs format bayesian heads
mitigates consisting transformations unexplored seven classifiers spatially judgments prone consider vital
extending optimizes offline meanwhile breast formats st comparisons retrieved chatgpt index indicating
inpainting protocols feasibility account differentiable drift others location extracts cover rapidly distortion
alone sufficient predicts independently nerf dependency uniform implement absence hinder ocr affect commercial
another utilized expressive selects consuming synthesize characters realism widespread private formulation
forecasting propagation protocol spoken demographic cluster hop interventions seamless hope benefit positions
simulations exposure track mutual streaming defense deformable predefined fused dit chains becomes mainstream
academic programming slms think selectively combine trustworthy product factor life scarce chart kernel wild
device criteria naturally suggests distinguish ultimately difference effort newly cardiac boosting estimating
interpolation ssl pro plant fake motions perturbation claude currently guarantees amount forms mm place
automation slam mental clean prevent vulnerable weakly viewpoints transparency synthesizing
`;
