// The embedding pool: worker threads give the same vectors as in-process embedding, in order, and fail clearly.
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { loadEmbedderPool } from '../../src/embed/pool.js';
import { removeTempDirs, ROOT, tempDir, tinyEmbedder, tinyModelDir } from '../helpers.js';

afterAll(removeTempDirs);
const cos = (a: Float32Array, b: Float32Array): number => a.reduce((s, x, i) => s + x * b[i]!, 0);

describe('loadEmbedderPool', () => {
  it('embeds queries and passages on worker threads exactly as in-process', async () => {
    const model = await tinyModelDir();
    const pool = await loadEmbedderPool(model, { modelsDir: path.join(ROOT, 'models'), workers: 2, dtype: 'fp32' });
    const local = await tinyEmbedder();
    try {
      expect(pool.info).toEqual(local.info);
      const texts = Array.from({ length: 37 }, (_, i) => `paper ${i} on ${i % 2 ? 'graph neural networks' : 'pipeline parallel training'} of models`);
      // Queries sent all at once are spread over the workers; each answer must be its own query's vector.
      const [fromPool, passages] = await Promise.all([Promise.all(texts.map((t) => pool.embedQuery(t))), pool.embedPassages(texts)]);
      const expected = await local.embedPassages(texts);
      texts.forEach((_, i) => {
        expect(cos(fromPool[i]!, expected[i]!)).toBeGreaterThan(0.99999);
        expect(cos(passages[i]!, expected[i]!)).toBeGreaterThan(0.99999);
      });
      expect(cos(fromPool[0]!, expected[1]!)).toBeLessThan(0.9999);
      expect(await pool.embedPassages([])).toEqual([]);
    } finally {
      await pool.dispose();
      await local.dispose();
    }
  });

  it('fails with the model error when a worker cannot load the model', async () => {
    const missing = path.join(await tempDir(), 'no-such-model');
    const err = await loadEmbedderPool(missing, { modelsDir: path.join(ROOT, 'models'), workers: 2 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('MODEL_UNAVAILABLE');
    expect((err as AppError).message).toMatch(/not found/);
  });

  it('refuses work after dispose', async () => {
    const pool = await loadEmbedderPool(await tinyModelDir(), { modelsDir: path.join(ROOT, 'models'), workers: 1 });
    await pool.dispose();
    await expect(pool.embedQuery('x')).rejects.toThrow(/closed/);
  });
});
