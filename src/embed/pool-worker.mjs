// One embedding worker thread: loads the resolved model (onnx-core.mjs, plain JS: no TS loader in the thread) and embeds what it is sent.
import { parentPort, workerData } from 'node:worker_threads';
import { loadOnnxCore } from './onnx-core.mjs';

const port = parentPort;
try {
  const core = await loadOnnxCore(workerData.spec);
  port.postMessage({ kind: 'ready', maxTokens: core.maxTokens });
  port.on('message', async (req) => {
    try {
      const vecs = await core.embed(req.texts, req.prefix);
      // One buffer for the whole batch, transferred rather than copied.
      const dims = vecs[0]?.length ?? 0;
      const flat = new Float32Array(vecs.length * dims);
      vecs.forEach((v, i) => flat.set(v, i * dims));
      port.postMessage({ kind: 'vectors', id: req.id, flat }, [flat.buffer]);
    } catch (e) {
      port.postMessage({ kind: 'error', id: req.id, message: e instanceof Error ? e.message : String(e) });
    }
  });
} catch (e) {
  port.postMessage({ kind: 'failed', message: e instanceof Error ? e.message : String(e) });
}
