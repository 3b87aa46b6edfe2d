// Fault test: two replicas behind nginx (deploy/nginx.conf) under load; one is SIGKILLed, the other swaps to a copied build; the client sees no failure.
import { describe, expect, it } from 'vitest';
import { runReplicaFault } from '../../scripts/fault-replicas.js';
import { NGINX, RSYNC } from '../../scripts/lib/servers.js';
import { tinyModelDir } from '../helpers.js';

// The long variant (30 s at 32 connections) is `npm run fault:replicas`; CI runs this shorter one.
describe.skipIf(!NGINX || !RSYNC)('replicas behind nginx', () => {
  it('a replica SIGKILLed and a build swapped under load: 0 failed requests', async () => {
    const r = await runReplicaFault({ durationS: 8, connections: 32, papers: 800, model: await tinyModelDir(), log: () => {} });
    process.stderr.write(r.table + '\n');
    expect(r.requests).toBeGreaterThan(100);
    expect({ errors: r.errors, timeouts: r.timeouts, non2xx: r.non2xx }).toEqual({ errors: 0, timeouts: 0, non2xx: 0 });
    expect(r.servedAfter).toBe(r.newBuild);
    expect(r.newBuild).not.toBe(r.oldBuild);
    expect(r.papersAfter).toBe(880);
  });
});
