// Fixtures for the build tests: synthetic papers (distinct, deterministic) written as JSONL, and running the CLI as a child.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import Database from 'better-sqlite3';
import path from 'node:path';
import { ROOT } from '../helpers.js';

const WORDS = (
  'retrieval dense sparse embedding transformer attention graph neural network protein molecule galaxy quantum ' +
  'lattice topology reinforcement policy reward robot vision segmentation language translation speech audio ' +
  'privacy federated gradient optimizer convex sampling diffusion generative adversarial causal inference bayesian ' +
  'kernel manifold spectral wavelet compression sensor energy climate ocean genome cell tumor drug clinical'
).split(' ');

/** A deterministic pseudo-random word sequence, so paper n always has the same text. */
function words(seed: number, n: number): string {
  let x = (seed * 2654435761) >>> 0 || 1;
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out.push(WORDS[x % WORDS.length]!);
  }
  return out.join(' ');
}

export interface SynthPaper {
  id: string;
  title: string;
  abstract: string;
  authors: string[];
  categories: string[];
  date: string;
}

/** Paper n; `version` changes the abstract (a changed paper that must be re-embedded). */
export function synthPaper(n: number, version = 0): SynthPaper {
  return {
    id: `syn-${String(n).padStart(5, '0')}`,
    title: `Study ${n} of ${words(n, 4)}`,
    abstract: `${words(n * 7 + 3 + version * 100_003, 40)}. Revision ${version}.`,
    authors: [`Author ${n % 17}`, `Writer ${n % 5}`],
    categories: [`cat.${n % 4}`],
    date: `20${String(10 + (n % 15)).padStart(2, '0')}-0${1 + (n % 9)}-1${n % 10}`,
  };
}

/** Rows of `table` committed so far in the staging folder of a running build (0 until it exists). */
export function stagedRows(indexDir: string, table: 'vectors' | 'hnsw_pending'): number {
  const builds = path.join(indexDir, 'builds');
  if (!existsSync(builds)) return 0;
  const partial = readdirSync(builds).find((n) => n.endsWith('.partial'));
  const file = partial && path.join(builds, partial, 'papers.sqlite');
  if (!file || !existsSync(file)) return 0;
  try {
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      return db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
    } finally {
      db.close();
    }
  } catch {
    return 0; // being created or copied
  }
}

export const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

export async function writePapers(file: string, papers: readonly object[]): Promise<string> {
  await writeFile(file, papers.map((p) => JSON.stringify(p)).join('\n') + '\n');
  return file;
}

export const CLI = path.join(ROOT, 'scripts', 'paperscope.js');

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `paperscope ARGS` as a child process; `onSpawn` gets the child (to kill it mid-way). */
export function runCli(args: string[], onSpawn?: (child: ReturnType<typeof spawn>) => void): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: ROOT,
      env: { ...process.env, PAPERSCOPE_MODEL: '', PAPERSCOPE_INDEX: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    onSpawn?.(child);
  });
}
