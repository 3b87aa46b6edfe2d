// Paper normalisation: stable ids, content hashes, and a reason for every record that cannot be a paper.
import { describe, expect, it } from 'vitest';
import { DISPLAY_TITLE_CHARS, contentHash, displayTitle, firstSentence, isArxivId, normalizePaper, paperIdFromTitle, passageText, shorten, slugify } from '../../src/paper.js';

describe('paper ids', () => {
  it('slugs titles readably and stays stable across calls', () => {
    expect(slugify('ZeRO-Infinity: Breaking the GPU Memory Wall!')).toBe('zero-infinity-breaking-the-gpu-memory-wall');
    expect(slugify('Ünïcödé — Ästhetik')).toBe('unicode-asthetik');
    expect(paperIdFromTitle('GPipe: Efficient Training')).toBe(paperIdFromTitle('GPipe:  Efficient   Training'));
    expect(paperIdFromTitle('GPipe: Efficient Training')).toMatch(/^gpipe-efficient-training-[0-9a-f]{6}$/);
    expect(paperIdFromTitle('A')).not.toBe(paperIdFromTitle('B'));
  });

  it('keeps the source id and derives the arXiv URL from it', () => {
    const r = normalizePaper({ id: '2501.00001v2', title: 'T', abstract: 'A b c.' });
    expect(r.ok && r.paper.id).toBe('2501.00001v2');
    expect(r.ok && r.paper.url).toBe('https://arxiv.org/abs/2501.00001');
  });

  it('keeps a literal replacement character in valid text', () => {
    expect(normalizePaper({ title: 'x', abstract: 'CONSEQUE\ufffdCES' }).ok).toBe(true);
  });

  it('hashes exactly what is embedded', () => {
    expect(contentHash({ title: 'a', abstract: 'b' })).toBe(contentHash({ title: 'a', abstract: 'b' }));
    expect(contentHash({ title: 'a', abstract: 'b' })).not.toBe(contentHash({ title: 'a', abstract: 'c' }));
  });
});

describe('normalizePaper', () => {
  it('cleans whitespace and LaTeX line breaks, splits author strings and categories', () => {
    const r = normalizePaper({ title: ' Deep\n  Nets ', abstract: 'line one\\\\ line\ttwo', authors: 'A. Smith, B. Jones and C. Lee', categories: 'cs.LG stat.ML', date: '2024-05-06' });
    expect(r).toMatchObject({ ok: true, paper: { title: 'Deep Nets', abstract: 'line one line two', authors: ['A. Smith', 'B. Jones', 'C. Lee'], categories: ['cs.LG', 'stat.ML'], year: 2024 } });
  });

  it.each([
    [{}, /^missing title and abstract$/],
    [{ id: 'x', authors: ['A'] }, /^missing title and abstract$/],
    [{ title: ' \n ', abstract: '   ' }, /^empty title and abstract$/],
    [{ title: '' }, /^empty title and abstract$/],
    [{ abstract: '\\\\' }, /^empty title and abstract$/],
    [{ title: 42, abstract: 'x' }, /^title must be a string, got number$/],
    [{ title: 'x', abstract: null }, /^abstract must be a string, got null$/],
    [{ title: 'x', abstract: 'a'.repeat(100_001) }, /over 100 KB/],
    [{ title: 'x\u0007', abstract: 'y' }, /control characters/],
    [{ title: 'x', abstract: 'y', date: 'May 2020' }, /YYYY-MM-DD/],
    [{ id: 'has space', title: 'x', abstract: 'y' }, /id/],
  ])('rejects %j', (input, reason) => {
    const r = normalizePaper(input);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });
});

