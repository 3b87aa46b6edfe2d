// Precomputed vectors for `build --vectors`: a NumPy .npy matrix, an id per row, and the model that made them.
import { once } from 'node:events';
import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { open, writeFile } from 'node:fs/promises';
import { z } from 'zod';
import { AppError } from '../errors.js';

/**
 * The vectors file set, named by its prefix P:
 *   P.npy   float32 matrix [n, dims], C order (what numpy.save writes for np.float32 embeddings)
 *   P.ids   n lines, the paper id of each row
 *   P.json  {"model": "all-MiniLM-L6-v2", "dtype": "q8", "dims": 384} — the model that made them
 * .npy is what every embedding tool can write (NumPy, sentence-transformers' encode, PyTorch .numpy()).
 */
export const VectorsMetaSchema = z.object({
  model: z.string().min(1),
  dtype: z.string().min(1).optional(),
  dims: z.number().int().positive(),
});
export type VectorsMeta = z.infer<typeof VectorsMetaSchema>;

export interface VectorsFile {
  prefix: string;
  meta: VectorsMeta;
  rows: number;
  dims: number;
  ids: string[];
  /** Byte offset of row 0 in the .npy file. */
  dataOffset: number;
}

const bad = (msg: string): AppError => new AppError('SOURCE_INVALID', msg);

/** Strips a known extension so `--vectors x.npy`, `x.ids`, `x.json` or `x` all name the set x. */
export const vectorsPrefix = (p: string): string => p.replace(/\.(npy|ids|json)$/, '');

/** Parses an .npy header: version 1-3, little-endian float32, C order, 2-D. Returns shape and where the data starts. */
export function parseNpyHeader(file: string, head: Buffer): { rows: number; dims: number; dataOffset: number } {
  if (head.length < 10 || head.readUInt8(0) !== 0x93 || head.toString('latin1', 1, 6) !== 'NUMPY') throw bad(`${file} is not a .npy file`);
  const major = head.readUInt8(6);
  const lenBytes = major === 1 ? 2 : 4;
  const hlen = major === 1 ? head.readUInt16LE(8) : head.readUInt32LE(8);
  const start = 8 + lenBytes;
  if (head.length < start + hlen) throw bad(`${file}: .npy header is truncated`);
  const dict = head.toString(major === 3 ? 'utf8' : 'latin1', start, start + hlen);
  const descr = /'descr':\s*'([^']+)'/.exec(dict)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(dict)?.[1];
  const shape = /'shape':\s*\(([^)]*)\)/.exec(dict)?.[1];
  if (descr !== '<f4') throw bad(`${file}: vectors must be little-endian float32 ('<f4'), not '${descr ?? '?'}' (use array.astype(np.float32))`);
  if (fortran !== 'False') throw bad(`${file}: vectors must be in C order (np.ascontiguousarray)`);
  const dims = (shape ?? '').split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  if (dims.length !== 2 || dims.some((d) => !Number.isInteger(d) || d <= 0)) throw bad(`${file}: vectors must be a 2-D matrix [papers, dims], got shape (${shape ?? '?'})`);
  return { rows: dims[0]!, dims: dims[1]!, dataOffset: start + hlen };
}

/** Opens a vectors set and checks it whole before anything is read into an index: sizes, ids, model. */
export async function openVectorsFile(path: string): Promise<VectorsFile> {
  const prefix = vectorsPrefix(path);
  for (const ext of ['.npy', '.ids', '.json']) if (!existsSync(prefix + ext)) throw bad(`${prefix}${ext} is missing (a vectors set is ${prefix}.npy, .ids and .json)`);
  let meta: VectorsMeta;
  try {
    meta = VectorsMetaSchema.parse(JSON.parse(readFileSync(`${prefix}.json`, 'utf8')));
  } catch (e) {
    throw bad(`${prefix}.json: ${e instanceof z.ZodError ? e.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') : 'not valid JSON'}`);
  }
  const fh = await open(`${prefix}.npy`, 'r');
  let header: { rows: number; dims: number; dataOffset: number };
  let size: number;
  try {
    const head = Buffer.alloc(4096);
    const { bytesRead } = await fh.read(head, 0, head.length, 0);
    header = parseNpyHeader(`${prefix}.npy`, head.subarray(0, bytesRead));
    size = (await fh.stat()).size;
  } finally {
    await fh.close();
  }
  const expected = header.dataOffset + header.rows * header.dims * 4;
  if (size !== expected) throw bad(`${prefix}.npy is ${size} bytes but its header promises ${header.rows} x ${header.dims} float32 (${expected} bytes): truncated or corrupt`);
  if (header.dims !== meta.dims) throw bad(`${prefix}.npy has ${header.dims}-d vectors but ${prefix}.json says ${meta.dims}`);
  const ids = readFileSync(`${prefix}.ids`, 'utf8').split('\n').map((l) => l.replace(/\r$/, ''));
  if (ids.at(-1) === '') ids.pop();
  if (ids.length !== header.rows) throw bad(`${prefix}.ids has ${ids.length} ids for ${header.rows} vectors`);
  const seen = new Set<string>();
  ids.forEach((id, i) => {
    if (!id.trim()) throw bad(`${prefix}.ids:${i + 1}: empty id`);
    if (seen.has(id)) throw bad(`${prefix}.ids:${i + 1}: duplicate id ${id}`);
    seen.add(id);
  });
  return { prefix, meta, rows: header.rows, dims: header.dims, ids, dataOffset: header.dataOffset };
}

