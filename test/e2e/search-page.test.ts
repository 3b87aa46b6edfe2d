// The search page in real headless Chromium over the seed with USE lite: ask, see results, open a paper, follow a related one.
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, buildTemp, removeTempDirs, serveIndex, useLiteEmbedder } from '../helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
const ARTIFACTS = path.join(ROOT, 'test', 'artifacts');
if (!hasChromium) {
  console.warn(`[e2e] skipped: ${CHROMIUM} is absent (install it with: apt-get update && apt-get install -y chromium)`);
}

let server: Awaited<ReturnType<typeof serveIndex>> | undefined;
let browser: Browser | undefined;
let page: Page;
/** Everything the browser complains about: CSP violations, failed loads, script errors. */
const problems: string[] = [];

beforeAll(async () => {
  if (!hasChromium) return;
  await mkdir(ARTIFACTS, { recursive: true });
  const emb = await useLiteEmbedder();
  const { indexDir } = await buildTemp(emb);
  server = await serveIndex(indexDir, emb);
  const { chromium } = await import('playwright-core');
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ''}`));
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
  });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await removeTempDirs();
});

/** The element's text, whitespace-trimmed (the DOM text, not layout-dependent innerText). */
const text = async (l: Locator): Promise<string> => ((await l.textContent()) ?? '').replace(/\s+/g, ' ').trim();

const shot = (name: string, p: Page = page) => p.screenshot({ path: path.join(ARTIFACTS, name), fullPage: true });

describe.skipIf(!hasChromium)(hasChromium ? 'search page in Chromium' : `search page in Chromium: SKIPPED, ${CHROMIUM} is absent`, () => {
  const question = 'how to train a huge network when the weights do not fit in GPU memory';
  let openedTitle = '';

  it('shows an empty search page with a focused search box and a styled layout', async () => {
    await page.goto(server!.url + '/');
    await expect.poll(() => page.locator('#q').evaluate((el) => el === el.ownerDocument.activeElement)).toBe(true);
    // The stylesheet is served from /assets under a strict CSP: if it were blocked, the body would have no background colour.
    const bg = await page.locator('body').evaluate((b) => b.ownerDocument.defaultView?.getComputedStyle(b).backgroundColor);
    expect(bg).not.toBe('rgba(0, 0, 0, 0)');
    expect(await page.locator('.examples a').count()).toBeGreaterThan(0);
    await shot('01-landing.png');
  });

  it('types a question, submits, and sees ranked results', async () => {
    await page.fill('input[name="q"]', question);
    await Promise.all([page.waitForURL(/\?q=/), page.press('input[name="q"]', 'Enter')]);
    expect(new URL(page.url()).searchParams.get('q')).toBe(question);
    const results = page.locator('ol.results > li.result');
    expect(await results.count()).toBe(10);
    const topIds = await page.locator('ol.results h3 a').evaluateAll((as) => as.slice(0, 3).map((a) => a.getAttribute('href')));
    expect(topIds.some((href) => href?.includes('zero-infinity'))).toBe(true);
    expect(await text(page.locator('.summary'))).toMatch(/1–10 of 45/);
    expect(await page.inputValue('input[name="q"]')).toBe(question);
    await shot('02-results.png');
  });

  it('pages forward and keeps the query', async () => {
    await Promise.all([page.waitForURL(/offset=10/), page.click('nav.pager a[rel="next"]')]);
    expect(await text(page.locator('.summary'))).toMatch(/^11–20 of 45/);
    expect(await page.inputValue('input[name="q"]')).toBe(question);
    await page.goBack();
    await page.waitForURL((u) => !u.searchParams.has('offset'));
  });

  it('opens a result and sees the paper with its related papers', async () => {
    const first = page.locator('ol.results h3 a').first();
    openedTitle = await text(first);
    await Promise.all([page.waitForURL(/\/papers\//), first.click()]);
    expect(await text(page.locator('h1'))).toBe(openedTitle);
    expect((await text(page.locator('.abstract'))).length).toBeGreaterThan(100);
    const related = page.locator('section[aria-labelledby="related-heading"] li.result a');
    expect(await related.count()).toBeGreaterThanOrEqual(3);
    const relatedTitles = (await related.allTextContents()).map((t) => t.replace(/\s+/g, ' ').trim());
    expect(relatedTitles).not.toContain(openedTitle);
    await shot('03-paper.png');
  });

  it('follows a related paper to its own page', async () => {
    const link = page.locator('section[aria-labelledby="related-heading"] li.result a').first();
    const title = await text(link);
    await Promise.all([page.waitForURL(/\/papers\//), link.click()]);
    expect(await text(page.locator('h1'))).toBe(title);
    expect(title).not.toBe(openedTitle);
  });

  it('draws the neighbourhood map on the paper page; a click on a node opens that paper', async () => {
    const nodes = page.locator('svg.map-svg a.node');
    expect(await nodes.count()).toBe(14);
    await page.locator('#map').screenshot({ path: path.join(ARTIFACTS, '08-map.png') });
    const node = nodes.nth(2);
    const href = (await node.getAttribute('href'))!;
    const title = (await node.locator('title').textContent())!.split(' · ')[0]!;
    await Promise.all([page.waitForURL((u) => u.pathname === href), node.locator('circle').click()]);
    expect(await text(page.locator('h1'))).toBe(title);
  });

  it('filters by mode without JavaScript help and shows a helpful empty state', async () => {
    await page.goto(server!.url + '/?q=' + encodeURIComponent('zzqx nonexistentword') + '&mode=keyword');
    expect(await text(page.locator('.notice h2'))).toMatch(/No papers match/);
    await shot('07-no-results-with-filters-open.png');
    await page.click('text=Search by meaning too (hybrid)');
    await page.waitForURL((u) => !u.searchParams.has('mode'));
    expect(await page.locator('ol.results > li').count()).toBeGreaterThan(0);
  });

  it('renders the results and the API reference on a phone-sized screen', async () => {
    const phone = await browser!.newPage({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2 });
    await phone.goto(server!.url + '/?q=' + encodeURIComponent('scaling test-time compute'));
    // No horizontal scrolling on a narrow screen.
    const overflow = await phone.locator('html').evaluate((el) => el.scrollWidth - el.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await shot('04-results-mobile.png', phone);
    await phone.goto(server!.url + '/docs');
    expect(await text(phone.locator('h1'))).toBe('API reference');
    await phone.screenshot({ path: path.join(ARTIFACTS, '05-docs-mobile.png') });
    await page.goto(server!.url + '/docs#get-api-search');
    await page.screenshot({ path: path.join(ARTIFACTS, '06-docs.png') });
    await phone.close();
  });

  it('produced no console errors, CSP violations or failed requests', () => {
    expect(problems).toEqual([]);
  });
});
