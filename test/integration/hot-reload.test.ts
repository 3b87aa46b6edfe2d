// A running server picks up a newly published build without a restart, and refuses one made with another model.
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildIndex } from '../../src/build/index.js';
import { watchIndex } from '../../src/runtime.js';
import { buildTemp, removeTempDirs, serveIndex, tempDir, tinyEmbedder, useLiteEmbedder, writeLines } from '../helpers.js';

afterAll(removeTempDirs);

describe('serving while the index is updated', () => {
  it('answers from the new build once it is published, and keeps the old one on a model mismatch', async () => {
    const emb = await tinyEmbedder();
    const dir = await tempDir();
    const first = await writeLines(path.join(dir, 'a.jsonl'), [JSON.stringify({ id: 'old-1', title: 'Pipeline parallel training', abstract: 'Splitting a model across accelerators.' })]);
    const { indexDir } = await buildTemp(emb, [first]);
    const server = await serveIndex(indexDir, emb);
    const logs: string[] = [];
    const watcher = watchIndex(server.searcher, indexDir, { intervalMs: 60_000, graceMs: 10, log: (l) => logs.push(l) });
    try {
      const added = await writeLines(path.join(dir, 'b.jsonl'), [JSON.stringify({ id: 'new-1', title: 'Quantum error correction codes', abstract: 'Surface codes for qubits.' })]);
      await buildIndex({ indexDir, sources: [added], embedder: emb, mode: 'update' });
      const before = (await (await fetch(`${server.url}/api/papers/new-1`)).json()) as { status: number };
      expect(before.status).toBe(404);
      await watcher.check();
      const r = (await (await fetch(`${server.url}/api/search?q=quantum+surface+codes&mode=keyword`)).json()) as { results: { id: string }[] };
      expect(r.results.map((h: { id: string }) => h.id)).toEqual(['new-1']);
      expect(((await (await fetch(`${server.url}/health`)).json()) as { papers: number }).papers).toBe(2);
      expect(logs.join('\n')).toMatch(/serving build .* \(2 papers\)/);

      // A rebuild with another model cannot serve queries embedded by this server's model: keep the current build.
      const served = server.searcher.index.manifest.buildId;
      await buildIndex({ indexDir, sources: [first, added], embedder: await useLiteEmbedder(), mode: 'rebuild' });
      await watcher.check();
      expect(server.searcher.index.manifest.buildId).toBe(served);
      expect(logs.join('\n')).toMatch(/not serving the new build .*built with use-lite/);
      expect((await fetch(`${server.url}/api/papers/new-1`)).status).toBe(200);
    } finally {
      watcher.stop();
      await server.close();
    }
  });
});
