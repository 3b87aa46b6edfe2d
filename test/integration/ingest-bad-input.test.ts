// Bad input through the CLI: every kind of broken record is reported as file:line: reason, written to the rejects file and skipped.
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openIndex, resolveBuildDir } from '../../src/store/index.js';
import { removeTempDirs, tempDir, tinyModelDir } from '../helpers.js';
import { runCli } from './build-fixtures.js';

afterAll(removeTempDirs);

const ABS = 'We study the retrieval of scientific papers with dense embeddings and keyword search.';
const j = (o: object): string => JSON.stringify(o);

let dir: string;
let model: string;
let a: string;
let b: string;

beforeAll(async () => {
  dir = await tempDir();
  model = await tinyModelDir();
  a = path.join(dir, 'a.jsonl');
  b = path.join(dir, 'b.jsonl');
  const lines: (string | Buffer)[] = [
    j({ id: 'good-1', title: 'A good paper', abstract: ABS }), // 1
    '{"id": "broken", "title": ', // 2 malformed JSON
    j({ id: 'types', title: 42, abstract: ABS }), // 3 wrong type
    j({ id: 'no-text', authors: ['A. Nobody'] }), // 4 neither title nor abstract
    j({ id: 'good-1', title: 'Same id again', abstract: ABS }), // 5 duplicate within the file
    j({ id: 'empty', title: ' ', abstract: '   ' }), // 6 empty title and abstract
    j({ id: 'huge', title: 'Huge abstract', abstract: 'word '.repeat(25_000) }), // 7 abstract over 100 KB
    j({ id: 'ctrl', title: 'Bell \u0007 in title', abstract: ABS }), // 8 control character
    Buffer.concat([Buffer.from('{"id": "latin1", "title": "Caf'), Buffer.from([0xe9]), Buffer.from(`", "abstract": "${ABS}"}`)]), // 9 invalid UTF-8
    j({ id: 'good-2', title: 'Another good paper', abstract: ABS }), // 10
  ];
  await writeFile(a, Buffer.concat(lines.map((l) => Buffer.concat([Buffer.isBuffer(l) ? l : Buffer.from(l), Buffer.from('\n')]))));
  await writeFile(b, [j({ id: 'good-2', title: 'Duplicate across files', abstract: ABS }), j({ id: 'good-3', title: 'Third good paper', abstract: ABS })].join('\n') + '\n');
});

const EXPECTED = () => [
  expect.stringMatching(new RegExp(`^${a}:2: malformed JSON`)),
  `${a}:3: title must be a string, got number`,
  `${a}:4: missing title and abstract`,
  `${a}:5: duplicate id good-1 (first at ${a}:1)`,
  `${a}:6: empty title and abstract`,
  `${a}:7: abstract over 100 KB`,
  expect.stringMatching(new RegExp(`^${a}:8: control characters`)),
  `${a}:9: invalid UTF-8`,
  `${b}:1: duplicate id good-2 (first at ${a}:10)`,
];

describe('bad records', () => {
  it('are reported, written to the rejects file and skipped; the build succeeds (exit 0)', async () => {
    const indexDir = path.join(dir, 'ok');
    const r = await runCli(['build', '--source', a, b, '--index', indexDir, '--model', model, '--json']);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout) as { rejectsFile: string };
    expect(s).toMatchObject({ added: 3, rejected: 9, papers: 3 });
    expect(readFileSync(s.rejectsFile, 'utf8').trim().split('\n')).toEqual(EXPECTED());
    // Beside the published build folder, and reported on stderr as file:line: reason.
    expect(path.dirname(s.rejectsFile)).toBe(path.dirname(resolveBuildDir(indexDir)!));
    expect(r.stderr).toContain(`${a}:9: invalid UTF-8`);
    const idx = await openIndex(indexDir);
    expect(idx.db.prepare('SELECT id FROM papers ORDER BY id').pluck().all()).toEqual(['good-1', 'good-2', 'good-3']);
    idx.close();
  });

  it('fail the build with --strict (exit 2) and publish nothing; the rejects file is still written', async () => {
    const indexDir = path.join(dir, 'strict');
    const r = await runCli(['build', '--source', a, b, '--index', indexDir, '--model', model, '--strict']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/9 invalid records and --strict was given \(see (\S+\.rejects\.txt)\); nothing was published/);
    const file = /see (\S+\.rejects\.txt)/.exec(r.stderr)![1]!;
    expect(readFileSync(file, 'utf8').trim().split('\n')).toEqual(EXPECTED());
    expect(resolveBuildDir(indexDir)).toBeUndefined();
  });

  it('fail the build when no record is valid (exit 2)', async () => {
    const bad = path.join(dir, 'bad.jsonl');
    await writeFile(bad, ['{oops', j({ title: '', abstract: '' })].join('\n'));
    const r = await runCli(['build', '--source', bad, '--index', path.join(dir, 'none'), '--model', model]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no valid paper in .*bad\.jsonl \(2 rejected/);
  });

  it('read CSV with --csv-map through the CLI', async () => {
    const csv = path.join(dir, 'export.csv');
    await writeFile(csv, ['Key,Name,Summary,Writers', `k1,First,"${ABS}","Ann Lee; Bo Chen"`, 'k2,,,X', `k3,Third,${ABS},Cy Dee`].join('\n'));
    const r = await runCli(['build', '--source', csv, '--index', path.join(dir, 'csv'), '--model', model, '--json', '--csv-map', 'id=Key,title=Name,abstract=Summary,authors=Writers']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ added: 2, rejected: 1 });
    expect(r.stderr).toContain(`${csv}:3: empty title and abstract`);
  });
});
