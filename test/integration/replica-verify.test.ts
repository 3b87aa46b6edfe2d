// A replica receives builds by a plain copy (rsync): checksums in the manifest, verification before the swap, /health for the load balancer.
import { execFileSync } from 'node:child_process';
import { openSync, readFileSync, readSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyBuild } from '../../scripts/fault-replicas.js';
import { RSYNC, freePort, paperscope, waitFor } from '../../scripts/lib/servers.js';
import { createApp } from '../../src/api/app.js';
import { listen } from '../../src/api/server.js';
import { buildIndex } from '../../src/build/index.js';
import { loadConfig } from '../../src/config.js';
import type { Embedder } from '../../src/embed/embedder.js';
import { watchIndex } from '../../src/runtime.js';
import { Searcher } from '../../src/search/searcher.js';
import { manifestFiles, openIndex, readManifest, resolveBuildDir, verifyBuild } from '../../src/store/index.js';
import { SEED, removeTempDirs, tempDir, tinyEmbedder, tinyModelDir, writeLines } from '../helpers.js';

afterAll(removeTempDirs);

/** Flips one byte in the middle of a file: same size, different content (what a size check cannot see). */
function flipByte(file: string): void {
  const fd = openSync(file, 'r+');
  try {
    const size = Number(execFileSync('stat', ['-c', '%s', file]).toString().trim());
    const b = Buffer.alloc(1);
    readSync(fd, b, 0, 1, Math.floor(size / 2));
    b[0] = b[0]! ^ 0xff;
    writeSync(fd, b, 0, 1, Math.floor(size / 2));
  } finally {
    closeSync(fd);
  }
}

const json = async (url: string) => {
  const r = await fetch(url);
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
};

