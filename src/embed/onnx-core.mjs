// The model run itself (tokenize, length-sorted batches, forward, pooling), in plain JavaScript: worker threads load it without a TS loader.
// A worker that registered tsx cost 150 MB more than one that did not (the loader's own thread compiles transformers.js),
// and `serve` runs one embedding worker per core beside a million-paper index. Types: onnx-core.d.mts.

/** Truncates like Python's tokenizers, keeping the closing [SEP] / </s> (transformers.js would cut it off). */
export function truncateIds(ids, maxTokens, special) {
  if (ids.length <= maxTokens) return ids;
  const last = ids[ids.length - 1];
  return special.has(last) ? [...ids.slice(0, maxTokens - 1), last] : ids.slice(0, maxTokens);
}

/**
 * The forward passes of one embed call: indices of `seqs`, sorted by length and cut into batches, so each batch
 * pads only to its own longest sequence. Exported so the bench can run bare onnxruntime on exactly these batches.
 */
export function lengthSortedBatches(seqs, batchSize) {
  const order = seqs.map((_, i) => i).sort((a, b) => seqs[a].length - seqs[b].length);
  const batches = [];
  for (let i = 0; i < order.length; i += batchSize) batches.push(order.slice(i, i + batchSize));
  return batches;
}

/** L2-normalises in place and returns the vector; a zero vector stays zero. */
export function l2normalize(v) {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  const n = Math.sqrt(s);
  if (n > 0) for (let i = 0; i < v.length; i++) v[i] = v[i] / n;
  return v;
}

/** Pools a batch's hidden states [B, S, D]: the CLS token's, or the mean over real tokens; L2-normalised. */
function pool(h, batch, S, D, pooling) {
  if (pooling === 'cls') return batch.map((_, b) => l2normalize(h.slice(b * S * D, b * S * D + D)));
  return batch.map((seq, b) => {
    const v = new Float32Array(D);
    for (let s = 0; s < seq.length; s++) {
      const off = (b * S + s) * D;
      for (let d = 0; d < D; d++) v[d] += h[off + d];
    }
    // The 1/n factor vanishes under L2 normalisation, but keeps the vector a true mean.
    for (let d = 0; d < D; d++) v[d] /= seq.length;
    return l2normalize(v);
  });
}

/**
 * Loads a resolved model folder (transformers.js layout) and returns what embeds with it. `spec.maxTokens` is the
 * wanted length; the tokenizer's own limit and the model's positions cap it (the result says which won).
 */
export async function loadOnnxCore(spec) {
  // Imported lazily: it loads onnxruntime's native addon, which the lite backend never needs.
  const { env, AutoTokenizer, AutoModel, Tensor } = await import('@huggingface/transformers');
  env.localModelPath = spec.modelsDir;
  env.cacheDir = spec.modelsDir;
  env.allowLocalModels = true;
  env.allowRemoteModels = false;
  // An absolute folder is never mistaken for a Hub id, so transformers.js reads it directly.
  const tokenizer = await AutoTokenizer.from_pretrained(spec.dir);
  const model = await AutoModel.from_pretrained(spec.dir, {
    dtype: spec.dtype,
    ...(spec.threads ? { session_options: { intraOpNumThreads: spec.threads } } : {}),
  });
  const maxTokens = Math.min(spec.maxTokens, tokenizer.model_max_length, spec.maxPositions);
  const batchSize = Math.max(1, spec.batchSize ?? 16);
  const padId = BigInt(tokenizer.pad_token_id ?? 0);
  const special = new Set(tokenizer.all_special_ids);
  const tokenize = (text) => truncateIds(tokenizer.encode(text), maxTokens, special);

  /** One forward pass; the batch is padded to its longest sequence. */
  async function forward(batch) {
    const B = batch.length;
    const S = Math.max(...batch.map((ids) => ids.length));
    const ids = new BigInt64Array(B * S).fill(padId);
    const mask = new BigInt64Array(B * S);
    batch.forEach((seq, b) => {
      for (let s = 0; s < seq.length; s++) {
        ids[b * S + s] = BigInt(seq[s]);
        mask[b * S + s] = 1n;
      }
    });
    const out = await model({
      input_ids: new Tensor('int64', ids, [B, S]),
      attention_mask: new Tensor('int64', mask, [B, S]),
      token_type_ids: new Tensor('int64', new BigInt64Array(B * S), [B, S]),
    });
    const hidden = out.last_hidden_state ?? out.token_embeddings;
    if (!hidden) throw new Error(`the model in ${spec.dir} returned no last_hidden_state`);
    return pool(hidden.data, batch, S, hidden.dims[2], spec.pooling);
  }

  return {
    maxTokens,
    async embed(texts, prefix) {
      if (texts.length === 0) return [];
      const seqs = texts.map((t) => tokenize(prefix + t));
      const result = new Array(texts.length);
      for (const idx of lengthSortedBatches(seqs, batchSize)) {
        const vecs = await forward(idx.map((j) => seqs[j]));
        idx.forEach((j, k) => (result[j] = vecs[k]));
      }
      return result;
    },
    dispose: () => model.dispose(),
  };
}
