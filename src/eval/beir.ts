// Reads a BEIR-layout collection: corpus.jsonl (_id, title, text), queries.jsonl (_id, text), qrels/<split>.tsv.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { AppError } from '../errors.js';
import { readLines } from '../ingest/lines.js';
import { cleanText } from '../paper.js';
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

export interface CorpusCoverage {
  /** Records (non-blank lines) in corpus.jsonl. */
  documents: number;
  /** Papers in the index built from it. */
  indexed: number;
  /** Documents with neither title nor text: nothing to index, by any system. */
  empty: number;
  /** Their ids (up to 20). */
  emptyIds: string[];
  /** Documents that had something to index and are not in the index (up to 20 ids or line numbers). */
  missing: string[];
  /** How many documents with content are not in the index (duplicate ids count here too). */
  dropped: number;
}

const MAX_LISTED = 20;
const blank = (v: unknown): boolean => typeof v !== 'string' || !cleanText(v);

/**
 * Compares a corpus with the index built from it: an evaluation must score against the whole corpus, or its
 * figures describe another collection. Empty documents are counted apart: they stay relevant in the qrels, so
 * they cost the score what they would cost any system, and they are no sign of a build that lost data.
 */
export async function corpusCoverage(corpus: string, indexed: number, inIndex: (id: string) => boolean): Promise<CorpusCoverage> {
  let documents = 0;
  let empty = 0;
  const emptyIds: string[] = [];
  const missing: string[] = [];
  let missingCount = 0;
  for await (const { line: n, text } of readLines(corpus)) {
    if (!text.trim()) continue;
    documents++;
    let d: { _id?: unknown; title?: unknown; text?: unknown } | undefined;
    try {
      d = JSON.parse(text) as typeof d;
    } catch {
      d = undefined;
    }
    const id = d && (typeof d._id === 'string' || typeof d._id === 'number') ? String(d._id) : undefined;
    if (id !== undefined && blank(d?.title) && blank(d?.text)) {
      if (empty++ < MAX_LISTED) emptyIds.push(id);
      continue;
    }
    if (id === undefined || !inIndex(id)) {
      missingCount++;
      if (missing.length < MAX_LISTED) missing.push(id ?? `line ${n}`);
    }
  }
  // Duplicate ids are all "in the index" by id, yet only the first was indexed: count by numbers too.
  const dropped = Math.max(missingCount, documents - empty - indexed);
  return { documents, indexed, empty, emptyIds, missing, dropped };
}
