// Prometheus metrics for one app: requests and latency per route pattern, query embedding time, index size and paper count.
//
// prom-client (one runtime dependency, tdigest; maintained under the Prometheus community's siblings, used very widely)
// is preferred to a hand-written exposition: the text format's escaping, histogram buckets (`le`, +Inf, _sum, _count)
// and process metrics (RSS, event-loop lag, GC) are easy to get subtly wrong and it gets them right.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Embedder } from '../embed/embedder.js';
import type { Searcher } from '../search/searcher.js';

export interface Metrics {
  registry: Registry;
  observeRequest(method: string, route: string, status: number, seconds: number): void;
  observeEmbedding(seconds: number): void;
}

/** Latency buckets from 1 ms (a related-papers lookup) to 10 s (a stuck request near the timeout). */
const HTTP_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const EMBED_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

export function createMetrics(searcher: Searcher, opts: { processMetrics?: boolean } = {}): Metrics {
  // A registry per app, not prom-client's global one: tests (and embedders of the library) create several apps.
  const registry = new Registry();
  if (opts.processMetrics ?? true) collectDefaultMetrics({ register: registry });

  const requests = new Counter({
    name: 'paperscope_http_requests_total',
    help: 'HTTP requests by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'paperscope_http_request_duration_seconds',
    help: 'HTTP request latency by method and route pattern',
    labelNames: ['method', 'route'] as const,
    buckets: HTTP_BUCKETS,
    registers: [registry],
  });
  const embedding = new Histogram({
    name: 'paperscope_query_embedding_seconds',
    help: 'Time to embed one search query',
    buckets: EMBED_BUCKETS,
    registers: [registry],
  });
  const index = searcher.index;
  new Gauge({
    name: 'paperscope_index_size_bytes',
    help: 'Bytes on disk of the served index (SQLite + HNSW)',
    registers: [registry],
    collect() {
      this.set(index.sizeBytes);
    },
  });
  new Gauge({
    name: 'paperscope_papers',
    help: 'Papers in the served index',
    registers: [registry],
    collect() {
      this.set(index.papers.count());
    },
  });
  const info = new Gauge({
    name: 'paperscope_index_info',
    help: 'The served index build and model (value is always 1)',
    labelNames: ['build', 'model', 'dims'] as const,
    registers: [registry],
  });
  info.set({ build: index.manifest.buildId, model: index.manifest.model.modelId, dims: String(index.manifest.model.dims) }, 1);

  return {
    registry,
    observeRequest(method, route, status, seconds) {
      requests.inc({ method, route, status: String(status) });
      latency.observe({ method, route }, seconds);
    },
    observeEmbedding(seconds) {
      embedding.observe(seconds);
    },
  };
}

const OBSERVERS = Symbol.for('paperscope.queryEmbeddingObservers');
type Observed = Embedder & { [OBSERVERS]?: Set<(seconds: number) => void> };

/**
 * Times every query embedding of a searcher. The Searcher embeds inside search(), so the only seam that
 * leaves the search stage untouched is its embedder: it is wrapped once (later apps add an observer to
 * the same wrapper rather than wrapping again, which would count nested time twice).
 */
export function observeQueryEmbedding(searcher: Searcher, observe: (seconds: number) => void): () => void {
  const holder = searcher as unknown as { embedder: Observed };
  let wrapped = holder.embedder;
  if (!wrapped[OBSERVERS]) {
    const inner = holder.embedder;
    const observers = new Set<(seconds: number) => void>();
    wrapped = {
      [OBSERVERS]: observers,
      get info() {
        return inner.info;
      },
      embedPassages: (texts) => inner.embedPassages(texts),
      dispose: () => inner.dispose(),
      async embedQuery(text: string): Promise<Float32Array> {
        const t0 = performance.now();
        try {
          return await inner.embedQuery(text);
        } finally {
          const s = (performance.now() - t0) / 1000;
          for (const o of observers) o(s);
        }
      },
    };
    holder.embedder = wrapped;
  }
  const set = wrapped[OBSERVERS]!;
  set.add(observe);
  return () => set.delete(observe);
}
