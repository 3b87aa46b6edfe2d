// The keyword engine against FTS5 itself on small real tables: same ids, same scores, same order, ties and filters included.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toFtsQuery } from '../../src/search/fts.js';
import { countMatches, labelBits, type KeywordSegment } from '../../src/search/keyword-index.js';
import { topK } from '../../src/search/keyword-topk.js';
import { openWritable, type DB } from '../../src/store/db.js';
import { buildKeywordDelta, buildKeywordSegment, parseInstances } from '../../src/store/keyword-build.js';
import { KeywordIndex, parseMatch } from '../../src/store/keywords.js';
import { PaperStore, type PaperFilters } from '../../src/store/papers.js';
import { removeTempDirs, tempDir } from '../helpers.js';

afterAll(removeTempDirs);

/** [postings scanned, probes, docs scored] of the engine on randomDocs(3000, 7), by query and depth (see 'pruning, pinned'). */
const PINNED: Record<string, number[]> = {
  'alpha beta @1': [2976,  1806,  1802],
  'alpha beta @7': [2976,  1806,  1832],
  'alpha beta @50': [2976,  1837,  1932],
  'quantum spin wave @1': [1377,  258,  43],
  'quantum spin wave @7': [1377,  645,  198],
  'quantum spin wave @50': [2273,  547,  753],
  'sigma omega tensor graph @1': [1676,  1375,  93],
  'sigma omega tensor graph @7': [2880,  794,  182],
  'sigma omega tensor graph @50': [2880,  1394,  630],
  'beta -alpha @1': [2283,  985,  47],
  'beta -alpha @7': [2283,  1139,  50],
  'beta -alpha @50': [2283,  2271,  65],
  'kappa -theta -wave @1': [896,  36,  10],
  'kappa -theta -wave @7': [1408,  108,  35],
  'kappa -theta -wave @50': [1494,  561,  147],
};

interface Doc {
  id: string;
  title: string;
  abstract: string;
  year?: number;
  categories?: string[];
}

async function tableOf(docs: readonly Doc[]): Promise<DB> {
  const db = openWritable(path.join(await tempDir('paperscope-kw-'), 'papers.sqlite'));
  const ins = db.prepare('INSERT INTO papers (id, title, abstract, year, categories, content_hash) VALUES (?, ?, ?, ?, ?, ?)');
  db.transaction(() => {
    for (const d of docs) ins.run(d.id, d.title, d.abstract, d.year ?? null, JSON.stringify(d.categories ?? []), '');
  })();
  return db;
}

function engineOf(db: DB): KeywordIndex {
  const { segment, columns, tokenize } = buildKeywordSegment(db);
  return new KeywordIndex([{ segment, meta: { buildId: 't', table: 'papers_fts', columns, tokenize, sqliteVersion: '', createdAt: '' } }], 0);
}

/** Asserts the engine answers like FTS5 (ids in order, scores to 1e-9 relative, the total) and took its fast path. */
function expectSame(db: DB, kw: KeywordIndex, q: string, k: number, f?: PaperFilters, weights = { title: 3, abstract: 1 }): void {
  const match = toFtsQuery(q).match!;
  const want = new PaperStore(db).keywordSearch(match, f, k, weights);
  const fast = new PaperStore(db, kw);
  const got = fast.keywordSearch(match, f, k, weights);
  expect(kw.last.fallback, q).toBeUndefined();
  expect(got.map((h) => h.label), q).toEqual(want.map((h) => h.label));
  got.forEach((h, i) => expect(Math.abs(h.score - want[i]!.score) / want[i]!.score, q).toBeLessThan(1e-9));
  expect(fast.keywordCount(match, f), q).toBe(new PaperStore(db).keywordCount(match, f));
}

