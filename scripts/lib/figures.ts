// Figures blocks: the scripts that measure write their tables between <!-- figures:NAME --> markers in README.md and docs/*.md.
//
// A block's first line names the exact command and the commit that produced it, so a figure cannot drift from its
// script unnoticed: test/unit/figures-blocks.test.ts checks every block (closed, known command, real commit, not +dirty).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '../../src/config.js';

/** Which npm script owns each block: only that script writes it, and its stamp must name that script. */
export const FIGURE_OWNERS: Readonly<Record<string, string>> = {
  eval: 'eval',
  'tune-fusion': 'tune-fusion',
  seed: 'seed-eval',
  bench: 'bench',
  scale: 'scale',
  load: 'load',
  // docs/scale-out.md: written through scripts/lib/publish-figures.ts (the same stamp and markers).
  'fault-replicas': 'fault:replicas',
  capacity: 'capacity',
  'scale-million': 'bench:scale',
  keyword: 'bench:keyword',
  workers: 'bench:workers',
  quant: 'quant-check',
};

const openMarker = (name: string): string => `<!-- figures:${name} -->`;
const closeMarker = (name: string): string => `<!-- /figures:${name} -->`;

/** `Produced by \`npm run eval -- --model x\` at commit abc1234 (2026-11-30, 2-core AMD EPYC)` */
export const STAMP = /^Produced by `npm run ([\w:-]+)((?: [^`]*)?)` at commit ([0-9a-f]{7,40})(\+dirty)? \(([^)]*)\)\.?$/;

export interface Stamp {
  script: string;
  args: string;
  commit: string;
  dirty: boolean;
  note: string;
}

export function parseStamp(line: string): Stamp | undefined {
  const m = STAMP.exec(line.trim());
  return m ? { script: m[1]!, args: m[2]!.trim().replace(/^-- ?/, ''), commit: m[3]!, dirty: Boolean(m[4]), note: m[5]! } : undefined;
}

export interface Block {
  name: string;
  /** 1-based lines of the opening and the closing marker. */
  line: number;
  end: number;
  /** Text between the markers, without the newlines next to them. */
  body: string;
}

/** Every block of a document; throws on an unclosed, nested or stray marker (with its line). */
export function findBlocks(doc: string, file = 'document'): Block[] {
  const lines = doc.split('\n');
  const blocks: Block[] = [];
  let open: { name: string; line: number } | undefined;
  lines.forEach((text, i) => {
    const start = /^<!-- figures:([\w-]+) -->$/.exec(text.trim());
    const end = /^<!-- \/figures:([\w-]+) -->$/.exec(text.trim());
    // A marker quoted in `code` is prose about markers, not one.
    if (!start && !end && /<!-- \/?figures:/.test(text.replace(/`[^`]*`/g, '')))
      throw new Error(`${file}:${i + 1}: a figures marker must stand alone on its line`);
    if (start) {
      if (open) throw new Error(`${file}:${i + 1}: figures:${start[1]} opens inside figures:${open.name} (line ${open.line})`);
      open = { name: start[1]!, line: i + 1 };
    } else if (end) {
      if (!open || open.name !== end[1]) throw new Error(`${file}:${i + 1}: /figures:${end[1]} closes no open figures:${end[1]}`);
      blocks.push({ name: open.name, line: open.line, end: i + 1, body: lines.slice(open.line, i).join('\n') });
      open = undefined;
    }
  });
  if (open) throw new Error(`${file}:${open.line}: figures:${open.name} is never closed (no ${closeMarker(open.name)})`);
  return blocks;
}

/** The document with every block called `name` holding `body`; count is how many blocks were replaced. */
export function replaceBlocks(doc: string, name: string, body: string, file = 'document'): { doc: string; count: number } {
  const blocks = findBlocks(doc, file).filter((b) => b.name === name);
  if (!blocks.length) return { doc, count: 0 };
  const lines = doc.split('\n');
  // From the last block up, so earlier line numbers stay valid.
  for (const b of [...blocks].reverse()) lines.splice(b.line, b.end - 1 - b.line, ...body.replace(/\n+$/, '').split('\n'));
  return { doc: lines.join('\n'), count: blocks.length };
}

/** A measured value: "0.5426", "**0.7109**", "17,650", "8.0 (11.2)", "84.4 s", "478 MB", "12 %" (not `code`, not words). */
const MEASURED = /^\*{0,2}~?[\d,]*\.?\d+\*{0,2}(?: ?(?:ms|s|MB|MiB|GB|KB|%|x|×))?(?: \([\d.,]+\))?$/;

