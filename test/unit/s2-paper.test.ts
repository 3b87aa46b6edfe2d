// The pure S2 mapping: id forms, the fields parameter, fields of study from arXiv categories, year ranges, paper objects.
import { describe, expect, it } from 'vitest';
import { arxivIdOf, fieldsOfStudy, parseFields, parsePaperRef, parseYearRange, toS2Paper } from '../../src/api/s2-paper.js';
import type { PaperRow } from '../../src/store/index.js';

describe('S2 paper ids', () => {
  it('reads ARXIV:, DOI: and URL: prefixes in any case, dropping arXiv versions', () => {
    expect(parsePaperRef('ARXIV:2401.01234')).toEqual({ kind: 'arxiv', id: '2401.01234' });
    expect(parsePaperRef('arXiv:2401.01234v3')).toEqual({ kind: 'arxiv', id: '2401.01234' });
    expect(parsePaperRef('arxiv:hep-th/9901001')).toEqual({ kind: 'arxiv', id: 'hep-th/9901001' });
    expect(parsePaperRef('DOI:10.1000/xyz')).toEqual({ kind: 'doi', doi: '10.1000/xyz' });
    expect(parsePaperRef('URL:https://arxiv.org/abs/2401.01234v2')).toEqual({ kind: 'arxiv', id: '2401.01234' });
    expect(parsePaperRef('URL:https://example.org/paper')).toMatchObject({ kind: 'unsupported' });
    expect(parsePaperRef('CorpusId:123')).toEqual({ kind: 'unsupported', scheme: 'CorpusId' });
  });

  it("treats anything else, colons included, as the index's own id", () => {
    expect(parsePaperRef('gpipe-efficient-73caf0')).toEqual({ kind: 'id', id: 'gpipe-efficient-73caf0' });
    expect(parsePaperRef('ARXIV:not-an-arxiv-id')).toEqual({ kind: 'id', id: 'ARXIV:not-an-arxiv-id' });
    expect(parsePaperRef('lab:note')).toEqual({ kind: 'id', id: 'lab:note' });
  });

  it('finds the arXiv id of a paper in its id or its arXiv URL', () => {
    expect(arxivIdOf({ id: '2305.00001v2', url: undefined })).toBe('2305.00001');
    expect(arxivIdOf({ id: 'note', url: 'https://arxiv.org/abs/2107.00007v1' })).toBe('2107.00007');
    expect(arxivIdOf({ id: 'note', url: 'https://arxiv.org/pdf/2107.00007.pdf' })).toBe('2107.00007');
    expect(arxivIdOf({ id: 'note', url: 'https://example.org/abs/2107.00007' })).toBeUndefined();
  });
});

describe('S2 fields parameter', () => {
  it('always has paperId, and title when nothing is asked for', () => {
    expect([...parseFields(undefined).selection.paper]).toEqual(['paperId', 'title']);
    expect([...parseFields('').selection.paper]).toEqual(['paperId', 'title']);
    expect([...parseFields('year').selection.paper]).toEqual(['paperId', 'year']);
  });

  it('takes nested names as their parent and reports unknown names', () => {
    const { selection, unknown } = parseFields('authors.url, citations.title,embedding.specter_v2,bogus,authors.bogus');
    expect([...selection.paper]).toEqual(['paperId', 'authors', 'citations', 'embedding']);
    expect([...selection.author]).toEqual(['authorId', 'name', 'url']);
    expect(unknown).toEqual(['bogus', 'authors.bogus']);
  });
});

describe('S2 mapping', () => {
  it('derives fields of study from arXiv archives, once each, in order', () => {
    expect(fieldsOfStudy(['cs.LG', 'stat.ML', 'cs.CL', 'hep-th', 'q-bio.BM', 'unknown.XX'])).toEqual(['Computer Science', 'Mathematics', 'Physics', 'Biology']);
    expect(fieldsOfStudy([])).toEqual([]);
  });

  it('parses S2 year ranges', () => {
    expect(parseYearRange('2019')).toEqual({ from: 2019, to: 2019 });
    expect(parseYearRange('2016-2020')).toEqual({ from: 2016, to: 2020 });
    expect(parseYearRange('2010-')).toEqual({ from: 2010 });
    expect(parseYearRange('-2015')).toEqual({ to: 2015 });
    expect(parseYearRange('-')).toBeUndefined();
    expect(parseYearRange('20192020')).toBeUndefined();
  });

  it('maps a paper to exactly the selected fields, unknowable ones as null or empty', () => {
    const row: PaperRow = {
      label: 7,
      id: '2401.01234',
      title: 'T',
      abstract: 'A',
      authors: ['Ada Lovelace'],
      date: '2024-01-03',
      year: 2024,
      categories: ['cs.LG'],
      doi: '10.1/x',
      contentHash: 'h',
    };
    const ctx = { pageUrl: (id: string) => `http://h/papers/${id}`, vector: () => new Float32Array([0.5, 0.25]), modelId: 'm' };
    const all = 'externalIds,url,venue,year,citationCount,isOpenAccess,openAccessPdf,fieldsOfStudy,authors.url,citations,embedding,tldr';
    expect(toS2Paper(row, parseFields(all).selection, ctx)).toEqual({
      paperId: '2401.01234',
      externalIds: { ArXiv: '2401.01234', DOI: '10.1/x' },
      url: 'http://h/papers/2401.01234',
      venue: 'arXiv.org',
      year: 2024,
      citationCount: null,
      isOpenAccess: true,
      openAccessPdf: { url: 'https://arxiv.org/pdf/2401.01234', status: 'GREEN', license: null },
      fieldsOfStudy: ['Computer Science'],
      authors: [{ authorId: null, name: 'Ada Lovelace', url: null }],
      citations: [],
      embedding: { model: 'm', vector: [0.5, 0.25] },
      tldr: null,
    });
    const plain = { ...row, id: 'slug-1', categories: [], doi: undefined };
    expect(toS2Paper(plain, parseFields('externalIds,venue,isOpenAccess,openAccessPdf,fieldsOfStudy').selection, ctx)).toEqual({
      paperId: 'slug-1',
      externalIds: {},
      venue: '',
      isOpenAccess: false,
      openAccessPdf: null,
      fieldsOfStudy: null,
    });
  });
});
