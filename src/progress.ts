// Progress on stderr for long jobs: done/total, rate and ETA. A live bar on a terminal (cli-progress), a plain line every 5 s otherwise.
import cliProgress from 'cli-progress';

export interface Progress {
  update(done: number): void;
  stop(): void;
}

const PLAIN_EVERY_MS = 5_000;

const eta = (s: number): string => (s < 90 ? `${Math.round(s)}s` : s < 5400 ? `${Math.round(s / 60)}m` : `${(s / 3600).toFixed(1)}h`);

export function startProgress(label: string, total: number, enabled: boolean, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!enabled || total === 0) return { update: () => {}, stop: () => {} };
  const t0 = Date.now();
  const rate = (done: number) => done / Math.max(1e-3, (Date.now() - t0) / 1000);
  if (!stream.isTTY) {
    // CI logs and pipes: no carriage-return animation, just a line now and then.
    let last = 0;
    let done = 0;
    let printed = -1;
    const line = () => {
      printed = done;
      const r = rate(done);
      stream.write(`${label} ${done}/${total} | ${r.toFixed(1)} papers/s | ETA ${eta((total - done) / Math.max(r, 1e-9))}\n`);
    };
    return {
      update(d) {
        done = d;
        if (Date.now() - last >= PLAIN_EVERY_MS) {
          last = Date.now();
          line();
        }
      },
      // The final count, unless the last line already said it.
      stop: () => printed !== done && line(),
    };
  }
  const bar = new cliProgress.SingleBar(
    { format: `${label} {bar} {value}/{total} | {rate} papers/s | ETA {eta_formatted}`, stream, etaBuffer: 200, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { rate: '-' });
  return {
    update: (done) => bar.update(done, { rate: rate(done).toFixed(1) }),
    stop: () => bar.stop(),
  };
}
