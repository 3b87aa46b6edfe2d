// /feed.atom: valid against RFC 4287's RELAX NG schema (xmllint), newest first above the floor, and updated by `build --update`.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildIndex } from '../../src/build/index.js';
import type { Embedder } from '../../src/embed/embedder.js';
import { type IndexWatcher, watchIndex } from '../../src/runtime.js';
import { relevanceFloor } from '../../src/search/floor.js';
import { ROOT, buildTemp, removeTempDirs, tempDir, tinyEmbedder, writeLines } from '../helpers.js';
import { type Served, serveWith } from './api-fixtures.js';

const XMLLINT = '/usr/bin/xmllint';
const hasXmllint = existsSync(XMLLINT);
const ATOM_RNG = path.join(ROOT, 'test', 'fixtures', 'atom.rng');
if (!hasXmllint) console.warn(`[feed] schema validation skipped: ${XMLLINT} is absent (apt-get install -y libxml2-utils)`);

const KV = (i: number, date?: string) => ({
  id: `kv-${i}`,
  title: `KV cache compression method ${i}`,
  abstract: `We compress the KV cache of transformer inference with method ${i}, lowering memory by quantization.`,
  authors: [`Author ${i}`, 'Shared Author'],
  ...(date ? { date } : {}),
  categories: ['cs.LG'],
  url: `https://example.org/kv/${i}`,
});
const OTHER = (i: number) => ({
  id: `bio-${i}`,
  title: `Protein folding study ${i}`,
  abstract: `Protein structure prediction with method ${i}; the cache of structures is reused once.`,
  authors: [`Biologist ${i}`],
  date: `2020-0${1 + (i % 9)}-01`,
  categories: ['q-bio.BM'],
});

let emb: Embedder;
let s: Served;
let indexDir: string;
let watcher: IndexWatcher;
let dir: string;

beforeAll(async () => {
  emb = await tinyEmbedder();
  dir = await tempDir();
  const papers = [KV(1, '2023-01-10'), KV(2, '2024-06-01'), KV(3, '2022-03-03'), KV(4), ...Array.from({ length: 12 }, (_, i) => OTHER(i))];
  const src = await writeLines(path.join(dir, 'a.jsonl'), papers.map((p) => JSON.stringify(p)));
  ({ indexDir } = await buildTemp(emb, [src]));
  s = await serveWith(indexDir, emb);
  watcher = watchIndex(s.searcher, indexDir, { intervalMs: 60_000, graceMs: 10, log: () => {} });
});
afterAll(async () => {
  watcher?.stop();
  await s?.close();
  await emb?.dispose();
  await removeTempDirs();
});

const feed = async (qs: string, init?: RequestInit) => {
  const r = await fetch(`${s.url}/feed.atom?${qs}`, init);
  return { status: r.status, headers: r.headers, xml: await r.text() };
};
/** Entries as [id, title, updated, alternate href] in document order. */
const entries = (xml: string) =>
  [...xml.matchAll(/<entry>([\s\S]*?)<\/entry>/g)].map((m) => ({
    id: /<id>([^<]+)<\/id>/.exec(m[1]!)![1]!,
    title: /<title type="text">([^<]+)<\/title>/.exec(m[1]!)![1]!,
    updated: /<updated>([^<]+)<\/updated>/.exec(m[1]!)![1]!,
    alternate: /<link rel="alternate" type="text\/html" href="([^"]+)"\/>/.exec(m[1]!)?.[1],
  }));

