// One embedding worker: loads the model on its own thread and answers embed requests, so inference never blocks the server.
import { parentPort, workerData } from 'node:worker_threads';
import { loadEmbedder, type LoadOptions } from './index.js';
import type { PoolRequest, PoolResponse } from './pool.js';

const { model, load } = workerData as { model: string; load: LoadOptions };
const port = parentPort!;

try {
  const embedder = await loadEmbedder(model, load);
  port.postMessage({ kind: 'ready', info: embedder.info } satisfies PoolResponse);
  port.on('message', async (req: PoolRequest) => {
    try {
      const vecs = req.kind === 'query' ? [await embedder.embedQuery(req.texts[0]!)] : await embedder.embedPassages(req.texts);
      // One buffer for the whole batch, transferred rather than copied.
      const dims = embedder.info.dims;
      const flat = new Float32Array(vecs.length * dims);
      vecs.forEach((v, i) => flat.set(v, i * dims));
      port.postMessage({ kind: 'vectors', id: req.id, flat } satisfies PoolResponse, [flat.buffer]);
    } catch (e) {
      port.postMessage({ kind: 'error', id: req.id, message: (e as Error).message, code: (e as { code?: string }).code } satisfies PoolResponse);
    }
  });
} catch (e) {
  port.postMessage({ kind: 'failed', message: (e as Error).message, code: (e as { code?: string }).code } satisfies PoolResponse);
}
