#!/usr/bin/env node
// paperscope command: runs the TypeScript CLI directly (tsx), so self-hosters need no build step.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli.ts');
