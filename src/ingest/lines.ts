// Streams a text file line by line (gzip detected by magic bytes), so memory stays flat whatever the file size.
import { isUtf8 } from 'node:buffer';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

/**
 * A record line longer than this is reported instead of buffered: a file with no newlines (or one giant
 * line) must not make the reader hold the whole file. 4 MB is far above any real paper record.
 */
export const MAX_LINE_BYTES = 4 * 1024 * 1024;

async function isGzip(file: string): Promise<boolean> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(2);
    const { bytesRead } = await fh.read(buf, 0, 2, 0);
    return bytesRead === 2 && buf[0] === 0x1f && buf[1] === 0x8b;
  } finally {
    await fh.close();
  }
}

/** Opens a file as a byte stream, decompressing gzip transparently. */
export async function openText(file: string): Promise<Readable> {
  // 256 KB reads: fewer syscalls and gunzip calls than the 64 KB default on large snapshots.
  const raw = createReadStream(file, { highWaterMark: 256 * 1024 });
  if (!(await isGzip(file))) return raw;
  const gunzip = createGunzip();
  // pipe() does not forward read errors: without this a missing/unreadable file would hang the reader.
  raw.on('error', (e) => gunzip.destroy(e));
  return raw.pipe(gunzip);
}

/** The first N bytes of a (possibly gzipped) file, decompressed: for sniffing its format. */
export async function peekText(file: string, bytes = 4096): Promise<string> {
  const stream = await openText(file);
  const parts: Buffer[] = [];
  let n = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      parts.push(chunk);
      n += chunk.length;
      if (n >= bytes) break;
    }
  } finally {
    stream.destroy();
  }
  return Buffer.concat(parts).subarray(0, bytes).toString('utf8').replace(/^\uFEFF/, '');
}

/**
 * One line and, when it is unusable, why. With an error the text is the lossy decoding of its bytes
 * (U+FFFD for invalid ones) or empty for an over-long line: record readers reject it either way.
 */
export interface Line {
  line: number;
  text: string;
  error?: string;
}

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * Yields every line (1-based numbers; "\r\n" and "\n" endings; a UTF-8 BOM on line 1 dropped).
 * Each line is checked for valid UTF-8 on its bytes, so an invalid byte is reported on its own line
 * instead of silently becoming U+FFFD, and an over-long line is skipped without being buffered.
 */
export async function* readLines(file: string, maxLineBytes = MAX_LINE_BYTES): AsyncGenerator<Line> {
  const stream = await openText(file);
  let carry: Buffer[] = [];
  let carryBytes = 0;
  let tooLong = false;
  let n = 0;

  const emit = (last: Buffer): Line => {
    n++;
    if (tooLong || carryBytes + last.length > maxLineBytes) {
      carry = [];
      carryBytes = 0;
      tooLong = false;
      return { line: n, text: '', error: `line longer than ${maxLineBytes / (1024 * 1024)} MB` };
    }
    let buf = carry.length ? Buffer.concat([...carry, last]) : last;
    carry = [];
    carryBytes = 0;
    if (buf.length && buf[buf.length - 1] === 0x0d) buf = buf.subarray(0, buf.length - 1);
    if (n === 1 && buf.subarray(0, 3).equals(BOM)) buf = buf.subarray(3);
    if (!isUtf8(buf)) return { line: n, text: buf.toString('utf8'), error: 'invalid UTF-8' };
    return { line: n, text: buf.toString('utf8') };
  };

  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      let start = 0;
      for (;;) {
        const nl = chunk.indexOf(0x0a, start);
        if (nl < 0) {
          const rest = chunk.subarray(start);
          if (!tooLong && rest.length) {
            if (carryBytes + rest.length > maxLineBytes) {
              // Drop what was gathered: the line is reported as too long when its end arrives.
              tooLong = true;
              carry = [];
              carryBytes = 0;
            } else {
              carry.push(rest);
              carryBytes += rest.length;
            }
          }
          break;
        }
        yield emit(chunk.subarray(start, nl));
        start = nl + 1;
      }
    }
    if (carryBytes > 0 || tooLong) yield emit(Buffer.alloc(0));
  } finally {
    stream.destroy();
  }
}
