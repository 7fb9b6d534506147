/* Parsers for the pose-gan DeepFashion files: `name:keypoints_y:keypoints_x` annotations and `from,to` pairs. */
import { DGPoseError } from '@dgpose/core';
import type { Keypoint } from '@dgpose/core';
import type { SkipCounter } from './image-io';

/** Header of pose-gan's annotation CSV (AliaksandrSiarohin/pose-gan `compute_coordinates.py`). */
export const DEEPFASHION_CSV_HEADER = 'name:keypoints_y:keypoints_x';
/** Header of pose-gan's pairs CSV (`create_pairs_dataset.py`). */
export const DEEPFASHION_PAIRS_HEADER = 'from,to';
/** pose-gan's marker for a missing joint (`MISSING_VALUE = -1`). */
export const DEEPFASHION_MISSING = -1;
/** Joints per row: OpenPose COCO-18 order, the same indices as core's COCO18. */
export const DEEPFASHION_JOINTS = 18;

/** One parsed annotation row. */
export interface DeepFashionRow {
  /** Image file name, e.g. `fasionMENJacketsVestsid0000071603_4full.jpg`. */
  name: string;
  /** 1-based line number in the CSV (the header is line 1). */
  line: number;
  /** COCO-18 keypoints in pixels of the 256x256 image (x = column, y = row); null = missing. */
  keypoints: (Keypoint | null)[];
}

export interface ParseCsvOptions {
  /** File name used in messages. */
  file: string;
  /** Error (true) or skip-and-count (false) on malformed rows and invalid joints. */
  strict: boolean;
  /** Valid coordinate range: x in [0, width-1], y in [0, height-1] (the annotated image size). */
  width: number;
  height: number;
  skips: SkipCounter;
}

