// docs/operations.md's settings table matches src/config.ts (regenerate with `npx tsx scripts/env-table.ts --write`).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigSchema } from '../../src/config.js';
import { DOC, envTable, withFreshTable } from '../../scripts/env-table.js';

describe('docs/operations.md', () => {
  it('lists every setting with its environment variable', () => {
    const table = envTable();
    for (const key of Object.keys(ConfigSchema.shape)) expect(table).toMatch(new RegExp(`\\| \`[A-Z_]+\` \\| ${key} \\|`));
    expect(table).toContain('| `PAPERSCOPE_API_KEY` | apiKey | (unset) |');
    expect(table).toContain('| `PAPERSCOPE_RATE_LIMIT` | rateLimitPerMinute | `0` |');
  });

  it('carries the table generated from the current config', () => {
    const doc = readFileSync(DOC, 'utf8');
    expect(doc).toBe(withFreshTable(doc));
  });
});
