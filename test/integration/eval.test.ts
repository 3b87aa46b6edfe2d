// `paperscope eval` on a small BEIR-layout folder: the JSON report's shape, sane scores, and index reuse.
import { execFile } from 'node:child_process';
import { mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, removeTempDirs, tempDir, tinyModelDir, writeLines } from '../helpers.js';

const run = promisify(execFile);
let dir: string;
let cache: string;

beforeAll(async () => {
  dir = path.join(await tempDir(), 'mini-beir');
  cache = await tempDir();
  await mkdir(path.join(dir, 'qrels'), { recursive: true });
  const topics = ['wing aerodynamics', 'boundary layer transition', 'heat conduction in slabs', 'shock wave reflection', 'buckling of cylinders'];
  await writeLines(
    path.join(dir, 'corpus.jsonl'),
    topics.flatMap((t, i) => [
      JSON.stringify({ _id: `d${i}a`, title: `${t} experiments`, text: `An experimental study of ${t} in a wind tunnel.` }),
      JSON.stringify({ _id: `d${i}b`, title: `notes ${i}`, text: `Further remarks about ${t.split(' ')[0]} effects.` }),
    ]),
  );
  await writeLines(path.join(dir, 'queries.jsonl'), topics.map((t, i) => JSON.stringify({ _id: `q${i}`, text: `what is known about ${t}` })));
  await writeLines(path.join(dir, 'qrels', 'test.tsv'), ['query-id\tcorpus-id\tscore', ...topics.flatMap((_, i) => [`q${i}\td${i}a\t2`, `q${i}\td${i}b\t1`])]);
});
afterAll(removeTempDirs);

const evalJson = async (extra: string[] = []) => {
  const { stdout } = await run(process.execPath, [path.join(ROOT, 'scripts', 'paperscope.js'), 'eval', dir, '--model', await tinyModelDir(), '--cache', cache, '--json', ...extra], { cwd: ROOT });
  return JSON.parse(stdout) as { dataset: string; split: string; queries: number; modes: Record<string, Record<string, number>> };
};

describe('paperscope eval', () => {
  it('prints the documented JSON report per mode', async () => {
    const r = await evalJson();
    expect(r).toMatchObject({ dataset: 'mini-beir', split: 'test', queries: 5 });
    expect(Object.keys(r.modes)).toEqual(['hybrid', 'semantic', 'keyword']);
    for (const s of Object.values(r.modes)) expect(Object.keys(s)).toEqual(['ndcg@10', 'recall@100', 'mrr@10']);
    // The keyword mode finds the titled document first for every query: a perfect MRR.
    expect(r.modes.keyword!['mrr@10']).toBe(1);
    expect(r.modes.keyword!['recall@100']).toBe(1);
    expect(r.modes.keyword!['ndcg@10']).toBeGreaterThan(0.9);
  });

  it('reuses the cached index and honours --mode', async () => {
    const before = await readdir(cache);
    const r = await evalJson(['--mode', 'keyword']);
    expect(Object.keys(r.modes)).toEqual(['keyword']);
    expect(await readdir(cache)).toEqual(before);
  });

  it('rejects a folder that is not BEIR and an unknown mode', async () => {
    await expect(run(process.execPath, [path.join(ROOT, 'scripts', 'paperscope.js'), 'eval', cache, '--model', 'use-lite', '--cache', cache])).rejects.toMatchObject({
      stderr: expect.stringMatching(/not a BEIR folder .*corpus\.jsonl is missing/),
    });
    await expect(evalJson(['--mode', 'fuzzy'])).rejects.toMatchObject({ stderr: expect.stringMatching(/unknown mode "fuzzy"/) });
  });

  it('reports a malformed queries file with its line', async () => {
    const bad = path.join(await tempDir(), 'bad-beir');
    await mkdir(path.join(bad, 'qrels'), { recursive: true });
    await writeLines(path.join(bad, 'corpus.jsonl'), [JSON.stringify({ _id: 'd1', title: 't', text: 'some text' })]);
    await writeLines(path.join(bad, 'queries.jsonl'), [JSON.stringify({ _id: 'q1', text: 'ok' }), '{oops']);
    await writeLines(path.join(bad, 'qrels', 'test.tsv'), ['q1\td1\t1']);
    await expect(run(process.execPath, [path.join(ROOT, 'scripts', 'paperscope.js'), 'eval', bad, '--model', await tinyModelDir(), '--cache', cache])).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/queries\.jsonl:2: malformed JSON/),
    });
  });
});