const DOCS: Doc[] = [
  { id: 'p-graph', title: 'Graph neural networks for molecules', abstract: 'We learn molecular graphs with message passing networks.', year: 2020, categories: ['cs.LG'] },
  { id: 'p-naive', title: 'A naïve Bayes baseline', abstract: 'Naive Bayes classifiers remain strong baselines for text.', year: 2019, categories: ['cs.CL'] },
  { id: 'p-vision', title: 'Vision transformers', abstract: 'Transformers split images into patches; the network attends over patches.', year: 2021, categories: ['cs.CV'] },
  { id: 'p-speech', title: 'Speech recognition with neural networks', abstract: 'Acoustic models and language models for speech.', year: 2018, categories: ['cs.CL', 'eess.AS'] },
  { id: 'p-proteins', title: 'Protein folding', abstract: 'Structure prediction of proteins from sequences with deep networks.', year: 2021, categories: ['q-bio.BM'] },
  // Identical texts under ids that sort differently from their insertion order: equal scores, broken by id.
  ...['z-dup', 'a-dup', 'm-dup', 'b-dup'].map((id) => ({ id, title: 'Neural network pruning', abstract: 'Pruning weights of a neural network.', year: 2022 })),
];

describe('keyword engine vs FTS5 on a small table', () => {
  let db: DB;
  let kw: KeywordIndex;
  beforeAll(async () => {
    db = await tableOf(DOCS);
    kw = engineOf(db);
  });

  it.each([
    'neural networks',
    'network',
    'neural network pruning',
    'naive',
    'naïve bayes',
    'network networks',
    'speech language models',
    'what is this',
    'transformers -vision',
    'neural -pruning -speech',
  ])('ranks %j exactly as FTS5', (q) => {
    for (const k of [1, 2, 3, 5, 100]) expectSame(db, kw, q, k);
  });

  it('breaks ties at the cut by paper id, as FTS5 ORDER BY does', () => {
    const match = toFtsQuery('pruning').match!;
    const ids = new PaperStore(db, kw).keywordSearch(match, undefined, 2).map((h) => new PaperStore(db).getByLabel(h.label)!.id);
    expect(ids).toEqual(['a-dup', 'b-dup']);
  });

  it('applies filters and other column weights exactly', () => {
    expectSame(db, kw, 'neural networks', 3, { yearFrom: 2020 });
    expectSame(db, kw, 'neural networks', 10, { categories: ['cs.CL'] });
    expectSame(db, kw, 'neural networks', 10, { yearFrom: 2030 });
    expectSame(db, kw, 'neural networks pruning', 4, undefined, { title: 1, abstract: 2 });
    expectSame(db, kw, 'neural networks pruning', 4, undefined, { title: 10, abstract: 0.5 });
  });

  it('returns nothing for terms absent from the vocabulary, and scores the rest', () => {
    const fast = new PaperStore(db, kw);
    const match = toFtsQuery('zzzqqq').match!;
    expect(fast.keywordSearch(match, undefined, 10)).toEqual([]);
    expect(fast.keywordCount(match, undefined)).toBe(0);
    expect(kw.last.fallback).toBeUndefined();
    expectSame(db, kw, 'zzzqqq proteins', 10);
  });

  it('leaves phrases and prefixes to FTS5, with the same answers', () => {
    const fast = new PaperStore(db, kw);
    for (const [q, why] of [
      ['"neural network" pruning', 'phrase of several tokens'],
      ['netw*', 'prefix term'],
    ] as const) {
      const match = toFtsQuery(q).match!;
      expect(fast.keywordSearch(match, undefined, 10)).toEqual(new PaperStore(db).keywordSearch(match, undefined, 10));
      expect(kw.last.fallback).toBe(why);
    }
  });
});

describe('parseInstances', () => {
  const postings = (s: string) => {
    const out = { n: 0, doc: new Int32Array(8), title: new Int32Array(8), abstract: new Int32Array(8) };
    parseInstances(s, (label) => label - 10, out);
    return [...out.doc.slice(0, out.n)].map((d, i) => [d, out.title[i], out.abstract[i]]);
  };

  it('turns fts5vocab instances (2*rowid + is-title) into per-document title and abstract frequencies', () => {
    expect(postings('21,20,20,30')).toEqual([
      [0, 1, 2],
      [5, 0, 1],
    ]);
  });

  it('sorts a list that is not in rowid order instead of trusting it', () => {
    expect(postings('30,20,21,20')).toEqual([
      [0, 1, 2],
      [5, 0, 1],
    ]);
  });
});

