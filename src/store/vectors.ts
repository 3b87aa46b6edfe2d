// The HNSW vector index (hnswlib-node, cosine): create, load, add, delete, search, save.
import { rename, unlink } from 'node:fs/promises';
import hnswlib from 'hnswlib-node';
import { AppError } from '../errors.js';

const { HierarchicalNSW } = hnswlib;

export interface HnswParams {
  space: 'cosine';
  M: number;
  efConstruction: number;
}

/**
 * M 32: on all-MiniLM-L6-v2 vectors M 16 fell to recall@10 0.92 at ef 128 where neighbourhoods are crowded
 * (the million-paper benchmark's set), M 32 held 1.00; efConstruction 100 builds twice as fast as 200 with
 * the same recall there and 0.9985 on the 20k real vectors (docs/scale.md). It costs 128 bytes more per paper.
 */
export const DEFAULT_HNSW: HnswParams = { space: 'cosine', M: 32, efConstruction: 100 };

export interface Neighbor {
  label: number;
  /** Cosine similarity (1 - cosine distance). */
  score: number;
}

export class VectorIndex {
  private constructor(
    private readonly index: InstanceType<typeof HierarchicalNSW>,
    readonly dims: number,
  ) {}

  static create(dims: number, capacity: number, p: HnswParams = DEFAULT_HNSW): VectorIndex {
    const index = new HierarchicalNSW(p.space, dims);
    // Fixed seed: the same vectors give the same graph, so builds are reproducible.
    index.initIndex({ maxElements: Math.max(16, capacity), m: p.M, efConstruction: p.efConstruction, randomSeed: 100, allowReplaceDeleted: false });
    return new VectorIndex(index, dims);
  }

  static async load(file: string, dims: number): Promise<VectorIndex> {
    const index = new HierarchicalNSW('cosine', dims);
    try {
      await index.readIndex(file, false);
    } catch (e) {
      throw new AppError('INDEX_CORRUPT', `cannot read the vector index ${file}: ${(e as Error).message}`, undefined, { cause: e });
    }
    return new VectorIndex(index, dims);
  }

  /** Points in the graph, including those marked deleted. */
  get count(): number {
    return this.index.getCurrentCount();
  }

  get capacity(): number {
    return this.index.getMaxElements();
  }

  /** Makes room for `n` points in one resize (each resize reallocates the whole graph). */
  reserve(n: number): void {
    if (n > this.index.getMaxElements()) this.index.resizeIndex(n);
  }

  /** Adds a point, or replaces the vector of an existing label (a re-embedded paper keeps its label). */
  add(label: number, v: Float32Array): void {
    if (v.length !== this.dims) throw new AppError('INDEX_MISMATCH', `vector has ${v.length} dims, index has ${this.dims}`);
    // Grow geometrically so a long incremental update does not resize on every paper.
    if (this.index.getCurrentCount() >= this.index.getMaxElements()) this.index.resizeIndex(Math.ceil(this.index.getMaxElements() * 1.5) + 16);
    this.index.addPoint(Array.from(v), label);
  }

  markDeleted(label: number): void {
    try {
      this.index.markDelete(label);
    } catch {
      // Not in the index (never embedded): nothing to delete.
    }
  }

  setEf(ef: number): void {
    this.index.setEf(ef);
  }

  /** k nearest by cosine; `accept` restricts to labels passing a filter (filtered HNSW search). */
  search(query: Float32Array, k: number, accept?: (label: number) => boolean): Neighbor[] {
    const n = Math.min(k, this.index.getMaxElements());
    if (n <= 0 || this.count === 0) return [];
    const res = this.index.searchKnn(Array.from(query), n, accept);
    return res.neighbors.map((label, i) => ({ label, score: 1 - res.distances[i]! }));
  }

  /** Writes to a temporary file and renames it over `file`, so a crash never leaves a half-written index there. */
  async save(file: string): Promise<void> {
    const tmp = `${file}.tmp-${process.pid}`;
    try {
      await this.index.writeIndex(tmp);
      await rename(tmp, file);
    } catch (e) {
      await unlink(tmp).catch(() => {});
      throw e;
    }
  }
}

/**
 * The vector graphs of a build searched as one: the base's shards (built in parallel, a paper in shard
 * label % shards) and a delta's graph. Each is searched for k and the lists merged; papers a delta removed or
 * replaced are marked deleted in the base's graphs in memory (the files stay as published).
 */
export class VectorSet {
  constructor(readonly parts: readonly VectorIndex[]) {}

  static async load(files: readonly string[], dims: number): Promise<VectorSet> {
    const parts: VectorIndex[] = [];
    for (const f of files) parts.push(await VectorIndex.load(f, dims));
    return new VectorSet(parts);
  }

  /** Points in all graphs, including those marked deleted. */
  get count(): number {
    return this.parts.reduce((n, p) => n + p.count, 0);
  }

  setEf(ef: number): void {
    for (const p of this.parts) p.setEf(ef);
  }

  /**
   * Hides base papers (tombstones of a delta). The base's graphs are the first `baseParts`, a paper in shard
   * label % baseParts: one lookup per label, not one failed lookup (a thrown exception) in every other graph.
   */
  hide(labels: Iterable<number>, baseParts = this.parts.length): void {
    const n = Math.min(baseParts, this.parts.length);
    if (n === 0) return;
    for (const l of labels) this.parts[l % n]!.markDeleted(l);
  }

  search(query: Float32Array, k: number, accept?: (label: number) => boolean): Neighbor[] {
    if (this.parts.length === 1) return this.parts[0]!.search(query, k, accept);
    return this.parts
      .flatMap((p) => p.search(query, k, accept))
      .sort((a, b) => b.score - a.score || a.label - b.label)
      .slice(0, k);
  }
}
