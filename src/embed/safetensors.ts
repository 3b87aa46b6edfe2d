// Reads a .safetensors file (Hugging Face's tensor container) into float32 arrays, refusing truncated or corrupt files.
import { open } from 'node:fs/promises';
import { AppError } from '../errors.js';

/** Bytes per element of each dtype we can turn into float32 (integer tensors are read too: position_ids is int64). */
const DTYPE_BYTES: Record<string, number> = { F32: 4, F16: 2, BF16: 2, F64: 8, I64: 8, I32: 4 };

export interface Tensor {
  dtype: string;
  shape: number[];
  /** The values as float32, whatever the stored dtype. */
  data: Float32Array;
}

interface HeaderEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

const corrupt = (file: string, why: string): AppError =>
  new AppError('INVALID_INPUT', `${file} is not a valid safetensors file: ${why}`);

/** Converts one IEEE half (binary16) to a number. */
function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? Number.NaN : s * Number.POSITIVE_INFINITY;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

/** Decodes a tensor's little-endian bytes as float32. */
function toFloat32(dtype: string, bytes: Buffer): Float32Array {
  // Little-endian float32 is already the layout we want: one copy, no per-element decode (23 M weights).
  if (dtype === 'F32') return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
  const n = bytes.length / DTYPE_BYTES[dtype]!;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    switch (dtype) {
      case 'F16':
        out[i] = halfToFloat(bytes.readUInt16LE(i * 2));
        break;
      case 'BF16':
        // bfloat16 is the top half of a float32
        out[i] = new Float32Array(new Uint32Array([bytes.readUInt16LE(i * 2) << 16]).buffer)[0]!;
        break;
      case 'F64':
        out[i] = bytes.readDoubleLE(i * 8);
        break;
      case 'I64':
        out[i] = Number(bytes.readBigInt64LE(i * 8));
        break;
      case 'I32':
        out[i] = bytes.readInt32LE(i * 4);
        break;
    }
  }
  return out;
}

/** Parses and checks the JSON header: every tensor's bytes lie inside the file and match its dtype and shape. */
export function parseHeader(file: string, headerBytes: Buffer, dataBytes: number): Map<string, HeaderEntry> {
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(headerBytes.toString('utf8')) as Record<string, unknown>;
  } catch {
    throw corrupt(file, 'its header is not JSON (truncated or not safetensors)');
  }
  if (!header || typeof header !== 'object' || Array.isArray(header)) throw corrupt(file, 'its header is not a JSON object');
  const out = new Map<string, HeaderEntry>();
  for (const [name, v] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const e = v as Partial<HeaderEntry>;
    if (!e || typeof e.dtype !== 'string' || !Array.isArray(e.shape) || !Array.isArray(e.data_offsets) || e.data_offsets.length !== 2)
      throw corrupt(file, `tensor ${name} has a malformed entry`);
    if (!(e.dtype in DTYPE_BYTES)) throw corrupt(file, `tensor ${name} has unsupported dtype ${e.dtype}`);
    const [start, end] = e.data_offsets;
    const elements = e.shape.reduce((a, b) => a * b, 1);
    if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end < start)
      throw corrupt(file, `tensor ${name} has invalid offsets`);
    if (end > dataBytes)
      throw corrupt(file, `tensor ${name} ends at byte ${end} of a data section of ${dataBytes} bytes (the file is truncated)`);
    if (end - start !== elements * DTYPE_BYTES[e.dtype]!)
      throw corrupt(file, `tensor ${name} has ${end - start} bytes for shape [${e.shape.join(', ')}] of ${e.dtype}`);
    out.set(name, e as HeaderEntry);
  }
  if (!out.size) throw corrupt(file, 'it holds no tensors');
  return out;
}

/** Reads every tensor of a safetensors file as float32 (reads the file once, tensor by tensor). */
export async function readSafetensors(file: string): Promise<Map<string, Tensor>> {
  const fh = await open(file, 'r').catch((e: NodeJS.ErrnoException) => {
    throw new AppError('INVALID_INPUT', `cannot read ${file}: ${e.code ?? e.message}`);
  });
  try {
    const size = (await fh.stat()).size;
    if (size < 8) throw corrupt(file, `it is only ${size} bytes long`);
    const lenBuf = Buffer.alloc(8);
    await fh.read(lenBuf, 0, 8, 0);
    const headerLen = Number(lenBuf.readBigUInt64LE(0));
    if (headerLen <= 0 || 8 + headerLen > size) throw corrupt(file, `its header claims ${headerLen} bytes but the file has ${size} (truncated or not safetensors)`);
    const headerBuf = Buffer.alloc(headerLen);
    await fh.read(headerBuf, 0, headerLen, 8);
    const entries = parseHeader(file, headerBuf, size - 8 - headerLen);
    const base = 8 + headerLen;
    const tensors = new Map<string, Tensor>();
    for (const [name, e] of entries) {
      const [start, end] = e.data_offsets;
      const buf = Buffer.alloc(end - start);
      const { bytesRead } = await fh.read(buf, 0, buf.length, base + start);
      if (bytesRead !== buf.length) throw corrupt(file, `tensor ${name} could not be read whole (truncated)`);
      const data = toFloat32(e.dtype, buf);
      if (e.dtype.startsWith('F') || e.dtype === 'BF16') {
        for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i]!)) throw corrupt(file, `tensor ${name} holds a non-finite value`);
      }
      tensors.set(name, { dtype: e.dtype, shape: e.shape, data });
    }
    return tensors;
  } finally {
    await fh.close();
  }
}
