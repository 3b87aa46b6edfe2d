// Progress line for long jobs on stderr: done/total, rate and ETA (cli-progress), silent when stderr is not a terminal.
import cliProgress from 'cli-progress';

export interface Progress {
  update(done: number): void;
  stop(): void;
}

export function startProgress(label: string, total: number, enabled: boolean): Progress {
  if (!enabled || total === 0) return { update: () => {}, stop: () => {} };
  const bar = new cliProgress.SingleBar(
    {
      format: `${label} {bar} {value}/{total} | {rate} papers/s | ETA {eta_formatted}`,
      stream: process.stderr,
      // Non-TTY (CI logs, pipes): print a plain line every 5 s rather than nothing.
      noTTYOutput: true,
      notTTYSchedule: 5000,
      etaBuffer: 200,
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  const t0 = Date.now();
  bar.start(total, 0, { rate: '-' });
  return {
    update(done) {
      const s = (Date.now() - t0) / 1000;
      bar.update(done, { rate: s > 0 ? (done / s).toFixed(1) : '-' });
    },
    stop: () => bar.stop(),
  };
}
