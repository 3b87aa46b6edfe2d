// Streaming readers: 60,000 gzipped records (about 60 MB of text) read in a child whose V8 heap is capped at 32 MB.
import { spawnSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import path from 'node:path';
import { createGzip } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, removeTempDirs, tempDir } from '../helpers.js';

afterAll(removeTempDirs);

const RECORDS = 60_000;

describe('memory', () => {
  it('stays flat: the whole file never sits in memory, so a 32 MB heap reads 60 MB of records', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'big.jsonl.gz');
    const gz = createGzip({ level: 1 });
    const out = gz.pipe(createWriteStream(file));
    const filler = 'dense retrieval of scientific papers with transformers and keyword search '.repeat(12);
    for (let i = 0; i < RECORDS; i++) {
      const rec = { id: `m-${i}`, title: `Paper ${i} on streaming`, abstract: `${i} ${filler}`, authors: ['A. Writer'], categories: ['cs.IR'], date: '2020-01-02' };
      if (!gz.write(JSON.stringify(rec) + '\n')) await once(gz, 'drain');
    }
    gz.end();
    await once(out, 'finish');
    const script = path.join(dir, 'read.mts');
    await writeFile(
      script,
      `import { readSources } from ${JSON.stringify(path.join(ROOT, 'src', 'ingest', 'index.ts'))};
let n = 0;
for await (const it of readSources([${JSON.stringify(file)}])) if (it.kind === 'paper') n++;
console.log(n);`,
    );
    const r = spawnSync(process.execPath, ['--max-old-space-size=32', '--import', 'tsx', script], { cwd: ROOT, encoding: 'utf8' });
    expect(r.stderr).not.toMatch(/heap out of memory/);
    expect(r.status).toBe(0);
    expect(Number(r.stdout.trim())).toBe(RECORDS);
  });
});