describe('records with a title or an abstract, not both', () => {
  it('accepts a title-only record: empty abstract, embedded as the title alone', () => {
    const r = normalizePaper({ id: 'b1', title: ' Boundary  layers ', abstract: '  ' });
    expect(r).toEqual({ ok: true, paper: expect.objectContaining({ id: 'b1', title: 'Boundary layers', abstract: '' }) });
    expect(normalizePaper({ title: 'Only a title' })).toMatchObject({ ok: true, paper: { title: 'Only a title', abstract: '' } });
    expect(passageText({ title: 'Boundary layers', abstract: '' })).toBe('Boundary layers');
  });

  it('accepts an untitled record: empty stored title, embedded as the abstract alone, id from the derived title', () => {
    const r = normalizePaper({ abstract: 'Shock waves reflect off walls. We measure them.' });
    expect(r).toMatchObject({ ok: true, paper: { title: '', abstract: 'Shock waves reflect off walls. We measure them.' } });
    expect(r.ok && r.paper.id).toBe(paperIdFromTitle('Shock waves reflect off walls'));
    expect(passageText({ title: '', abstract: 'Shock waves.' })).toBe('Shock waves.');
    expect(passageText({ title: 'T', abstract: 'A.' })).toBe('T. A.');
  });

  it('shows an untitled paper under its first sentence', () => {
    expect(displayTitle({ title: 'Own title', abstract: 'First. Second.' })).toBe('Own title');
    expect(displayTitle({ title: '', abstract: 'First sentence here. Second one.' })).toBe('First sentence here');
    expect(displayTitle({ title: '', abstract: 'Does it work? Yes.' })).toBe('Does it work?');
    expect(displayTitle({ title: '', abstract: 'It works! Really.' })).toBe('It works!');
    // Cranfield's spacing: a space before the full stop.
    expect(displayTitle({ title: '', abstract: 'experimental investigation of a wing in a slipstream . an experimental study' })).toBe(
      'experimental investigation of a wing in a slipstream',
    );
    expect(displayTitle({ title: '', abstract: 'No full stop at all' })).toBe('No full stop at all');
    expect(displayTitle({ title: '', abstract: 'Version 2.5 of the code is faster. More.' })).toBe('Version 2.5 of the code is faster');
  });

  it.each([
    ['Models, e.g. transformers, are big. Next.', 'Models, e.g. transformers, are big'],
    ['Smith et al. showed it. Next.', 'Smith et al. showed it'],
    ['As in Fig. 3 the flow separates. Next.', 'As in Fig. 3 the flow separates'],
    ['J. Smith measured it. Next.', 'J. Smith measured it'],
    ['Compare A vs. B here. Next.', 'Compare A vs. B here'],
    ['See (cf. the appendix) for proofs. Next.', 'See (cf. the appendix) for proofs'],
  ])('does not end a sentence at an abbreviation: %j', (text, title) => {
    expect(firstSentence(text)).toBe(title);
  });

  it('ends a sentence at a word merely ending in abbreviation letters', () => {
    expect(firstSentence('We use the trained models. Next.')).toBe('We use the trained models');
    expect(firstSentence('He turned pro. Next.')).toBe('He turned pro');
    expect(firstSentence('Values in the figure. Next.')).toBe('Values in the figure');
  });

  it('cuts a long first sentence at a word boundary near 150 characters, marked with …', () => {
    const words = Array.from({ length: 60 }, (_, i) => `word${i}`).join(' ');
    const t = displayTitle({ title: '', abstract: `${words}. Next.` });
    expect(t.length).toBeLessThanOrEqual(DISPLAY_TITLE_CHARS);
    expect(t.length).toBeGreaterThan(DISPLAY_TITLE_CHARS - 12);
    expect(t.endsWith('…')).toBe(true);
    expect(words.startsWith(t.slice(0, -1))).toBe(true);
    expect(t.slice(0, -1)).toMatch(/word\d+$/);
  });

  it('shorten keeps short text, cuts at the last space, drops trailing punctuation, cuts one overlong word', () => {
    expect(shorten('abc def', 7)).toBe('abc def');
    expect(shorten('abc def', 6)).toBe('abc…');
    expect(shorten('abc, def', 7)).toBe('abc…');
    expect(shorten('abcdefgh', 5)).toBe('abcd…');
    expect(shorten('a'.repeat(200), 150)).toBe(`${'a'.repeat(149)}…`);
  });
});

