/*
 * The output folder of a training run: its layout (config.json, log.jsonl, checkpoints/, samples/,
 * final/), the stored run config, the checks before a run starts and the repairs before a resume.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { DGPoseError } from '@dgpose/core';
import { CHECKPOINTS_DIR, recoverCheckpoints } from './checkpoints';
import { describeCause, errnoCode, recoverFolderSwaps, removeAtomicWriteLeftovers, withIo } from './io';
import { repairLog } from './log';
import type { TrainConfig } from './options';

export const CONFIG_FILE = 'config.json';
export const LOG_FILE = 'log.jsonl';
export const SAMPLES_DIR = 'samples';
export const CONFIG_FORMAT = 'dgpose-train-config';
/** The exported weights folder; replaced as a whole (see io.ts replaceFolderAtomic). */
export const FINAL_DIR = 'final';
const FINAL_FOLDER = new RegExp(`^${FINAL_DIR}$`);
/** Folder entries the trainer writes (and `--force` replaces). */
export const OUTPUT_ENTRIES = [CONFIG_FILE, LOG_FILE, CHECKPOINTS_DIR, SAMPLES_DIR, FINAL_DIR] as const;

/** The `config.json` of an output folder. */
export interface StoredRunConfig {
  format: typeof CONFIG_FORMAT;
  version: 1;
  trainer: string;
  options: TrainConfig;
  batchSize: number;
  model: { kind: string; config: unknown; params: number };
  data: { name: string; size: number; imageSize: number; skeleton: string };
  backend: string | null;
  command: string[];
  createdAt: string;
  resumes: { at: string; fromStep: number; command: string[] }[];
}

export async function exists(p: string): Promise<boolean> {
  return fsp.stat(p).then(
    () => true,
    () => false,
  );
}

/**
 * Reads `<out>/config.json`: E_IO when it cannot be read (a missing one: nothing to resume),
 * E_CHECKPOINT when it is not a dgpose-train config.
 */
export async function readRunConfig(out: string): Promise<StoredRunConfig> {
  const file = path.join(out, CONFIG_FILE);
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf8');
  } catch (e) {
    const why =
      errnoCode(e) === 'ENOENT' ? `${CONFIG_FILE} is missing` : `${CONFIG_FILE} cannot be read: ${describeCause(e)}`;
    throw new DGPoseError('E_IO', `nothing to resume in ${out}: ${why}`, { argument: 'out', path: file, cause: e });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new DGPoseError('E_CHECKPOINT', `${CONFIG_FILE} is not valid JSON (${(e as Error).message})`, {
      argument: 'out',
      path: file,
      cause: e,
    });
  }
  const o = (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? parsed : {}) as Record<
    string,
    unknown
  >;
  if (o.format !== CONFIG_FORMAT || o.version !== 1) {
    throw new DGPoseError(
      'E_CHECKPOINT',
      `${CONFIG_FILE} is not a dgpose-train config (format ${CONFIG_FORMAT} version 1)`,
      {
        argument: 'out',
        expected: `${CONFIG_FORMAT} v1`,
        got: `${String(o.format)} v${String(o.version)}`,
        path: file,
      },
    );
  }
  // what a resume reads back: the options and the history it appends to
  const isObject = (v: unknown): boolean => typeof v === 'object' && v !== null && !Array.isArray(v);
  const fields: [string, boolean, string][] = [
    ['options', isObject(o.options), 'an object of training options'],
    [
      'command',
      o.command === undefined || (Array.isArray(o.command) && o.command.every((x) => typeof x === 'string')),
      'a list of strings',
    ],
    ['createdAt', o.createdAt === undefined || typeof o.createdAt === 'string', 'a date string'],
    [
      'resumes',
      o.resumes === undefined || (Array.isArray(o.resumes) && o.resumes.every(isObject)),
      'a list of objects',
    ],
  ];
  for (const [k, ok, expected] of fields) {
    if (!ok)
      throw new DGPoseError('E_CHECKPOINT', `${CONFIG_FILE} field ${k} is malformed`, {
        argument: k,
        expected,
        got: o[k],
        path: file,
      });
  }
  return o as unknown as StoredRunConfig;
}

/** Refuses an existing, non-empty output folder unless `force` (nothing is changed yet). */
export async function checkOutDir(c: TrainConfig): Promise<boolean> {
  const out = c.out;
  if (!(await exists(out))) return false;
  const st = await withIo('inspect the output folder', out, () => fsp.stat(out));
  if (!st.isDirectory())
    throw new DGPoseError('E_ARG', `output path ${out} exists and is not a folder`, { argument: 'out', path: out });
  const entries = await withIo('list the output folder', out, () => fsp.readdir(out));
  if (entries.length > 0 && !c.force) {
    throw new DGPoseError(
      'E_ARG',
      `output folder ${out} already exists and is not empty (${entries.slice(0, 6).join(', ')}${entries.length > 6 ? ', ...' : ''}); ` +
        'pass --force to overwrite it, --resume to continue its run, or choose another --out',
      { argument: 'out', path: out },
    );
  }
  return entries.length > 0;
}

/** Creates the output folder; with `force`, first removes what an earlier run wrote (other files stay). */
export async function prepareOutDir(out: string, clear: boolean): Promise<void> {
  if (clear) {
    // leftovers of an interrupted final/ export first (an .old-<pid> would otherwise come back as final/)
    await recoverFolderSwaps(out, FINAL_FOLDER);
    for (const e of OUTPUT_ENTRIES)
      await withIo('remove', path.join(out, e), () => fsp.rm(path.join(out, e), { recursive: true, force: true }));
  }
  for (const d of [CHECKPOINTS_DIR, SAMPLES_DIR])
    await withIo('create the folder', path.join(out, d), () => fsp.mkdir(path.join(out, d), { recursive: true }));
}

/**
 * Puts an output folder back in order before a resume: leftovers of interrupted checkpoint writes and
 * final/ exports (see io.ts recoverFolderSwaps), temp files of interrupted atomic file writes
 * (config.json, `latest`, grids) and a torn last log line. Returns notes.
 */
export async function recoverOutDir(out: string): Promise<string[]> {
  const notes = [...(await recoverCheckpoints(out)), ...(await recoverFolderSwaps(out, FINAL_FOLDER))];
  for (const d of [out, path.join(out, CHECKPOINTS_DIR), path.join(out, SAMPLES_DIR)])
    notes.push(...(await removeAtomicWriteLeftovers(d)));
  const cut = repairLog(path.join(out, LOG_FILE));
  if (cut > 0) notes.push(`repaired ${LOG_FILE}: cut off a torn last line (${cut} bytes; a write cut short)`);
  return notes;
}
