/* File-system helpers shared by the folder readers (DeepFashion, Human3.6M, ChictopiaPlus). Node only. */
import * as fs from 'node:fs';
import { DGPoseError } from '@dgpose/core';

/**
 * E_DATASET_LAYOUT for `dataset`: says what is wrong, the expected layout and an excerpt (first 12
 * names) of what the folder holds, so a user sees at once which path to fix.
 */
export function layoutError(
  dataset: string,
  what: string,
  layout: readonly string[],
  found: readonly string[],
  p: string,
): DGPoseError {
  return new DGPoseError('E_DATASET_LAYOUT', `${dataset}: ${what}`, {
    argument: 'root',
    expected: layout.join('; '),
    got: found.length
      ? `found: ${found.slice(0, 12).join(', ')}${found.length > 12 ? `, ... (${found.length} entries)` : ''}`
      : 'nothing (missing or empty folder)',
    path: p,
  });
}

/** Sorted entries of a folder; [] when it is missing or unreadable (the caller reports the layout). */
export function listDir(p: string): string[] {
  try {
    return fs.readdirSync(p).sort();
  } catch {
    return [];
  }
}

export function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

export function isFile(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

/** E_ARG unless `i` is an integer sample index in [0, size). */
export function assertSampleIndex(i: number, size: number): void {
  if (!Number.isInteger(i) || i < 0 || i >= size) {
    throw new DGPoseError('E_ARG', 'sample index out of range', {
      argument: 'index',
      expected: `integer in 0..${size - 1}`,
      got: i,
    });
  }
}
