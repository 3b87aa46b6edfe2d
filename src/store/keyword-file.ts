// The keyword index file (keywords.bin): a KeywordSegment's typed arrays, versioned, little-endian, CRC-checked.
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import { z } from 'zod';
import { AppError } from '../errors.js';
import type { KeywordSegment } from '../search/keyword-index.js';

export const KEYWORD_FILE = 'keywords.bin';
export const KEYWORD_FORMAT_VERSION = 1;

const MAGIC = 'PSKWIDX\0';
/** magic 8, version u32, crc32 u32 (of every byte after it), then the fixed fields below, then the sections. */
const HEADER_BYTES = 128;
const SECTION_ENTRY = 16;

/** What the file says about where it came from: checked when it is opened beside a build. */
export const KeywordMetaSchema = z.object({
  buildId: z.string(),
  /** The FTS5 table it was read from, its columns, and its tokenize= option (queries are tokenized with it). */
  table: z.string(),
  columns: z.array(z.string()).length(2),
  tokenize: z.string(),
  sqliteVersion: z.string(),
  createdAt: z.string(),
});
export type KeywordMeta = z.infer<typeof KeywordMetaSchema>;

type ArrayKey = Exclude<keyof KeywordSegment, 'docs' | 'tokens' | 'boundWeights'>;
/** Section order in the file; each section starts 8-byte aligned so it can be viewed in place. */
const SECTIONS: { key: ArrayKey; type: 'f64' | 'f32' | 'u32' | 'u8' }[] = [
  { key: 'labels', type: 'f64' },
  { key: 'docLen', type: 'u32' },
  { key: 'idRank', type: 'u32' },
  { key: 'termOffsets', type: 'u32' },
  { key: 'termDf', type: 'u32' },
  { key: 'termBlocks', type: 'u32' },
  { key: 'termMax', type: 'f32' },
  { key: 'blockLast', type: 'u32' },
  { key: 'blockWord', type: 'u32' },
  { key: 'blockBound', type: 'f32' },
  { key: 'postings', type: 'u32' },
  { key: 'termBytes', type: 'u8' },
];
const META_SECTION = SECTIONS.length;

const align8 = (n: number): number => (n + 7) & ~7;
const bytesOf = (a: ArrayBufferView): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

function header(seg: KeywordSegment, table: Buffer): Buffer {
  const h = Buffer.alloc(HEADER_BYTES);
  h.write(MAGIC, 0, 'latin1');
  h.writeUInt32LE(KEYWORD_FORMAT_VERSION, 8);
  h.writeUInt32LE(SECTIONS.length + 1, 16);
  h.writeUInt32LE(table.length, 20);
  h.writeDoubleLE(seg.docs, 24);
  h.writeDoubleLE(seg.tokens, 32);
  h.writeDoubleLE(seg.boundWeights.title, 40);
  h.writeDoubleLE(seg.boundWeights.abstract, 48);
  return h;
}

/**
 * Writes the segment to `file` atomically (a temporary name, fsync, rename), so a crash leaves either no file
 * or a complete one.
 */
