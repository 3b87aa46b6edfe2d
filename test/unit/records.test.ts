// Record mapping, function by function: shape detection, dates, arXiv author rows, BEIR and our own shape.
import { describe, expect, it } from 'vitest';
import { MAPPERS, detectShape, fromArxiv, fromBeir, fromPaper, isoDate } from '../../src/ingest/records.js';

describe('detectShape', () => {
  it('BEIR needs _id and text without abstract', () => {
    expect(detectShape({ _id: '1', text: 'x' })).toBe('beir');
    expect(detectShape({ _id: '1', text: 'x', abstract: 'y' })).toBe('paper');
    expect(detectShape({ _id: '1', title: 't' })).toBe('paper');
    expect(detectShape({ text: 'x' })).toBe('paper');
  });

  it.each(['versions', 'update_date', 'authors_parsed', 'submitter', 'journal-ref', 'report-no'])('any arXiv snapshot key (%s) means arxiv', (k) => {
    expect(detectShape({ id: '1', title: 't', abstract: 'a', [k]: null })).toBe('arxiv');
  });

  it('maps each shape with its own mapper', () => {
    expect(MAPPERS.beir).toBe(fromBeir);
    expect(MAPPERS.arxiv).toBe(fromArxiv);
    expect(MAPPERS.paper).toBe(fromPaper);
  });
});

describe('isoDate', () => {
  it.each([
    ['2008-11-13', '2008-11-13'],
    ['  2008-11-13  ', '2008-11-13'],
    ['2008-11-13T10:00:00Z', '2008-11-13'],
    ['2008-11-13 10:00', '2008-11-13'],
    ['Mon, 2 Apr 2007 19:18:42 GMT', '2007-04-02'],
    ['2 April 2007', '2007-04-02'],
  ])('reads %j as %s', (input, want) => {
    expect(isoDate(input)).toBe(want);
  });

  it.each([['2008-11-13x'], ['2008-1-13'], ['1'], ['x 2020'], ['Apr'], ['2020'], ['Foo 2020 bar'], [''], ['   '], [5], [null], [undefined]])(
    'is undefined for %j (not a date)',
    (input) => {
      expect(isoDate(input)).toBeUndefined();
    },
  );
});

describe('fromArxiv', () => {
  it('names authors from authors_parsed rows as "First Last Suffix", skipping empty parts and rows', () => {
    const rec = fromArxiv({
      id: ' 0704.0001 ',
      title: 't',
      abstract: 'a',
      authors: 'ignored',
      authors_parsed: [
        ['Smith', 'John', 'Jr'],
        ['Lee', ' Ann ', ''],
        ['Mono'],
        ['', '', ''],
      ],
      categories: 'hep-ph',
    });
    expect(rec).toEqual({ id: '0704.0001', title: 't', abstract: 'a', authors: ['John Smith Jr', 'Ann Lee', 'Mono'], categories: 'hep-ph' });
  });

  it('falls back to the authors string when authors_parsed is empty, not rows of strings, or has no names', () => {
    for (const authors_parsed of [[], [[1, 2]], ['Smith'], [['', '']], 'Smith', undefined]) {
      expect(fromArxiv({ authors: 'A. Smith', authors_parsed }).authors).toBe('A. Smith');
    }
  });

  it('dates a record by its first version, else its date, else update_date; keeps a non-date for validation', () => {
    const versions = [{ created: 'Mon, 2 Apr 2007 19:18:42 GMT' }, { created: 'Tue, 24 Jul 2007 20:10:27 GMT' }];
    expect(fromArxiv({ versions, date: '2001-01-01', update_date: '2008-11-13' }).date).toBe('2007-04-02');
    expect(fromArxiv({ versions: [], date: '2001-01-01', update_date: '2008-11-13' }).date).toBe('2001-01-01');
    expect(fromArxiv({ versions: ['not an object'], update_date: '2008-11-13' }).date).toBe('2008-11-13');
    expect(fromArxiv({ versions: 'nope', update_date: '2008-11-13' }).date).toBe('2008-11-13');
    expect(fromArxiv({ date: 'someday' }).date).toBe('someday');
    expect(fromArxiv({ title: 't' })).not.toHaveProperty('date');
  });

  it('keeps a DOI unless null, and passes a non-string id through for validation', () => {
    expect(fromArxiv({ doi: '10.1/x' }).doi).toBe('10.1/x');
    expect(fromArxiv({ doi: null })).not.toHaveProperty('doi');
    expect(fromArxiv({})).not.toHaveProperty('doi');
    expect(fromArxiv({ id: 42 }).id).toBe(42);
  });
});

describe('fromBeir', () => {
  it('maps _id, title and text', () => {
    expect(fromBeir({ _id: 'd1', title: 'T', text: 'X', metadata: {} })).toEqual({ id: 'd1', title: 'T', abstract: 'X' });
  });
});

describe('fromPaper', () => {
  it('keeps the known fields, dropping unknown keys and nulls', () => {
    expect(fromPaper({ id: 'p', title: 't', abstract: 'a', authors: ['x'], categories: ['c'], url: 'u', doi: 'd', comment: 'x', url2: 1, year: 2001, doi_null: null })).toEqual({
      id: 'p',
      title: 't',
      abstract: 'a',
      authors: ['x'],
      categories: ['c'],
      url: 'u',
      doi: 'd',
      year: 2001,
    });
    expect(fromPaper({ title: 't', abstract: null, doi: null })).toEqual({ title: 't' });
  });

  it('keeps the day of a timestamp, turns a bare year into year, and leaves other dates to validation', () => {
    expect(fromPaper({ date: '2020-05-06T10:00:00Z' })).toEqual({ date: '2020-05-06' });
    expect(fromPaper({ date: 'Mon, 2 Apr 2007 19:18:42 GMT' })).toEqual({ date: '2007-04-02' });
    expect(fromPaper({ date: ' 2019 ' })).toEqual({ year: 2019 });
    expect(fromPaper({ date: '2019', year: 2018 })).toEqual({ year: 2018 });
    expect(fromPaper({ date: '20199' })).toEqual({ date: '20199' });
    expect(fromPaper({ date: '2020/21' })).toEqual({ date: '2020/21' });
    expect(fromPaper({ date: 2020 })).toEqual({ date: 2020 });
  });
});
