// The --vectors file set (.npy + .ids + .json): what numpy.save writes is read back exactly; every kind of damage is refused.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openVectorsFile, readVectorRows, vectorsPrefix, writeVectorsFile } from '../../src/ingest/vectors.js';
import { removeTempDirs, tempDir } from '../helpers.js';

afterAll(removeTempDirs);

const rows = (n: number, d: number) => Array.from({ length: n }, (_, i) => Float32Array.from({ length: d }, (_, j) => (i + 1) * (j % 3 === 0 ? 1 : -0.5)));

async function set(n = 5, d = 4): Promise<string> {
  const prefix = path.join(await tempDir('paperscope-vec-'), 'v');
  await writeVectorsFile(prefix, { model: 'm', dtype: 'q8', dims: d }, Array.from({ length: n }, (_, i) => `p${i}`), rows(n, d));
  return prefix;
}

describe('vectors file set', () => {
  it('round-trips: header numpy can read, rows normalised, ids in order', async () => {
    const prefix = await set(5, 4);
    const npy = await readFile(`${prefix}.npy`);
    expect(npy.subarray(0, 6).toString('latin1')).toBe('\x93NUMPY');
    const headerLen = 10 + npy.readUInt16LE(8);
    expect(headerLen % 64).toBe(0); // NumPy aligns the data to 64 bytes
    const f = await openVectorsFile(`${prefix}.npy`);
    expect(f).toMatchObject({ rows: 5, dims: 4, meta: { model: 'm', dtype: 'q8', dims: 4 } });
    const got = [];
    for await (const r of readVectorRows(f, 2)) got.push(r);
    expect(got.map((r) => r.id)).toEqual(['p0', 'p1', 'p2', 'p3', 'p4']);
    for (const r of got) expect(Math.hypot(...r.vector)).toBeCloseTo(1, 6);
    expect(got[3]!.vector[0]! / got[3]!.vector[1]!).toBeCloseTo(-2, 5);
    expect(vectorsPrefix('/a/b.ids')).toBe('/a/b');
  });

  it('refuses a truncated matrix', async () => {
    const prefix = await set();
    const npy = await readFile(`${prefix}.npy`);
    await writeFile(`${prefix}.npy`, npy.subarray(0, npy.length - 3));
    await expect(openVectorsFile(prefix)).rejects.toThrow(/truncated or corrupt/);
  });

  it('refuses dims that disagree with the model file, and ids that do not match the rows', async () => {
    const a = await set();
    await writeFile(`${a}.json`, JSON.stringify({ model: 'm', dims: 8 }));
    await expect(openVectorsFile(a)).rejects.toThrow(/4-d vectors but .* says 8/);
    const b = await set();
    await writeFile(`${b}.ids`, 'p0\np1\n');
    await expect(openVectorsFile(b)).rejects.toThrow(/2 ids for 5 vectors/);
    const c = await set();
    await writeFile(`${c}.ids`, 'p0\np1\np1\np3\np4\n');
    await expect(openVectorsFile(c)).rejects.toThrow(/ids:3: duplicate id p1/);
  });

  it('refuses NaN and zero vectors, naming the row and id', async () => {
    const prefix = await set();
    const npy = await readFile(`${prefix}.npy`);
    const off = 10 + npy.readUInt16LE(8);
    npy.writeFloatLE(Number.NaN, off + (2 * 4 + 1) * 4); // row 2, dim 1
    await writeFile(`${prefix}.npy`, npy);
    const f = await openVectorsFile(prefix);
    const read = async () => {
      for await (const _ of readVectorRows(f)) void _;
    };
    await expect(read()).rejects.toThrow(/row 2 \(id p2\): the vector holds NaN at dimension 1/);
  });

  it('refuses float64 and Fortran-order matrices with the fix in the message', async () => {
    const prefix = await set();
    const npy = await readFile(`${prefix}.npy`);
    await writeFile(`${prefix}.npy`, Buffer.from(npy.toString('latin1').replace("'<f4'", "'<f8'"), 'latin1'));
    await expect(openVectorsFile(prefix)).rejects.toThrow(/astype\(np\.float32\)/);
  });
});