async function validate(xml: string): Promise<string> {
  const file = path.join(dir, `feed-${Date.now()}.xml`);
  await writeFile(file, xml);
  try {
    return execFileSync(XMLLINT, ['--noout', '--relaxng', ATOM_RNG, file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    throw new Error(`the feed does not validate against RFC 4287's schema:\n${(e as { stderr?: string }).stderr ?? e}`);
  }
}

describe('relevanceFloor', () => {
  it('sits halfway from the median score to the best', () => {
    expect(relevanceFloor([10, 4, 3, 2, 1])).toBe(6.5);
    expect(relevanceFloor([0.66, 0.5, 0.5, 0.48])).toBeCloseTo(0.58, 10);
    expect(relevanceFloor([0.7])).toBe(0.7);
    expect(relevanceFloor([])).toBe(Infinity);
  });
});

describe('GET /feed.atom', () => {
  it.skipIf(!hasXmllint)('is a valid Atom document (RELAX NG schema of RFC 4287, via xmllint)', async () => {
    for (const qs of ['q=KV+cache+compression&mode=keyword', 'q=KV+cache', 'q=protein&mode=semantic&year_from=2020&category=q-bio.BM', 'q=zzqxv+nothing&mode=keyword']) {
      const r = await feed(qs);
      expect(r.status).toBe(200);
      await validate(r.xml);
    }
  });

  it('lists the newest papers above the relevance floor, each with an id, an updated time and a link to its page', async () => {
    const r = await feed('q=KV+cache+compression&mode=keyword');
    expect(r.headers.get('content-type')).toBe('application/atom+xml; charset=utf-8');
    const es = entries(r.xml);
    // The four KV papers match strongly; the protein papers (which mention "cache" once) fall below the floor.
    expect(es.map((e) => e.title)).toEqual([
      'KV cache compression method 2',
      'KV cache compression method 1',
      'KV cache compression method 3',
      'KV cache compression method 4',
    ]);
    expect(es.map((e) => e.updated).slice(0, 3)).toEqual(['2024-06-01T00:00:00Z', '2023-01-10T00:00:00Z', '2022-03-03T00:00:00Z']);
    // The undated paper comes last, stamped with the build's time.
    expect(es[3]!.updated).toBe(new Date(s.searcher.index.manifest.createdAt).toISOString());
    expect(new Set(es.map((e) => e.id)).size).toBe(es.length);
    for (const e of es) {
      expect(e.id).toBe(e.alternate);
      expect(e.id).toMatch(new RegExp(`^${s.url}/papers/kv-\\d$`));
      expect((await fetch(e.alternate!)).status).toBe(200);
    }
    expect(r.xml).toMatch(/<author><name>Shared Author<\/name><\/author>/);
    expect(r.xml).toContain(`<link rel="self" type="application/atom+xml" href="${s.url}/feed.atom?q=KV+cache+compression&amp;mode=keyword"/>`);
    expect(r.xml).toContain(`<link rel="alternate" type="text/html" href="${s.url}/?q=KV+cache+compression&amp;mode=keyword"/>`);
    expect(r.xml).toMatch(/<subtitle type="text">[^<]*floor of [\d.]+: halfway from the median candidate&apos;s score to the best one/);
    expect(r.xml).not.toContain('Protein folding');
  });

  it('applies the search filters and limit', async () => {
    const r = await feed('q=KV+cache+compression&mode=keyword&year_from=2023&limit=1');
    expect(entries(r.xml).map((e) => e.title)).toEqual(['KV cache compression method 2']);
    expect((await feed('q=')).status).toBe(400);
    expect((await feed('q=x&limit=500')).status).toBe(400);
  });

  it('answers an unchanged feed with 304 to a reader that sends its ETag', async () => {
    const a = await feed('q=KV+cache+compression&mode=keyword');
    const tag = a.headers.get('etag');
    expect(tag).toBeTruthy();
    expect((await feed('q=KV+cache+compression&mode=keyword', { headers: { 'if-none-match': tag! } })).status).toBe(304);
  });

  it('is linked from the results page, for feed readers and people', async () => {
    const html = await (await fetch(`${s.url}/?q=KV+cache+compression&mode=keyword`)).text();
    expect(html).toContain('<link rel="alternate" type="application/atom+xml" title="paperscope: KV cache compression" href="/feed.atom?q=KV+cache+compression&amp;mode=keyword"/>');
    expect(html).toContain('<a href="/feed.atom?q=KV+cache+compression&amp;mode=keyword" type="application/atom+xml">Follow this search</a>');
  });

  it('shows a new matching paper first once `build --update` publishes it (hot reload, no restart)', async () => {
    const before = await feed('q=KV+cache+compression&mode=keyword');
    const added = await writeLines(path.join(dir, 'b.jsonl'), [JSON.stringify(KV(5, '2025-02-02'))]);
    await buildIndex({ indexDir, sources: [added], embedder: emb, mode: 'update' });
    await watcher.check();
    const after = await feed('q=KV+cache+compression&mode=keyword', { headers: { 'if-none-match': before.headers.get('etag')! } });
    expect(after.status).toBe(200);
    expect(entries(after.xml)[0]).toMatchObject({ title: 'KV cache compression method 5', updated: '2025-02-02T00:00:00Z' });
    const feedUpdated = (xml: string) => /<feed[^>]*>\s*<id>[^<]*<\/id>[\s\S]*?<updated>([^<]+)<\/updated>/.exec(xml)![1];
    expect(feedUpdated(after.xml)).toBe(new Date(s.searcher.index.manifest.createdAt).toISOString());
    expect(feedUpdated(after.xml)).not.toBe(feedUpdated(before.xml));
    if (hasXmllint) await validate(after.xml);
  });
});
