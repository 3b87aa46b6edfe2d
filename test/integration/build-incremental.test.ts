// Incremental builds on a real index: --update adds and re-embeds only what changed, --prune and remove delete for good, models never mix.
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildIndex, removePapers, type BuildOptions } from '../../src/build/index.js';
import type { Embedder } from '../../src/embed/embedder.js';
import { writeBertModel } from '../../src/embed/make-bert.js';
import { loadTransformersEmbedder } from '../../src/embed/transformers.js';
import { Searcher } from '../../src/search/searcher.js';
import { openIndex, resolveBuildDir } from '../../src/store/index.js';
import { ROOT, removeTempDirs, tempDir, tinyEmbedder } from '../helpers.js';
import { range, synthPaper, writePapers, type SynthPaper } from './build-fixtures.js';

afterAll(removeTempDirs);

/** Counts the passages it is asked to embed, so a test can prove unchanged papers cost nothing. */
function counting(e: Embedder): Embedder & { texts: string[] } {
  const texts: string[] = [];
  return {
    info: e.info,
    texts,
    embedPassages: (t) => {
      texts.push(...t);
      return e.embedPassages(t);
    },
    embedQuery: (t) => e.embedQuery(t),
    dispose: async () => {},
  };
}

let emb: Embedder;
let dir: string;
let indexDir: string;
const build = (papers: SynthPaper[], name: string, extra: Partial<BuildOptions> = {}) =>
  writePapers(path.join(dir, `${name}.jsonl`), papers).then((f) =>
    buildIndex({ indexDir, sources: [f], embedder: extra.embedder ?? emb, ...extra }),
  );

/** Every id the searcher can return for the given query text, through every route. */
async function reachable(s: Searcher, text: string, anchorIds: string[]): Promise<Set<string>> {
  const ids = new Set<string>();
  for (const mode of ['semantic', 'hybrid', 'keyword'] as const) {
    for (const h of (await s.search({ q: text, mode, limit: 100 })).results) ids.add(h.id);
  }
  for (const a of anchorIds) for (const h of s.related(a, { limit: 100 }).results) ids.add(h.id);
  for (const h of s.recommend({ positive: anchorIds.slice(0, 2), limit: 100 }).results) ids.add(h.id);
  return ids;
}

beforeAll(async () => {
  emb = await tinyEmbedder();
  dir = await tempDir();
  indexDir = path.join(dir, 'index');
});

