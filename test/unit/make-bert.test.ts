// Checks the generated BERT folder: layout, determinism, a real WordPiece tokenizer, and the ONNX graph against a plain-TS forward pass.
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AutoModel, AutoTokenizer, Tensor } from '@huggingface/transformers';
import { type BertShape, type BertWeights, type WrittenBert, writeBertModel } from '../../src/embed/make-bert.js';

let root: string;
let tiny: WrittenBert;
let genMs: number;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'paperscope-make-bert-'));
  const t0 = performance.now();
  tiny = await writeBertModel({ outDir: join(root, 'tiny') });
  genMs = performance.now() - t0;
});
afterAll(() => rm(root, { recursive: true, force: true }));

const readJson = async (p: string): Promise<Record<string, unknown>> => JSON.parse(await readFile(p, 'utf8'));

describe('writeBertModel (tiny)', () => {
  it('writes the transformers.js layout quickly and small', async () => {
    expect(genMs).toBeLessThan(5000);
    const cfg = await readJson(join(tiny.dir, 'config.json'));
    expect(cfg).toMatchObject({ model_type: 'bert', hidden_size: 32, num_hidden_layers: 2, num_attention_heads: 2 });
    expect(cfg.vocab_size).toBe(tiny.shape.vocabSize);
    expect(tiny.shape.vocabSize).toBeGreaterThan(2000);
    expect(await readJson(join(tiny.dir, 'tokenizer_config.json'))).toMatchObject({ model_max_length: 256 });
    expect(await readJson(join(tiny.dir, 'special_tokens_map.json'))).toMatchObject({ cls_token: '[CLS]' });
    const tok = await readJson(join(tiny.dir, 'tokenizer.json'));
    expect(tok).toMatchObject({ truncation: null, padding: null, model: { type: 'WordPiece', continuing_subword_prefix: '##' } });
    expect((await stat(join(tiny.dir, 'onnx', 'model.onnx'))).size).toBeLessThan(3e6);
  });

  it('is deterministic for a seed', async () => {
    const again = await writeBertModel({ outDir: join(root, 'tiny2') });
    const a = await readFile(join(tiny.dir, 'onnx', 'model.onnx'));
    expect(a.equals(await readFile(join(again.dir, 'onnx', 'model.onnx')))).toBe(true);
    const other = await writeBertModel({ outDir: join(root, 'tiny3'), seed: 7 });
    expect(a.equals(await readFile(join(other.dir, 'onnx', 'model.onnx')))).toBe(false);
  });

  it('has a working WordPiece tokenizer', async () => {
    const tok = await AutoTokenizer.from_pretrained(tiny.dir);
    const ids = tok.encode('Attention, transformers!');
    const tokens = ids.map((i) => tok.decode([i]));
    expect(tokens).toEqual(['[CLS]', 'attention', ',', 'transformers', '!', '[SEP]']);
    // an unknown word splits into pieces instead of becoming [UNK]
    const pieces = tok.encode('Zyxwvut', { add_special_tokens: false });
    expect(pieces.length).toBeGreaterThan(1);
    expect(pieces).not.toContain(1);
    expect(tok.decode(pieces)).toBe('zyxwvut');
  });
});

describe('ONNX graph', () => {
  // std 0.5 makes attention peaky and GELU non-linear: at BERT's 0.02 a wrong scale or permutation moves outputs by < 1e-4.
  it('matches a reference forward pass within 1e-4', async () => {
    const m = await writeBertModel({ outDir: join(root, 'peaky'), std: 0.5 });
    const ids = [
      [2, 40, 77, 84, 87, 844, 268, 52, 3],
      [2, 500, 600, 3, 0, 0, 0, 0, 0],
    ];
    const mask = ids.map((r, b) => r.map((_, s) => (b === 0 || s < 4 ? 1 : 0)));
    const types = ids.map((r, b) => r.map((_, s) => (b === 0 && s > 4 ? 1 : 0)));
    const t = (rows: number[][]) => new Tensor('int64', BigInt64Array.from(rows.flat().map(BigInt)), [rows.length, rows[0]!.length]);
    const model = await AutoModel.from_pretrained(m.dir, { dtype: 'fp32' });
    const out = (await model({ input_ids: t(ids), attention_mask: t(mask), token_type_ids: t(types) })) as {
      last_hidden_state: { data: Float32Array; dims: number[] };
    };
    await model.dispose();
    const H = m.shape.hidden;
    expect(out.last_hidden_state.dims).toEqual([2, 9, H]);
    const ref = referenceForward(m.shape, m.weights, ids, mask, types);
    let maxErr = 0;
    ref.forEach((row, b) =>
      row.forEach((vec, s) =>
        vec.forEach((x, d) => (maxErr = Math.max(maxErr, Math.abs(x - out.last_hidden_state.data[(b * 9 + s) * H + d]!)))),
      ),
    );
    expect(maxErr).toBeLessThan(1e-4);
  });

  it('takes the exact shape of a --from config', async () => {
    const src = join(root, 'src-shape');
    await writeBertModel({ outDir: src });
    const cfg = await readJson(join(src, 'config.json'));
    await writeFile(join(src, 'config.json'), JSON.stringify({ ...cfg, hidden_size: 48, num_hidden_layers: 3, num_attention_heads: 4, intermediate_size: 96 }));
    const r = await writeBertModel({ outDir: join(root, 'from'), from: src });
    expect(r.shape).toMatchObject({ hidden: 48, layers: 3, heads: 4, ffn: 96, vocabSize: tiny.shape.vocabSize });
    expect(await readFile(join(r.dir, 'tokenizer.json'), 'utf8')).toBe(await readFile(join(src, 'tokenizer.json'), 'utf8'));
    const model = await AutoModel.from_pretrained(r.dir, { dtype: 'fp32' });
    const one = new Tensor('int64', BigInt64Array.of(2n, 40n, 3n), [1, 3]);
    const out = (await model({ input_ids: one, attention_mask: new Tensor('int64', BigInt64Array.of(1n, 1n, 1n), [1, 3]) })) as {
      last_hidden_state: { dims: number[] };
    };
    await model.dispose();
    expect(out.last_hidden_state.dims).toEqual([1, 3, 48]);
  });
});

