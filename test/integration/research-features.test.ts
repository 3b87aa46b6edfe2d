// Facets and date order (API and page), search by arXiv id or pasted abstract, reading lists and their exports, the map: real HTTP.
import path from 'node:path';
import { parse as parseBib } from '@retorquere/bibtex-parser';
import { parse as parseCsv } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Embedder } from '../../src/embed/embedder.js';
import { buildTemp, removeTempDirs, tempDir, tinyEmbedder, writeLines, ROOT } from '../helpers.js';
import { type Served, getJson, serveWith } from './api-fixtures.js';

const SAMPLE = path.join(ROOT, 'test', 'fixtures', 'arxiv-sample.jsonl');
const TOPICS = ['graph neural networks', 'protein folding', 'speech recognition', 'pipeline parallelism'];
const CATS = ['cs.LG', 'q-bio.BM', 'eess.AS', 'cs.DC'];
/** 60 papers with known years and categories; every fifth has no date (undated papers sort last). */
const SYNTHETIC = Array.from({ length: 60 }, (_, i) => ({
  id: `p${String(i).padStart(3, '0')}`,
  title: `${TOPICS[i % 4]} study ${i}`,
  abstract: `We study ${TOPICS[i % 4]} with method ${i}. Results on benchmark ${i % 7} improve over baselines.`,
  authors: [`Author ${i}`],
  ...(i % 5 === 4 ? {} : { date: `${2015 + (i % 10)}-0${1 + (i % 9)}-15` }),
  categories: [CATS[i % 4], ...(i % 3 === 0 ? ['stat.ML'] : [])],
}));

let emb: Embedder;
let s: Served;

beforeAll(async () => {
  emb = await tinyEmbedder();
  const src = await writeLines(path.join(await tempDir(), 'synthetic.jsonl'), SYNTHETIC.map((p) => JSON.stringify(p)));
  const { indexDir } = await buildTemp(emb, [src, SAMPLE]);
  s = await serveWith(indexDir, emb);
});
afterAll(async () => {
  await s?.close();
  await emb?.dispose();
  await removeTempDirs();
});

type Hit = { id: string; date: string | null; year: number | null; categories: string[]; score: number };
type Facets = { counted: number; years: { value: number; count: number }[]; undated: number; categories: { value: string; count: number }[] };
type Search = { total: number; sort: string; results: Hit[]; facets?: Facets };
const api = async (qs: string) => {
  const r = await getJson(`${s.url}/api/search?${qs}`);
  return { status: r.status, body: r.body as unknown as Search };
};
const page = async (p: string, init?: RequestInit) => {
  const r = await fetch(s.url + p, { redirect: 'manual', ...init });
  return { status: r.status, headers: r.headers, html: await r.text() };
};
const count = (html: string, re: RegExp) => (html.match(re) ?? []).length;
/** Year and category tallies of a list of hits: what facet counts over exactly those papers must be. */
function tally(hits: Hit[]) {
  const years = new Map<number, number>();
  const cats = new Map<string, number>();
  let undated = 0;
  for (const h of hits) {
    if (h.year) years.set(h.year, (years.get(h.year) ?? 0) + 1);
    else undated++;
    for (const c of h.categories) cats.set(c, (cats.get(c) ?? 0) + 1);
  }
  return { years, cats, undated };
}
const sortKey = (h: Hit) => h.date ?? (h.year ? String(h.year) : '');

