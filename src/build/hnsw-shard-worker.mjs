// Builds one HNSW shard on a worker thread (papers whose label % shards is this shard), so shards build on every core.
// Plain JavaScript: it needs no project code, only hnswlib-node and better-sqlite3, and a worker has no TS loader.
import { rename } from 'node:fs/promises';
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import hnswlib from 'hnswlib-node';

const { dbFile, shard, shards, dims, capacity, file, M, efConstruction } = workerData;
try {
  const db = new Database(dbFile, { fileMustExist: true });
  db.pragma('query_only = ON');
  const index = new hnswlib.HierarchicalNSW('cosine', dims);
  index.initIndex({ maxElements: Math.max(16, capacity), m: M, efConstruction, randomSeed: 100 + shard, allowReplaceDeleted: false });
  let n = 0;
  const rows = db.prepare('SELECT label, vector FROM vectors WHERE label % ? = ? ORDER BY label').iterate(shards, shard);
  for (const r of rows) {
    const v = new Float32Array(r.vector.buffer, r.vector.byteOffset, dims);
    // Labels split by label % shards only about evenly: grow rather than fail when this shard gets more.
    if (index.getCurrentCount() >= index.getMaxElements()) index.resizeIndex(Math.ceil(index.getMaxElements() * 1.25));
    index.addPoint(Array.from(v), r.label);
    if (++n % 20000 === 0) parentPort.postMessage({ kind: 'progress', shard, added: n });
  }
  db.close();
  const tmp = `${file}.tmp-${process.pid}-${shard}`;
  await index.writeIndex(tmp);
  await rename(tmp, file);
  parentPort.postMessage({ kind: 'done', shard, added: n });
} catch (e) {
  parentPort.postMessage({ kind: 'failed', shard, message: e instanceof Error ? e.message : String(e) });
}
