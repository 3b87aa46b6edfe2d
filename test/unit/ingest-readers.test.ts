// The ingest readers: line splitting (gzip, CRLF, BOM, invalid UTF-8, over-long lines), arXiv/BEIR/Paper JSON shapes, CSV.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { detectFormat, parseCsvMap, readSource, type SourceFormat, type ReadOptions } from '../../src/ingest/index.js';
import { readLines } from '../../src/ingest/lines.js';
import { detectShape, isoDate } from '../../src/ingest/records.js';
import type { Paper } from '../../src/paper.js';
import { removeTempDirs, tempDir } from '../helpers.js';

afterAll(removeTempDirs);

async function file(name: string, content: string | Buffer): Promise<string> {
  const f = path.join(await tempDir(), name);
  await writeFile(f, content);
  return f;
}

async function collect(f: string, format: SourceFormat = 'auto', opts: ReadOptions = {}): Promise<{ papers: (Paper & { line: number })[]; rejects: string[] }> {
  const papers: (Paper & { line: number })[] = [];
  const rejects: string[] = [];
  for await (const it of readSource(f, format, opts)) {
    if (it.kind === 'paper') papers.push({ ...it.paper, line: it.line });
    else rejects.push(`${it.line}: ${it.reason}`);
  }
  return { papers, rejects };
}

const ABS = 'We study retrieval of scientific papers with dense embeddings.';

// A record exactly as the public arXiv metadata snapshot (Kaggle arxiv-metadata-oai-snapshot.json) has it.
const SNAPSHOT = {
  id: '0704.0001',
  submitter: 'Pavel Nadolsky',
  authors: "C. Bal\\'azs, E. L. Berger, P. M. Nadolsky, C.-P. Yuan",
  title: 'Calculation of prompt diphoton production cross sections at Tevatron and\n  LHC energies',
  comments: '37 pages, 15 figures; published version',
  'journal-ref': 'Phys.Rev.D76:013009,2007',
  doi: '10.1103/PhysRevD.76.013009',
  'report-no': 'ANL-HEP-PR-07-12',
  categories: 'hep-ph hep-ex',
  license: null,
  abstract: '  A fully differential calculation in perturbative quantum chromodynamics is\npresented for the production of massive photon pairs at hadron colliders.\\\\ All next-to-leading order\n',
  versions: [
    { version: 'v1', created: 'Mon, 2 Apr 2007 19:18:42 GMT' },
    { version: 'v2', created: 'Tue, 24 Jul 2007 20:10:27 GMT' },
  ],
  update_date: '2008-11-13',
  authors_parsed: [
    ["Bal\\'azs", 'C.', ''],
    ['Berger', 'E. L.', ''],
    ['Nadolsky', 'P. M.', ''],
    ['Yuan', 'C. -P.', ''],
  ],
};

describe('readLines', () => {
  it('splits \\n and \\r\\n, drops a BOM, keeps a last line without newline, reads gzip by its magic bytes', async () => {
    const text = '\uFEFFone\r\ntwo\n\nfour';
    for (const f of [await file('a.txt', text), await file('a.bin', gzipSync(Buffer.from(text)))]) {
      const lines = [];
      for await (const l of readLines(f)) lines.push(l);
      expect(lines).toEqual([
        { line: 1, text: 'one' },
        { line: 2, text: 'two' },
        { line: 3, text: '' },
        { line: 4, text: 'four' },
      ]);
    }
  });

  it('reports invalid UTF-8 and over-long lines on their own line, without buffering them', async () => {
    const f = await file('b.txt', Buffer.concat([Buffer.from('ok\nbad \xff byte\n', 'latin1'), Buffer.from(`${'x'.repeat(5000)}\nafter\n`)]));
    const lines = [];
    for await (const l of readLines(f, 1000)) lines.push(l);
    expect(lines).toEqual([
      { line: 1, text: 'ok' },
      { line: 2, text: 'bad \uFFFD byte', error: 'invalid UTF-8' },
      { line: 3, text: '', error: expect.stringMatching(/^line longer than/) },
      { line: 4, text: 'after' },
    ]);
  });
});

