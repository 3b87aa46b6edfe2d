// The embedding queue's entry: the coordinator's Embedder (build --queue) and the worker loop (paperscope worker), over BullMQ on Redis.
export { openQueueEmbedder, type QueueEmbedder, type QueueEmbedderOptions } from './queue-embedder.js';
export { runWorker, type WorkerOptions, type WorkerSummary } from './worker.js';
export { DEFAULT_QUEUE_NAME } from './protocol.js';
export { parseRedisUrl, redactUrl } from './redis.js';