describe('facets in /api/search', () => {
  it('keyword mode counts its first 100 results (here every match), exactly', async () => {
    const { body } = await api('q=protein+folding&mode=keyword&facets=true&limit=100');
    expect(body.facets!.counted).toBe(body.total);
    expect(body.total).toBe(15);
    const t = tally(body.results);
    expect(new Map(body.facets!.years.map((y) => [y.value, y.count]))).toEqual(t.years);
    expect(new Map(body.facets!.categories.map((c) => [c.value, c.count]))).toEqual(t.cats);
    expect(body.facets!.undated).toBe(t.undated);
    // Years newest first, categories most frequent first.
    expect(body.facets!.years.map((y) => y.value)).toEqual([...t.years.keys()].sort((a, b) => b - a));
    expect(body.facets!.categories[0]).toEqual({ value: 'q-bio.BM', count: 15 });
  });

  it.each(['hybrid', 'semantic'])('%s mode counts the first 100 results, filters applied', async (mode) => {
    const { body } = await api(`q=pipeline+parallelism&mode=${mode}&facets=true&limit=100`);
    expect(body.facets!.counted).toBe(99); // the whole index is smaller than the pool
    const t = tally(body.results);
    expect(new Map(body.facets!.years.map((y) => [y.value, y.count]))).toEqual(t.years);
    expect(body.facets!.undated).toBe(t.undated);
    const filtered = (await api(`q=pipeline+parallelism&mode=${mode}&facets=true&year_from=2020&year_to=2022`)).body;
    expect(filtered.facets!.counted).toBe(filtered.total);
    expect(filtered.facets!.years.map((y) => y.value).every((y) => y >= 2020 && y <= 2022)).toBe(true);
    expect(filtered.facets!.undated).toBe(0);
  });

  it('leaves facets out unless asked, and says what the counts cover in the OpenAPI document', async () => {
    expect((await api('q=protein')).body.facets).toBeUndefined();
    type Doc = { paths: Record<string, { get: { description: string; parameters: { name: string }[] } }>; components: { schemas: Record<string, unknown> } };
    const doc = (await getJson(`${s.url}/api/openapi.json`)).body as unknown as Doc;
    const params = doc.paths['/api/search']!.get.parameters.map((p) => p.name);
    expect(params).toEqual(expect.arrayContaining(['sort', 'facets']));
    expect(JSON.stringify(doc.components.schemas.SearchResponse)).toContain('first 100 results');
    expect(doc.paths['/api/search']!.get.description).toMatch(/first 100 results/);
  });
});

describe('sort=date in /api/search', () => {
  it('keyword mode: the matches newest first, undated last, the same papers as by relevance', async () => {
    const byDate = (await api('q=speech+recognition&mode=keyword&sort=date&limit=100')).body;
    const byRel = (await api('q=speech+recognition&mode=keyword&limit=100')).body;
    expect(byDate.sort).toBe('date');
    expect(byDate.total).toBe(byRel.total);
    const keys = byDate.results.map(sortKey);
    expect(keys).toEqual([...keys].sort().reverse());
    expect(keys.at(-1)).toBe('');
    expect(byDate.results.map((h) => h.id).sort()).toEqual(byRel.results.map((h) => h.id).sort());
    expect(byDate.results.map((h) => h.id)).not.toEqual(byRel.results.map((h) => h.id));
  });

  it.each(['hybrid', 'semantic'])('%s mode: the first 100 results re-sorted newest first, paged', async (mode) => {
    const byRel = (await api(`q=graph+neural+networks&mode=${mode}&limit=100`)).body;
    const all = (await api(`q=graph+neural+networks&mode=${mode}&sort=date&limit=100`)).body;
    expect(all.total).toBe(99);
    const keys = all.results.map(sortKey);
    expect(keys).toEqual([...keys].sort().reverse());
    expect(all.results[0]!.date).toBe('2025-09-18'); // the newest paper in the index
    expect(all.results.map((h) => h.id).sort()).toEqual(byRel.results.map((h) => h.id).sort());
    const second = (await api(`q=graph+neural+networks&mode=${mode}&sort=date&limit=10&offset=10`)).body;
    expect(second.results.map((h) => h.id)).toEqual(all.results.slice(10, 20).map((h) => h.id));
  });

  it('rejects an unknown order with a problem', async () => {
    const r = await getJson(`${s.url}/api/search?q=x&sort=popularity`);
    expect(r.status).toBe(400);
    expect(r.headers.get('content-type')).toMatch(/problem\+json/);
  });
});

