// Writes a script's figures between <!-- figures:NAME --> markers in docs/*.md and README.md, stamped with the command and the commit.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '../../src/config.js';

const git = (args: string[]): string => execFileSync('git', args, { cwd: PROJECT_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

/** Short hash of HEAD, "+dirty" when src/ or scripts/ differ from it (the code behind the figures is in no commit). */
function commit(): string {
  const head = git(['rev-parse', '--short=7', 'HEAD']);
  return git(['status', '--porcelain', '--', 'src', 'scripts']) ? `${head}+dirty` : head;
}

/**
 * Prints the stamped figures; with --write in argv, also replaces the body of every `figures:block` block.
 * The stamp: Produced by `npm run SCRIPT -- ARGS` at commit abc1234 (date, machine).
 */
export function publish(block: string, script: string, figures: string, argv: readonly string[]): void {
  const shown = argv.filter((a) => a !== '--write');
  const c = cpus();
  const stamp = `Produced by \`npm run ${script}${shown.length ? ` -- ${shown.join(' ')}` : ''}\` at commit ${commit()} (${new Date().toISOString().slice(0, 10)}, ${c.length}-core ${(c[0]?.model ?? 'unknown CPU').replace(/\s+/g, ' ').trim()}).`;
  const body = `${stamp}\n\n${figures.replace(/\n+$/, '')}`;
  process.stdout.write(`\n${body}\n`);
  if (!argv.includes('--write')) return;
  const docs = [path.join(PROJECT_ROOT, 'README.md'), ...readdirSync(path.join(PROJECT_ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => path.join(PROJECT_ROOT, 'docs', f))];
  const open = `<!-- figures:${block} -->`;
  const close = `<!-- /figures:${block} -->`;
  let found = 0;
  for (const file of docs.filter((f) => existsSync(f))) {
    const doc = readFileSync(file, 'utf8');
    const re = new RegExp(`${open}\\n[\\s\\S]*?${close}`, 'g');
    const next = doc.replace(re, () => {
      found++;
      return `${open}\n${body}\n${close}`;
    });
    if (next !== doc) writeFileSync(file, next);
  }
  if (!found) throw new Error(`no ${open} block in README.md or docs/*.md`);
  process.stderr.write(`wrote the ${block} figures into ${found} block(s)\n`);
}
