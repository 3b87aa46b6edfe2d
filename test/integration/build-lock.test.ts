// The build lock under contention: builds started at the same moment never both hold it, and none crashes trying.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, removeTempDirs, tempDir } from '../helpers.js';

afterAll(removeTempDirs);

function worker(dir: string, startAt: number): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'test/integration/fixtures/lock-worker.ts'), dir, String(startAt), '150'], { cwd: ROOT });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

describe('build lock', () => {
  it('four processes taking it at once: one holder at a time, no crash', async () => {
    const dir = await tempDir('paperscope-lock-');
    const startAt = Date.now() + 3000; // after every child has loaded
    const runs = await Promise.all([1, 2, 3, 4].map(() => worker(dir, startAt)));
    for (const r of runs) {
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
    }
    const results = runs.map((r) => JSON.parse(r.out) as { held: number; overlaps: number });
    expect(results.reduce((n, r) => n + r.held, 0)).toBeGreaterThan(0);
    expect(results.map((r) => r.overlaps)).toEqual([0, 0, 0, 0]);
  }, 30_000);
});