describe('facets and sort on the page', () => {
  it('shows year and category counts as one-click filters beside the results, and a way to clear them', async () => {
    const r = await page('/?q=protein+folding&mode=keyword');
    expect(r.html).toMatch(/<aside class="facets" aria-labelledby="facets-heading">/);
    expect(r.html).toContain('Counts over the 15 most relevant results.');
    expect(r.html).toMatch(/<a href="\/\?q=protein\+folding&amp;mode=keyword&amp;year_from=2016&amp;year_to=2016"[^>]*>2016<\/a> <span class="count">\d+<\/span>/);
    expect(r.html).toMatch(/<a href="\/\?q=protein\+folding&amp;mode=keyword&amp;category=stat.ML"[^>]*>stat.ML<\/a> <span class="count">5<\/span>/);
    const narrowed = await page('/?q=protein+folding&mode=keyword&year_from=2016&year_to=2016');
    expect(narrowed.html).toContain('<strong aria-current="true">2016</strong>');
    expect(narrowed.html).toContain('href="/?q=protein+folding&amp;mode=keyword" aria-label="Clear year 2016"');
    expect(count(narrowed.html, /<li class="result">/g)).toBe(3);
    const hybrid = await page('/?q=protein+folding');
    expect(hybrid.html).toContain('Counts over the 99 most relevant results.');
  });

  it('sorts by date with one click and keeps the order across pages', async () => {
    const r = await page('/?q=protein+folding&mode=keyword');
    expect(r.html).toContain('href="/?q=protein+folding&amp;mode=keyword&amp;sort=date">newest</a>');
    const d = await page('/?q=protein+folding&mode=keyword&sort=date');
    expect(d.html).toContain('<strong aria-current="true">newest</strong>');
    expect(d.html).toContain('1–10 of 15 most relevant, newest first');
    expect(d.html).toContain('<input type="hidden" name="sort" value="date"/>');
    expect(d.html).toContain('href="/?q=protein+folding&amp;mode=keyword&amp;sort=date&amp;offset=10" rel="next"');
    const dates = [...d.html.matchAll(/<time datetime="([\d-]+)"/g)].map((m) => m[1]!);
    expect(dates).toEqual([...dates].sort().reverse());
  });
});

describe('search by paper', () => {
  it.each([
    ['2503.24358', '/papers/2503.24358#related'],
    ['2503.24358v2', '/papers/2503.24358#related'],
    ['arXiv:2503.24358', '/papers/2503.24358#related'],
    ['https://arxiv.org/abs/2503.24358v1', '/papers/2503.24358#related'],
    ['arxiv.org/pdf/2503.24358', '/papers/2503.24358#related'],
    ['hep-ex/9501007', '/papers/hep-ex/9501007#related'],
    ['https://arxiv.org/abs/hep-ex/9501007v1', '/papers/hep-ex/9501007#related'],
  ])('a pasted %s opens the paper\'s related papers', async (q, location) => {
    const r = await page('/?q=' + encodeURIComponent(q));
    expect(r.status).toBe(303);
    expect(r.headers.get('location')).toBe(location);
  });

  it('carries the reading list through the redirect', async () => {
    const r = await page('/?q=2503.24358&list=p001,p002');
    expect(r.headers.get('location')).toBe('/papers/2503.24358?list=p001,p002#related');
  });

  it('says plainly when the arXiv paper is not in the index', async () => {
    const r = await page('/?q=' + encodeURIComponent('https://arxiv.org/abs/2401.99999'));
    expect(r.status).toBe(200);
    expect(r.html).toContain('<h2>arXiv 2401.99999 is not in this index</h2>');
    expect(r.html).toContain('href="https://arxiv.org/abs/2401.99999"');
    expect(count(r.html, /<li class="result">/g)).toBe(0);
  });

  it('a pasted abstract goes semantic-first and says so; an explicit mode is obeyed', async () => {
    const abstract = SYNTHETIC.slice(0, 8).map((p) => p.abstract).join(' ');
    const words = abstract.split(/\s+/).length;
    const auto = await page('/?q=' + encodeURIComponent(abstract));
    expect(auto.html).toContain(`This looks like a pasted abstract (${words} words, more than 40), so results are ranked by meaning first`);
    expect(auto.html).toMatch(/papers, best first · Semantic ·/);
    const hybrid = await page('/?q=' + encodeURIComponent(abstract) + '&mode=hybrid');
    expect(hybrid.html).not.toContain('This looks like a pasted abstract');
    expect(hybrid.html).toMatch(/· Hybrid ·/);
    const short = await page('/?q=protein+folding');
    expect(short.html).toMatch(/· Hybrid ·/);
    expect(short.html).toContain('name="mode" value="auto" checked');
  });
});

