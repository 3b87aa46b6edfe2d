// Citation exports: BibTeX parsed back by a real BibTeX parser (Better BibTeX's), RIS records, CSV parsed by csv-parse.
import { parse as parseBib } from '@retorquere/bibtex-parser';
import { parse as parseCsv } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { type CitablePaper, CSV_COLUMNS, arxivIdOf, bibtexEscape, citeKey, citeKeys, surname, toBibtex, toCsv, toRis } from '../../src/web/cite.js';

const ARXIV: CitablePaper = {
  id: '2401.01234',
  title: 'The Sparse Attention & 50% of $x_1$ {braces} ~ ^ \\ # Problem',
  abstract: 'We study {unbalanced braces and \\commands}.\nOn two lines.',
  authors: ['Ada Lovelace', 'Grace Brewster Hopper', 'Ünal Çelik'],
  date: '2024-01-03',
  year: 2024,
  categories: ['cs.LG', 'cs.CL'],
  url: 'https://arxiv.org/abs/2401.01234',
};
const OLD: CitablePaper = {
  id: 'hep-th/9901001v2',
  title: 'Strings on a lattice',
  authors: ['Lovelace, Ada'],
  year: 1999,
  categories: ['High Energy Physics - Theory'],
};
const SLUG: CitablePaper = {
  id: 'gpipe-efficient-training-73caf0',
  title: 'GPipe: efficient training',
  authors: [],
  categories: [],
  url: 'https://example.org/paper?id={1}',
  doi: '10.1234/abc_def{x}',
};

const bib = (text: string) => {
  const lib = parseBib(text, { sentenceCase: false });
  expect(lib.errors).toEqual([]);
  return lib.entries;
};

describe('citation keys', () => {
  it('first author surname + year + first significant title word, ASCII', () => {
    expect(citeKey(ARXIV)).toBe('lovelace2024sparse');
    expect(citeKey(OLD)).toBe('lovelace1999strings');
    expect(citeKey(SLUG)).toBe('anonndgpipe');
    expect(citeKey({ ...ARXIV, authors: ['Ünal Çelik'] })).toBe('celik2024sparse');
    expect(surname('Lovelace, Ada')).toBe('Lovelace');
    expect(surname('Ada  King Lovelace')).toBe('Lovelace');
  });
  it('deduplicates in list order, the same list always giving the same keys', () => {
    const keys = citeKeys([ARXIV, { ...ARXIV, id: '2401.09999' }, OLD, { ...ARXIV, id: '2401.08888' }]);
    expect(keys).toEqual(['lovelace2024sparse', 'lovelace2024sparsea', 'lovelace1999strings', 'lovelace2024sparseb']);
    expect(new Set(keys).size).toBe(4);
  });
});

describe('arxivIdOf', () => {
  it('from the id (without version) or from an arxiv.org URL', () => {
    expect(arxivIdOf(ARXIV)).toBe('2401.01234');
    expect(arxivIdOf(OLD)).toBe('hep-th/9901001');
    expect(arxivIdOf({ id: 'some-slug-abc123', url: 'https://arxiv.org/abs/2312.00001v3' })).toBe('2312.00001');
    expect(arxivIdOf(SLUG)).toBeUndefined();
  });
});

