/* The output folder: refused when it exists (non-empty) without --force; results and reports written atomically. */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { DGPoseError } from '@dgpose/core';
import { writeFileAtomic } from '@dgpose/core/node';
import { renderHtml } from './report-html';
import { renderMarkdown } from './report-md';
import { RESULTS_SCHEMA, issuePath } from './results-schema';
import { GRIDS_DIR, RESULTS_FORMAT, RESULTS_FORMAT_VERSION, type Results } from './types';

export const RESULTS_FILE = 'results.json';
export const REPORT_MD = 'report.md';
export const REPORT_HTML = 'report.html';
export { GRIDS_DIR };
/** What the benchmark writes (and --force replaces); other files in the folder are left alone. */
export const OWN_FILES = Object.freeze([RESULTS_FILE, REPORT_MD, REPORT_HTML, GRIDS_DIR]);

/** An output folder made ready by {@link prepareOut}. */
export interface PreparedOut {
  /**
   * Undoes the run after a failure: removes the benchmark's files it wrote (none of them were there
   * when prepareOut returned, so all are this run's, and a partial set is of no use without
   * results.json), and the folder itself when prepareOut created it. Never throws.
   */
  abandon(): Promise<void>;
}

/** True when `names` is only an empty grids/ folder: what a run killed before its first grid leaves. */
async function onlyEmptyGrids(out: string, names: string[]): Promise<boolean> {
  if (names.length !== 1 || names[0] !== GRIDS_DIR) return false;
  return (await fsp.readdir(path.join(out, GRIDS_DIR)).catch(() => ['not a folder'])).length === 0;
}

/**
 * Throws E_CONFIG when `out` is a file, or a folder that is not empty, unless `force`. An empty
 * grids/ alone counts as empty: the leftover of a run that was killed before it could clean up.
 * Returns whether `out` exists. Cheap: `run` calls it before loading anything.
 */
export async function checkOut(out: string, force: boolean): Promise<boolean> {
  const st = await fsp.stat(out).catch(() => null);
  if (!st) return false;
  if (!st.isDirectory())
    throw new DGPoseError('E_CONFIG', `--out ${out} is a file, not a folder`, { argument: 'out', path: out });
  const names = await fsp.readdir(out);
  if (names.length > 0 && !force && !(await onlyEmptyGrids(out, names))) {
    throw new DGPoseError(
      'E_CONFIG',
      `output folder ${out} exists and is not empty (${names.slice(0, 6).join(', ')}${names.length > 6 ? ', ...' : ''}); pass --force to replace the benchmark's files there, or choose another --out`,
      {
        argument: 'out',
        path: out,
      },
    );
  }
  return true;
}

/**
 * {@link checkOut}, then removes the benchmark's own files from `out` (only with force can there
 * be any besides an empty grids/; other files are left alone) and creates `out` and `out/grids`.
 */
export async function prepareOut(out: string, force: boolean): Promise<PreparedOut> {
  const existed = await checkOut(out, force);
  if (existed) for (const f of OWN_FILES) await fsp.rm(path.join(out, f), { recursive: true, force: true });
  await fsp.mkdir(path.join(out, GRIDS_DIR), { recursive: true });
  return {
    abandon: async () => {
      for (const f of OWN_FILES)
        await fsp.rm(path.join(out, f), { recursive: true, force: true }).catch(() => undefined);
      // rmdir, not rm -r: a folder that someone else put files in meanwhile stays.
      if (!existed) await fsp.rmdir(out).catch(() => undefined);
    },
  };
}

/** Writes results.json, report.md and report.html (grids must already be in `out`). */
export async function writeReports(out: string, results: Results): Promise<{ files: string[] }> {
  const grids: Record<string, Uint8Array> = {};
  for (const m of results.models) {
    if (m.grid) grids[m.grid] = new Uint8Array(await fsp.readFile(path.join(out, m.grid)));
  }
  const files = [path.join(out, RESULTS_FILE), path.join(out, REPORT_MD), path.join(out, REPORT_HTML)];
  await writeFileAtomic(files[0], `${JSON.stringify(results, null, 1)}\n`);
  await writeFileAtomic(files[1], renderMarkdown(results));
  await writeFileAtomic(files[2], renderHtml(results, grids));
  return { files };
}

/** Reads and checks a results.json against its schema (E_IO / E_CONFIG naming the field at fault). */
export async function readResults(dir: string): Promise<Results> {
  const file = path.join(dir, RESULTS_FILE);
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf8');
  } catch (e) {
    throw new DGPoseError('E_IO', `no ${RESULTS_FILE} in ${dir} (not a dgpose-bench output folder?)`, {
      argument: 'dirs',
      path: file,
      cause: e,
    });
  }
  let r: Partial<Results> | null;
  try {
    r = JSON.parse(text) as Partial<Results> | null;
  } catch (e) {
    throw new DGPoseError('E_CONFIG', `${file} is not valid JSON`, { argument: 'dirs', path: file, cause: e });
  }
  if (r?.format !== RESULTS_FORMAT)
    throw new DGPoseError('E_CONFIG', `${file} is not a dgpose-bench results file`, {
      argument: 'dirs',
      expected: RESULTS_FORMAT,
      got: r?.format,
      path: file,
    });
  if (r.formatVersion !== RESULTS_FORMAT_VERSION) {
    throw new DGPoseError(
      'E_CONFIG',
      `${file} has results format version ${r.formatVersion}, this dgpose-bench reads ${RESULTS_FORMAT_VERSION}`,
      { argument: 'dirs', path: file },
    );
  }
  const parsed = RESULTS_SCHEMA.safeParse(r);
  if (!parsed.success) {
    const [first, ...more] = parsed.error.issues;
    const at = issuePath(first.path);
    throw new DGPoseError(
      'E_CONFIG',
      `${file} is malformed at ${at}: ${first.message}${more.length ? ` (and ${more.length} more problem${more.length > 1 ? 's' : ''})` : ''}`,
      {
        argument: at,
        path: file,
        cause: parsed.error,
      },
    );
  }
  return parsed.data as Results;
}