export function writeKeywordFile(file: string, seg: KeywordSegment, meta: KeywordMeta): number {
  const parts: Buffer[] = [...SECTIONS.map((s) => bytesOf(seg[s.key])), Buffer.from(JSON.stringify(KeywordMetaSchema.parse(meta)))];
  const table = Buffer.alloc(parts.length * SECTION_ENTRY);
  let offset = align8(HEADER_BYTES + table.length);
  parts.forEach((p, i) => {
    table.writeDoubleLE(offset, i * SECTION_ENTRY);
    table.writeDoubleLE(p.length, i * SECTION_ENTRY + 8);
    offset = align8(offset + p.length);
  });
  const head = header(seg, table);
  const chunks: Buffer[] = [head.subarray(16), table];
  let at = HEADER_BYTES + table.length;
  for (const p of parts) {
    const pad = align8(at) - at;
    if (pad) chunks.push(Buffer.alloc(pad));
    chunks.push(p);
    at = align8(at) + p.length;
  }
  let crc = 0;
  // Empty chunks skipped: zlib.crc32 of a zero-length view of an empty ArrayBuffer returns 0, not the running crc
  // (an empty segment, such as a delta whose papers were all removed, would get a checksum its reader rejects).
  for (const c of chunks) if (c.length) crc = crc32(c, crc);
  head.writeUInt32LE(crc >>> 0, 12);
  // One fixed temporary name: builds hold the index lock, and a crashed write's leftover is overwritten next time.
  const tmp = `${file}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, head.subarray(0, 16));
    for (const c of chunks) writeSync(fd, c);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  closeSync(fd);
  renameSync(tmp, file);
  return at;
}

const corrupt = (file: string, why: string): AppError => new AppError('INDEX_CORRUPT', `keyword index ${file} is unusable (${why}); rebuild the index`);

/** A view of a section in place when aligned (files read whole are), else a copy. */
function view(buf: Buffer, offset: number, length: number, type: (typeof SECTIONS)[number]['type']): ArrayBufferView {
  const ctor = { f64: Float64Array, f32: Float32Array, u32: Uint32Array, u8: Uint8Array }[type];
  const at = buf.byteOffset + offset;
  if (length % ctor.BYTES_PER_ELEMENT) throw new Error(`section of ${length} bytes is not a whole ${type} array`);
  if (at % ctor.BYTES_PER_ELEMENT === 0) return new ctor(buf.buffer as ArrayBuffer, at, length / ctor.BYTES_PER_ELEMENT);
  return new ctor(new Uint8Array(buf.subarray(offset, offset + length)).buffer);
}

/**
 * Reads and verifies a keyword file: magic, version, checksum, section bounds and array sizes. Asynchronous:
 * a server loading a new build (hot reload) keeps answering while hundreds of MB are read.
 */
export async function readKeywordFile(file: string): Promise<{ segment: KeywordSegment; meta: KeywordMeta; bytes: number }> {
  let buf: Buffer;
  try {
    buf = await readFile(file);
  } catch (e) {
    throw corrupt(file, (e as Error).message);
  }
  if (buf.length < HEADER_BYTES || buf.toString('latin1', 0, 8) !== MAGIC) throw corrupt(file, 'not a keyword index file');
  const version = buf.readUInt32LE(8);
  if (version !== KEYWORD_FORMAT_VERSION) throw corrupt(file, `format version ${version}, this paperscope reads ${KEYWORD_FORMAT_VERSION}`);
  if ((crc32(buf.subarray(16)) >>> 0) !== buf.readUInt32LE(12)) throw corrupt(file, 'checksum mismatch: truncated or damaged');
  try {
    return { ...parseSections(buf), bytes: buf.length };
  } catch (e) {
    throw corrupt(file, (e as Error).message);
  }
}

function parseSections(buf: Buffer): { segment: KeywordSegment; meta: KeywordMeta } {
  const n = buf.readUInt32LE(16);
  if (n !== SECTIONS.length + 1 || buf.readUInt32LE(20) !== n * SECTION_ENTRY) throw new Error(`unexpected section table (${n} sections)`);
  const section = (i: number): [number, number] => {
    const off = buf.readDoubleLE(HEADER_BYTES + i * SECTION_ENTRY);
    const len = buf.readDoubleLE(HEADER_BYTES + i * SECTION_ENTRY + 8);
    if (!(off >= 0 && len >= 0 && off + len <= buf.length)) throw new Error(`section ${i} lies outside the file`);
    return [off, len];
  };
  const arrays = Object.fromEntries(SECTIONS.map((s, i) => [s.key, view(buf, ...section(i), s.type)]));
  const [mo, ml] = section(META_SECTION);
  const meta = KeywordMetaSchema.parse(JSON.parse(buf.toString('utf8', mo, mo + ml)));
  const segment = {
    docs: buf.readDoubleLE(24),
    tokens: buf.readDoubleLE(32),
    boundWeights: { title: buf.readDoubleLE(40), abstract: buf.readDoubleLE(48) },
    ...arrays,
  } as KeywordSegment;
  checkShape(segment);
  return { segment, meta };
}

/** Array lengths that must agree, so a search can never read past an array. */
function checkShape(s: KeywordSegment): void {
  const terms = s.termDf.length;
  const blocks = s.blockLast.length;
  const ok =
    s.labels.length === s.docs &&
    s.docLen.length === s.docs &&
    s.idRank.length === s.docs &&
    s.termOffsets.length === terms + 1 &&
    s.termBlocks.length === terms + 1 &&
    s.termMax.length === terms &&
    s.termOffsets[terms] === s.termBytes.length &&
    s.termBlocks[terms] === blocks &&
    s.blockWord.length === blocks + 1 &&
    s.blockBound.length === blocks &&
    s.blockWord[blocks] === s.postings.length;
  if (!ok) throw new Error('array sizes disagree');
}
