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

/** Median cosine between a vector and its nearest other vector among the first n (exact, over `sample` queries). */
export function medianNearestCosine(vecs: readonly Float32Array[], n = vecs.length, sample = 400): number {
  const best: number[] = [];
  for (let k = 0; k < sample; k++) {
    const q = Math.floor((k * n) / sample);
    let m = -1;
    for (let j = 0; j < n; j++) if (j !== q) m = Math.max(m, dot(vecs[q]!, vecs[j]!));
    best.push(m);
  }
  best.sort((a, b) => a - b);
  return best[Math.floor(best.length / 2)]!;
}

/**
 * How close a paper's nearest neighbour would be in a real corpus of `target` papers: the median nearest-neighbour
 * cosine of the real vectors grows about linearly in log(corpus size) (measured on subsets of 2.5k to 20k),
 * so it is fitted on those and extrapolated. Returns the fit and the extrapolated value.
 */
export function extrapolateNearestCosine(vecs: readonly Float32Array[], target: number): { points: [number, number][]; atTarget: number } {
  const sizes = [2500, 5000, 10000, 20000].filter((s) => s <= vecs.length);
  const points = sizes.map((s) => [s, medianNearestCosine(vecs, s)] as [number, number]);
  const xs = points.map(([s]) => Math.log2(s));
  const ys = points.map(([, c]) => c);
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  const slope = xs.reduce((a, x, i) => a + (x - mx) * (ys[i]! - my), 0) / xs.reduce((a, x) => a + (x - mx) ** 2, 0);
  return { points, atTarget: Math.min(0.95, my + slope * (Math.log2(target) - mx)) };
}

/**
 * The noise that gives copies of one source the nearest-neighbour cosine c a real corpus of that size would have.
 * Two copies v + n1, v + n2 of a unit vector v with n ~ N(0, σ²I) in d dims have cosine ≈ 1/(1 + dσ²), so
 * σ = sqrt((1/c − 1)/d). Larger noise would push every point away from every other (isotropic noise in 384
 * dims flattens distances, which makes any ANN index look worse than on real data); smaller would stack copies.
 */
export const sigmaFor = (nearestCos: number, dims: number): number => Math.sqrt((1 / nearestCos - 1) / dims);

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
