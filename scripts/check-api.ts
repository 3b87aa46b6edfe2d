// `npm run check:api`: schemathesis (PyPI) against /api/openapi.json of a real server: every check, no 5xx, no response off the schema.
import path from 'node:path';
import { PROJECT_ROOT } from '../src/config.js';
import { startCheckServer } from './check-server.js';
import { ensureVenv, runTool } from './py-venv.js';

/** Extra arguments go to `schemathesis run` (e.g. `npm run check:api -- --seed 1 --max-examples 200`). */
const extra = process.argv.slice(2);
const bin = ensureVenv('api-venv', ['schemathesis==4.32.5']);
const server = await startCheckServer();
try {
  process.exitCode = await runTool(
    bin,
    'schemathesis',
    ['run', `${server.url}/api/openapi.json`, '--checks', 'all', '--max-examples', '30', '--workers', '2', '--no-color', ...extra],
    // The hooks teach the generator the one rule JSON Schema cannot state (year_from not after year_to).
    { ...process.env, SCHEMATHESIS_HOOKS: path.join(PROJECT_ROOT, 'scripts', 'schemathesis-hooks.py') },
  );
} finally {
  await server.close();
}
