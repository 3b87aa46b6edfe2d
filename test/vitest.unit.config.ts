// vitest over test/unit only: what mutation testing (test/stryker.config.json) runs against each mutant.
import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

export default defineConfig({ ...base, test: { ...base.test, include: ['test/unit/**/*.test.ts'] } });