describe('parseMatch', () => {
  it('reads what toFtsQuery writes', () => {
    expect(parseMatch(toFtsQuery('graph "neural nets" mol* -toxic').match!)).toEqual({
      include: [
        { text: 'graph', prefix: false },
        { text: 'neural nets', prefix: false },
        { text: 'mol', prefix: true },
      ],
      exclude: [{ text: 'toxic', prefix: false }],
    });
    expect(parseMatch('"say ""hi"""')).toEqual({ include: [{ text: 'say "hi"', prefix: false }], exclude: [] });
  });

  it.each(['a OR b', '"open', 'NEAR("a" "b")', '"a" NOT "b" NOT "c"', ''])('rejects %j (FTS5 answers it)', (m) => {
    expect(parseMatch(m)).toBeUndefined();
  });
});

/** A deterministic random corpus over a small vocabulary: long posting lists (many blocks) and many equal scores. */
function randomDocs(n: number, seed: number): Doc[] {
  let s = seed;
  const rnd = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const words = 'alpha beta gamma delta epsilon zeta theta kappa lambda sigma omega tensor graph field quantum spin wave'.split(' ');
  const pick = (m: number) => Array.from({ length: m }, () => words[Math.floor(rnd() ** 2 * words.length)]).join(' ');
  return Array.from({ length: n }, (_, i) => ({ id: `d${Math.floor(rnd() * 1e6)}-${i}`, title: pick(1 + Math.floor(rnd() * 4)), abstract: pick(Math.floor(rnd() * 30)) }));
}

describe('keyword engine vs FTS5 on a random corpus (multi-block lists, heavy ties)', () => {
  let db: DB;
  let kw: KeywordIndex;
  beforeAll(async () => {
    db = await tableOf(randomDocs(3000, 7));
    kw = engineOf(db);
  });

  it.each(['alpha', 'omega', 'alpha beta', 'quantum spin wave', 'sigma omega tensor graph', 'beta -alpha', 'alpha alpha gamma', 'kappa -theta -wave'])(
    'ranks %j exactly as FTS5 at every depth',
    (q) => {
      for (const k of [1, 7, 50, 300]) expectSame(db, kw, q, k);
    },
  );

});

/** The engine's work for a few queries at a few depths: [postings scanned, probes, docs scored] per query and k. */
function work(db: DB, kw: KeywordIndex, queries: readonly string[], ks: readonly number[]): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const q of queries) {
    for (const k of ks) {
      expectSame(db, kw, q, k);
      out[`${q} @${k}`] = [kw.last.postingsScanned, kw.last.probes, kw.last.docsScored];
    }
  }
  return out;
}

describe('pruning, pinned', () => {
  // Skipping and pruning change no answer (the tests above compare with FTS5), only the work: a change that scans
  // or scores more than this (a bound computed too loosely, a block not skipped) fails here, and one that does
  // less must update these figures knowingly. Every query is also checked against FTS5 on the way.
  it('does exactly this much work on the random corpus', async () => {
    const db = await tableOf(randomDocs(3000, 7));
    const kw = engineOf(db);
    const got = work(db, kw, ['alpha beta', 'quantum spin wave', 'sigma omega tensor graph', 'beta -alpha', 'kappa -theta -wave'], [1, 7, 50]);
    expect(got).toEqual(PINNED);
  });
});

describe('edge inputs of the engine', () => {
  it('answers nothing for a depth of 0 or a query of exclusions only, and refuses negative column weights', async () => {
    const db = await tableOf(DOCS);
    const kw = engineOf(db);
    const match = toFtsQuery('neural network').match!;
    expect(kw.search(match, 3, { title: 3, abstract: 1 })!.length).toBe(3);
    expect(kw.search(match, 0, { title: 3, abstract: 1 })).toEqual([]);
    expect(kw.last).toMatchObject({ postingsScanned: 0, docsScored: 0 });
    expect(kw.search(match, 1, { title: 0, abstract: 1 })!.length).toBe(1); // a zero weight is allowed
    expect(() => kw.search(match, 3, { title: -1, abstract: 1 })).toThrow(/negative column weights/);
    expect(() => kw.search(match, 3, { title: 1, abstract: -1 })).toThrow(/negative column weights/);
  });
});

