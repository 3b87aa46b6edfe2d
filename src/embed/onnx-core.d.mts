// Types of onnx-core.mjs (plain JavaScript so worker threads load it without a TS loader).

export function truncateIds(ids: number[], maxTokens: number, special: ReadonlySet<number>): number[];
export function lengthSortedBatches(seqs: readonly (readonly number[])[], batchSize: number): number[][];
export function l2normalize(v: Float32Array): Float32Array;

/** A model folder resolved by transformers.ts: everything the run needs, nothing left to look up. */
export interface OnnxSpec {
  dir: string;
  modelsDir: string;
  dtype: string;
  /** Wanted passage length (the model's trained length); the tokenizer and the positions cap it. */
  maxTokens: number;
  maxPositions: number;
  pooling: 'mean' | 'cls';
  threads?: number | undefined;
  batchSize?: number | undefined;
}

export interface OnnxCore {
  /** The length passages are truncated to. */
  maxTokens: number;
  embed(texts: readonly string[], prefix: string): Promise<Float32Array[]>;
  dispose(): Promise<void>;
}

export function loadOnnxCore(spec: OnnxSpec): Promise<OnnxCore>;
