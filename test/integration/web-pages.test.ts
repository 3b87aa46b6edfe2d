// Server-rendered pages over real HTTP: search form and results, states, validation, paper page, XSS inertness, CSP, stylesheet.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Embedder } from '../../src/embed/embedder.js';
import { CSS_HASH } from '../../src/web/styles.js';
import { SEED, buildTemp, removeTempDirs, tempDir, tinyEmbedder, writeLines } from '../helpers.js';
import { type Served, serveWith } from './api-fixtures.js';

let emb: Embedder;
let s: Served;
let rejected = 0;

/** Paper text is data: markup, quotes and script in every field a page shows. */
const HOSTILE = [
  {
    id: 'xss-probe-1',
    title: `<script>alert("title")</script> Sparse "quoted" & 'single' <b>bold</b> attention`,
    abstract: `Sparse attention with <img src=x onerror=alert(1)> and </p><script>alert(2)</script> inside, "double" & 'single' quotes, and javascript:alert(5) as text. Sparse attention again.`,
    authors: [`<i>Mallory</i> "Evil" O'Hacker`],
    categories: ['cs.<b>XX</b>'],
    date: '2023-05-01',
    url: 'javascript:alert(3)',
  },
  {
    id: '2301.99999',
    title: 'Sparse attention with a quoted URL',
    abstract: 'A sparse attention paper whose link tries to break out of its attribute.',
    authors: ['Alice Example', 'Bob Example'],
    categories: ['cs.LG', 'cs.CL'],
    date: '2023-01-15',
    url: 'https://arxiv.org/abs/2301.99999?x="><script>alert(4)</script>',
    doi: '10.1234/ab"cd<script>',
  },
];

beforeAll(async () => {
  emb = await tinyEmbedder();
  const dir = await tempDir('paperscope-web-');
  const hostile = await writeLines(path.join(dir, 'hostile.jsonl'), HOSTILE.map((p) => JSON.stringify(p)));
  const { indexDir, summary } = await buildTemp(emb, [SEED, hostile]);
  rejected = summary.rejected;
  s = await serveWith(indexDir, emb);
});
afterAll(async () => {
  await s?.close();
  await emb?.dispose();
  await removeTempDirs();
});

const page = async (p: string) => {
  const r = await fetch(s.url + p);
  return { status: r.status, type: r.headers.get('content-type') ?? '', headers: r.headers, html: await r.text() };
};
const count = (html: string, re: RegExp) => (html.match(re) ?? []).length;