/**
 * Lines of markdown table rows outside any figures block that hold two or more measured values: a table of figures
 * that no script owns. Settings and limits tables (values in `code`, or with words) are not caught.
 */
export function strayFigureRows(doc: string, file = 'document'): number[] {
  const inside = new Set<number>();
  for (const b of findBlocks(doc, file)) for (let l = b.line; l <= b.end; l++) inside.add(l);
  const rows: number[] = [];
  doc.split('\n').forEach((text, i) => {
    if (inside.has(i + 1) || !/^\s*\|.*\|\s*$/.test(text)) return;
    const cells = text.trim().slice(1, -1).split('|').map((c) => c.trim());
    if (cells.filter((c) => MEASURED.test(c)).length >= 2) rows.push(i + 1);
  });
  return rows;
}

/** README.md and docs/*.md: the documents that may carry figures. */
export function figureDocs(root = PROJECT_ROOT): string[] {
  const docs = path.join(root, 'docs');
  const files = [path.join(root, 'README.md')];
  if (existsSync(docs)) for (const f of readdirSync(docs).sort()) if (f.endsWith('.md')) files.push(path.join(docs, f));
  return files.filter((f) => existsSync(f));
}

const git = (args: string[], root: string): string => execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

/** Short hash of HEAD, with "+dirty" when src/ or scripts/ differ from it (the code that made the figures is then in no commit). */
export function currentCommit(root = PROJECT_ROOT): string {
  const head = git(['rev-parse', '--short=7', 'HEAD'], root);
  const dirty = git(['status', '--porcelain', '--', 'src', 'scripts'], root) !== '';
  return dirty ? `${head}+dirty` : head;
}

/** Taken when the script starts: the code that ran is the code of that moment, whatever is committed or edited meanwhile. */
const commitAtStart = ((): string | undefined => {
  try {
    return currentCommit();
  } catch {
    return undefined; // not a git checkout: publishFigures says so when it needs the commit
  }
})();

/** "2-core AMD EPYC": enough to tell a laptop from the reference machine. */
export function machine(): string {
  const c = cpus();
  return `${c.length}-core ${(c[0]?.model ?? 'unknown CPU').replace(/\s+/g, ' ').trim()}`;
}

/** The stamp line: the exact command (npm script plus the arguments given, --write left out) and the commit. */
export function stampLine(script: string, args: readonly string[], commit: string, date = new Date()): string {
  const shown = args.filter((a) => a !== '--write');
  const cmd = `npm run ${script}${shown.length ? ` -- ${shown.join(' ')}` : ''}`;
  return `Produced by \`${cmd}\` at commit ${commit} (${date.toISOString().slice(0, 10)}, ${machine()}).`;
}

/** Writes `body` into every block called `name` in README.md and docs/*.md; returns the files changed. */
export function writeBlocks(name: string, body: string, root = PROJECT_ROOT): string[] {
  const changed: string[] = [];
  let found = 0;
  for (const file of figureDocs(root)) {
    const doc = readFileSync(file, 'utf8');
    const r = replaceBlocks(doc, name, body, path.relative(root, file));
    found += r.count;
    if (r.doc !== doc) {
      writeFileSync(file, r.doc);
      changed.push(file);
    }
  }
  if (!found) throw new Error(`no ${openMarker(name)} ... ${closeMarker(name)} block in README.md or docs/*.md`);
  return changed;
}

/**
 * What every figures script ends with: the stamp and the figures on stdout, and with --write (in `argv`) the same
 * text into its blocks. Pass the script's own arguments (process.argv.slice(2)) so the stamp names them.
 */
export function publishFigures(name: string, figures: string, argv: readonly string[] = process.argv.slice(2)): void {
  const script = FIGURE_OWNERS[name];
  if (!script) throw new Error(`unknown figures block ${name}: add it to FIGURE_OWNERS`);
  const body = `${stampLine(script, argv, commitAtStart ?? currentCommit())}\n\n${figures.replace(/\n+$/, '')}`;
  process.stdout.write(`\n${body}\n`);
  if (!argv.includes('--write')) {
    process.stderr.write(`(not written: add --write to put this into the ${openMarker(name)} blocks)\n`);
    return;
  }
  if (body.includes('+dirty')) process.stderr.write('warning: src/ or scripts/ have uncommitted changes: the stamp says +dirty and the docs test will reject it\n');
  const changed = writeBlocks(name, body);
  process.stderr.write(changed.length ? `updated ${changed.map((f) => path.relative(process.cwd(), f)).join(', ')}\n` : 'blocks already up to date\n');
}

