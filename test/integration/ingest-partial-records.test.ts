// Title-only and untitled records: indexed, embedded by the text they have, searchable, shown under a derived title.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Embedder } from '../../src/embed/embedder.js';
import { openIndex, type OpenIndex } from '../../src/store/index.js';
import { Searcher } from '../../src/search/searcher.js';
import { buildTemp, removeTempDirs, serveIndex, tempDir, tinyEmbedder, writeLines } from '../helpers.js';

const ABS = 'Turbine blades crack under cyclic thermal load. We measure crack growth in nickel alloys over many cycles.';
const RECORDS = [
  { id: 'titled', title: 'Fatigue of superalloys', abstract: ABS },
  // The same abstract without a title: keyword scores must not count its first sentence as a title match.
  { id: 'untitled', title: '', abstract: ABS },
  { id: 'title-only', title: 'Compressor surge margins in jet engines' },
  { id: 'other', title: 'Protein folding', abstract: 'Folding pathways of small proteins in water.' },
];

let emb: Embedder;
let index: OpenIndex;
let searcher: Searcher;
let indexDir: string;

beforeAll(async () => {
  emb = await tinyEmbedder();
  const src = await writeLines(path.join(await tempDir(), 'partial.jsonl'), RECORDS.map((r) => JSON.stringify(r)));
  const built = await buildTemp(emb, [src]);
  indexDir = built.indexDir;
  expect(built.summary).toMatchObject({ papers: 4, rejected: 0 });
  index = await openIndex(indexDir);
  searcher = new Searcher(index, emb);
});
afterAll(async () => {
  index?.close();
  await removeTempDirs();
});

const stored = (id: string) => index.db.prepare('SELECT title, abstract FROM papers WHERE id = ?').get(id) as { title: string; abstract: string };
const vectorOf = (id: string) => index.papers.getVector(index.papers.getById(id)!.label)!;

describe('records with a title or an abstract, not both', () => {
  it('stores an untitled paper with an empty title and shows the first sentence of its abstract', () => {
    expect(stored('untitled')).toEqual({ title: '', abstract: ABS });
    const p = searcher.getPaper('untitled');
    expect(p.title).toBe('Turbine blades crack under cyclic thermal load');
    expect(p.titleDerived).toBe(true);
    expect(searcher.getPaper('titled').titleDerived).toBeUndefined();
  });

  it('embeds a title-only paper as its title alone and an untitled one as its abstract alone', async () => {
    const [title, abstract, withDot] = await emb.embedPassages(['Compressor surge margins in jet engines', ABS, 'Compressor surge margins in jet engines. ']);
    expect([...vectorOf('title-only')]).toEqual([...title!]);
    expect([...vectorOf('title-only')]).not.toEqual([...withDot!]);
    expect([...vectorOf('untitled')]).toEqual([...abstract!]);
  });

  it('finds a title-only paper by its title words in every mode', async () => {
    for (const mode of ['keyword', 'hybrid'] as const) {
      const r = await searcher.search({ q: 'compressor surge', mode, limit: 1 });
      expect(r.results[0]?.id, mode).toBe('title-only');
    }
    const sem = await searcher.search({ q: 'Compressor surge margins in jet engines', mode: 'semantic', limit: 1 });
    expect(sem.results[0]?.id).toBe('title-only');
  });

  it("does not count an untitled paper's first sentence as a title match", async () => {
    // Both papers hold the query words in the abstract only (the titled one's title lacks them): equal BM25.
    const r = await searcher.search({ q: 'turbine blades', mode: 'keyword', limit: 10, explain: true });
    const score = (id: string) => r.results.find((h) => h.id === id)!.explain!.keyword!.score;
    expect(score('untitled')).toBeCloseTo(score('titled'), 6);
  });

  it('says over the API which titles are derived', async () => {
    const server = await serveIndex(indexDir, emb);
    try {
      const hit = (await (await fetch(`${server.url}/api/search?q=turbine&mode=keyword&limit=5`)).json()) as { results: { id: string; title: string; titleDerived?: boolean }[] };
      expect(hit.results.find((h) => h.id === 'untitled')).toMatchObject({ title: 'Turbine blades crack under cyclic thermal load', titleDerived: true });
      expect(hit.results.find((h) => h.id === 'titled')).not.toHaveProperty('titleDerived');
      const paper = (await (await fetch(`${server.url}/api/papers/title-only`)).json()) as { title: string; abstract: string };
      expect(paper).toMatchObject({ title: 'Compressor surge margins in jet engines', abstract: '' });
      const page = await (await fetch(`${server.url}/papers/title-only`)).text();
      expect(page).toContain('has a title only');
    } finally {
      await server.close();
    }
  });
});
