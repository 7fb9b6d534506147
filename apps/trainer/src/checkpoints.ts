/*
 * Checkpoint folder bookkeeping: `checkpoints/step-000123/` folders (each written atomically by
 * @dgpose/models/node saveCheckpoint: a temp folder renamed into place), a `latest` pointer written
 * with core's writeFileAtomic after the folder is complete, pruning to the newest K, and finding
 * the newest complete checkpoint after a crash (partial `*.tmp-*` folders are never candidates).
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { DGPoseError } from '@dgpose/core';
import { writeFileAtomic } from '@dgpose/core/node';
import type { BatcherState } from '@dgpose/datasets';
import { errnoCode, ioError, recoverFolderSwaps, withIo } from './io';

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
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return [];
    throw ioError('list the checkpoints in', root, e);
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

/**
 * Resolves what interrupted checkpoint writes left in `<out>/checkpoints` (saveCheckpoint writes
 * `step-*.tmp-<pid>` and, when it replaces a folder, moves the old one to `step-*.old-<pid>`):
 * partial folders are removed, a moved-aside complete one is put back or removed. Returns notes.
 */
export async function recoverCheckpoints(out: string): Promise<string[]> {
  return recoverFolderSwaps(path.join(out, CHECKPOINTS_DIR), STEP_DIR);
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
    await withIo('remove the old checkpoint', c.dir, () => fsp.rm(c.dir, { recursive: true, force: true }));
    removed.push(c.dir);
  }
  return removed;
}

/** What dgpose-train stores in a checkpoint beside the model (`extra.data` of saveCheckpoint). */
export interface TrainerState {
  /** The batcher's position: data order and flips continue exactly (checked against the data by createBatcher). */
  batcher: BatcherState;
  /** Images trained on so far. */
  imagesSeen: number;
}

/**
 * Reads the trainer's part of a checkpoint's extra JSON (`{ data: { batcher, imagesSeen } }`; older
 * checkpoints also hold an `rng`, no longer needed: grid seeds derive from seed and step).
 * E_CHECKPOINT naming the field when it is missing or malformed (not written by dgpose-train).
 */
export function parseTrainerState(extra: unknown, dir: string): TrainerState {
  const bad = (argument: string, expected: string, got: unknown): never => {
    throw new DGPoseError(
      'E_CHECKPOINT',
      `refusing checkpoint ${dir}: it was not written by dgpose-train (${argument} is missing or malformed)`,
      {
        argument,
        expected,
        got,
        path: dir,
      },
    );
  };
  const isObject = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObject(extra)) return bad('extra', 'an object', extra);
  const data = extra.data;
  if (!isObject(data)) return bad('extra.data', 'the data-order state { batcher, imagesSeen }', data);
  if (!isObject(data.batcher)) return bad('extra.data.batcher', "the batcher's state()", data.batcher);
  const seen = data.imagesSeen;
  if (!(typeof seen === 'number' && Number.isSafeInteger(seen) && seen >= 0))
    return bad('extra.data.imagesSeen', 'a non-negative integer', seen);
  return { batcher: data.batcher as unknown as BatcherState, imagesSeen: seen };
}