/** Every attribute name of every tag (attribute values are always double-quoted by the renderer). */
function attributeNames(html: string): string[] {
  const names: string[] = [];
  for (const tag of html.matchAll(/<[a-z][\w-]*((?:\s+[\w:-]+(?:="[^"]*")?)*)\s*\/?>/gi)) {
    for (const a of (tag[1] ?? '').matchAll(/\s([\w:-]+)(?:="[^"]*")?/g)) names.push(a[1]!.toLowerCase());
  }
  return names;
}

describe('GET / (search page)', () => {
  it('without a query: a GET form with a search box, mode and filters, and suggestions', async () => {
    const r = await page('/');
    expect(r.status).toBe(200);
    expect(r.type).toMatch(/^text\/html/);
    expect(r.html).toMatch(/^<!doctype html>/);
    expect(r.html).toMatch(/<form[^>]*method="get"[^>]*action="\/"/);
    expect(r.html).toMatch(/<input type="search" id="q" name="q" value=""/);
    for (const mode of ['hybrid', 'semantic', 'keyword']) expect(r.html).toContain(`name="mode" value="${mode}"`);
    for (const f of ['year_from', 'year_to', 'category', 'author']) expect(r.html).toContain(`name="${f}"`);
    expect(r.html).toContain('Search 47 papers by meaning');
    expect(count(r.html, /<li><a href="\/\?q=/g)).toBe(3);
    expect(r.html).not.toContain('class="result"');
  });

  it('with a query: ranked results linking to paper pages, with highlighted snippets and scores', async () => {
    const r = await page('/?q=pipeline+parallelism&mode=keyword');
    expect(r.status).toBe(200);
    expect(count(r.html, /<li class="result">/g)).toBeGreaterThan(0);
    expect(r.html).toMatch(/<h3><a href="\/papers\/[^"]+">/);
    expect(r.html).toMatch(/<p class="snippet">[^<]*(<mark>|…)/);
    expect(r.html).toMatch(/<mark>pipeline<\/mark>/i);
    expect(r.html).toMatch(/<span class="score"[^>]*>\d\.\d{3}<\/span>/);
    expect(r.html).toContain('name="mode" value="keyword" checked');
    expect(r.html).toContain('value="pipeline parallelism"');
    expect(r.html).toMatch(/<details class="filters" open/);
  });

  it('semantic hits (no keyword snippet) show the abstract lead as plain text', async () => {
    const r = await page('/?q=training+on+many+GPUs&mode=semantic');
    expect(count(r.html, /<li class="result">/g)).toBe(10);
    expect(count(r.html, /<p class="snippet">/g)).toBe(10);
    expect(r.html).not.toMatch(/<p class="snippet"><\/p>/);
  });

  it('paginates with offset, keeping the query, mode and filters', async () => {
    const first = await page('/?q=training&mode=semantic');
    expect(first.html).toContain('href="/?q=training&amp;mode=semantic&amp;offset=10" rel="next"');
    expect(first.html).not.toMatch(/rel="prev"/);
    const second = await page('/?q=training&mode=semantic&offset=10');
    expect(second.html).toContain('<ol class="results" start="11">');
    expect(second.html).toContain('rel="prev"');
    expect(second.html).toMatch(/11–20 of 47/);
    const filtered = await page('/?q=attention&year_from=2023&category=cs.LG');
    expect(filtered.html).toContain('name="year_from" inputmode="numeric" min="1900" max="2100" placeholder="e.g. 2020" value="2023"');
    expect(filtered.html).toMatch(/<a href="\/papers\/2301\.99999">/);
    expect(count(filtered.html, /<li class="result">/g)).toBe(1);
  });

  it('treats the empty fields a submitted form always sends as "no filter"', async () => {
    const r = await page('/?q=gpu+memory&mode=hybrid&year_from=&year_to=&category=&author=');
    expect(r.status).toBe(200);
    expect(count(r.html, /<li class="result">/g)).toBe(10);
  });

  it('says what to do when nothing matches', async () => {
    const kw = await page('/?q=zzqxv+nonexistentterm&mode=keyword');
    expect(kw.status).toBe(200);
    expect(kw.html).toContain('No papers match');
    expect(kw.html).toContain('Search by meaning too (hybrid)');
    const filtered = await page('/?q=gpu&author=Nobody+Zzqxv');
    expect(filtered.html).toContain('No papers match');
    expect(filtered.html).toContain('Search without filters');
    expect(filtered.html).toContain('href="/?q=gpu"');
    const past = await page('/?q=sparse+attention&mode=keyword&offset=990');
    expect(past.html).toContain('No more results');
  });

  it('shows validation errors as a friendly HTML page with status 400, not JSON', async () => {
    const long = await page('/?q=' + 'a'.repeat(5000));
    expect(long.status).toBe(400);
    expect(long.type).toMatch(/^text\/html/);
    expect(long.html).toContain('role="alert"');
    expect(long.html).toContain('Your query is 5,000 characters long; the limit is 4,096');
    expect(long.html).not.toMatch(/"status":\s*400/);
    const years = await page('/?q=gpu&year_from=2024&year_to=2020');
    expect(years.status).toBe(400);
    expect(years.html).toContain('Year from is after Year to');
    expect(years.html).toContain('value="2024"');
    expect((await page('/?q=gpu&year_from=soon')).status).toBe(400);
    expect((await page('/?q=gpu&offset=5000')).html).toContain('That page is out of range');
  });
});

describe('GET /papers/:id', () => {
  it('shows the paper and its related papers, each linking on', async () => {
    const r = await page('/papers/2301.99999');
    expect(r.status).toBe(200);
    expect(r.html).toContain('<h1 id="paper-title">Sparse attention with a quoted URL</h1>');
    expect(r.html).toContain('<p class="abstract">A sparse attention paper');
    expect(r.html).toContain('Alice Example, Bob Example');
    expect(r.html).toContain('<time datetime="2023-01-15">2023-01-15</time>');
    expect(r.html).toContain('View on arXiv');
    const related = [...r.html.matchAll(/<li class="result"><div class="result-head"><h3><a href="(\/papers\/[^"]+)">/g)].map((m) => m[1]);
    expect(related).toHaveLength(8);
    expect(related).not.toContain('/papers/2301.99999');
    expect((await page(related[0]!)).status).toBe(200);
  });

  it('answers an unknown paper with a 404 page', async () => {
    const r = await page('/papers/no-such-paper-000000');
    expect(r.status).toBe(404);
    expect(r.type).toMatch(/^text\/html/);
    expect(r.html).toContain('Paper not found');
  });
});

describe('paper text is data', () => {
  it('the hostile records were indexed (so the checks below see them)', () => {
    expect(rejected).toBe(0);
  });

  const inert = (html: string) => {
    expect(count(html, /<script/gi)).toBe(0);
    expect(html).not.toMatch(/<img/i);
    expect(html).not.toMatch(/<b>|<i>/);
    // No tag carries an event handler or a style (paper text shows them only as escaped text or inside quoted values).
    const attrs = attributeNames(html);
    expect(attrs.length).toBeGreaterThan(50);
    expect(attrs.filter((a) => /^on/i.test(a) || a === 'style')).toEqual([]);
    expect(html).not.toMatch(/href="javascript:/i);
  };

  it('renders titles, abstracts, authors, categories and links inert on the search page', async () => {
    const r = await page('/?q=sparse+attention&mode=keyword');
    expect(r.html).toContain('href="/papers/xss-probe-1"');
    inert(r.html);
    expect(r.html).toContain('&lt;script&gt;alert(&quot;title&quot;)&lt;/script&gt; Sparse &quot;quoted&quot; &amp; &#39;single&#39; &lt;b&gt;bold&lt;/b&gt;');
    // The snippet stays highlighted and escaped.
    expect(r.html).toMatch(/<mark>Sparse<\/mark> <mark>attention<\/mark> with &lt;img src=x onerror=alert\(1\)&gt;/);
  });

  it('renders the paper page inert, with no link from a javascript: url and an escaped https one', async () => {
    const r = await page('/papers/xss-probe-1');
    expect(r.status).toBe(200);
    inert(r.html);
    expect(r.html).toContain('&lt;/p&gt;&lt;script&gt;alert(2)&lt;/script&gt;');
    expect(r.html).toContain('&lt;i&gt;Mallory&lt;/i&gt; &quot;Evil&quot; O&#39;Hacker');
    expect(r.html).toContain('cs.&lt;b&gt;XX&lt;/b&gt;');
    expect(r.html).not.toContain('View on arXiv');
    const other = await page('/papers/2301.99999');
    inert(other.html);
    expect(other.html).toContain('href="https://arxiv.org/abs/2301.99999?x=%22%3E%3Cscript%3Ealert(4)%3C/script%3E"');
    expect(other.html).toContain('DOI 10.1234/ab&quot;cd&lt;script&gt;');
  });

  it('puts the query back into the form escaped', async () => {
    const r = await page('/?q=' + encodeURIComponent('"><script>alert(9)</script>'));
    inert(r.html);
    expect(r.html).toContain('value="&quot;&gt;&lt;script&gt;alert(9)&lt;/script&gt;"');
  });
});

describe('assets and headers', () => {
  it('every page carries a CSP without inline script and links the stylesheet by hash', async () => {
    for (const p of ['/', '/?q=gpu', '/papers/2301.99999', '/docs']) {
      const r = await page(p);
      expect(r.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
      expect(r.headers.get('content-security-policy')).not.toMatch(/unsafe-inline/);
      expect(r.html).toContain(`<link rel="stylesheet" href="/assets/app.css?v=${CSS_HASH}"/>`);
      expect(r.html).not.toMatch(/<style|<script|style="/i);
    }
  });

  it('serves the stylesheet as CSS, long-cached only under its hash', async () => {
    const hashed = await fetch(`${s.url}/assets/app.css?v=${CSS_HASH}`);
    expect(hashed.status).toBe(200);
    expect(hashed.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(hashed.headers.get('cache-control')).toContain('immutable');
    expect(await hashed.text()).toContain('.result');
    expect((await fetch(`${s.url}/assets/app.css`)).headers.get('cache-control')).not.toContain('immutable');
  });
});