describe('reading lists', () => {
  it('"Add to list" on results links to the same page with the list grown; the list travels in every link', async () => {
    const r = await page('/?q=protein+folding&mode=keyword');
    const add = /<a class="add" id="add-1" href="([^"]+)" aria-label="Add to list: “([^”]+)”">/.exec(r.html);
    expect(add).not.toBeNull();
    const href = add![1]!.replaceAll('&amp;', '&');
    expect(href).toMatch(/^\/\?q=protein\+folding&mode=keyword&list=p\d{3}#add-1$/);
    const id = /list=(p\d{3})/.exec(href)![1]!;
    const after = await page(href.replace(/#.*/, ''));
    expect(after.html).toContain('Reading list (1)');
    expect(after.html).toContain(`href="/list?ids=${id}"`);
    expect(after.html).toContain('✓ In your list: remove');
    expect(after.html).toContain(`<input type="hidden" name="list" value="${id}"/>`);
    expect(after.html).toMatch(new RegExp(`<h3><a href="/papers/p\\d{3}\\?list=${id}">`));
    expect(after.html).toContain(`rel="next"`);
    expect(after.html).toMatch(new RegExp(`offset=10&amp;list=${id}" rel="next"`));
  });

  it('the list page shows the papers in order, deduplicated, with remove links, exports and papers like them', async () => {
    const r = await page('/list?ids=p001,2503.24358,p001,no-such-paper');
    expect(r.status).toBe(200);
    expect(r.html).toContain('<h1>Reading list</h1>');
    const listed = [...r.html.matchAll(/<ol class="results list">([\s\S]*?)<\/ol>/g)][0]![1]!;
    expect([...listed.matchAll(/<h3><a href="\/papers\/([^"?]+)\?/g)].map((m) => m[1])).toEqual(['p001', '2503.24358']);
    expect(r.html).toContain('One id in this address is not in this index and was left out: <span class="id">no-such-paper</span>');
    expect(r.html).toContain('<a href="/list?ids=p001,2503.24358">Open the list without it</a>');
    expect(r.html).toContain('href="/list.bib?ids=p001,2503.24358"');
    expect(r.html).toContain('href="/list.ris?ids=p001,2503.24358"');
    expect(r.html).toContain('href="/list.csv?ids=p001,2503.24358"');
    expect(r.html).toContain(`value="${s.url}/list?ids=p001,2503.24358"`);
    const like = [...r.html.matchAll(/<section aria-labelledby="like-heading">([\s\S]*?)<\/section>/g)][0]![1]!;
    const recommended = [...like.matchAll(/<h3><a href="\/papers\/([^"?]+)\?/g)].map((m) => m[1]);
    expect(recommended).toHaveLength(10);
    expect(recommended).not.toContain('p001');
    expect(recommended).not.toContain('2503.24358');
    expect(like).toMatch(/href="\/list\?ids=p001,2503.24358,[^"]+" aria-label="Add to list/);
  });

  it('an empty list explains itself; a list too long or with a bad id is a clear 400', async () => {
    expect((await page('/list')).html).toContain('Your reading list is empty');
    const many = Array.from({ length: 101 }, (_, i) => `p${i}`).join(',');
    const tooMany = await page(`/list?ids=${many}`);
    expect(tooMany.status).toBe(400);
    expect(tooMany.html).toContain('A reading list holds at most 100 papers.');
    const bad = await page(`/list?ids=${'x'.repeat(300)}`);
    expect(bad.status).toBe(400);
    expect(bad.html).toContain('not a valid paper id');
  });
});

