/*
 * The JSONL training log: one JSON object per line, appended synchronously so that every line
 * written before a crash (even kill -9) is complete. Step lines: { type: 'step', step, time,
 * imagesPerSec, images, losses }; events: { type: 'event', event, step, time, ... }.
 *
 * A line can still be torn: a full disk (ENOSPC) or a power cut in the middle of a write. A failed
 * write is cut back to the last complete line at once (E_IO naming the file and the cause, and no
 * further lines); what a power cut leaves is found and cut back by {@link repairLog} on resume, and
 * {@link readLog} skips a torn last line.
 */
// named imports: looked up on node:fs at each call, so a test can make them fail (testing/fault-fs.ts)
import { closeSync, fstatSync, ftruncateSync, mkdirSync, openSync, readFileSync, readSync, writeSync } from 'node:fs';
import * as path from 'node:path';
import { DGPoseError } from '@dgpose/core';
import { describeCause, errnoCode, ioError } from './io';

export type LogEventName = 'start' | 'resume' | 'prior' | 'checkpoint' | 'samples' | 'nan' | 'stop' | 'end';

export class JsonlLog {
  private fd: number | null = null;
  private closed = false;
  /** Bytes of complete lines in the file: where a failed write is cut back to. */
  private size = 0;
  /** The failure that stopped the log; later writes throw it again. */
  private failed: DGPoseError | null = null;

  /** The file is created (with its folder) on the first line, not before. */
  constructor(readonly file: string) {}

  private write(obj: Record<string, unknown>): void {
    if (this.closed) return;
    if (this.failed) throw this.failed;
    const line = Buffer.from(`${JSON.stringify(obj)}\n`, 'utf8');
    try {
      if (this.fd === null) {
        mkdirSync(path.dirname(this.file), { recursive: true });
        this.fd = openSync(this.file, 'a');
        const st = fstatSync(this.fd);
        this.size = st.isFile() ? st.size : 0;
      }
      // writeSync may write part of the buffer and return: finish it, as a line must be whole
      for (let off = 0; off < line.length;) off += writeSync(this.fd, line, off, line.length - off);
      this.size += line.length;
    } catch (e) {
      this.failed = this.fail(e);
      throw this.failed;
    }
  }

  /** Cuts a half-written line back off (when it can) and says what happened. */
  private fail(e: unknown): DGPoseError {
    let cut = '';
    if (this.fd !== null) {
      try {
        if (fstatSync(this.fd).isFile()) ftruncateSync(this.fd, this.size);
        cut = '; the log ends at its last complete line';
      } catch (t) {
        cut = `; a torn last line may remain (cutting it back failed: ${describeCause(t)}), a resume repairs it`;
      }
    }
    return new DGPoseError('E_IO', `could not append to the training log ${this.file}: ${describeCause(e)}${cut}`, {
      argument: this.file,
      path: this.file,
      cause: e,
    });
  }

  /** A logged training step. */
  step(s: { step: number; imagesPerSec: number; images: number; losses: Record<string, number> }): void {
    this.write({
      type: 'step',
      step: s.step,
      time: new Date().toISOString(),
      imagesPerSec: Number(s.imagesPerSec.toFixed(3)),
      images: s.images,
      losses: s.losses,
    });
  }

  /** An event (start, resume, checkpoint, samples, nan, stop, end) with its fields. */
  event(event: LogEventName, fields: Record<string, unknown> & { step: number }): void {
    this.write({ type: 'event', event, time: new Date().toISOString(), ...fields });
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
    this.closed = true;
  }
}

/**
 * Cuts a torn last line (no final newline: a write cut short by a crash or a full disk) off `file`,
 * so that lines appended by a resumed run start on a line of their own. Returns the bytes removed
 * (0 when the file ends cleanly or does not exist). Reads only the tail. E_IO when it cannot.
 */
export function repairLog(file: string): number {
  let fd: number;
  try {
    fd = openSync(file, 'r+');
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return 0;
    throw ioError('open the training log', file, e);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.size === 0) return 0;
    // walk back from the end in blocks to the last newline
    const block = Buffer.alloc(64 * 1024);
    let end = st.size;
    let keep = 0;
    let first = true;
    while (end > 0) {
      const start = Math.max(0, end - block.length);
      const n = readSync(fd, block, 0, end - start, start);
      const nl = block.subarray(0, n).lastIndexOf(0x0a);
      if (first && nl === n - 1) return 0; // ends with a newline: nothing torn
      first = false;
      if (nl >= 0) {
        keep = start + nl + 1;
        break;
      }
      end = start;
    }
    ftruncateSync(fd, keep);
    return st.size - keep;
  } catch (e) {
    throw ioError('repair the torn last line of the training log', file, e);
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads a log back (tests, tools): one object per non-empty line. A torn last line (no newline after
 * it, not valid JSON) is left out; any other line that is not a JSON object is E_IO naming the line.
 */
export function readLog(file: string): Record<string, unknown>[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw ioError('read the training log', file, e);
  }
  const lines = text.split('\n');
  const out: Record<string, unknown>[] = [];
  lines.forEach((l, i) => {
    if (l.trim() === '') return;
    const torn = i === lines.length - 1; // only the last piece lacks its newline
    let v: unknown;
    try {
      v = JSON.parse(l);
    } catch (e) {
      if (torn) return;
      throw new DGPoseError('E_IO', `training log line ${i + 1} is not valid JSON (${(e as Error).message})`, {
        argument: `${path.basename(file)}:${i + 1}`,
        expected: 'one JSON object per line',
        got: l.length > 80 ? `${l.slice(0, 77)}...` : l,
        path: file,
      });
    }
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      if (torn) return;
      throw new DGPoseError('E_IO', `training log line ${i + 1} is not a JSON object`, {
        argument: `${path.basename(file)}:${i + 1}`,
        expected: 'a JSON object',
        got: l.slice(0, 80),
        path: file,
      });
    }
    out.push(v as Record<string, unknown>);
  });
  return out;
}
