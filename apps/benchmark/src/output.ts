/* The output folder: refused when it exists (non-empty) without --force; results and reports written atomically. */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { DGPoseError } from '@dgpose/core';
import { writeFileAtomic } from '@dgpose/core/node';
import { renderHtml } from './report-html';
import { renderMarkdown } from './report-md';
import { RESULTS_FORMAT, RESULTS_FORMAT_VERSION, type Results } from './types';

export const RESULTS_FILE = 'results.json';
export const REPORT_MD = 'report.md';
export const REPORT_HTML = 'report.html';
export const GRIDS_DIR = 'grids';
/** What the benchmark writes (and --force replaces); other files in the folder are left alone. */
export const OWN_FILES = Object.freeze([RESULTS_FILE, REPORT_MD, REPORT_HTML, GRIDS_DIR]);

/** Throws E_CONFIG when `out` exists and is not empty, unless `force`; with force removes only our files. */
export async function prepareOut(out: string, force: boolean): Promise<void> {
  const st = await fsp.stat(out).catch(() => null);
  if (st && !st.isDirectory()) throw new DGPoseError('E_CONFIG', `--out ${out} is a file, not a folder`, { argument: 'out', path: out });
  if (st) {
    const names = await fsp.readdir(out);
    if (names.length > 0 && !force) {
      throw new DGPoseError('E_CONFIG', `output folder ${out} exists and is not empty (${names.slice(0, 6).join(', ')}${names.length > 6 ? ', ...' : ''}); pass --force to replace the benchmark's files there, or choose another --out`, {
        argument: 'out',
        path: out,
      });
    }
    if (force) for (const f of OWN_FILES) await fsp.rm(path.join(out, f), { recursive: true, force: true });
  }
  await fsp.mkdir(path.join(out, GRIDS_DIR), { recursive: true });
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

/** Reads and checks a results.json (E_IO / E_CONFIG with the reason). */
export async function readResults(dir: string): Promise<Results> {
  const file = path.join(dir, RESULTS_FILE);
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf8');
  } catch (e) {
    throw new DGPoseError('E_IO', `no ${RESULTS_FILE} in ${dir} (not a dgpose-bench output folder?)`, { argument: 'dirs', path: file, cause: e });
  }
  let r: Results;
  try {
    r = JSON.parse(text) as Results;
  } catch (e) {
    throw new DGPoseError('E_CONFIG', `${file} is not valid JSON`, { argument: 'dirs', path: file, cause: e });
  }
  if (r?.format !== RESULTS_FORMAT) throw new DGPoseError('E_CONFIG', `${file} is not a dgpose-bench results file`, { argument: 'dirs', expected: RESULTS_FORMAT, got: r?.format, path: file });
  if (r.formatVersion !== RESULTS_FORMAT_VERSION) {
    throw new DGPoseError('E_CONFIG', `${file} has results format version ${r.formatVersion}, this dgpose-bench reads ${RESULTS_FORMAT_VERSION}`, { argument: 'dirs', path: file });
  }
  return r;
}
