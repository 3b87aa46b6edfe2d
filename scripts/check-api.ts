// `npm run check:api`: schemathesis (PyPI) against /api/openapi.json of real servers, open and with an API key:
// every check, no 5xx, no response off the published schema. Exits non-zero on any failure.
import path from 'node:path';
import { PROJECT_ROOT } from '../src/config.js';
import { startCheckServer } from './check-server.js';
import { ensureVenv, runTool } from './py-venv.js';

/** Extra arguments go to `schemathesis run` (e.g. `npm run check:api -- --seed 1 --max-examples 200`). */
const extra = process.argv.slice(2);
const KEY = 'check-api-key-0123456789';
const bin = ensureVenv('api-venv', ['schemathesis==4.32.5']);
// The hooks teach the generator the one rule JSON Schema cannot state (year_from not after year_to).
const env = { ...process.env, SCHEMATHESIS_HOOKS: path.join(PROJECT_ROOT, 'scripts', 'schemathesis-hooks.py') };

// The open server gets the full run; the keyed one (fuzzing only: coverage cases would repeat the open run's) checks
// the 401/403 responses and that no route ignores the key.
const runs = [
  { name: 'open', settings: {}, args: ['--max-examples', '30'] },
  { name: 'with an API key', settings: { apiKey: KEY }, args: ['--phases', 'fuzzing,stateful', '--max-examples', '10', '-H', `Authorization: Bearer ${KEY}`] },
];
let failed = 0;
for (const run of runs) {
  process.stderr.write(`\ncheck:api: ${run.name}\n`);
  const server = await startCheckServer(run.settings);
  try {
    // One worker: schemathesis's threads can trip a CPython 3.11 ast.parse race ("AST constructor recursion depth mismatch").
    const code = await runTool(bin, 'schemathesis', ['run', `${server.url}/api/openapi.json`, '--checks', 'all', '--workers', '1', '--no-color', ...run.args, ...extra], env);
    if (code !== 0) failed++;
  } finally {
    await server.close();
  }
}
process.stderr.write(failed ? `check:api: ${failed} of ${runs.length} runs failed\n` : 'check:api: all runs passed\n');
process.exitCode = failed ? 1 : 0;
