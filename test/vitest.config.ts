// vitest: unit, integration, relevance and browser tests; models and indexes are real, so timeouts are generous.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // This file lives in test/ (the top level is kept to the design's folders); paths are from the project root.
  root: fileURLToPath(new URL('..', import.meta.url)),
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    // Two cores: files in parallel would fight over them and the ONNX/tfjs thread pools.
    fileParallelism: false,
    reporters: ['default'],
  },
});
