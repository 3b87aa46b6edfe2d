// Streams a text file line by line (gzip detected by magic bytes), so memory stays flat whatever the file size.
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';

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
  const raw = createReadStream(file);
  return (await isGzip(file)) ? raw.pipe(createGunzip()) : raw;
}

/** Yields [lineNumber (1-based), text] for every line; invalid UTF-8 becomes U+FFFD, which validation rejects. */
export async function* readLines(file: string): AsyncGenerator<[number, string]> {
  const stream = await openText(file);
  stream.setEncoding('utf8');
  const rl = createInterface({ input: stream, crlfDelay: Infinity });
  let n = 0;
  for await (const line of rl) {
    n++;
    yield [n, n === 1 ? line.replace(/^\uFEFF/, '') : line];
  }
}
