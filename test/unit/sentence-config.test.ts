// How a model wants to be pooled and prompted: from its sentence-transformers files, else its published usage, else mean.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readSentenceConfig } from '../../src/embed/sentence-config.js';
import { removeTempDirs, tempDir } from '../helpers.js';

afterAll(removeTempDirs);

async function folder(files: Record<string, unknown>): Promise<string> {
  const dir = await tempDir('paperscope-st-');
  for (const [name, v] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), JSON.stringify(v));
  }
  return dir;
}

const pooling = (mode: string) => ({ word_embedding_dimension: 384, [`pooling_mode_${mode}`]: true });

describe('readSentenceConfig', () => {
  it('reads pooling, length and prompts from the model files', async () => {
    const dir = await folder({
      'modules.json': [{ idx: 1, name: '1', path: 'pool', type: 'sentence_transformers.models.Pooling' }],
      'pool/config.json': pooling('cls_token'),
      'sentence_bert_config.json': { max_seq_length: 512 },
      'config_sentence_transformers.json': { prompts: { query: 'search_query: ', document: 'search_document: ' } },
    });
    expect(readSentenceConfig(dir, 'my-model')).toEqual({
      pooling: 'cls', maxTokens: 512, queryPrefix: 'search_query: ', passagePrefix: 'search_document: ', source: 'model files',
    });
  });

  it('knows bge and e5 usage when an ONNX export ships without those files', async () => {
    const empty = await folder({});
    expect(readSentenceConfig(empty, 'Xenova/bge-small-en-v1.5')).toMatchObject({
      pooling: 'cls', queryPrefix: 'Represent this sentence for searching relevant passages: ', passagePrefix: '', source: 'known model',
    });
    expect(readSentenceConfig(empty, 'Xenova/e5-small-v2')).toMatchObject({ pooling: 'mean', queryPrefix: 'query: ', passagePrefix: 'passage: ' });
    expect(readSentenceConfig(empty, 'some/other-model')).toEqual({ pooling: 'mean', queryPrefix: '', passagePrefix: '', source: 'default' });
  });

  it('keeps the bge query instruction when the files give pooling but no prompts', async () => {
    const dir = await folder({ '1_Pooling/config.json': pooling('cls_token') });
    expect(readSentenceConfig(dir, 'bge-small-en-v1.5')).toMatchObject({ pooling: 'cls', queryPrefix: expect.stringMatching(/^Represent/), source: 'model files' });
  });

  it('refuses a pooling paperscope does not implement, naming it', async () => {
    const dir = await folder({ '1_Pooling/config.json': pooling('max_tokens') });
    expect(() => readSentenceConfig(dir)).toThrow(/pooling max_tokens is not supported/);
  });
});