describe('record shapes', () => {
  it('detects BEIR, the arXiv snapshot and our own shape per record', () => {
    expect(detectShape({ _id: '1', title: 't', text: 'x' })).toBe('beir');
    expect(detectShape(SNAPSHOT)).toBe('arxiv');
    expect(detectShape({ id: '2503.1', title: 't', abstract: 'a', authors: [] })).toBe('paper');
  });

  it('reads dates in ISO, timestamp and RFC 2822 form', () => {
    expect(isoDate('2008-11-13')).toBe('2008-11-13');
    expect(isoDate('2008-11-13T10:00:00Z')).toBe('2008-11-13');
    expect(isoDate('Mon, 2 Apr 2007 19:18:42 GMT')).toBe('2007-04-02');
    expect(isoDate('soon')).toBeUndefined();
    expect(isoDate(5)).toBeUndefined();
  });

  it('maps an arXiv snapshot record: parsed authors, first version date, split categories, clean text, URL', async () => {
    const noVersions = { ...SNAPSHOT, id: 'math/0102001', versions: [], authors_parsed: undefined, authors: 'A. Smith, B. Jones and C. Lee' };
    const f = await file('arxiv-metadata-oai-snapshot.json', [SNAPSHOT, noVersions].map((r) => JSON.stringify(r)).join('\n') + '\n');
    const { papers, rejects } = await collect(f);
    expect(rejects).toEqual([]);
    expect(papers[0]).toMatchObject({
      id: '0704.0001',
      title: 'Calculation of prompt diphoton production cross sections at Tevatron and LHC energies',
      abstract:
        'A fully differential calculation in perturbative quantum chromodynamics is presented for the production of massive photon pairs at hadron colliders. All next-to-leading order',
      authors: ["C. Bal\\'azs", 'E. L. Berger', 'P. M. Nadolsky', 'C. -P. Yuan'],
      categories: ['hep-ph', 'hep-ex'],
      date: '2007-04-02',
      year: 2007,
      url: 'https://arxiv.org/abs/0704.0001',
      doi: '10.1103/PhysRevD.76.013009',
      line: 1,
    });
    expect(papers[1]).toMatchObject({ id: 'math/0102001', authors: ['A. Smith', 'B. Jones', 'C. Lee'], date: '2008-11-13', url: 'https://arxiv.org/abs/math/0102001' });
  });

  it('reads the arXiv JSONL shape of the shared data (arrays, date, extra keys ignored), gzipped', async () => {
    const rec = {
      id: 'math/9201241',
      title: 'The primal framework. I',
      abstract: ABS,
      authors: ['Baldwin, John T.', 'Shelah, Saharon'],
      categories: ['Mathematics - Logic'],
      date: '1990-01-14',
      journal_ref: 'Ann. Pure Appl. Logic 46 (1990), 235--264',
      comment: '20 pages',
    };
    const f = await file('arxiv.jsonl.gz', gzipSync(JSON.stringify(rec) + '\n'));
    for (const format of ['auto', 'arxiv'] as const) {
      const { papers, rejects } = await collect(f, format);
      expect(rejects).toEqual([]);
      expect(papers[0]).toMatchObject({ id: 'math/9201241', authors: ['Baldwin, John T.', 'Shelah, Saharon'], categories: ['Mathematics - Logic'], date: '1990-01-14', year: 1990, url: 'https://arxiv.org/abs/math/9201241' });
    }
  });

  it('reads a BEIR corpus, detected or forced', async () => {
    const recs = [{ _id: '4983', title: 'Microstructure', text: ABS }, { _id: 7, title: '', text: '' }, { _id: 8, title: '', text: ABS }, { _id: 9, title: 'Title only', text: '' }];
    const f = await file('corpus.jsonl', recs.map((r) => JSON.stringify(r)).join('\n'));
    for (const format of ['auto', 'beir'] as const) {
      const { papers, rejects } = await collect(f, format);
      // Untitled passages (FiQA, MS MARCO) and title-only records are documents; a record with neither is not.
      expect(papers.map((p) => [p.id, p.title, p.abstract])).toEqual([
        ['4983', 'Microstructure', ABS],
        ['8', '', ABS],
        ['9', 'Title only', ''],
      ]);
      expect(rejects).toEqual(['2: empty title and abstract']);
    }
  });

  it('names the field of the wrong type and explains a JSON array file', async () => {
    const f = await file('types.jsonl', ['[{"title":"a"}]', JSON.stringify({ title: 5, abstract: ABS }), JSON.stringify({ title: 'T', abstract: ABS, authors: 3 })].join('\n'));
    const { rejects } = await collect(f);
    expect(rejects).toEqual([
      '1: not a JSON object: a JSON array file is not JSON lines; write one object per line',
      '2: title must be a string, got number',
      '3: authors: must be a list of names (strings) or one string',
    ]);
  });
});