describe('paper fields, exactly', () => {
  const ok = (input: object) => {
    const r = normalizePaper(input);
    if (!r.ok) throw new Error(r.reason);
    return r.paper;
  };
  const reason = (input: object) => {
    const r = normalizePaper(input);
    if (r.ok) throw new Error('accepted');
    return r.reason;
  };

  it('slugs: trims dashes, cuts long titles at a word, falls back to "paper"', () => {
    expect(slugify('--Hello, World!--')).toBe('hello-world');
    expect(slugify('!!!')).toBe('paper');
    const title = 'alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu';
    expect(slugify(title)).toBe('alpha-beta-gamma-delta-epsilon-zeta-eta-theta-iota-kappa');
    expect(slugify('abcdef ghij', 11)).toBe('abcdef-ghij');
    expect(slugify('abcdef ghijk', 11)).toBe('abcdef');
    expect(paperIdFromTitle('ABC Title')).toBe(paperIdFromTitle('abc title'));
  });

  it('content hashes are 32 hex characters', () => {
    expect(contentHash({ title: 'a', abstract: 'b' })).toMatch(/^[0-9a-f]{32}$/);
  });

  it.each([
    ['2501.00001', true],
    ['2501.0001', true],
    ['2501.00001v12', true],
    ['hep-th/9901001', true],
    ['math.AG/0102001v3', true],
    ['x2501.00001', false],
    ['2501.00001x', false],
    ['2501.00001v', false],
    ['hep-th/99010012', false],
    ['xhep-th/9901001 ', false],
    ['math.ag/0102001', false],
    ['math.A/0102001', false],
    ['hep-th/9901001vx', false],
    ['9901001', false],
  ])('isArxivId(%j) is %s', (id, want) => {
    expect(isArxivId(id)).toBe(want);
  });

  it('derives the arXiv URL without the version; keeps a given URL, trimmed', () => {
    expect(ok({ id: '2501.00001v12', title: 't' }).url).toBe('https://arxiv.org/abs/2501.00001');
    expect(ok({ id: 'hep-th/9901001v2', title: 't' }).url).toBe('https://arxiv.org/abs/hep-th/9901001');
    expect(ok({ id: 'p1', title: 't' }).url).toBeUndefined();
    expect(ok({ id: '2501.00001', title: 't', url: ' https://example.org/x ' }).url).toBe('https://example.org/x');
    expect(ok({ id: '2501.00001', title: 't', url: '  ' }).url).toBe('https://arxiv.org/abs/2501.00001');
  });

  it('trims ids and derives one from the title when the given one is blank; numbers become strings', () => {
    expect(ok({ id: ' p1 ', title: 't' }).id).toBe('p1');
    expect(ok({ id: '   ', title: 'My Title' }).id).toBe(paperIdFromTitle('My Title'));
    expect(ok({ id: 42, title: 't' }).id).toBe('42');
  });

  it('dates: trimmed, the day of a timestamp, a year from the date; anything else is a reason', () => {
    expect(ok({ title: 't', date: ' 2020-01-02 ' })).toMatchObject({ date: '2020-01-02', year: 2020 });
    expect(ok({ title: 't', date: '2020-01-02T10:00:00Z' }).date).toBe('2020-01-02');
    expect(ok({ title: 't', date: '  ' }).date).toBeUndefined();
    expect(ok({ title: 't', year: 1999 })).toMatchObject({ year: 1999 });
    expect(ok({ title: 't', date: '2020-01-02', year: 2019 }).year).toBe(2019);
    expect(reason({ title: 't', date: '2020-01-02x' })).toBe('date must be YYYY-MM-DD, got "2020-01-02x"');
    expect(reason({ title: 't', date: 'x2020-01-02' })).toBe('date must be YYYY-MM-DD, got "x2020-01-02"');
    expect(reason({ title: 't', date: '2020-1-02T10:00' })).toMatch(/^date must be YYYY-MM-DD/);
    expect(reason({ title: 't', date: 'a'.repeat(60) })).toBe(`date must be YYYY-MM-DD, got "${'a'.repeat(40)}"`);
  });

  it('lists: authors split on commas, semicolons and "and" (a whole word), cleaned, empty names dropped', () => {
    expect(ok({ title: 't', authors: 'A. Smith ,B. Jones;  C. Lee and D. Wu, , Anderson Band' }).authors).toEqual(['A. Smith', 'B. Jones', 'C. Lee', 'D. Wu', 'Anderson Band']);
    expect(ok({ title: 't', authors: [' A  Smith ', '', 'B'] }).authors).toEqual(['A Smith', 'B']);
    expect(ok({ title: 't' }).authors).toEqual([]);
    expect(ok({ title: 't', categories: 'cs.LG  stat.ML ' }).categories).toEqual(['cs.LG', 'stat.ML']);
    expect(ok({ title: 't', doi: ' 10.1/x ' }).doi).toBe('10.1/x');
    expect(ok({ title: 't', doi: ' ' }).doi).toBeUndefined();
  });

  it('names the field and the problem in every reason', () => {
    expect(reason({ id: 'has space', title: 'x' })).toBe('id: id must be one token without spaces, ? or # (one "/" allowed, as in old arXiv ids)');
    expect(reason({ title: null })).toBe('title must be a string, got null');
    expect(reason({ title: ['x'] })).toBe('title must be a string, got array');
    expect(reason({ title: 'x', categories: 5 })).toBe('must be a list of categories (strings) or one string');
    expect(reason({ title: 'x', authors: 5 })).toBe('authors: must be a list of names (strings) or one string');
    expect(reason({ title: 'x', year: 1.5 })).toMatch(/^year: /);
  });

  it('firstSentence ends at a final full stop and trims', () => {
    expect(firstSentence('Only one sentence.')).toBe('Only one sentence');
    expect(firstSentence('  no stop  ')).toBe('no stop');
  });

  it('shorten cuts at the last space, even one at the start, and strips trailing separators', () => {
    expect(shorten(' abcdefgh', 6)).toBe(' abcd…');
    expect(shorten('abc,; defgh', 8)).toBe('abc…');
  });
});
