// Worker-thread entry of the embedding pool: registers tsx (workers do not inherit the main thread's loader), then runs the TS worker.
import { register } from 'tsx/esm/api';

register();
await import('./pool-worker-main.ts');