describe('list exports', () => {
  const ids = 'p001,2503.24358,hep-ex/9501007';

  it('BibTeX: attachment, parsed cleanly, arXiv papers as @misc with eprint', async () => {
    const r = await fetch(`${s.url}/list.bib?ids=${ids}`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/x-bibtex; charset=utf-8');
    expect(r.headers.get('content-disposition')).toBe('attachment; filename="paperscope-list.bib"');
    const lib = parseBib(await r.text(), { sentenceCase: false });
    expect(lib.errors).toEqual([]);
    expect(lib.entries.map((e) => e.fields.eprint)).toEqual([undefined, '2503.24358', 'hep-ex/9501007']);
    expect(lib.entries[1]).toMatchObject({ type: 'misc', fields: { archiveprefix: 'arXiv', primaryclass: 'cs.LG' } });
    expect(new Set(lib.entries.map((e) => e.key)).size).toBe(3);
  });

  it('RIS and CSV: their content types, one record per paper', async () => {
    const ris = await fetch(`${s.url}/list.ris?ids=${ids}`);
    expect(ris.headers.get('content-type')).toBe('application/x-research-info-systems; charset=utf-8');
    expect(ris.headers.get('content-disposition')).toBe('attachment; filename="paperscope-list.ris"');
    expect(count(await ris.text(), /^TY {2}- /gm)).toBe(3);
    const csv = await fetch(`${s.url}/list.csv?ids=${ids}`);
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8; header=present');
    const rows = parseCsv(await csv.text(), { columns: true }) as Record<string, string>[];
    expect(rows.map((r) => r.id)).toEqual(['p001', '2503.24358', 'hep-ex/9501007']);
  });

  it('one paper is named by its citation key; unknown papers are a 404, a bad list a 400', async () => {
    const one = await fetch(`${s.url}/list.bib?ids=2503.24358`);
    expect(one.headers.get('content-disposition')).toMatch(/^attachment; filename="[a-z]+2025squat\.bib"$/);
    expect((await fetch(`${s.url}/list.bib?ids=nothing-here`)).status).toBe(404);
    expect((await fetch(`${s.url}/list.csv?ids=${'y'.repeat(300)}`)).status).toBe(400);
  });
});

describe('paper page: map, cite, add to list', () => {
  it('draws the neighbourhood as an SVG whose nodes are links with titles, with a legend', async () => {
    const r = await page('/papers/2503.24358');
    const svg = /<svg class="map-svg"[\s\S]*?<\/svg>/.exec(r.html)![0];
    const nodes = [...svg.matchAll(/<a class="node" href="(\/papers\/[^"]+)" aria-label="([^"]+)"><title>([^<]+)<\/title>/g)];
    expect(nodes).toHaveLength(14);
    expect(nodes.map((n) => n[1])).not.toContain('/papers/2503.24358');
    for (const n of nodes) expect(n[2]).toBe(n[3]);
    expect(svg).toMatch(/<g class="node focus"><title>This paper: SQuat/);
    expect(count(svg, /<line class="edge w[123]"/g)).toBeGreaterThan(0);
    expect(r.html).toMatch(/<span class="legend-title">Colour: primary category<\/span>/);
    expect((await page(nodes[0]![1]!)).status).toBe(200);
    // Same build, same picture.
    expect(/<svg class="map-svg"[\s\S]*?<\/svg>/.exec((await page('/papers/2503.24358')).html)![0]).toBe(svg);
  });

  it('has a Cite block with the BibTeX entry, and an Add to list link that keeps the reader on the page', async () => {
    const r = await page('/papers/2503.24358?list=p001');
    expect(r.html).toMatch(/<pre class="bibtex">@misc\{[a-z]+2025squat,\n {2}title = \{SQuat: Subspace-orthogonal KV Cache Quantization\},/);
    expect(r.html).toContain('eprint = {2503.24358}');
    expect(r.html).toContain('href="/papers/2503.24358?list=p001,2503.24358#add"');
    expect(r.html).toContain('Reading list (1)');
    expect(r.html).toMatch(/<a class="node" href="\/papers\/[^"?]+\?list=p001"/);
    expect(r.html).toContain('<section id="related" aria-labelledby="related-heading">');
  });
});
