// The queue's pure parts: Redis URLs and their redaction, binary vectors and their checks, model identity.
import { describe, expect, it } from 'vitest';
import { l2normalize } from '../../src/embed/embedder.js';
import {
  JobDataSchema,
  type QueueModel,
  decodeVector,
  encodeVector,
  modelMatchesSpec,
  modelMismatch,
  textKey,
  vectorToBase64,
} from '../../src/queue/protocol.js';
import { parseRedisUrl, redactError, redactUrl } from '../../src/queue/redis.js';

describe('Redis URLs', () => {
  it('reads host, port, db, user, password and TLS', () => {
    expect(parseRedisUrl('redis://127.0.0.1:6390/2')).toMatchObject({ host: '127.0.0.1', port: 6390, db: 2, tls: false, password: undefined });
    expect(parseRedisUrl('rediss://:p%40ss@cache.example.org/0')).toMatchObject({ host: 'cache.example.org', port: 6379, db: 0, tls: true, password: 'p@ss' });
    expect(parseRedisUrl('redis://alice:pw@[::1]:7000')).toMatchObject({ host: '::1', port: 7000, username: 'alice', password: 'pw', db: 0 });
  });

  it('refuses what is not a Redis URL, without echoing the password', () => {
    expect(() => parseRedisUrl('redis://h:1/16')).toThrow(/database number 0..15/);
    expect(() => parseRedisUrl('localhost:6379')).toThrow(/scheme must be redis/);
    expect(() => parseRedisUrl('redis://:hunter2@h:1/x')).toThrow(/redis:\/\/:\*\*\*@h:1\/x/);
    try {
      parseRedisUrl('https://:hunter2@h/0');
    } catch (e) {
      expect((e as Error).message).not.toContain('hunter2');
    }
  });

  it('redacts passwords wherever a URL appears in a message', () => {
    expect(redactUrl('lost redis://:s3cret@10.0.0.1:6379/0 and rediss://bob:x@h/1')).toBe('lost redis://:***@10.0.0.1:6379/0 and rediss://bob:***@h/1');
    expect(redactUrl('redis://10.0.0.1:6379/0')).toBe('redis://10.0.0.1:6379/0');
    const t = parseRedisUrl('redis://:s3cret@h:1/0');
    expect(redactError(new Error('AUTH s3cret failed'), t)).toBe('AUTH *** failed');
    expect(t.display).toBe('redis://:***@h:1/0');
  });
});

describe('vectors on the wire', () => {
  const unit = (xs: number[]) => l2normalize(Float32Array.from(xs));

  it('round-trips float32 exactly, from a buffer at any offset', () => {
    const v = unit([0.1, -0.2, 0.3, 0.9]);
    const b = encodeVector(v);
    expect(b.length).toBe(16);
    const shifted = Buffer.concat([Buffer.from([7]), b]).subarray(1);
    expect(Array.from(decodeVector(shifted, 4) as Float32Array)).toEqual(Array.from(v));
  });

  it('refuses a wrong size, a non-finite component and a vector that is not unit length', () => {
    expect(decodeVector(encodeVector(unit([1, 2, 3])), 4)).toMatch(/12 bytes, expected 16/);
    expect(decodeVector(encodeVector(Float32Array.from([Number.NaN, 0, 0, 1])), 4)).toMatch(/component 0 is NaN/);
    expect(decodeVector(encodeVector(Float32Array.from([Number.POSITIVE_INFINITY, 0, 0, 0])), 4)).toMatch(/Infinity/);
    expect(decodeVector(encodeVector(Float32Array.from([2, 0, 0, 0])), 4)).toMatch(/norm 2\.0+, expected 1/);
  });

  it('keys results by the text itself', () => {
    expect(textKey('a. b')).toMatch(/^[0-9a-f]{32}$/);
    expect(textKey('a. b')).toBe(textKey('a. b'));
    expect(textKey('a. b')).not.toBe(textKey('a. b '));
  });
});

describe('model identity', () => {
  const m: QueueModel = { modelId: 'test-tiny', backend: 'transformers', dims: 4, maxTokens: 256, pooling: 'mean', normalize: true, dtype: 'fp32' };
  const probe = vectorToBase64(l2normalize(Float32Array.from([1, 2, 3, 4])));

  it('accepts the same model, and a probe vector that differs only by rounding', () => {
    const close = vectorToBase64(l2normalize(Float32Array.from([1, 2, 3, 4.0001])));
    expect(modelMismatch({ model: m, probe }, { model: { ...m }, probe: close })).toBeUndefined();
  });

  it('names what differs: a field, or the weights behind one name', () => {
    expect(modelMismatch({ model: m, probe }, { model: { ...m, dims: 8 }, probe })).toMatch(/dims differ/);
    expect(modelMismatch({ model: m, probe }, { model: { ...m, dtype: 'q8', pooling: 'none' }, probe })).toMatch(/pooling, dtype differ/);
    const other = vectorToBase64(l2normalize(Float32Array.from([4, 3, 2, 1])));
    expect(modelMismatch({ model: m, probe }, { model: m, probe: other })).toMatch(/two different models are both named test-tiny/);
  });

  it('matches a build --model spec to a worker model id as a local build names it', () => {
    expect(modelMatchesSpec('Xenova/all-MiniLM-L6-v2', 'Xenova/all-MiniLM-L6-v2')).toBe(true);
    expect(modelMatchesSpec('/tmp/x/test-tiny/', 'test-tiny')).toBe(true);
    expect(modelMatchesSpec('models/test-tiny', 'test-tiny')).toBe(true);
    expect(modelMatchesSpec('use-lite', 'test-tiny')).toBe(false);
  });

  it('validates job data with zod', () => {
    const ok = { v: 1, run: 'r', model: m, probe, cache: 'c', items: [{ k: textKey('x'), t: 'x' }] };
    expect(JobDataSchema.safeParse(ok).success).toBe(true);
    expect(JobDataSchema.safeParse({ ...ok, items: [] }).success).toBe(false);
    expect(JobDataSchema.safeParse({ ...ok, items: [{ k: 'not-a-key', t: 'x' }] }).success).toBe(false);
    expect(JobDataSchema.safeParse({ ...ok, v: 2 }).success).toBe(false);
  });
});
