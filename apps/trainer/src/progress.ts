/*
 * Progress display: a cli-progress bar (step/total, ETA, images/s, main losses) on a TTY, plain
 * periodic lines otherwise (pipes, CI, --quiet).
 */
import { SingleBar } from 'cli-progress';

/** Where progress goes. */
export interface ProgressSink {
  start(total: number, initial: number): void;
  /** After a logged step: images/s and the losses. */
  update(step: number, imagesPerSec: number, losses: Record<string, number>): void;
  /** A one-off message (checkpoint written, resumed, ...). */
  note(message: string): void;
  stop(): void;
}

/** The main terms first, then the rest, each with 4 significant digits. */
export function formatLosses(losses: Record<string, number>, max = 6): string {
  const order = ['total', 'l1', 'kl', 'pose', 'klPose', 'advG', 'advD'];
  const keys = [
    ...order.filter((k) => k in losses),
    ...Object.keys(losses)
      .filter((k) => !order.includes(k))
      .sort(),
  ];
  return keys
    .slice(0, max)
    .map((k) => `${k}=${Number(losses[k]).toPrecision(4)}`)
    .join(' ');
}

function fmtEta(s: number): string {
  if (!Number.isFinite(s)) return '?';
  const t = Math.max(0, Math.round(s));
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const sec = t % 60;
  return h ? `${h}h${String(m).padStart(2, '0')}m` : m ? `${m}m${String(sec).padStart(2, '0')}s` : `${sec}s`;
}

/** Plain lines: `step 20/100 (20%) | ETA 1m05s | 12.3 img/s | total=... l1=...`. */
export function lineProgress(print: (line: string) => void): ProgressSink {
  let total = 0;
  let t0 = 0;
  let s0 = 0;
  return {
    start(tot, initial) {
      total = tot;
      s0 = initial;
      t0 = Date.now();
    },
    update(step, ips, losses) {
      const done = step - s0;
      const rate = done > 0 ? (Date.now() - t0) / 1000 / done : NaN;
      const eta = fmtEta(rate * (total - step));
      print(
        `step ${step}/${total} (${Math.floor((100 * step) / total)}%) | ETA ${eta} | ${ips.toFixed(1)} img/s | ${formatLosses(losses)}`,
      );
    },
    note: (m) => print(m),
    stop() {},
  };
}

/** A cli-progress bar on `stream` (stderr by default); notes are printed above it. */
export function barProgress(stream: NodeJS.WriteStream = process.stderr): ProgressSink {
  const bar = new SingleBar({
    format: 'step {value}/{total} [{bar}] {percentage}% | ETA {eta_formatted} | {ips} img/s | {losses}',
    stream,
    hideCursor: true,
    barsize: 24,
    etaBuffer: 50,
    fps: 5,
  });
  let running = false;
  return {
    start(total, initial) {
      bar.start(total, initial, { ips: '-', losses: '' });
      running = true;
    },
    update(step, ips, losses) {
      bar.update(step, { ips: ips.toFixed(1), losses: formatLosses(losses, 4) });
    },
    note(m) {
      if (running) {
        stream.write('\r\x1b[2K');
        stream.write(`${m}\n`);
        bar.render();
      } else stream.write(`${m}\n`);
    },
    stop() {
      if (running) bar.stop();
      running = false;
    },
  };
}
