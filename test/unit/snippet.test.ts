// Snippet text: every character escaped before the FTS5 sentinels become <mark>, lead snippets cut at a word count.
import { describe, expect, it } from 'vitest';
import { escapeHtml, leadSnippet, markSnippet } from '../../src/search/snippet.js';

describe('escapeHtml', () => {
  it('escapes the five HTML-significant characters and nothing else', () => {
    expect(escapeHtml(`<a href="x">Tom & Jerry's</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;');
    expect(escapeHtml('plain text, 100% (fine)')).toBe('plain text, 100% (fine)');
    expect(escapeHtml('&&')).toBe('&amp;&amp;');
  });
});

describe('markSnippet', () => {
  it('turns the sentinels into <mark> after escaping, so paper text never becomes markup', () => {
    expect(markSnippet('a \u0001<b>term</b>\u0002 & more \u0001again\u0002')).toBe('a <mark>&lt;b&gt;term&lt;/b&gt;</mark> &amp; more <mark>again</mark>');
  });

  it('drops the other control characters a snippet could carry', () => {
    expect(markSnippet('x\u0003\u0004\u0005\u0006\u0007\u0008y')).toBe('xy');
    expect(markSnippet('tab\tand\u0009newline\n stay')).toBe('tab\tand\tnewline\n stay');
  });
});

describe('leadSnippet', () => {
  it('keeps an abstract of up to 40 words whole and cuts a longer one with …', () => {
    const words = (n: number) => Array.from({ length: n }, (_, i) => `w${i}`).join(' ');
    expect(leadSnippet(words(40))).toBe(words(40));
    expect(leadSnippet(words(41))).toBe(`${words(40)} …`);
    expect(leadSnippet('one  two\nthree', 2)).toBe('one two …');
    expect(leadSnippet('a <b> c', 5)).toBe('a &lt;b&gt; c');
    expect(leadSnippet('')).toBe('');
  });
});
