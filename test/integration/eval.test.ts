// `paperscope eval` on a small BEIR-layout folder: the JSON report's shape, sane scores, index reuse and rebuilds, corpus coverage.
import { execFile } from 'node:child_process';
import { appendFile, cp, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INDEX_CODE } from '../../src/eval/cache.js';
import { evalIndex } from '../../src/eval/run.js';
import { writeBertModel } from '../../src/embed/make-bert.js';
import { loadTransformersEmbedder } from '../../src/embed/transformers.js';
import { ROOT, removeTempDirs, tempDir, tinyEmbedder, tinyModelDir, writeLines } from '../helpers.js';

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

const CLI = path.join(ROOT, 'scripts', 'paperscope.js');
type Report = { dataset: string; split: string; queries: number; corpus: Record<string, number>; modes: Record<string, Record<string, number>> };
const evalRun = async (extra: string[] = [], folder = dir) => {
  const { stdout, stderr } = await run(process.execPath, [CLI, 'eval', folder, '--model', await tinyModelDir(), '--cache', cache, '--json', ...extra], { cwd: ROOT });
  return { report: JSON.parse(stdout) as Report, stderr };
};
const evalJson = async (extra: string[] = []) => (await evalRun(extra)).report;

/** A BEIR folder with the given corpus records and one query judging the first. */
async function beirFolder(name: string, docs: object[]): Promise<string> {
  const d = path.join(await tempDir(), name);
  await mkdir(path.join(d, 'qrels'), { recursive: true });
  await writeLines(path.join(d, 'corpus.jsonl'), docs.map((x) => JSON.stringify(x)));
  await writeLines(path.join(d, 'queries.jsonl'), [JSON.stringify({ _id: 'q1', text: 'wing flutter' })]);
  await writeLines(path.join(d, 'qrels', 'test.tsv'), ['query-id\tcorpus-id\tscore', 'q1\td1\t1']);
  return d;
}

