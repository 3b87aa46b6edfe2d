// Safe FTS5 query translation: any user text yields a valid MATCH expression (checked against a real FTS5 table).
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { toFtsQuery } from '../../src/search/fts.js';

const db = new Database(':memory:');
db.exec(`CREATE VIRTUAL TABLE t USING fts5(title, abstract, tokenize='porter unicode61');
INSERT INTO t VALUES ('Pipeline parallelism for giant networks', 'We split a model across accelerators in stages.');
INSERT INTO t VALUES ('Sparse coding', 'Probabilistic priors and superpositions for sparse coding.');`);
const run = (q: string) => {
  const m = toFtsQuery(q).match;
  return m ? (db.prepare('SELECT title FROM t WHERE t MATCH ? ORDER BY rank').pluck().all(m) as string[]) : [];
};

describe('toFtsQuery', () => {
  it.each([
    'which papers split a model across accelerators?',
    '"pipeline parallel',
    'a AND (b OR',
    'NEAR(x y)',
    'title: sparse',
    'c++ -- ** ^ $ {}',
    '🚀 emoji 👩‍🔬 only',
    'NOT',
    '"',
    '""',
    '-sparse',
    'x'.repeat(10_000),
    "O'Brien's model; DROP TABLE t;--",
    'abstract:split OR title:sparse',
  ])('never raises an FTS5 error for %j', (q) => {
    expect(() => run(q)).not.toThrow();
  });

  it('ORs content words and drops stop words, so a question finds its paper', () => {
    expect(toFtsQuery('which papers split a model across accelerators?').match).toBe('("split" OR "model" OR "across" OR "accelerators")');
    expect(run('which papers split a model across accelerators?')[0]).toBe('Pipeline parallelism for giant networks');
  });

  it('keeps quoted phrases as phrases', () => {
    expect(toFtsQuery('"sparse coding" priors').match).toBe('("sparse coding" OR "priors")');
    expect(run('"coding sparse"')).toEqual([]);
    expect(run('"sparse coding"')).toEqual(['Sparse coding']);
  });

  it('supports prefix* and -exclusion', () => {
    expect(run('superpos*')).toEqual(['Sparse coding']);
    expect(run('model -accelerators')).toEqual([]);
    expect(run('sparse -pipeline')).toEqual(['Sparse coding']);
  });

  it('never searches for an excluded word, even when nothing else is left', () => {
    expect(toFtsQuery('-sparse').match).toBeUndefined();
    expect(run('-sparse')).toEqual([]);
    expect(toFtsQuery('the -sparse').match).toBe('"the" NOT ("sparse")');
    expect(run('what is -sparse')).toEqual([]);
    expect(toFtsQuery('what is this?').match).toBe('("what" OR "is" OR "this")');
  });

  it('treats operators and column filters as plain words', () => {
    expect(toFtsQuery('title:sparse').match).toBe('("title" OR "sparse")');
    expect(toFtsQuery('---').match).toBeUndefined();
  });
});

describe('toFtsQuery, exactly', () => {
  it('reads an unbalanced quote as text, keeping the balanced phrases before it', () => {
    expect(toFtsQuery('model "pipeline parallel').match).toBe('("model" OR "pipeline" OR "parallel")');
    expect(toFtsQuery('"x1" y2 "z3').match).toBe('("x1" OR "y2" OR "z3")');
  });

  it('keeps only letters and digits inside a phrase, and drops a phrase without any', () => {
    expect(toFtsQuery('"sparse, coding-prior"').match).toBe('"sparse coding prior"');
    expect(toFtsQuery('"!!!" model')).toEqual({ match: '"model"', terms: ['model'] });
    expect(toFtsQuery('"!!!"')).toEqual({ match: undefined, terms: [] });
  });

  it('writes prefixes and exclusions in FTS5 syntax, deduplicated', () => {
    expect(toFtsQuery('superpos*').match).toBe('"superpos"*');
    expect(toFtsQuery('model -accel* -accel* -gpu').match).toBe('"model" NOT ("accel"* OR "gpu")');
    expect(toFtsQuery('model model Model').match).toBe('"model"');
  });

  it('treats bare operators as nothing, but keeps them as prefixes or exclusions', () => {
    expect(toFtsQuery('AND OR NOT')).toEqual({ match: undefined, terms: [] });
    expect(toFtsQuery('near field').match).toBe('"field"');
    expect(toFtsQuery('near* field').match).toBe('("near"* OR "field")');
    expect(toFtsQuery('field -near').match).toBe('"field" NOT ("near")');
  });

  it('lists the search terms (lower-case, once each) for highlighting', () => {
    expect(toFtsQuery('Sparse CODING "graph nets" sparse -gpu the').terms).toEqual(['sparse', 'coding', 'graph', 'nets']);
    expect(toFtsQuery('what is this').terms).toEqual(['what', 'is', 'this']);
  });

  it('folds compatibility characters (full-width letters) before reading words', () => {
    expect(toFtsQuery('ｍｏｄｅｌ').match).toBe('"model"');
  });

  it('reads at most 4,096 characters', () => {
    expect(toFtsQuery(`${'x'.repeat(4090)} abcdefgh`).match).toBe(`("${'x'.repeat(4090)}" OR "abcde")`);
  });
});