describe('skipping', () => {
  it('reads only the blocks that can hold a top-k document', async () => {
    // "alpha" in 3000 abstracts (24 blocks), and in the title of papers 1-5 and of 6 more spread over the list:
    // once the first block has filled the top 5, only the blocks of those 6 can hold a better paper.
    const titled = (i: number) => (i >= 1 && i <= 5) || i % 500 === 250;
    const docs = Array.from({ length: 3000 }, (_, i) => ({
      id: `s${i}`,
      title: titled(i) ? 'alpha' : `topic ${i % 13}`,
      abstract: `filler text about alpha and ${'words '.repeat(5 + (i % 7))}`,
    }));
    const db = await tableOf(docs);
    const kw = engineOf(db);
    expectSame(db, kw, 'alpha', 5);
    expect(kw.last.postingsMatched).toBe(3000);
    expect(kw.last.postingsScanned).toBeLessThanOrEqual(7 * 128);
    expect(kw.last.docsScored).toBeLessThanOrEqual(7 * 128);
  });
});

describe('segments searched together', () => {
  it('equal FTS5 over their union (summed statistics), ties across segments broken by id, deletions excluded', async () => {
    const docs = randomDocs(1200, 11);
    const all = await tableOf(docs);
    // A base segment of the first 700 papers and a delta of the rest, each from its own temporary FTS5 table.
    const every = all.prepare('SELECT label FROM papers ORDER BY label').pluck().all() as number[];
    const segA = buildKeywordDelta(all, every.slice(0, 700)).segment;
    const segB = buildKeywordDelta(all, every.slice(700)).segment;
    expect([segA.docs, segB.docs]).toEqual([700, 500]);
    const idOf = (l: number) => new PaperStore(all).getByLabel(l)!.id;
    const tieBreak = (x: number, y: number) => (idOf(x) < idOf(y) ? -1 : 1);
    const deleted = new Set([3, 701, 702, 900]);
    const live = (seg: KeywordSegment) => labelBits(seg, [...seg.labels].filter((l) => !deleted.has(l)));
    const parts = () => [
      { segment: segA, accept: live(segA) },
      { segment: segB, accept: live(segB) },
    ];
    for (const q of ['alpha', 'quantum spin wave', 'beta gamma delta']) {
      const match = toFtsQuery(q).match!;
      const query = { phrases: parseMatch(match)!.include.map((p) => p.text), excluded: [] };
      // Lucene-style: deleted papers still count in the statistics (they are in FTS5 here), but never come back.
      const want = new PaperStore(all).keywordSearch(match, undefined, 2000).filter((h) => !deleted.has(h.label)).slice(0, 60);
      const got = topK(parts(), query, 60, { weights: { title: 3, abstract: 1 }, tieBreak }).hits;
      expect(got.map((h) => h.label), q).toEqual(want.map((h) => h.label));
      got.forEach((h, i) => expect(Math.abs(h.score - want[i]!.score) / h.score).toBeLessThan(1e-9));
      const count = all.prepare(`SELECT count(*) FROM papers_fts WHERE papers_fts MATCH ? AND rowid NOT IN (${[...deleted].join(',')})`).pluck().get(match);
      expect(countMatches(parts(), query)).toBe(count);
    }
  });
});

describe('an empty keyword segment', () => {
  it('is written and read back (a delta whose papers were all removed)', async () => {
    const { writeKeywordFile, readKeywordFile } = await import('../../src/store/keyword-file.js');
    const { mkdtemp } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const path = await import('node:path');
    const Database = (await import('better-sqlite3')).default;
    const db = new Database(':memory:');
    db.exec("CREATE TABLE papers (label INTEGER PRIMARY KEY, id TEXT, title TEXT, abstract TEXT); CREATE VIRTUAL TABLE papers_fts USING fts5(title, abstract, content='papers', content_rowid='label', tokenize='porter unicode61 remove_diacritics 2');");
    const { segment } = buildKeywordSegment(db);
    expect(segment.docs).toBe(0);
    const file = path.join(await mkdtemp(path.join(tmpdir(), 'paperscope-kw-empty-')), 'k.bin');
    writeKeywordFile(file, segment, { buildId: 'b', table: 'papers_fts', columns: ['title', 'abstract'], tokenize: 'porter unicode61 remove_diacritics 2', sqliteVersion: '', createdAt: '' });
    expect((await readKeywordFile(file)).segment.docs).toBe(0);
  });
});
