// Every figure in README.md and docs/*.md sits in a block stamped with the npm script and the commit that produced it.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/config.js';
import { type Block, FIGURE_OWNERS, findBlocks, figureDocs, parseStamp, replaceBlocks, stampLine, strayFigureRows } from '../../scripts/lib/figures.js';

const pkg = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
const docs = figureDocs().map((file) => ({ file: path.relative(PROJECT_ROOT, file), text: readFileSync(file, 'utf8') }));

const git = (...args: string[]): string | undefined => {
  try {
    return execFileSync('git', args, { cwd: PROJECT_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
};
// Older commits are missing from a shallow clone (and there is no history outside a checkout): skip that one check there.
const fullHistory = git('rev-parse', '--is-shallow-repository') === 'false';

describe('figures blocks (scripts/lib/figures.ts)', () => {
  const doc = ['# t', '<!-- figures:eval -->', 'old', 'table', '<!-- /figures:eval -->', 'after', '<!-- figures:eval -->', '<!-- /figures:eval -->', ''].join('\n');

  it('replaces the text between the markers of every block of that name, and nothing else', () => {
    const r = replaceBlocks(doc, 'eval', 'new 1\nnew 2\n');
    expect(r.count).toBe(2);
    expect(r.doc).toBe(['# t', '<!-- figures:eval -->', 'new 1', 'new 2', '<!-- /figures:eval -->', 'after', '<!-- figures:eval -->', 'new 1', 'new 2', '<!-- /figures:eval -->', ''].join('\n'));
    expect(replaceBlocks(r.doc, 'eval', 'new 1\nnew 2').doc).toBe(r.doc);
    expect(replaceBlocks(doc, 'bench', 'x')).toEqual({ doc, count: 0 });
  });

  it('refuses unclosed, nested and mismatched markers, naming the line', () => {
    expect(() => findBlocks('a\n<!-- figures:eval -->\nx\n', 'R.md')).toThrow('R.md:2: figures:eval is never closed');
    expect(() => findBlocks('<!-- figures:a -->\n<!-- figures:b -->\n<!-- /figures:b -->\n<!-- /figures:a -->')).toThrow(':2: figures:b opens inside figures:a');
    expect(() => findBlocks('<!-- figures:a -->\n<!-- /figures:b -->')).toThrow(':2: /figures:b closes no open');
    expect(() => findBlocks('text <!-- figures:a --> more')).toThrow('must stand alone');
  });

  it('stamps the exact command and commit, and parses its own stamp', () => {
    const line = stampLine('eval', ['--model', 'models/x', '--write'], 'abc1234+dirty', new Date('2026-11-30T12:00:00Z'));
    expect(line).toMatch(/^Produced by `npm run eval -- --model models\/x` at commit abc1234\+dirty \(2026-11-30, \d+-core .+\)\.$/);
    expect(parseStamp(line)).toMatchObject({ script: 'eval', args: '--model models/x', commit: 'abc1234', dirty: true });
    expect(parseStamp(stampLine('bench', [], 'abc1234'))).toMatchObject({ script: 'bench', args: '', dirty: false });
    expect(parseStamp('Produced by npm run eval at commit abc1234')).toBeUndefined();
  });

  it('finds tables of figures outside blocks, but not settings tables', () => {
    const stray = '| a | b | c |\n| --- | --- | --- |\n| x | 0.52 | 8.0 (11.2) |\n| `PORT` | `8080` | port |\n| q | 4,096 characters | 400 |';
    expect(strayFigureRows(stray)).toEqual([3]);
    expect(strayFigureRows(`<!-- figures:eval -->\n${stray}\n<!-- /figures:eval -->`)).toEqual([]);
  });
});

describe.each(docs)('$file', ({ file, text }) => {
  let blocks: Block[] = [];
  let malformed: string | undefined;
  try {
    blocks = findBlocks(text, file);
  } catch (e) {
    malformed = (e as Error).message;
  }

  it('has closed, well-formed figures markers', () => {
    expect(malformed).toBeUndefined();
  });

  it('has no table of figures outside a figures block', () => {
    const rows = strayFigureRows(text, file);
    expect(rows.map((l) => `${file}:${l}: ${text.split('\n')[l - 1]}`)).toEqual([]);
  });

  it.each(blocks.map((b) => [b.name, b.line, b] as const))('block %s (line %i) is stamped by its own script at a clean commit', (name, line, b) => {
    const first = b.body.split('\n').find((l) => l.trim() !== '') ?? '';
    const stamp = parseStamp(first);
    expect(stamp, `${file}:${line + 1} must start with "Produced by \`npm run <script>\` at commit <hash> (...)"`).toBeDefined();
    expect(Object.keys(FIGURE_OWNERS), `figures:${name} has no owning script in FIGURE_OWNERS`).toContain(name);
    expect(stamp!.script, `figures:${name} is written by npm run ${FIGURE_OWNERS[name]}`).toBe(FIGURE_OWNERS[name]);
    expect(Object.keys(pkg.scripts)).toContain(stamp!.script);
    expect(stamp!.dirty, `${file}:${line + 1}: produced from uncommitted code (+dirty); commit, then rerun the script with --write`).toBe(false);
    expect(b.body.split('\n').some((l) => l.startsWith('|')), 'a block holds the table its script printed').toBe(true);
  });

  it.skipIf(!fullHistory)('names commits that exist in this repository', () => {
    for (const b of blocks) {
      const commit = parseStamp(b.body.split('\n').find((l) => l.trim() !== '') ?? '')?.commit;
      expect(commit && git('cat-file', '-e', `${commit}^{commit}`) !== undefined, `${file} figures:${b.name}: commit ${commit} is not in git history`).toBe(true);
    }
  });
});

describe('the documents', () => {
  it('carry every figures block that a script writes', () => {
    const names = new Set(docs.flatMap(({ file, text }) => findBlocks(text, file).map((b) => b.name)));
    expect([...names].sort()).toEqual(Object.keys(FIGURE_OWNERS).sort());
  });
});