describe.skipIf(!RSYNC)('a replica fed by rsync', () => {
  let emb: Embedder;
  let dir: string;
  let origin: string;

  beforeAll(async () => {
    emb = await tinyEmbedder();
    dir = await tempDir('paperscope-replica-');
    origin = path.join(dir, 'origin');
    await buildIndex({ indexDir: origin, sources: [SEED], embedder: emb });
  });

  it('publishes sha256 checksums, and paperscope verify checks them (old manifests: sizes)', async () => {
    const m = readManifest(path.join(resolveBuildDir(origin)!, 'manifest.json'));
    for (const f of manifestFiles(m)) expect(f.sha256, f.name).toMatch(/^[0-9a-f]{64}$/);
    const ok = paperscope(['verify', '--index', origin, '--json']);
    expect((await ok.exited).code, ok.output()).toBe(0);
    expect(JSON.parse(ok.output())).toMatchObject({ build: m.buildId, ok: true, checked: 'checksums' });

    const copy = path.join(dir, 'copy');
    copyBuild(origin, copy);
    const build = resolveBuildDir(copy)!;
    flipByte(path.join(build, 'vectors.hnsw'));
    const bad = paperscope(['verify', '--index', copy]);
    expect((await bad.exited).code).toBe(1);
    expect(bad.output()).toMatch(new RegExp(`^paperscope: build ${m.buildId}: vectors.hnsw does not match its checksum`, 'm'));
    // A size check alone passes the same file: that is why the checksums exist.
    expect((await verifyBuild(build, { checksums: false })).checked).toBe('sizes');

    // A manifest from before checksums is still read, and verified by size.
    const manifestFile = path.join(build, 'manifest.json');
    const old = JSON.parse(readFileSync(manifestFile, 'utf8'));
    for (const s of old.segments) for (const f of [s.sqlite, ...s.hnsw, s.keywords]) delete f.sha256;
    writeFileSync(manifestFile, JSON.stringify(old));
    expect((await verifyBuild(build)).checked).toBe('sizes');
  });

  it('serves a copied build only once it verifies; /health is 503 "degraded" meanwhile, and the old build keeps answering', async () => {
    const replica = path.join(dir, 'replica');
    const first = copyBuild(origin, replica);
    const searcher = new Searcher(await openIndex(replica), emb);
    const logs: string[] = [];
    const watcher = watchIndex(searcher, replica, { intervalMs: 60_000, graceMs: 10, log: (l) => logs.push(l) });
    const app = createApp({ searcher, config: loadConfig({ indexDir: replica, logRequests: false }, {}), processMetrics: false, health: () => watcher.readiness() });
    const server = await listen(app, { host: '127.0.0.1', port: 0 });
    try {
      await watcher.startupVerified;
      expect(await json(`${server.url}/health`)).toMatchObject({ status: 200, body: { status: 'ok', build: first, papers: 45 } });

      // A new build on the build machine; its copy arrives damaged (same sizes, one byte flipped).
      await buildIndex({ indexDir: origin, mode: 'update', sources: [await writeLines(path.join(dir, 'more.jsonl'), [JSON.stringify({ id: 'new-1', title: 'Quantum error correction codes', abstract: 'Surface codes for qubits.' })])], embedder: emb });
      const second = copyBuild(origin, replica);
      flipByte(path.join(replica, 'builds', second, 'papers.sqlite'));
      await watcher.check();
      const h = await json(`${server.url}/health`);
      expect(h.status).toBe(503);
      expect(h.body).toMatchObject({ status: 'degraded', build: first, papers: 45 });
      expect(String(h.body.reason)).toMatch(new RegExp(`the current build ${second} cannot be served \\(build ${second}: papers.sqlite does not match its checksum.*\\); still serving ${first}`));
      expect(String(h.body.reason)).not.toContain(dir); // no file paths on a public route
      // The old build still answers.
      expect((await fetch(`${server.url}/api/search?q=pipeline+parallel&limit=3`)).status).toBe(200);
      expect((await fetch(`${server.url}/api/papers/new-1`)).status).toBe(404);
      // Unchanged files are not hashed again on the next poll.
      const verifiedLines = logs.filter((l) => /not serving/.test(l)).length;
      await watcher.check();
      expect(logs.filter((l) => /not serving/.test(l)).length).toBe(verifiedLines);

      // The copy is repeated (rsync replaces the damaged file): verified, swapped, healthy.
      execFileSync(RSYNC!, ['-a', '--checksum', path.join(origin, 'builds', second) + '/', path.join(replica, 'builds', second) + '/']);
      await watcher.check();
      expect(await json(`${server.url}/health`)).toMatchObject({ status: 200, body: { status: 'ok', build: second, papers: 46 } });
      expect((await fetch(`${server.url}/api/papers/new-1`)).status).toBe(200);
      expect(logs.join('\n')).toMatch(new RegExp(`build ${second} verified \\(checksums`));

      // CURRENT copied before its folder (a mistake, or a shared filesystem that is slow to show it): degraded, then fine once it arrives.
      await buildIndex({ indexDir: origin, mode: 'update', sources: [await writeLines(path.join(dir, 'more2.jsonl'), [JSON.stringify({ id: 'new-2', title: 'Graph neural networks for molecules', abstract: 'Message passing on atoms.' })])], embedder: emb });
      const third = readFileSync(path.join(origin, 'CURRENT'), 'utf8').trim();
      execFileSync(RSYNC!, ['-a', '--checksum', path.join(origin, 'CURRENT'), path.join(replica, 'CURRENT')]);
      await watcher.check();
      const early = await json(`${server.url}/health`);
      expect(early.body).toMatchObject({ status: 'degraded', build: second });
      expect(String(early.body.reason)).toMatch(/no manifest/);
      copyBuild(origin, replica);
      await watcher.check();
      expect(await json(`${server.url}/health`)).toMatchObject({ status: 200, body: { status: 'ok', build: third, papers: 47 } });
    } finally {
      watcher.stop();
      await server.close();
      searcher.index.close();
    }
  });

  it('a served build whose files do not match its checksums is reported at start', async () => {
    const replica = path.join(dir, 'replica-bad');
    const id = copyBuild(origin, replica);
    const manifestFile = path.join(replica, 'builds', id, 'manifest.json');
    const m = JSON.parse(readFileSync(manifestFile, 'utf8'));
    m.segments[0].hnsw[0].sha256 = '0'.repeat(64);
    writeFileSync(manifestFile, JSON.stringify(m));
    const searcher = new Searcher(await openIndex(replica), emb);
    const watcher = watchIndex(searcher, replica, { intervalMs: 60_000, log: () => {} });
    try {
      await watcher.startupVerified;
      expect(watcher.readiness()).toMatchObject({ status: 'degraded', reason: expect.stringMatching(/the served build .* does not match its manifest: .*vectors.hnsw does not match its checksum/) });
    } finally {
      watcher.stop();
      searcher.index.close();
    }
  });

  it('the port answers while the index loads: /health 503 "loading" with the build, the API 503 problem+json', async () => {
    const port = await freePort();
    const serve = paperscope(['serve', '--index', origin, '--port', String(port), '--load-delay-ms', '2500'], { PAPERSCOPE_MODELS: path.dirname(await tinyModelDir()) });
    try {
      const url = `http://127.0.0.1:${port}`;
      await waitFor('the port to open', async () => {
        if (serve.proc.exitCode !== null) throw new Error(serve.output());
        return fetch(`${url}/health`).then(() => true, () => false);
      });
      const current = readFileSync(path.join(origin, 'CURRENT'), 'utf8').trim();
      const loading = await fetch(`${url}/health`);
      expect(loading.status).toBe(503);
      expect(await loading.json()).toMatchObject({ status: 'loading', build: current, papers: 47, reason: expect.stringMatching(/^loading build/) });
      const api = await fetch(`${url}/api/search?q=x`);
      expect(api.status).toBe(503);
      expect(api.headers.get('content-type')).toMatch(/application\/problem\+json/);
      expect(api.headers.get('retry-after')).toBe('1');
      await waitFor('the index to load', async () => (await fetch(`${url}/health`)).status === 200, 60_000, 100);
      expect(((await (await fetch(`${url}/api/search?q=quantum+surface+codes&mode=keyword`)).json()) as { results: { id: string }[] }).results[0]!.id).toBe('new-1');
    } finally {
      await serve.kill();
    }
  });
});
