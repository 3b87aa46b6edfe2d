// Paper samples for the scale-out tests and scripts: the first N real arXiv records from ../shared, or generated papers where it is absent.
import { createReadStream, existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { PROJECT_ROOT } from '../../src/config.js';

export const ARXIV_20K = path.resolve(PROJECT_ROOT, '..', 'shared', 'data', 'arxiv', 'arxiv-cs-2025-2026-20k.jsonl.gz');

const WORDS = (
  'retrieval dense sparse embedding transformer attention graph neural network protein molecule galaxy quantum lattice ' +
  'topology reinforcement policy reward robot vision segmentation language translation speech audio privacy federated ' +
  'gradient optimizer convex sampling diffusion generative adversarial causal inference bayesian kernel manifold spectral'
).split(' ');

/** A deterministic generated paper (used only where the shared arXiv sample is absent). */
function generated(n: number): object {
  let x = (n * 2654435761) >>> 0 || 1;
  const words = (k: number) =>
    Array.from({ length: k }, () => {
      x ^= x << 13;
      x >>>= 0;
      x ^= x >>> 17;
      x ^= x << 5;
      x >>>= 0;
      return WORDS[x % WORDS.length]!;
    }).join(' ');
  return { id: `gen-${n}`, title: `Study ${n} of ${words(5)}`, abstract: `${words(120)}.`, authors: [`Author ${n % 97}`], categories: [`cs.${n % 7}`], date: '2025-01-01' };
}

/** Writes n papers as JSONL (records from..from+n of the shared sample, which repeats as copies past its 20,000); says whether they are real. */
export async function writePaperSample(file: string, n: number, from = 0): Promise<{ file: string; real: boolean }> {
  if (!existsSync(ARXIV_20K)) {
    await writeFile(file, Array.from({ length: n }, (_, i) => JSON.stringify(generated(from + i))).join('\n') + '\n');
    return { file, real: false };
  }
  const records: string[] = [];
  const rl = createInterface({ input: createReadStream(ARXIV_20K).pipe(createGunzip()), crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of rl) {
    if (line.trim()) records.push(line);
    if (records.length >= from + n) break;
  }
  rl.close();
  // Past the end of the sample the records come round again as new papers (new id, title marked as a copy).
  const lines = Array.from({ length: n }, (_, i) => {
    const k = from + i;
    const line = records[k % records.length]!;
    if (k < records.length) return line;
    const p = JSON.parse(line) as { id?: string; title: string };
    const copy = Math.floor(k / records.length);
    return JSON.stringify({ ...p, id: `${p.id ?? 'paper'}-copy${copy}`, title: `${p.title} [copy ${copy}]` });
  });
  await writeFile(file, lines.join('\n') + '\n');
  return { file, real: true };
}
