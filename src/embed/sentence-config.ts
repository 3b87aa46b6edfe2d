// How a sentence-embedding model wants to be used (pooling, length, query instruction), read from its own files.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { AppError } from '../errors.js';

export type Pooling = 'mean' | 'cls';

export interface SentenceConfig {
  pooling: Pooling;
  /** Tokens the model was trained with (sentence_bert_config max_seq_length), when it says. */
  maxTokens?: number;
  /** Text put before a query (an instruction or a role tag), and before a passage. */
  queryPrefix: string;
  passagePrefix: string;
  /** Where each setting came from, for the import log and error messages. */
  source: 'model files' | 'known model' | 'default';
}

/**
 * Models whose Hub ONNX exports (Xenova/...) ship without the sentence-transformers files: their published usage.
 * bge: CLS pooling, and an instruction before short queries (not before passages); e5: mean pooling, role tags.
 */
const KNOWN: { test: RegExp; config: Omit<SentenceConfig, 'source'> }[] = [
  {
    test: /bge-(small|base|large)-en/i,
    config: { pooling: 'cls', queryPrefix: 'Represent this sentence for searching relevant passages: ', passagePrefix: '' },
  },
  { test: /(^|[/-])e5-/i, config: { pooling: 'mean', queryPrefix: 'query: ', passagePrefix: 'passage: ' } },
];

const readJson = (file: string): Record<string, unknown> | undefined => {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch {
    throw new AppError('INVALID_INPUT', `${file} is not valid JSON`);
  }
};

/** Pooling from a sentence-transformers Pooling module config; only CLS and mean are supported. */
export function poolingFromConfig(file: string, cfg: Record<string, unknown>): Pooling {
  const on = Object.entries(cfg)
    .filter(([k, v]) => k.startsWith('pooling_mode_') && v === true)
    .map(([k]) => k.slice('pooling_mode_'.length));
  if (on.length === 1 && on[0] === 'cls_token') return 'cls';
  if (on.length === 1 && on[0] === 'mean_tokens') return 'mean';
  if (on.length === 0) return 'mean';
  throw new AppError('INVALID_INPUT', `${file}: pooling ${on.join(' + ')} is not supported (paperscope pools by mean or CLS token)`);
}

/** The Pooling module's folder named in modules.json (sentence-transformers' pipeline description), if any. */
function poolingDir(dir: string): string | undefined {
  const modules = readJson(path.join(dir, 'modules.json'));
  if (!Array.isArray(modules)) return undefined;
  const m = (modules as { type?: string; path?: string }[]).find((x) => x.type?.endsWith('.Pooling'));
  return m?.path !== undefined ? path.join(dir, m.path) : undefined;
}

/** Reads pooling, length and prompts from a model folder; falls back to the known-model table, then to mean pooling. */
export function readSentenceConfig(dir: string, modelName = path.basename(dir)): SentenceConfig {
  const known = KNOWN.find((k) => k.test.test(modelName))?.config;
  const pdir = poolingDir(dir) ?? (existsSync(path.join(dir, '1_Pooling', 'config.json')) ? path.join(dir, '1_Pooling') : undefined);
  const poolCfg = pdir ? readJson(path.join(pdir, 'config.json')) : undefined;
  const sbert = readJson(path.join(dir, 'sentence_bert_config.json'));
  const st = readJson(path.join(dir, 'config_sentence_transformers.json'));
  const prompts = (st?.prompts ?? {}) as Record<string, unknown>;
  const maxSeq = sbert?.max_seq_length;
  const fromFiles = !!poolCfg;
  const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
  return {
    pooling: poolCfg ? poolingFromConfig(path.join(pdir!, 'config.json'), poolCfg) : (known?.pooling ?? 'mean'),
    ...(typeof maxSeq === 'number' && maxSeq > 0 ? { maxTokens: maxSeq } : {}),
    queryPrefix: str(prompts.query) ?? known?.queryPrefix ?? '',
    passagePrefix: str(prompts.document) ?? str(prompts.passage) ?? known?.passagePrefix ?? '',
    source: fromFiles ? 'model files' : known ? 'known model' : 'default',
  };
}
