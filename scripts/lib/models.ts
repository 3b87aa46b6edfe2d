// Which models the relevance scripts measure by default: the real all-MiniLM-L6-v2 where `npm run get-models` put it, and USE lite.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../src/config.js';

export const REAL_MODEL = path.join(PROJECT_ROOT, 'models', 'all-MiniLM-L6-v2');
export const hasRealModel = (): boolean => existsSync(path.join(REAL_MODEL, 'onnx', 'model_quantized.onnx'));

/** `--model a,b` as given, else the real model (when present) and then USE lite, saying when the real one is missing. */
export function modelsToMeasure(given: string | undefined): string[] {
  if (given) return given.split(',').map((m) => m.trim()).filter(Boolean);
  if (!hasRealModel()) console.error(`note: ${REAL_MODEL} is absent (run \`npm run get-models\`); measuring use-lite only`);
  return hasRealModel() ? [REAL_MODEL, 'use-lite'] : ['use-lite'];
}