describe('paperscope eval', () => {
  it('prints the documented JSON report per mode', async () => {
    const { report: r, stderr } = await evalRun();
    expect(r).toMatchObject({ dataset: 'mini-beir', split: 'test', queries: 5, corpus: { documents: 10, indexed: 10, empty: 0 } });
    expect(stderr).toContain('mini-beir: indexed 10 of 10 corpus documents\n');
    expect(Object.keys(r.modes)).toEqual(['hybrid', 'semantic', 'keyword']);
    for (const s of Object.values(r.modes)) expect(Object.keys(s)).toEqual(['ndcg@10', 'recall@100', 'mrr@10']);
    // The keyword mode finds the titled document first for every query: a perfect MRR.
    expect(r.modes.keyword!['mrr@10']).toBe(1);
    expect(r.modes.keyword!['recall@100']).toBe(1);
    expect(r.modes.keyword!['ndcg@10']).toBeGreaterThan(0.9);
  });

  it('reuses the cached index and honours --mode', async () => {
    const before = await readdir(cache);
    const build = await readFile(path.join(cache, before[0]!, 'CURRENT'), 'utf8');
    const { report: r, stderr } = await evalRun(['--mode', 'keyword']);
    expect(Object.keys(r.modes)).toEqual(['keyword']);
    expect(await readdir(cache)).toEqual(before);
    expect(await readFile(path.join(cache, before[0]!, 'CURRENT'), 'utf8')).toBe(build);
    expect(stderr).not.toMatch(/rebuilding|building the/);
  });

  it('rebuilds an index cached by older code, saying so in one line', async () => {
    const [entry] = await readdir(cache);
    const keyFile = path.join(cache, entry!, 'cache-key.json');
    const build = await readFile(path.join(cache, entry!, 'CURRENT'), 'utf8');
    const key = JSON.parse(await readFile(keyFile, 'utf8')) as Record<string, unknown>;
    await writeFile(keyFile, JSON.stringify({ ...key, code: 'what an older checkout hashed to' }));
    const { stderr } = await evalRun(['--mode', 'keyword']);
    expect(stderr.split('\n').filter((l) => /rebuilding/.test(l))).toEqual([
      `rebuilding the cached mini-beir index (test-tiny, fp32): the code that builds indexes changed`,
    ]);
    expect(await readFile(path.join(cache, entry!, 'CURRENT'), 'utf8')).not.toBe(build);
    // A cache from before keys existed is rebuilt too.
    await writeFile(keyFile, '');
    expect((await evalRun(['--mode', 'keyword'])).stderr).toMatch(/rebuilding the cached mini-beir index \(test-tiny, fp32\): it has no cache key/);
  });

  it('rebuilds when any file of the index-building code is edited (its content is hashed)', async () => {
    // A copy of the index-building sources stands in for the checkout, so the test can edit one of them.
    const code = await tempDir();
    for (const p of INDEX_CODE) await cp(path.join(ROOT, p), path.join(code, p), { recursive: true }).catch(() => {});
    const own = await tempDir();
    const logs: string[] = [];
    const open = async () => {
      logs.length = 0;
      const r = await evalIndex({ dir, embedder: await tinyEmbedder(), cacheDir: own, codeRoot: code, log: (l) => logs.push(l) });
      r.index.close();
      return r.index.manifest.buildId;
    };
    const first = await open();
    expect(await open()).toBe(first);
    expect(logs.filter((l) => /build/.test(l))).toEqual([]);
    for (const file of ['src/search/fts.ts', 'src/store/papers.ts', 'src/ingest/records.ts']) {
      const before = await open();
      await appendFile(path.join(code, file), '\n// an edit\n');
      expect(await open()).not.toBe(before);
      expect(logs[0]).toBe('rebuilding the cached mini-beir index (test-tiny, fp32): the code that builds indexes changed');
    }
    // Code outside the index's making (the server, say) does not invalidate it.
    await mkdir(path.join(code, 'src', 'api'), { recursive: true });
    await writeFile(path.join(code, 'src', 'api', 'app.ts'), '// edited');
    const kept = await open();
    expect(await open()).toBe(kept);
  });

  it('rebuilds when the model folder holds other weights under the same name and dtype', async () => {
    const own = await tempDir();
    const logs: string[] = [];
    const open = async (model: string) => {
      logs.length = 0;
      const embedder = await loadTransformersEmbedder({ model, modelsDir: path.dirname(model), allowRemote: false });
      try {
        const r = await evalIndex({ dir, embedder, cacheDir: own, log: (l) => logs.push(l) });
        r.index.close();
        return r.index.manifest.buildId;
      } finally {
        await embedder.dispose();
      }
    };
    const first = await open(await tinyModelDir());
    expect(await open(await tinyModelDir())).toBe(first);
    // Same folder name (test-tiny), same dtype, other random weights: as a re-import with another converter would be.
    const other = (await writeBertModel({ outDir: path.join(await tempDir(), 'test-tiny'), seed: 99 })).dir;
    expect(await open(other)).not.toBe(first);
    expect(logs[0]).toBe("rebuilding the cached mini-beir index (test-tiny, fp32): the model's weights changed (another vector for a fixed passage)");
  });

  it('indexes untitled and title-only documents, and counts empty ones apart', async () => {
    const d = await beirFolder('partial-beir', [
      { _id: 'd1', title: '', text: 'Wing flutter at transonic speeds.' },
      { _id: 'd2', title: 'Title only: panel flutter', text: '' },
      { _id: 'd3', title: '', text: '' },
    ]);
    const { report, stderr } = await evalRun(['--mode', 'keyword'], d);
    expect(report.corpus).toEqual({ documents: 3, indexed: 2, empty: 1 });
    expect(stderr).toContain('partial-beir: indexed 2 of 3 corpus documents; 1 is empty (no title, no text: d3) and cannot be indexed, but stays in the qrels\n');
    expect(report.modes.keyword!['mrr@10']).toBe(1);
  });

  it('fails loudly (exit 2, nothing scored) when documents with content were dropped', async () => {
    const d = await beirFolder('lossy-beir', [
      { _id: 'd1', title: 'Wing flutter', text: 'Flutter of wings.' },
      { _id: 'd2', title: 'Bell \u0007 character', text: 'Control characters are rejected.' },
      { _id: 'd1', title: 'Duplicate id', text: 'Same id again.' },
    ]);
    const r = await run(process.execPath, [CLI, 'eval', d, '--model', await tinyModelDir(), '--cache', cache, '--json'], { cwd: ROOT }).catch((e: { code: number; stdout: string; stderr: string }) => e);
    expect(r).toMatchObject({ code: 2, stdout: '' });
    expect(r.stderr).toMatch(/lossy-beir: only 1 of 3 corpus documents were indexed \(2 dropped, among them d2; reasons in \S+rejects\.txt\): scores against part of the corpus would be wrong/);
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
