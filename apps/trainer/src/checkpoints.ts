/*
 * Checkpoint folder bookkeeping: `checkpoints/step-000123/` folders (each written atomically by
 * @dgpose/models/node saveCheckpoint: a temp folder renamed into place), a `latest` pointer written
 * with core's writeFileAtomic after the folder is complete, pruning to the newest K, and finding
 * the newest complete checkpoint after a crash (partial `*.tmp-*` folders are never candidates).
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '@dgpose/core/node';

export const CHECKPOINTS_DIR = 'checkpoints';
export const LATEST_FILE = 'latest';
const STEP_DIR = /^step-(\d+)$/;

/** `step-000123` (six digits, more when needed, so names sort by step). */
export function stepDirName(step: number): string {
  return `step-${String(step).padStart(6, '0')}`;
}

/** Complete checkpoint folders in `<out>/checkpoints`, newest (highest step) first. */
export async function listCheckpoints(out: string): Promise<{ step: number; name: string; dir: string }[]> {
  const root = path.join(out, CHECKPOINTS_DIR);
  let names: string[];
  try {
    names = await fsp.readdir(root);
  } catch {
    return [];
  }
  const found: { step: number; name: string; dir: string }[] = [];
  for (const name of names) {
    const m = STEP_DIR.exec(name);
    if (!m) continue;
    const dir = path.join(root, name);
    const st = await fsp.stat(dir).catch(() => null);
    if (st?.isDirectory()) found.push({ step: Number(m[1]), name, dir });
  }
  return found.sort((a, b) => b.step - a.step);
}

/** Leftovers of interrupted writes (saveCheckpoint's `step-*.tmp-<pid>` folders) in `<out>/checkpoints`. */
export async function listPartial(out: string): Promise<string[]> {
  const root = path.join(out, CHECKPOINTS_DIR);
  const names = await fsp.readdir(root).catch(() => [] as string[]);
  return names.filter((n) => /\.tmp-/.test(n) && !STEP_DIR.test(n)).map((n) => path.join(root, n));
}

/** The `latest` pointer (a folder name), or null when absent or unreadable. */
export async function readLatest(out: string): Promise<string | null> {
  try {
    const s = (await fsp.readFile(path.join(out, CHECKPOINTS_DIR, LATEST_FILE), 'utf8')).trim();
    return STEP_DIR.test(s) ? s : null;
  } catch {
    return null;
  }
}

/** Points `latest` at `name`; call only once that checkpoint folder is complete. */
export async function writeLatest(out: string, name: string): Promise<void> {
  await writeFileAtomic(path.join(out, CHECKPOINTS_DIR, LATEST_FILE), `${name}\n`);
}

/** Removes all but the newest `keep` complete checkpoints (never `protect`); returns the removed folders. */
export async function pruneCheckpoints(out: string, keep: number, protect: string): Promise<string[]> {
  const all = await listCheckpoints(out);
  const removed: string[] = [];
  for (const c of all.slice(keep)) {
    if (c.name === protect) continue;
    await fsp.rm(c.dir, { recursive: true, force: true });
    removed.push(c.dir);
  }
  return removed;
}
