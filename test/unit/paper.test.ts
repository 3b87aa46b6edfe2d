// Paper normalisation: stable ids, content hashes, and a reason for every record that cannot be a paper.
import { describe, expect, it } from 'vitest';
import { contentHash, normalizePaper, paperIdFromTitle, slugify } from '../../src/paper.js';

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
    [{ abstract: 'x' }, /title/],
    [{ title: 'x' }, /abstract/],
    [{ title: 'x', abstract: '   ' }, /empty abstract/],
    [{ title: 42, abstract: 'x' }, /title/],
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
