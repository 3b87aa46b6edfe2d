// `npm run check:s2`: the PyPI Semantic Scholar client (semanticscholar) against a real paperscope server; exits non-zero on any failed check.
import path from 'node:path';
import { PROJECT_ROOT } from '../src/config.js';
import { startCheckServer } from './check-server.js';
import { ensureVenv, runTool } from './py-venv.js';

const bin = ensureVenv('s2-venv', ['semanticscholar==0.12.0']);
const server = await startCheckServer();
try {
  process.exitCode = await runTool(bin, 'python', [path.join(PROJECT_ROOT, 'scripts', 's2-client-check.py'), server.url]);
} finally {
  await server.close();
}
