// A researcher's session in real headless Chromium (seed + real arXiv records, USE lite): search, open a paper, follow the
// map to a neighbour, build a reading list, get recommendations, export BibTeX, subscribe to the feed; axe-core and the keyboard.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseBib } from '@retorquere/bibtex-parser';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, SEED, buildTemp, removeTempDirs, serveIndex, useLiteEmbedder } from '../helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
const ARTIFACTS = path.join(ROOT, 'test', 'artifacts');
const SAMPLE = path.join(ROOT, 'test', 'fixtures', 'arxiv-sample.jsonl');
const AXE = createRequire(import.meta.url).resolve('axe-core');
if (!hasChromium) console.warn(`[e2e] skipped: ${CHROMIUM} is absent (install it with: apt-get update && apt-get install -y chromium)`);

let server: Awaited<ReturnType<typeof serveIndex>> | undefined;
let browser: Browser | undefined;
let page: Page;
const problems: string[] = [];

beforeAll(async () => {
  if (!hasChromium) return;
  await mkdir(ARTIFACTS, { recursive: true });
  const emb = await useLiteEmbedder();
  const { indexDir } = await buildTemp(emb, [SEED, SAMPLE]);
  server = await serveIndex(indexDir, emb);
  const { chromium } = await import('playwright-core');
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  page = await browser.newPage({ viewport: { width: 1200, height: 900 }, acceptDownloads: true });
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => {
    // A link that answers with an attachment becomes a download, and Chromium reports its navigation as aborted.
    if (r.failure()?.errorText === 'net::ERR_ABORTED' && /\/list\.(bib|ris|csv)\?/.test(r.url())) return;
    problems.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ''}`);
  });
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
  });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await removeTempDirs();
});

const text = async (l: Locator): Promise<string> => ((await l.textContent()) ?? '').replace(/\s+/g, ' ').trim();
const shot = (name: string) => page.screenshot({ path: path.join(ARTIFACTS, name), fullPage: true });

/** The few DOM members the page-side checks use (the project compiles without the DOM library); cast inside each callback, which runs in the page. */
interface DomElement {
  matches(selector: string): boolean;
  querySelector(selector: string): DomElement | null;
  blur(): void;
}
interface Dom {
  document: { activeElement: DomElement | null };
  getComputedStyle(e: DomElement): { outlineStyle: string; outlineWidth: string; boxShadow: string; strokeWidth: string };
  axe: { run: (ctx: unknown, opts: unknown) => Promise<{ violations: AxeViolation[] }> };
}

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/**
 * Runs axe-core in the page. Its source is evaluated over the DevTools protocol (page.evaluate), which the
 * page's CSP does not govern, so the strict policy stays on while the audit runs.
 */
async function axe(p: Page): Promise<AxeViolation[]> {
  const source = await readFile(AXE, 'utf8');
  await p.evaluate(source);
  const result = await p.evaluate(async () => {
    const w = globalThis as unknown as Dom;
    return w.axe.run(w.document, { resultTypes: ['violations'] });
  });
  return result.violations;
}
const serious = (vs: AxeViolation[]) =>
  vs.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);

/** Presses Tab until the focused element matches, at most `max` times; returns how many presses it took. */
async function tabTo(p: Page, selector: string, max = 80): Promise<number> {
  for (let i = 1; i <= max; i++) {
    await p.keyboard.press('Tab');
    if (await p.evaluate((sel) => (globalThis as unknown as Dom).document.activeElement?.matches(sel) ?? false, selector)) return i;
  }
  throw new Error(`Tab never reached ${selector} in ${max} presses`);
}

/** The focused element shows a visible focus indicator: an outline, a focus ring (box shadow), or the map's focus stroke. */
const focusVisible = (p: Page) =>
  p.evaluate(() => {
    const w = globalThis as unknown as Dom;
    const el = w.document.activeElement;
    if (!el) return false;
    const cs = w.getComputedStyle(el);
    if (cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) >= 2) return true;
    if (cs.boxShadow !== 'none') return true;
    const dot = el.querySelector('circle');
    return !!dot && parseFloat(w.getComputedStyle(dot).strokeWidth) >= 4;
  });

describe.skipIf(!hasChromium)(hasChromium ? 'a research session in Chromium' : `a research session in Chromium: SKIPPED, ${CHROMIUM} is absent`, () => {
  const list: string[] = [];
  let listUrl = '';

  it('searches with the keyboard: Tab to the search box, type, Enter submits', async () => {
    await page.goto(server!.url + '/');
    await page.evaluate(() => (globalThis as unknown as Dom).document.activeElement?.blur());
    await tabTo(page, '#q');
    expect(await focusVisible(page)).toBe(true);
    await page.keyboard.type('pipeline parallel training of large models across GPUs');
    await Promise.all([page.waitForURL(/\?q=/), page.keyboard.press('Enter')]);
    expect(await page.locator('ol.results > li.result').count()).toBe(10);
    expect(await page.locator('aside.facets').count()).toBe(1);
    // Tab reaches the first result's link, visibly focused.
    await tabTo(page, 'ol.results h3 a');
    expect(await focusVisible(page)).toBe(true);
  });

  it('adds three papers to the reading list from the results, without JavaScript', async () => {
    for (let i = 1; i <= 3; i++) {
      const add = page.locator(`#add-${i}`);
      const title = await page.locator('ol.results > li.result').nth(i - 1).locator('h3 a').textContent();
      await Promise.all([page.waitForURL(/list=/), add.click()]);
      expect(await text(page.locator(`#add-${i}`))).toBe('✓ In your list: remove');
      expect(title).toBeTruthy();
    }
    const url = new URL(page.url());
    list.push(...url.searchParams.get('list')!.split(','));
    expect(list).toHaveLength(3);
    expect(await text(page.locator('nav.site a[href^="/list"]'))).toBe('Reading list (3)');
    await shot('11-results-facets-list.png');
  });

  it('opens a paper, sees its neighbourhood map, and follows a node to that neighbour', async () => {
    const first = page.locator('ol.results h3 a').first();
    await Promise.all([page.waitForURL(/\/papers\//), first.click()]);
    const map = page.locator('svg.map-svg');
    await expect.poll(() => map.count()).toBe(1);
    const nodes = map.locator('a.node');
    expect(await nodes.count()).toBe(14);
    await page.locator('#map').screenshot({ path: path.join(ARTIFACTS, '12-neighbourhood-map.png') });
    await shot('13-paper-with-map.png');
    // Tab reaches the map's nodes, each visibly focused.
    await tabTo(page, 'svg.map-svg a.node');
    expect(await focusVisible(page)).toBe(true);
    const node = nodes.nth(3);
    const href = (await node.getAttribute('href'))!;
    const title = (await node.locator('title').textContent())!.split(' · ')[0]!;
    await Promise.all([page.waitForURL((u) => u.pathname === href.split('?')[0]), node.locator('circle').click()]);
    expect(await text(page.locator('h1'))).toBe(title);
    // The list came along.
    expect(await text(page.locator('nav.site a[href^="/list"]'))).toBe('Reading list (3)');
  });

  it('opens the list: its three papers, papers like these, and a BibTeX export that parses', async () => {
    await Promise.all([page.waitForURL(/\/list\?ids=/), page.locator('nav.site a[href^="/list"]').click()]);
    listUrl = page.url();
    expect(new URL(listUrl).searchParams.get('ids')!.split(',')).toEqual(list);
    expect(await page.locator('ol.results.list > li').count()).toBe(3);
    const like = page.locator('section[aria-labelledby="like-heading"] li.result h3 a');
    expect(await like.count()).toBe(10);
    for (const href of await like.evaluateAll((as) => as.map((a) => a.getAttribute('href') ?? ''))) {
      for (const id of list) expect(href.startsWith(`/papers/${id}?`)).toBe(false);
    }
    await shot('14-reading-list.png');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('a[href^="/list.bib"]')]);
    expect(download.suggestedFilename()).toBe('paperscope-list.bib');
    const bib = await readFile((await download.path())!, 'utf8');
    const lib = parseBib(bib, { sentenceCase: false });
    expect(lib.errors).toEqual([]);
    expect(lib.entries).toHaveLength(3);
    for (const e of lib.entries) expect(e.type).toBe('misc');
  });

  it('pastes an arXiv link and lands on that paper\'s related papers; an unknown one is said plainly', async () => {
    await page.goto(server!.url + '/');
    await page.fill('#q', 'https://arxiv.org/abs/2504.03775v1');
    await Promise.all([page.waitForURL(/\/papers\/2504\.03775/), page.press('#q', 'Enter')]);
    expect(new URL(page.url()).hash).toBe('#related');
    expect(await text(page.locator('h1'))).toMatch(/^FlowKV/);
    // An arXiv paper's neighbours have categories: the map colours them, with a legend.
    expect(await text(page.locator('#map .legend-title'))).toBe('Colour: primary category');
    expect(await page.locator('#map .legend li').count()).toBeGreaterThan(1);
    await page.locator('#map').screenshot({ path: path.join(ARTIFACTS, '15-map-by-category.png') });
    await page.goto(server!.url + '/?q=2401.99999');
    expect(await text(page.locator('.notice h2'))).toBe('arXiv 2401.99999 is not in this index');
  });

  it('subscribes to the search as an Atom feed, linked from the results page', async () => {
    await page.goto(server!.url + '/?q=' + encodeURIComponent('KV cache compression'));
    const alternate = await page.locator('link[rel="alternate"][type="application/atom+xml"]').getAttribute('href');
    const visible = page.locator('p.follow a');
    expect(await visible.getAttribute('href')).toBe(alternate);
    const res = await page.request.get(server!.url + alternate!);
    expect(res.headers()['content-type']).toBe('application/atom+xml; charset=utf-8');
    const xml = await res.text();
    expect(xml).toMatch(/^<\?xml version="1.0" encoding="utf-8"\?>\n<feed xmlns="http:\/\/www.w3.org\/2005\/Atom">/);
    expect((xml.match(/<entry>/g) ?? []).length).toBeGreaterThan(0);
    expect(xml).toContain('KV Cache');
  });

  it('has no serious or critical axe-core violations on the search, results, paper and list pages', async () => {
    const pages = ['/', '/?q=' + encodeURIComponent('scaling test-time compute'), '/papers/2504.03775', new URL(listUrl).pathname + new URL(listUrl).search];
    const found: Record<string, string[]> = {};
    for (const p of pages) {
      await page.goto(server!.url + p);
      found[p] = serious(await axe(page));
    }
    expect(found).toEqual(Object.fromEntries(pages.map((p) => [p, []])));
  });

  it('produced no console errors, CSP violations or failed requests', () => {
    expect(problems).toEqual([]);
  });
});