describe('CSV', () => {
  it('maps default column names, quoted multi-line fields, lists and dates; reports rows with their first line', async () => {
    const csv = [
      'ID,Title,Abstract,Authors,Date,Categories',
      `p1,"Dense, retrieval","${ABS}\nSecond line with ""quotes"".",A. Smith; B. Jones,2021-05-04,cs.IR cs.CL`,
      'p2,No abstract,,X,2020,',
      'p2b,,,Y,2020,',
      '',
      `p3,Third,${ABS},"Lee, C.",2019,"cs.LG, stat.ML"`,
    ].join('\r\n');
    const { papers, rejects } = await collect(await file('papers.csv', csv));
    expect(rejects).toEqual(['5: empty title and abstract']);
    expect(papers).toHaveLength(3);
    expect(papers[0]).toMatchObject({ id: 'p1', title: 'Dense, retrieval', abstract: `${ABS} Second line with "quotes".`, authors: ['A. Smith', 'B. Jones'], date: '2021-05-04', categories: ['cs.IR', 'cs.CL'], line: 2 });
    expect(papers[1]).toMatchObject({ id: 'p2', title: 'No abstract', abstract: '', line: 4 });
    expect(papers[2]).toMatchObject({ id: 'p3', authors: ['Lee', 'C.'], year: 2019, categories: ['cs.LG', 'stat.ML'], line: 7 });
  });

  it('takes column names from --csv-map, reads TSV and gzip, and fails clearly on an unknown column', async () => {
    const tsv = ['Key\tName\tSummary\tWriters', `k1\tMapped title\t${ABS}\tAnn Lee`].join('\n');
    const f = await file('export.tsv.gz', gzipSync(tsv));
    expect(await detectFormat(f)).toBe('csv');
    const map = parseCsvMap('id=Key, title=Name,abstract=Summary,authors=Writers');
    const { papers } = await collect(f, 'auto', { csvMap: map });
    expect(papers[0]).toMatchObject({ id: 'k1', title: 'Mapped title', abstract: ABS, authors: ['Ann Lee'] });
    await expect(collect(f, 'auto', { csvMap: parseCsvMap('abstract=Nope') })).rejects.toThrow(/no column "Nope" for abstract/);
    await expect(collect(await file('none.csv', 'Key,Name\nk1,x\n'))).rejects.toThrow(/no title or abstract column .*--csv-map title=COLUMN or abstract=COLUMN/);
    // One of the two is enough: a title-only export reads.
    const titles = await collect(await file('titles.csv', 'Title,Year\nA bibliographic record,1999\n'));
    expect(titles.papers).toMatchObject([{ title: 'A bibliographic record', abstract: '', year: 1999 }]);
    expect(() => parseCsvMap('colour=Red')).toThrow(/unknown field "colour"/);
  });

  it('rejects a row with invalid UTF-8 bytes (even inside a multi-line field) and reads on', async () => {
    const csv = Buffer.concat([Buffer.from(`title,abstract\nFirst,"${ABS}\nsecond line caf`), Buffer.from([0xe9]), Buffer.from(`"\nNext,${ABS}\n`)]);
    const { papers, rejects } = await collect(await file('latin1.csv', csv));
    expect(rejects).toEqual(['2: invalid UTF-8']);
    expect(papers.map((p) => [p.title, p.line])).toEqual([['Next', 4]]);
  });

  it('reports a malformed row and reads on', async () => {
    const csv = ['title,abstract', `Good one,${ABS}`, 'Bad,"unclosed', `Never,${ABS}`].join('\n');
    const { papers, rejects } = await collect(await file('bad.csv', csv));
    expect(papers.map((p) => p.title)).toEqual(['Good one']);
    expect(rejects).toHaveLength(1);
    expect(rejects[0]).toMatch(/^3: malformed CSV/);
  });
});

describe('format detection', () => {
  it('uses the extension, then the content; unknown content is a clear error', async () => {
    expect(await detectFormat('x/seed.txt')).toBe('daily-papers');
    expect(await detectFormat('x/arxiv-metadata-oai-snapshot.json')).toBe('jsonl');
    expect(await detectFormat(await file('noext', '{"title":"a"}\n'))).toBe('jsonl');
    await expect(detectFormat(await file('weird.bin', 'hello'))).rejects.toThrow(/unknown source format.*--format/);
  });
});
