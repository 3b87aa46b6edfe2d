// A Python virtual environment under .cache/ for the dev checks (pip as the installer; Python is never product code).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../src/config.js';

const run = (cmd: string, args: string[]): void => {
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}`);
};

/**
 * The venv .cache/<name> with exactly these pinned requirements, made or re-made when they change; returns its
 * bin folder. $PYTHON picks the interpreter (default python3).
 */
export function ensureVenv(name: string, requirements: string[]): string {
  const dir = path.join(PROJECT_ROOT, '.cache', name);
  const bin = path.join(dir, 'bin');
  const stamp = path.join(dir, 'paperscope-requirements.txt');
  const want = requirements.join('\n') + '\n';
  if (existsSync(path.join(bin, 'python')) && existsSync(stamp) && readFileSync(stamp, 'utf8') === want) return bin;
  process.stderr.write(`setting up .cache/${name}: ${requirements.join(' ')}\n`);
  run(process.env.PYTHON ?? 'python3', ['-m', 'venv', dir]);
  run(path.join(bin, 'python'), ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', ...requirements]);
  writeFileSync(stamp, want);
  return bin;
}

/**
 * Runs a program of the venv and resolves with its exit code. Asynchronous on purpose: the server under test
 * runs in this process's event loop, which a synchronous spawn would freeze.
 */
export function runTool(bin: string, tool: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  return new Promise((resolve, reject) => {
    const p = spawn(path.join(bin, tool), args, { stdio: ['ignore', 'inherit', 'inherit'], env });
    p.on('error', reject);
    p.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}