describe('BibTeX', () => {
  it('escapes every special so the text round-trips through a BibTeX parser', () => {
    expect(bibtexEscape('a & b_c {d}')).toBe('a \\& b\\_c \\{d\\}');
    const [e] = bib(toBibtex([ARXIV]));
    expect(e!.fields.title).toBe(ARXIV.title);
    expect(e!.fields.abstract).toBe('We study {unbalanced braces and \\commands}. On two lines.');
  });

  it('an arXiv paper is @misc with eprint, archivePrefix and primaryClass', () => {
    const [e] = bib(toBibtex([ARXIV]));
    expect(e!.type).toBe('misc');
    expect(e!.key).toBe('lovelace2024sparse');
    expect(e!.fields).toMatchObject({ eprint: '2401.01234', archiveprefix: 'arXiv', primaryclass: 'cs.LG', year: '2024', url: 'https://arxiv.org/abs/2401.01234' });
    expect(e!.fields.author!.map((a) => a.lastName)).toEqual(['Lovelace', 'Hopper', 'Çelik']);
  });

  it('an old-style id keeps its archive in eprint; subject names are no primaryClass', () => {
    const [e] = bib(toBibtex([OLD]));
    expect(e!.fields.eprint).toBe('hep-th/9901001');
    expect(e!.fields.primaryclass).toBeUndefined();
    expect(e!.fields.author![0]).toMatchObject({ lastName: 'Lovelace', firstName: 'Ada' });
  });

  it('a paper without authors or arXiv id still gives a valid entry with its DOI and a safe URL', () => {
    const [e] = bib(toBibtex([SLUG]));
    expect(e!.fields.eprint).toBeUndefined();
    expect(e!.fields.author).toBeUndefined();
    expect(e!.fields.doi).toBe('10.1234/abc_def%7Bx%7D');
    expect(e!.fields.url).toBe('https://example.org/paper?id=%7B1%7D');
  });

  it('a list gives one entry per paper with unique keys', () => {
    const entries = bib(toBibtex([ARXIV, OLD, SLUG, { ...ARXIV, id: '2401.05555' }]));
    expect(entries.map((e) => e.key)).toEqual(['lovelace2024sparse', 'lovelace1999strings', 'anonndgpipe', 'lovelace2024sparsea']);
  });
});

describe('RIS', () => {
  it('one record per paper, tags in the RIS form, one author per AU line, CRLF', () => {
    const ris = toRis([ARXIV, OLD]);
    const records = ris.split('ER  -').slice(0, -1);
    expect(records).toHaveLength(2);
    expect(ris).toContain('\r\n');
    expect(ris.split('\r\n').filter((l) => l && !/^[A-Z][A-Z0-9] {2}- /.test(l) && l !== 'ER  -')).toEqual([]);
    expect(records[0]).toContain('TY  - GEN\r\n');
    expect(records[0]!.match(/^AU {2}- .*$/gm)).toEqual(['AU  - Ada Lovelace', 'AU  - Grace Brewster Hopper', 'AU  - Ünal Çelik']);
    expect(records[0]).toContain('AB  - We study {unbalanced braces and \\commands}. On two lines.\r\n');
    expect(records[0]).toContain('UR  - https://arxiv.org/abs/2401.01234\r\n');
    expect(records[0]).toContain('DA  - 2024/01/03\r\n');
    expect(records[1]).toContain('N1  - arXiv:hep-th/9901001\r\n');
  });
});

describe('CSV', () => {
  it('a header and one row per paper that csv-parse reads back exactly', () => {
    const rows = parseCsv(toCsv([ARXIV, OLD, SLUG]), { columns: true }) as Record<string, string>[];
    expect(Object.keys(rows[0]!)).toEqual([...CSV_COLUMNS]);
    expect(rows).toHaveLength(3);
    expect(rows[0]).toMatchObject({ id: '2401.01234', title: ARXIV.title, authors: 'Ada Lovelace; Grace Brewster Hopper; Ünal Çelik', arxiv_id: '2401.01234', year: '2024' });
    expect(rows[0]!.abstract).toBe(ARXIV.abstract);
    expect(rows[2]).toMatchObject({ doi: '10.1234/abc_def{x}', arxiv_id: '', year: '' });
  });
  it('neutralises cells a spreadsheet would run as formulas', () => {
    const rows = parseCsv(toCsv([{ ...SLUG, title: '=HYPERLINK("http://evil")' }]), { columns: true }) as Record<string, string>[];
    expect(rows[0]!.title).toBe(`'=HYPERLINK("http://evil")`);
  });
});
