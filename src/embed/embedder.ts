// The one interface every embedding backend implements, and the passage-text convention.

export interface ModelInfo {
  /** Model id as recorded in the index manifest: a Hub id ("Xenova/all-MiniLM-L6-v2"), a local folder name, or "use-lite". */
  modelId: string;
  backend: 'transformers' | 'use-lite';
  dims: number;
  /** Tokens kept per passage; longer text is truncated by the tokenizer. */
  maxTokens: number;
  /** How token states become one vector: the model's own choice (sentence-transformers Pooling), none for use-lite. */
  pooling: 'mean' | 'cls' | 'none';
  normalize: true;
  /** Text the model puts before queries and passages (an instruction such as bge's, or e5's role tags). */
  queryPrefix?: string;
  passagePrefix?: string;
  /** Weight precision the backend loaded (fp32, q8, ...) so the manifest says exactly what built the vectors. */
  dtype: string;
}

export interface Embedder {
  readonly info: ModelInfo;
  /** Embeds passages (title + ". " + abstract). Returns one L2-normalised vector per text, in input order. */
  embedPassages(texts: readonly string[]): Promise<Float32Array[]>;
  /** Embeds a user query (with the model's query prefix, where it has one). L2-normalised. */
  embedQuery(text: string): Promise<Float32Array>;
  dispose(): Promise<void>;
  /**
   * How many embedPassages calls may usefully run at once (read before each call; absent means 1). A local
   * model uses every core in one call; a queue of remote workers needs several batches in flight to keep
   * them all busy.
   */
  readonly parallelism?: number;
}

/** Passage text for a paper (title + ". " + abstract, or whichever of the two it has): one definition, in paper.ts. */
export { passageText } from '../paper.js';

/** L2-normalises in place and returns the vector (one definition, in the plain-JS model core). */
export { l2normalize } from './onnx-core.mjs';