describe('incremental builds', () => {
  const v1 = range(0, 60).map((n) => synthPaper(n));

  it('builds, then --update embeds only new and changed papers and grows the HNSW graph', async () => {
    const first = await build(v1, 'v1');
    expect(first).toMatchObject({ papers: 60, added: 60, updated: 0, unchanged: 0, removed: 0, embedded: 60 });
    const served = await openIndex(indexDir);
    const oldSearcher = new Searcher(served, emb);

    const counter = counting(emb);
    // 5 changed abstracts, 55 unchanged, 40 new: more than the first graph's capacity, so it must resize.
    const v2 = [...range(0, 60).map((n) => synthPaper(n, n >= 1 && n <= 5 ? 1 : 0)), ...range(60, 100).map((n) => synthPaper(n))];
    const s = await build(v2, 'v2', { mode: 'update', embedder: counter });
    expect(s).toMatchObject({ papers: 100, added: 40, updated: 5, unchanged: 55, removed: 0, rejected: 0, embedded: 45 });
    expect(counter.texts).toHaveLength(45);
    expect(counter.texts.every((t) => !t.startsWith(synthPaper(0).title + '.'))).toBe(true);

    const idx = await openIndex(indexDir);
    const searcher = new Searcher(idx, emb);
    // The re-embedded paper's stored vector is the new text's, and its exact text finds it first.
    const changed = synthPaper(3, 1);
    const text = `${changed.title}. ${changed.abstract}`;
    const [fresh] = await emb.embedPassages([text]);
    const stored = idx.papers.getVector(idx.papers.getById(changed.id)!.label)!;
    expect(Math.max(...stored.map((x, i) => Math.abs(x - fresh![i]!)))).toBeLessThan(1e-5);
    expect((await searcher.search({ q: text, mode: 'semantic', limit: 1 })).results[0]!.id).toBe(changed.id);
    const added = synthPaper(99);
    expect((await searcher.search({ q: `${added.title}. ${added.abstract}`, mode: 'semantic', limit: 1 })).results[0]!.id).toBe(added.id);
    expect(idx.vectors.count).toBe(100);
    // The index that was being served before the update still answers from its own files.
    expect((await oldSearcher.search({ q: text, mode: 'hybrid', limit: 5 })).results.length).toBe(5);
    served.close();
    idx.close();
  });

  it('keeps papers absent from an update, and removes them with --prune', async () => {
    const counter = counting(emb);
    const kept = await build(range(0, 50).map((n) => synthPaper(n, n >= 1 && n <= 5 ? 1 : 0)), 'subset', { mode: 'update', embedder: counter });
    expect(kept).toMatchObject({ papers: 100, added: 0, updated: 0, unchanged: 100, removed: 0, embedded: 0 });
    expect(counter.texts).toHaveLength(0);

    const pruned = await build(range(0, 80).map((n) => synthPaper(n, n >= 1 && n <= 5 ? 1 : 0)), 'pruned', { mode: 'update', prune: true });
    expect(pruned).toMatchObject({ papers: 80, added: 0, updated: 0, unchanged: 80, removed: 20, embedded: 0 });
    const idx = await openIndex(indexDir);
    const gone = synthPaper(90);
    const ids = await reachable(new Searcher(idx, emb), `${gone.title}. ${gone.abstract}`, ['syn-00010', 'syn-00011']);
    expect(ids.size).toBeGreaterThan(50);
    expect([...ids].filter((id) => Number(id.slice(4)) >= 80)).toEqual([]);
    idx.close();
  });

  it('removes papers by id: a new build, deleted from HNSW, never returned again', async () => {
    const before = resolveBuildDir(indexDir)!;
    const s = await removePapers({ indexDir, ids: ['syn-00020', 'syn-00021', 'no-such-paper'] });
    expect(s).toMatchObject({ papers: 78, removed: 2, notFound: ['no-such-paper'] });
    expect(resolveBuildDir(indexDir)).not.toBe(before);
    const idx = await openIndex(indexDir);
    const searcher = new Searcher(idx, emb);
    expect(idx.papers.count()).toBe(78);
    const p = synthPaper(20);
    const ids = await reachable(searcher, `${p.title}. ${p.abstract}`, ['syn-00022', 'syn-00019']);
    expect(ids.has('syn-00020') || ids.has('syn-00021')).toBe(false);
    expect(() => searcher.getPaper('syn-00020')).toThrow(/no paper/);
    idx.close();
    await expect(removePapers({ indexDir, ids: ['syn-00020'] })).rejects.toThrow(/no paper with id "syn-00020"/);
  });

  it('a full build makes the index exactly the sources, reusing unchanged vectors', async () => {
    const counter = counting(emb);
    const s = await build(range(0, 30).map((n) => synthPaper(n)), 'full', { embedder: counter });
    // Papers 1..5 go back to revision 0 (re-embedded); 20 and 21 were removed, so they are added again.
    expect(s).toMatchObject({ papers: 30, added: 2, updated: 5, unchanged: 23, removed: 50, embedded: 7 });
    expect(counter.texts).toHaveLength(7);
    // Only the current build and the one before it stay on disk.
    expect(readdirSync(path.join(indexDir, 'builds')).filter((n) => !n.endsWith('.txt'))).toHaveLength(2);
  });

  it('compacts the HNSW graph once deleted points pile up, and the survivors are still found', async () => {
    const root = path.join(dir, 'compact');
    const all = range(0, 1400).map((n) => synthPaper(n));
    await buildIndex({ indexDir: root, sources: [await writePapers(path.join(dir, 'c-all.jsonl'), all)], embedder: emb });
    const logs: string[] = [];
    const s = await buildIndex({ indexDir: root, sources: [await writePapers(path.join(dir, 'c-few.jsonl'), all.slice(0, 200))], embedder: emb, log: (l) => logs.push(l) });
    expect(s).toMatchObject({ papers: 200, removed: 1200, embedded: 0 });
    expect(logs.join('\n')).toMatch(/compacting the vector index: 1200 of its 1400 points are deleted/);
    const idx = await openIndex(root);
    expect(idx.vectors.count).toBe(200);
    const p = all[150]!;
    const ids = await reachable(new Searcher(idx, emb), `${p.title}. ${p.abstract}`, [p.id]);
    expect([...ids].every((id) => Number(id.slice(4)) < 200)).toBe(true);
    expect((await new Searcher(idx, emb).search({ q: `${p.title}. ${p.abstract}`, mode: 'semantic', limit: 1 })).results[0]!.id).toBe(p.id);
    idx.close();
  });

  it('refuses to build into a published build folder, whose own manifest would keep hiding the new build', async () => {
    const published = resolveBuildDir(indexDir)!;
    const papers = range(0, 5).map((n) => synthPaper(n));
    await expect(build(papers, 'nested', { indexDir: published })).rejects.toThrow(/is a published build, not an index root/);
    await expect(removePapers({ indexDir: published, ids: ['syn-00000'] })).rejects.toThrow(/is a published build/);
    expect(existsSync(path.join(published, 'builds'))).toBe(false);
  });

  it('--rebuild replaces a current build whose manifest is damaged (other modes refuse it)', async () => {
    const root = path.join(dir, 'damaged');
    const papers = range(0, 8).map((n) => synthPaper(n));
    await build(papers, 'damaged', { indexDir: root });
    writeFileSync(path.join(resolveBuildDir(root)!, 'manifest.json'), '{"broken"');
    await expect(build(papers, 'damaged', { indexDir: root })).rejects.toThrow(/unreadable manifest/);
    const s = await build(papers, 'damaged', { indexDir: root, mode: 'rebuild' });
    expect(s).toMatchObject({ papers: 8, added: 8 });
    const idx = await openIndex(root);
    expect(idx.manifest.buildId).toBe(s.buildId);
    idx.close();
  });

  it('refuses another model unless --rebuild, which re-embeds everything', async () => {
    const other = await writeBertModel({ outDir: path.join(dir, 'other-tiny'), seed: 99 });
    const e2 = await loadTransformersEmbedder({ model: other.dir, modelsDir: path.join(ROOT, 'models'), allowRemote: false });
    const papers = range(0, 30).map((n) => synthPaper(n));
    for (const mode of ['update', 'full'] as const) {
      await expect(build(papers, 'other', { mode, embedder: e2 })).rejects.toThrow(/built with test-tiny.*not other-tiny.*--rebuild/);
    }
    const s = await build(papers, 'other', { mode: 'rebuild', embedder: e2 });
    expect(s).toMatchObject({ model: 'other-tiny', papers: 30, added: 30, embedded: 30 });
    const idx = await openIndex(indexDir);
    expect(idx.manifest.model.modelId).toBe('other-tiny');
    idx.close();
    await e2.dispose();
    expect(existsSync(path.join(indexDir, 'build.lock'))).toBe(false);
  });
});
