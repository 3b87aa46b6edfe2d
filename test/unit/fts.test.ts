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
