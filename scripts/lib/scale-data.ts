// Data for the million-paper benchmark: real arXiv texts repeated with new ids, and real MiniLM vectors copied with noise.
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { mkdir, rename } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { once } from 'node:events';
import { createGunzip, createGzip } from 'node:zlib';
import { passageText } from '../../src/embed/embedder.js';
import type { Embedder } from '../../src/embed/index.js';
import { normalRng } from '../../src/embed/make-bert.js';
import { openVectorsFile, readVectorRows, writeVectorsFile } from '../../src/ingest/vectors.js';

export interface ArxivRecord {
  id: string;
  title: string;
  abstract: string;
  authors?: string[];
  categories?: string[];
  date?: string;
}

/** Every record of the shared arXiv files (120k), in file order. */
export async function readArxiv(files: readonly string[]): Promise<ArxivRecord[]> {
  const out: ArxivRecord[] = [];
  for (const f of files) {
    for await (const line of createInterface({ input: createReadStream(f).pipe(createGunzip()) })) {
      if (line.trim()) out.push(JSON.parse(line) as ArxivRecord);
    }
  }
  return out;
}

/** Paper j of the scaled corpus: record j mod R, its id suffixed with the repetition (~r1, ~r2 ...) after the first. */
export const scaledId = (rec: ArxivRecord, j: number, R: number): string => (j < R ? rec.id : `${rec.id}~r${Math.floor(j / R)}`);

/** Writes the first n papers of the scaled corpus as paperscope JSONL (gzipped). */
export async function writeScaledPapers(records: readonly ArxivRecord[], n: number, file: string): Promise<void> {
  if (existsSync(file)) return;
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  const gz = createGzip({ level: 1 });
  const out = createWriteStream(tmp);
  gz.pipe(out);
  for (let j = 0; j < n; j++) {
    const r = records[j % records.length]!;
    const line = JSON.stringify({ ...r, id: scaledId(r, j, records.length) }) + '\n';
    if (!gz.write(line)) await once(gz, 'drain');
  }
  gz.end();
  await once(out, 'close');
  await rename(tmp, file);
}

/** Embeds the first `count` records with the real model once; later runs read the cached set. */
export async function realVectors(records: readonly ArxivRecord[], count: number, embedder: Embedder, prefix: string, log: (l: string) => void): Promise<Float32Array[]> {
  if (!existsSync(`${prefix}.npy`)) {
    await mkdir(path.dirname(prefix), { recursive: true });
    const texts = records.slice(0, count).map(passageText);
    const vecs: Float32Array[] = [];
    const t0 = performance.now();
    for (let i = 0; i < texts.length; i += 512) {
      vecs.push(...(await embedder.embedPassages(texts.slice(i, i + 512))));
      log(`embedded ${vecs.length}/${texts.length} real abstracts (${(vecs.length / ((performance.now() - t0) / 1000)).toFixed(1)}/s)`);
    }
    const { modelId, dtype, dims } = embedder.info;
    await writeVectorsFile(prefix, { model: modelId, dtype, dims }, records.slice(0, count).map((r) => r.id), vecs);
  }
  const f = await openVectorsFile(prefix);
  const out: Float32Array[] = [];
  for await (const r of readVectorRows(f)) out.push(r.vector);
  return out;
}

const dot = (a: Float32Array, b: Float32Array): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
};

/** Median cosine between a real vector and its nearest other real vector (exact, over a sample of queries). */
export function medianNearestCosine(vecs: readonly Float32Array[], sample = 1000): number {
  const step = Math.max(1, Math.floor(vecs.length / sample));
  const best: number[] = [];
  for (let q = 0; q < vecs.length; q += step) {
    let m = -1;
    for (let j = 0; j < vecs.length; j++) if (j !== q) m = Math.max(m, dot(vecs[q]!, vecs[j]!));
    best.push(m);
  }
  best.sort((a, b) => a - b);
  return best[Math.floor(best.length / 2)]!;
}

/**
 * The noise level that puts a noisy copy as far from its source as a real paper is from its nearest real
 * neighbour: for a unit vector v and noise n ~ N(0, σ²I) in d dims, cos(v, v + n) ≈ 1/sqrt(1 + dσ²), so
 * σ = sqrt((1/c² − 1)/d). Copies then crowd no closer than real neighbours do, and neighbourhoods keep their shape.
 */
export const sigmaFor = (nearestCos: number, dims: number): number => Math.sqrt((1 / nearestCos ** 2 - 1) / dims);

/** Vector j: real vector j mod R plus seeded Gaussian noise of σ per dimension, renormalised. */
export function* noisyVectors(real: readonly Float32Array[], n: number, sigma: number, seed = 42): Generator<Float32Array> {
  const rnd = normalRng(seed);
  for (let j = 0; j < n; j++) {
    const base = real[j % real.length]!;
    const v = new Float32Array(base.length);
    let s = 0;
    for (let i = 0; i < v.length; i++) {
      v[i] = base[i]! + (j < real.length ? 0 : sigma * rnd());
      s += v[i]! * v[i]!;
    }
    const norm = Math.sqrt(s);
    for (let i = 0; i < v.length; i++) v[i] = v[i]! / norm;
    yield v;
  }
}
