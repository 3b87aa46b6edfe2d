// keywords.bin through real builds: written by build, update and remove; verified on open; older builds without it still serve.
import { cpSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removePapers } from '../../src/build/index.js';
import type { Embedder } from '../../src/embed/embedder.js';
import { toFtsQuery } from '../../src/search/fts.js';
import { buildKeywordSegment } from '../../src/store/keyword-build.js';
import { KEYWORD_FILE, readKeywordFile, writeKeywordFile } from '../../src/store/keyword-file.js';
import { openIndex, PaperStore, resolveBuildDir } from '../../src/store/index.js';
import { buildTemp, removeTempDirs, SEED, tempDir, tinyEmbedder, writeLines } from '../helpers.js';

afterAll(removeTempDirs);

/** Read-only: building a segment only reads the FTS5 index (its fts5vocab table lives in the temp schema). */
const openDb = (file: string) => new Database(file, { readonly: true });

let emb: Embedder;
let indexDir: string;
beforeAll(async () => {
  emb = await tinyEmbedder();
  ({ indexDir } = await buildTemp(emb, [SEED]));
});

/** Labels the served build returns for a keyword query, and whether its engine (not FTS5) answered. */
async function keyword(q: string): Promise<{ labels: number[]; engine: boolean }> {
  const index = await openIndex(indexDir);
  try {
    const labels = index.papers.keywordSearch(toFtsQuery(q).match!, undefined, 20).map((h) => h.label);
    return { labels, engine: !!index.papers.keywords && !index.papers.keywords.last.fallback };
  } finally {
    index.close();
  }
}

/** A copy of the published build folder, to damage without touching the served index. */
async function copyOfBuild(): Promise<string> {
  const copy = path.join(await tempDir(), 'build');
  cpSync(resolveBuildDir(indexDir)!, copy, { recursive: true });
  return copy;
}

describe('keywords.bin in the build', () => {
  it('is written by a build and answers plain keyword queries', async () => {
    const r = await keyword('pipeline parallelism');
    expect(r.engine).toBe(true);
    expect(r.labels.length).toBeGreaterThan(0);
  });

  it('follows --update and remove: new papers are found, removed ones are gone', async () => {
    const src = await writeLines(path.join(await tempDir(), 'new.jsonl'), [
      JSON.stringify({ id: 'zyxt-paper', title: 'Zyxtomorphic lattices', abstract: 'We define zyxtomorphic lattices and count them.' }),
    ]);
    await buildTemp(emb, [src], { indexDir, mode: 'update' });
    const added = await keyword('zyxtomorphic');
    expect(added.engine).toBe(true);
    expect(added.labels).toHaveLength(1);
    await removePapers({ indexDir, ids: ['zyxt-paper'] });
    expect(await keyword('zyxtomorphic')).toEqual({ labels: [], engine: true });
  });

  it('is optional: a build without it (made before it existed) is ranked by FTS5, with the same answers', async () => {
    const want = await keyword('language models for code');
    const dir = await copyOfBuild();
    rmSync(path.join(dir, KEYWORD_FILE));
    // Such a build's manifest does not list the file.
    const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
    delete manifest.segments[0].keywords;
    writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
    const index = await openIndex(dir);
    try {
      expect(index.papers.keywords).toBeUndefined();
      expect(index.papers.keywordSearch(toFtsQuery('language models for code').match!, undefined, 20).map((h) => h.label)).toEqual(want.labels);
    } finally {
      index.close();
    }
  });

  it('is refused when damaged, truncated, or from another build', async () => {
    const damaged = await copyOfBuild();
    const file = path.join(damaged, KEYWORD_FILE);
    const bytes = readFileSync(file);
    bytes[bytes.length >> 1] = bytes[bytes.length >> 1]! ^ 0xff;
    writeFileSync(file, bytes);
    await expect(openIndex(damaged)).rejects.toThrow(/keywords\.bin is unusable \(checksum mismatch/);

    const truncated = await copyOfBuild();
    truncateSync(path.join(truncated, KEYWORD_FILE), 1000);
    // The manifest lists its size: a truncated file is refused before it is read.
    await expect(openIndex(truncated)).rejects.toThrow(/incomplete: keywords\.bin is 1000 bytes, manifest says \d+/);

    const other = await copyOfBuild();
    const { buildId } = (await readKeywordFile(file.replace(damaged, resolveBuildDir(indexDir)!))).meta;
    const db = openDb(path.join(other, 'papers.sqlite'));
    writeKeywordFile(path.join(other, KEYWORD_FILE), buildKeywordSegment(db).segment, {
      buildId: `${buildId}-other`,
      table: 'papers_fts',
      columns: ['title', 'abstract'],
      tokenize: 'porter unicode61 remove_diacritics 2',
      sqliteVersion: '',
      createdAt: '',
    });
    db.close();
    // Even with a manifest that lists it at its new size, a file of another build is refused.
    const mfile = path.join(other, 'manifest.json');
    const m = JSON.parse(readFileSync(mfile, 'utf8'));
    m.segments[0].keywords = { name: KEYWORD_FILE, bytes: statSync(path.join(other, KEYWORD_FILE)).size };
    writeFileSync(mfile, JSON.stringify(m));
    await expect(openIndex(other)).rejects.toMatchObject({ code: 'INDEX_CORRUPT', message: expect.stringMatching(/belongs to build .*-other/) });
  });

  it('round-trips every array of the segment', async () => {
    const index = await openIndex(indexDir);
    try {
      const seg = index.papers.keywords!.segment;
      const again = buildKeywordSegment(openDb(path.join(index.dir, 'papers.sqlite'))).segment;
      for (const key of Object.keys(seg) as (keyof typeof seg)[]) expect(again[key], key).toEqual(seg[key]);
      expect(new PaperStore(index.db).count()).toBe(seg.docs);
    } finally {
      index.close();
    }
  });
});
