// The build's options and summaries: what a caller asks of the indexing job and what it reports back.
import type { Embedder } from '../embed/index.js';
import type { ReadOptions, SourceFormat } from '../ingest/index.js';

/**
 * full:    the sources define the index; vectors of unchanged papers are reused from the current build.
 * update:  add new and changed papers to the current build, keep the rest (remove absent ones with prune).
 * rebuild: ignore the current build entirely and embed everything (the way to change the model).
 */
export type BuildMode = 'full' | 'update' | 'rebuild';

export interface BuildOptions {
  indexDir: string;
  sources: readonly string[];
  embedder: Embedder;
  mode?: BuildMode;
  prune?: boolean;
  strict?: boolean;
  /** Source format for every source ("auto": by file name and content). */
  format?: SourceFormat;
  /** Reader options: forced JSON shape, CSV column map and delimiter. */
  read?: ReadOptions;
  /** Precomputed vectors (a .npy + .ids + .json set, see src/ingest/vectors.ts): their papers are not embedded. */
  vectors?: string;
  batchSize?: number;
  /** Papers embedded per committed transaction: an interrupted build loses at most this much embedding work. */
  commitEvery?: number;
  progress?: boolean;
  /** One line of human output (stderr). */
  log?: (line: string) => void;
  /** Folder of a model given as a path, recorded in the manifest so the server finds it again. */
  modelLocation?: string;
  /** Segments (see docs/architecture.md): an update writes a delta over a base of at least this many papers. */
  deltaMinPapers?: number;
  /** A delta holding more than this share of the base's papers (rows plus tombstones) is merged into a new base. */
  mergeShare?: number;
  /** HNSW graphs built in parallel for a new base of at least `shardMinPapers` papers (default: one per core). */
  hnswShards?: number;
  shardMinPapers?: number;
  /** Test hook: called after each committed embedding batch. */
  onBatch?: (embedded: number) => void;
  /** Test hook: pause after each committed embedding batch, so a test can kill the process mid-build. */
  batchDelayMs?: number;
}

export interface BuildTimings {
  /** Finding or creating the staging folder (linking or copying the base build's files). */
  stage: number;
  /** Reading, validating, hashing and writing papers to SQLite (and FTS5). */
  ingest: number;
  /** Reading precomputed vectors (--vectors). */
  vectors: number;
  /** The embedding loop: model time plus committing vectors. */
  embed: number;
  /** Adding vectors to the HNSW graphs and saving them. */
  hnsw: number;
  /** Writing the keyword index from the FTS5 index. */
  keywords: number;
  /** Checkpoint, checksums, manifest, fsync and the atomic publish. */
  publish: number;
}

export interface BuildSummary {
  buildId: string;
  dir: string;
  model: string;
  papers: number;
  /** Relative to the build this one started from (none: everything is added). */
  added: number;
  updated: number;
  unchanged: number;
  removed: number;
  rejected: number;
  /** Papers embedded by this run (a resumed run embeds only what the interrupted one had not committed). */
  embedded: number;
  /** Papers whose vectors came from --vectors. */
  imported: number;
  resumed: boolean;
  /** Vectors recovered from an abandoned staging folder instead of being embedded again. */
  salvaged: number;
  /** How the build was written: one segment (a new base, or small indexes), or a delta over an unchanged base. */
  layout: 'single' | 'delta';
  /** The previous build's delta was folded into a new base by this build. */
  merged: boolean;
  seconds: number;
  embedSeconds: number;
  timings: BuildTimings;
  rejectsFile?: string;
}

export interface RemoveOptions {
  indexDir: string;
  ids: readonly string[];
  log?: (line: string) => void;
  deltaMinPapers?: number;
}

export interface RemoveSummary {
  buildId: string;
  dir: string;
  model: string;
  papers: number;
  removed: number;
  notFound: string[];
  seconds: number;
}

export const round3 = (x: number): number => Math.round(x * 1000) / 1000;
