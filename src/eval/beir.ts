// Reads a BEIR-layout collection: corpus.jsonl (_id, title, text), queries.jsonl (_id, text), qrels/<split>.tsv.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { AppError } from '../errors.js';
import { readLines } from '../ingest/lines.js';
import type { Judgments } from './metrics.js';

export interface BeirPaths {
  dir: string;
  name: string;
  corpus: string;
  queries: string;
  qrels: string;
}

export function beirPaths(dir: string, split: string): BeirPaths {
  const p = (f: string) => path.join(dir, f);
  const gz = (f: string) => (existsSync(p(f)) ? p(f) : p(`${f}.gz`));
  const paths = { dir, name: path.basename(path.resolve(dir)), corpus: gz('corpus.jsonl'), queries: gz('queries.jsonl'), qrels: p(path.join('qrels', `${split}.tsv`)) };
  for (const f of [paths.corpus, paths.queries, paths.qrels]) {
    const name = path.relative(dir, f).replace(/\.gz$/, '');
    if (!existsSync(f)) throw new AppError('INVALID_INPUT', `${dir} is not a BEIR folder for split "${split}": ${name} is missing`);
  }
  return paths;
}

export async function readQueries(file: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for await (const { line: n, text: line } of readLines(file)) {
    if (!line.trim()) continue;
    let q: { _id?: unknown; text?: unknown };
    try {
      q = JSON.parse(line) as typeof q;
    } catch {
      throw new AppError('INVALID_INPUT', `${file}:${n}: malformed JSON`);
    }
    if ((typeof q._id !== 'string' && typeof q._id !== 'number') || typeof q.text !== 'string') {
      throw new AppError('INVALID_INPUT', `${file}:${n}: a query needs "_id" and "text"`);
    }
    out.set(String(q._id), q.text);
  }
  return out;
}

/** qrels TSV (query-id, corpus-id, score) with or without the header row. */
export async function readQrels(file: string): Promise<Map<string, Map<string, number>>> {
  const out = new Map<string, Map<string, number>>();
  for await (const { line: n, text: line } of readLines(file)) {
    const [qid, did, score] = line.split('\t');
    if (!qid || !did || score === undefined) continue;
    if (n === 1 && Number.isNaN(Number(score))) continue;
    if (!out.has(qid)) out.set(qid, new Map());
    out.get(qid)!.set(did, Number(score));
  }
  return out;
}

export type Qrels = ReadonlyMap<string, Judgments>;