// ---------------------------------------------------------------- float64 BERT forward, written from the paper, not from the graph

function referenceForward(shape: BertShape, w: BertWeights, ids: number[][], mask: number[][], types: number[][]): number[][][] {
  const { hidden: H, heads, eps } = shape;
  const hd = H / heads;
  const W = (n: string): Float32Array => w.get(n)!;
  const row = (m: Float32Array, i: number): number[] => Array.from(m.subarray(i * H, (i + 1) * H));
  const ln = (x: number[], p: string): number[] => {
    const mean = x.reduce((a, b) => a + b, 0) / H;
    const v = x.reduce((a, b) => a + (b - mean) ** 2, 0) / H;
    return x.map((xi, i) => ((xi - mean) / Math.sqrt(v + eps)) * W(`${p}.weight`)[i]! + W(`${p}.bias`)[i]!);
  };
  const lin = (x: number[], p: string): number[] => {
    const wt = W(`${p}.weight_T`);
    const b = W(`${p}.bias`);
    const out = Array.from(b);
    x.forEach((xi, i) => {
      for (let j = 0; j < out.length; j++) out[j]! += xi * wt[i * out.length + j]!;
    });
    return out;
  };
  return ids.map((seq, b) => {
    let x = seq.map((id, s) => {
      const e = row(W('embeddings.word_embeddings.weight'), id);
      const p = row(W('embeddings.position_embeddings.weight'), s);
      const t = row(W('embeddings.token_type_embeddings.weight'), types[b]![s]!);
      return ln(e.map((v, i) => v + p[i]! + t[i]!), 'embeddings.LayerNorm');
    });
    for (let l = 0; l < shape.layers; l++) {
      const p = `encoder.layer.${l}`;
      const q = x.map((v) => lin(v, `${p}.attention.self.query`));
      const k = x.map((v) => lin(v, `${p}.attention.self.key`));
      const val = x.map((v) => lin(v, `${p}.attention.self.value`));
      const ctx = x.map((_, i) => {
        const c = new Array<number>(H).fill(0);
        for (let h = 0; h < heads; h++) {
          const sc = k.map((kj, j) => {
            let dot = 0;
            for (let d = h * hd; d < (h + 1) * hd; d++) dot += q[i]![d]! * kj[d]!;
            return dot / Math.sqrt(hd) + (mask[b]![j] ? 0 : -3.4028234663852886e38);
          });
          const mx = Math.max(...sc);
          const e = sc.map((s) => Math.exp(s - mx));
          const z = e.reduce((a, v) => a + v, 0);
          e.forEach((ej, j) => {
            for (let d = h * hd; d < (h + 1) * hd; d++) c[d]! += (ej / z) * val[j]![d]!;
          });
        }
        return c;
      });
      x = x.map((xi, i) => {
        const a = ln(lin(ctx[i]!, `${p}.attention.output.dense`).map((v, d) => v + xi[d]!), `${p}.attention.output.LayerNorm`);
        const inter = lin(a, `${p}.intermediate.dense`).map((v) => 0.5 * v * (1 + erf(v / Math.SQRT2)));
        return ln(lin(inter, `${p}.output.dense`).map((v, d) => v + a[d]!), `${p}.output.LayerNorm`);
      });
    }
    return x;
  });
}

/** Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7). */
function erf(x: number): number {
  const s = Math.sign(x);
  const a = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * a);
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-a * a);
  return s * y;
}
