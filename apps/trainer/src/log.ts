/*
 * The JSONL training log: one JSON object per line, appended synchronously so that every line
 * written before a crash (even kill -9) is complete. Step lines: { type: 'step', step, time,
 * imagesPerSec, images, losses }; events: { type: 'event', event, step, time, ... }.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export type LogEventName = 'start' | 'resume' | 'prior' | 'checkpoint' | 'samples' | 'nan' | 'stop' | 'end';

export class JsonlLog {
  private fd: number | null = null;
  private closed = false;

  /** The file is created (with its folder) on the first line, not before. */
  constructor(readonly file: string) {}

  private write(obj: Record<string, unknown>): void {
    if (this.closed) return;
    if (this.fd === null) {
      fs.mkdirSync(path.dirname(this.file), { recursive: true });
      this.fd = fs.openSync(this.file, 'a');
    }
    fs.writeSync(this.fd, `${JSON.stringify(obj)}\n`);
  }

  /** A logged training step. */
  step(s: { step: number; imagesPerSec: number; images: number; losses: Record<string, number> }): void {
    this.write({ type: 'step', step: s.step, time: new Date().toISOString(), imagesPerSec: Number(s.imagesPerSec.toFixed(3)), images: s.images, losses: s.losses });
  }

  /** An event (start, resume, checkpoint, samples, nan, stop, end) with its fields. */
  event(event: LogEventName, fields: Record<string, unknown> & { step: number }): void {
    this.write({ type: 'event', event, time: new Date().toISOString(), ...fields });
  }

  close(): void {
    if (this.fd !== null) fs.closeSync(this.fd);
    this.fd = null;
    this.closed = true;
  }
}

/** Reads a log back (tests, tools): one object per non-empty line. */
export function readLog(file: string): Record<string, unknown>[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}