/** Checks one vector: finite values and a usable (non-zero) length; returns it L2-normalised. */
export function checkVector(v: Float32Array, where: string): Float32Array {
  let s = 0;
  for (let i = 0; i < v.length; i++) {
    const x = v[i]!;
    if (!Number.isFinite(x)) throw bad(`${where}: the vector holds ${Number.isNaN(x) ? 'NaN' : 'an infinite value'} at dimension ${i}`);
    s += x * x;
  }
  if (s === 0) throw bad(`${where}: the vector is all zeros`);
  const n = Math.sqrt(s);
  if (Math.abs(n - 1) > 1e-6) for (let i = 0; i < v.length; i++) v[i] = v[i]! / n;
  return v;
}

/** Streams the rows in blocks (one read per block), each vector checked and normalised. */
export async function* readVectorRows(f: VectorsFile, block = 4096): AsyncGenerator<{ index: number; id: string; vector: Float32Array }> {
  const fh = await open(`${f.prefix}.npy`, 'r');
  try {
    const rowBytes = f.dims * 4;
    for (let start = 0; start < f.rows; start += block) {
      const n = Math.min(block, f.rows - start);
      const buf = Buffer.alloc(n * rowBytes);
      const { bytesRead } = await fh.read(buf, 0, buf.length, f.dataOffset + start * rowBytes);
      if (bytesRead !== buf.length) throw bad(`${f.prefix}.npy: could not read rows ${start}..${start + n - 1} (truncated)`);
      const all = new Float32Array(buf.buffer, buf.byteOffset, n * f.dims);
      for (let i = 0; i < n; i++) {
        const index = start + i;
        const id = f.ids[index]!;
        yield { index, id, vector: checkVector(all.slice(i * f.dims, (i + 1) * f.dims), `${f.prefix}.npy row ${index} (id ${id})`) };
      }
    }
  } finally {
    await fh.close();
  }
}

/** Writes a vectors set (for tests, benchmarks and users converting from another tool). */
export async function writeVectorsFile(prefix: string, meta: VectorsMeta, ids: readonly string[], rows: AsyncIterable<Float32Array> | Iterable<Float32Array>): Promise<void> {
  let dict = `{'descr': '<f4', 'fortran_order': False, 'shape': (${ids.length}, ${meta.dims}), }`;
  const total = 10 + dict.length + 1;
  dict += ' '.repeat((64 - (total % 64)) % 64) + '\n'; // the format pads the header to a multiple of 64 bytes
  const head = Buffer.alloc(10);
  head.writeUInt8(0x93, 0);
  head.write('NUMPY', 1, 'latin1');
  head.writeUInt8(1, 6);
  head.writeUInt8(0, 7);
  head.writeUInt16LE(dict.length, 8);
  const out = createWriteStream(`${prefix}.npy`);
  out.write(Buffer.concat([head, Buffer.from(dict, 'latin1')]));
  let n = 0;
  for await (const v of rows) {
    if (v.length !== meta.dims) throw new Error(`row ${n} has ${v.length} dims, not ${meta.dims}`);
    if (!out.write(Buffer.from(v.buffer, v.byteOffset, v.byteLength))) await once(out, 'drain');
    n++;
  }
  out.end();
  await once(out, 'close');
  if (n !== ids.length) throw new Error(`wrote ${n} vectors for ${ids.length} ids`);
  await writeFile(`${prefix}.ids`, ids.join('\n') + '\n');
  await writeFile(`${prefix}.json`, JSON.stringify(meta) + '\n');
}