function excerpt(s: string): string {
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

function where(file: string, line: number, text: string): string {
  return `${file}:${line}: ${excerpt(text)}`;
}

function csvError(file: string, line: number, text: string, why: string, expected?: unknown): DGPoseError {
  return new DGPoseError('E_CSV', `${file}:${line}: ${why}: "${excerpt(text)}"`, {
    argument: `${file}:${line}`,
    expected,
    path: file,
  });
}

/** Parses `[1, 2, -1]`; returns null when the cell is not a bracketed list of numbers (NaN allowed). */
function parseList(cell: string): number[] | null {
  const m = /^\s*\[(.*)\]\s*$/.exec(cell);
  if (!m) return null;
  if (m[1].trim() === '') return [];
  const out: number[] = [];
  for (const tok of m[1].split(',')) {
    const t = tok.trim();
    if (/^nan$/i.test(t)) out.push(NaN);
    else if (/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(t)) out.push(Number(t));
    else return null;
  }
  return out;
}

function splitLines(text: string): string[] {
  const lines = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  return lines;
}

/**
 * Parses pose-gan's annotation CSV (format in docs/paper-notes.md §6.4): separator `:`, header
 * `name:keypoints_y:keypoints_x`, each cell a JSON list of 18 numbers, `-1` = missing, y = row,
 * x = column. A wrong header is always an error (`E_CSV`, line 1). Malformed rows (field count, list
 * syntax, joint count, empty or duplicate name) are `E_CSV` with line and excerpt in strict mode,
 * else skipped and counted (`row-malformed`, `row-duplicate`). NaN joints (`E_NAN` / `joint-nan`),
 * joints outside the image (`E_CSV` / `joint-out-of-range`) and joints with only one of x, y missing
 * (`E_CSV` / `joint-half-missing`) are errors in strict mode, else dropped (set missing) and counted.
 */
export function parseDeepFashionCsv(text: string, opts: ParseCsvOptions): DeepFashionRow[] {
  const { file, strict, skips } = opts;
  const lines = splitLines(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  const header = (lines[0] ?? '').replace(/\s+/g, '');
  if (header !== DEEPFASHION_CSV_HEADER) {
    throw csvError(file, 1, lines[0] ?? '', 'not a pose-gan annotation CSV (bad header)', DEEPFASHION_CSV_HEADER);
  }
  const rows: DeepFashionRow[] = [];
  const seen = new Set<string>();
  for (let i = 1; i < lines.length; i++) {
    const text = lines[i];
    const line = i + 1;
    if (text.trim() === '') continue;
    const bad = (why: string, expected?: unknown): void => {
      if (strict) throw csvError(file, line, text, why, expected);
      skips.add('row-malformed', `${where(file, line, text)} (${why})`);
    };
    const parts = text.split(':');
    if (parts.length !== 3) {
      bad(`expected 3 ':'-separated fields, got ${parts.length}`, DEEPFASHION_CSV_HEADER);
      continue;
    }
    const name = parts[0].trim();
    if (name === '') {
      bad('empty image name');
      continue;
    }
    const ys = parseList(parts[1]);
    const xs = parseList(parts[2]);
    if (ys === null || xs === null) {
      bad('a keypoint cell is not a list of numbers', '[y0, y1, ...] lists of 18 integers');
      continue;
    }
    if (ys.length !== DEEPFASHION_JOINTS || xs.length !== DEEPFASHION_JOINTS) {
      bad(`expected ${DEEPFASHION_JOINTS} values per list, got ${ys.length} and ${xs.length}`);
      continue;
    }
    if (seen.has(name)) {
      if (strict) throw csvError(file, line, text, `duplicate image name ${name}`);
      skips.add('row-duplicate', where(file, line, text));
      continue;
    }
    seen.add(name);
    const keypoints: (Keypoint | null)[] = [];
    for (let j = 0; j < DEEPFASHION_JOINTS; j++) {
      const y = ys[j];
      const x = xs[j];
      if (Number.isNaN(x) || Number.isNaN(y)) {
        if (strict) {
          throw new DGPoseError('E_NAN', `${file}:${line}: joint ${j} of ${name} is NaN: "${excerpt(text)}"`, {
            argument: `${file}:${line}`,
            expected: 'finite coordinates or -1 (missing)',
            got: { x, y },
            path: file,
          });
        }
        skips.add('joint-nan', `${where(file, line, text)} (joint ${j})`);
        keypoints.push(null);
        continue;
      }
      const mx = x === DEEPFASHION_MISSING;
      const my = y === DEEPFASHION_MISSING;
      if (mx && my) {
        keypoints.push(null);
        continue;
      }
      if (mx !== my) {
        if (strict) throw csvError(file, line, text, `joint ${j} has only one coordinate missing (x=${x}, y=${y})`);
        skips.add('joint-half-missing', `${where(file, line, text)} (joint ${j})`);
        keypoints.push(null);
        continue;
      }
      if (!(x >= 0 && x <= opts.width - 1 && y >= 0 && y <= opts.height - 1)) {
        if (strict) {
          throw csvError(
            file,
            line,
            text,
            `joint ${j} (x=${x}, y=${y}) is outside the ${opts.width}x${opts.height} image`,
            {
              x: [0, opts.width - 1],
              y: [0, opts.height - 1],
            },
          );
        }
        skips.add('joint-out-of-range', `${where(file, line, text)} (joint ${j}: x=${x}, y=${y})`);
        keypoints.push(null);
        continue;
      }
      keypoints.push({ x, y });
    }
    rows.push({ name, line, keypoints });
  }
  return rows;
}

/** One parsed pairs row: source and target image names. */
export interface DeepFashionPairRow {
  from: string;
  to: string;
  line: number;
}

/**
 * Parses pose-gan's pairs CSV (`from,to` header, one `nameA,nameB` per line). A wrong header is
 * always `E_CSV`; a malformed row is `E_CSV` (strict) or skipped and counted as `pair-malformed`.
 */
export function parseDeepFashionPairs(
  text: string,
  opts: { file: string; strict: boolean; skips: SkipCounter },
): DeepFashionPairRow[] {
  const { file, strict, skips } = opts;
  const lines = splitLines(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  if ((lines[0] ?? '').replace(/\s+/g, '') !== DEEPFASHION_PAIRS_HEADER) {
    throw csvError(file, 1, lines[0] ?? '', 'not a pose-gan pairs CSV (bad header)', DEEPFASHION_PAIRS_HEADER);
  }
  const out: DeepFashionPairRow[] = [];
  for (let i = 1; i < lines.length; i++) {
    const text = lines[i];
    if (text.trim() === '') continue;
    const parts = text.split(',').map((s) => s.trim());
    if (parts.length !== 2 || parts[0] === '' || parts[1] === '') {
      if (strict)
        throw csvError(
          file,
          i + 1,
          text,
          `expected 2 comma-separated image names, got ${parts.length} fields`,
          'from,to',
        );
      skips.add('pair-malformed', where(file, i + 1, text));
      continue;
    }
    out.push({ from: parts[0], to: parts[1], line: i + 1 });
  }
  return out;
}

/**
 * Key shared by pose-gan names (`fasionMENJacketsVestsid0000071603_4full.jpg`) and Pose-Transfer
 * (PATN) names (`fashionMENJackets_Vestsid0000071603_4full.jpg`): the prefix and the category's
 * underscores dropped, e.g. `MENJacketsVestsid0000071603_4full`.
 */
export function deepFashionNameKey(name: string): string {
  const base = name.replace(/^.*[\\/]/, '').replace(/\.(jpe?g|png)$/i, '');
  const m = /^fash?ion(.*?)(id\d+_.*)$/.exec(base);
  if (!m) return base;
  return m[1].replace(/_/g, '') + m[2];
}

/** Identity (same person and garment) of a pose-gan name: the name without its `_<view>` suffix. */
export function deepFashionIdentity(name: string): string {
  const base = name.replace(/\.(jpe?g|png)$/i, '');
  const m = /^(.*)_\d+[a-z]+$/i.exec(base);
  return m ? m[1] : base;
}
