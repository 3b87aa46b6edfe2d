// Search-box inputs: arXiv ids and URLs in every common form, pasted abstracts, and plain questions.
import { describe, expect, it } from 'vitest';
import { ABSTRACT_MIN_WORDS, classifyQuery, parseArxivRef } from '../../src/search/query-kind.js';

describe('parseArxivRef', () => {
  it.each([
    ['2401.01234', { id: '2401.01234' }],
    ['  2401.01234v2 ', { id: '2401.01234', version: 2 }],
    ['0704.0001', { id: '0704.0001' }],
    ['arXiv:2401.01234', { id: '2401.01234' }],
    ['arxiv: 2401.01234v11', { id: '2401.01234', version: 11 }],
    ['https://arxiv.org/abs/2401.01234', { id: '2401.01234' }],
    ['http://arxiv.org/abs/2401.01234v3', { id: '2401.01234', version: 3 }],
    ['arxiv.org/abs/2401.01234', { id: '2401.01234' }],
    ['https://www.arxiv.org/abs/2401.01234/', { id: '2401.01234' }],
    ['https://export.arxiv.org/abs/2401.01234', { id: '2401.01234' }],
    ['https://arxiv.org/pdf/2401.01234', { id: '2401.01234' }],
    ['https://arxiv.org/pdf/2401.01234v1.pdf', { id: '2401.01234', version: 1 }],
    ['https://arxiv.org/html/2401.01234v2', { id: '2401.01234', version: 2 }],
    ['https://arxiv.org/abs/2401.01234?context=cs.LG', { id: '2401.01234' }],
    ['hep-th/9901001', { id: 'hep-th/9901001' }],
    ['hep-th/9901001v2', { id: 'hep-th/9901001', version: 2 }],
    ['HEP-TH/9901001', { id: 'hep-th/9901001' }],
    ['math.AG/0101001', { id: 'math.AG/0101001' }],
    ['math.ag/0101001', { id: 'math.AG/0101001' }],
    ['cond-mat/0207270', { id: 'cond-mat/0207270' }],
    ['https://arxiv.org/abs/hep-th/9901001v1', { id: 'hep-th/9901001', version: 1 }],
    ['arxiv.org/pdf/astro-ph/0107084.pdf', { id: 'astro-ph/0107084' }],
  ])('%s', (input, expected) => {
    expect(parseArxivRef(input)).toEqual(expected);
  });

  it.each([
    '',
    'pipeline parallelism',
    'what is 2401.01234 about?',
    '2401.1234567',
    '240.01234',
    '2401-01234',
    'https://example.org/abs/2401.01234',
    'https://arxiv.org/list/cs.LG/recent',
    'hep-th/990100',
    'hep th/9901001',
    '2401.01234v',
    'javascript:alert(1)//arxiv.org/abs/2401.01234',
    'x'.repeat(300),
  ])('rejects %j', (input) => {
    expect(parseArxivRef(input)).toBeUndefined();
  });
});

describe('classifyQuery', () => {
  const words = (n: number) => Array.from({ length: n }, (_, i) => `word${i}`).join(' ');

  it('an arXiv id or URL is a paper reference', () => {
    expect(classifyQuery('arxiv.org/abs/2401.01234v2')).toEqual({ kind: 'arxiv', ref: { id: '2401.01234', version: 2 } });
  });

  it(`more than ${ABSTRACT_MIN_WORDS} words is an abstract; up to that, words`, () => {
    expect(classifyQuery(words(ABSTRACT_MIN_WORDS))).toEqual({ kind: 'words', words: ABSTRACT_MIN_WORDS });
    expect(classifyQuery(words(ABSTRACT_MIN_WORDS + 1))).toEqual({ kind: 'abstract', words: ABSTRACT_MIN_WORDS + 1 });
    expect(classifyQuery(`  ${words(20)}\n\n\t${words(30)}  `)).toEqual({ kind: 'abstract', words: 50 });
    expect(classifyQuery('which papers split a model across accelerators?').kind).toBe('words');
  });
});
