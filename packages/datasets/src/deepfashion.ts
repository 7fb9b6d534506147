/* DeepFashion In-shop loader in the pose-gan layout (Siarohin et al.; used by PG2, Pose-Transfer, DGPose). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DGPoseError } from '@dgpose/core';
import type { Pose, SkeletonName } from '@dgpose/core';
import type { Sample, SampleSource } from './types';
import { loadImage, parseSizeOption, SkipCounter, transformPose } from './image-io';
import type { CropBox, OnSkip, PixelTransform, SkipReport } from './image-io';
import { deepFashionIdentity, deepFashionNameKey, parseDeepFashionCsv, parseDeepFashionPairs } from './deepfashion-csv';
import type { DeepFashionRow } from './deepfashion-csv';
import { assertSampleIndex, isDir, isFile, layoutError as datasetLayoutError, listDir } from './dataset-files';

/**
 * `'256x256'`: the pose-gan images as they are. `'patn-256x176'`: Pose-Transfer's (PATN) 256x176
 * crop: 40 px cut from each side (`x_176 = x_256 - 40`), and, when a PATN split list is found, only
 * the images in it.
 */
export type DeepFashionLayout = '256x256' | 'patn-256x176';

/** Options of {@link openDeepFashion}. Give `root` + `split`, or the explicit paths. */
export interface DeepFashionOptions {
  /**
   * Folder in pose-gan's `data/` layout:
   * `fasion-annotation-{train,test}.csv`, optional `fasion-pairs-{train,test}.csv`, images in
   * `fasion-dataset/{train,test}/` or `{train,test}/`, optional PATN lists `{train,test}.lst`.
   */
  root?: string;
  /** Which split to read from `root` (default `'test'`). */
  split?: 'train' | 'test';
  /** Explicit images folder (overrides the root layout). */
  imagesDir?: string;
  /** Explicit annotation CSV (`name:keypoints_y:keypoints_x`). */
  annotationsCsv?: string;
  /** Explicit pairs CSV (`from,to`); optional. */
  pairsCsv?: string;
  /** Explicit PATN split list (one image name per line); used by `layout: 'patn-256x176'`. */
  listFile?: string;
  /** Output size: `[height, width]`, or a number = height (width keeps the layout's aspect, e.g. 128 -> 128x88 for PATN). Default: the layout's size. */
  size?: number | readonly [number, number];
  /** Default `'256x256'`. */
  layout?: DeepFashionLayout;
  /** Throw on malformed rows, NaN or out-of-range joints, corrupt images (default true); false skips and counts them. */
  strict?: boolean;
  /** Annotated images absent from the images folder: `'error'` (default) or `'skip'` (counted as `image-missing`). */
  missingImages?: 'error' | 'skip';
  /** Decode every image at open time so corrupt ones fail (strict) or are dropped and counted (lenient). Default false. */
  verifyImages?: boolean;
  /** Called for every skip with its reason and detail (file:line: excerpt or path). */
  onSkip?: OnSkip;
}

/** A DeepFashion source: samples in COCO-18, pairs from the pairs CSV, and a skip report. */
export interface DeepFashionSource extends SampleSource {
  readonly skeleton: SkeletonName;
  /** Output image size `[height, width]`. */
  readonly imageSize: readonly [number, number];
  /** Image file names, by sample index. */
  readonly names: readonly string[];
  /** Same-identity `[from, to]` index pairs from the pairs CSV (empty when no pairs CSV was given). */
  pairs(): Array<[number, number]>;
  /** Skips by reason (rows, joints, images, pairs). */
  report(): SkipReport;
  /** The resolved files this source reads. */
  readonly files: { imagesDir: string; annotationsCsv: string; pairsCsv?: string; listFile?: string };
}

/** Size of the pose-gan images (and of the coordinates in its CSV). */
const SRC = 256;
/** Pose-Transfer cuts 40 px from each side: 256 -> 176. */
const PATN_LEFT = 40;
const PATN_WIDTH = 176;

function layoutError(what: string, found: string[], p: string): DGPoseError {
  return datasetLayoutError('DeepFashion', what, DEEPFASHION_LAYOUT, found, p);
}

/** Expected layout, for messages and the README. */
export const DEEPFASHION_LAYOUT = [
  '<root>/fasion-annotation-<split>.csv (name:keypoints_y:keypoints_x)',
  '<root>/fasion-pairs-<split>.csv (from,to; optional)',
  '<root>/fasion-dataset/<split>/*.jpg or <root>/<split>/*.jpg (256x256)',
  '<root>/<split>.lst (PATN list; optional, patn-256x176 only)',
];

function resolveFiles(o: DeepFashionOptions): DeepFashionSource['files'] {
  const split = o.split ?? 'test';
  if (o.split !== undefined && o.split !== 'train' && o.split !== 'test') {
    throw new DGPoseError('E_CONFIG', 'split must be "train" or "test"', {
      argument: 'split',
      expected: ['train', 'test'],
      got: o.split,
    });
  }
  if (o.root === undefined && (o.imagesDir === undefined || o.annotationsCsv === undefined)) {
    throw new DGPoseError('E_CONFIG', 'give root (pose-gan layout) or both imagesDir and annotationsCsv', {
      argument: 'root',
      expected: 'root, or { imagesDir, annotationsCsv, pairsCsv?, listFile? }',
      got: Object.keys(o),
    });
  }
  const root = o.root === undefined ? undefined : path.resolve(o.root);
  if (root !== undefined && !isDir(root)) {
    throw layoutError('root folder not found', [], root);
  }
  const found = root ? listDir(root) : [];
  let imagesDir = o.imagesDir;
  if (imagesDir === undefined && root) {
    const cands = [path.join(root, 'fasion-dataset', split), path.join(root, split)];
    imagesDir = cands.find(isDir);
    if (!imagesDir) throw layoutError(`no images folder for split "${split}"`, found, root);
  }
  let annotationsCsv = o.annotationsCsv;
  if (annotationsCsv === undefined && root) {
    annotationsCsv = path.join(root, `fasion-annotation-${split}.csv`);
    if (!isFile(annotationsCsv)) throw layoutError(`missing fasion-annotation-${split}.csv`, found, root);
  }
  let pairsCsv = o.pairsCsv;
  if (pairsCsv === undefined && root && isFile(path.join(root, `fasion-pairs-${split}.csv`))) {
    pairsCsv = path.join(root, `fasion-pairs-${split}.csv`);
  }
  let listFile = o.listFile;
  if (listFile === undefined && root && isFile(path.join(root, `${split}.lst`)))
    listFile = path.join(root, `${split}.lst`);
  const files = {
    imagesDir: path.resolve(imagesDir!),
    annotationsCsv: path.resolve(annotationsCsv!),
    pairsCsv,
    listFile,
  };
  if (!isDir(files.imagesDir)) {
    throw layoutError('images folder not found', listDir(path.dirname(files.imagesDir)), files.imagesDir);
  }
  for (const [k, f] of [
    ['annotationsCsv', files.annotationsCsv],
    ['pairsCsv', pairsCsv],
    ['listFile', listFile],
  ] as const) {
    if (f !== undefined && !isFile(f)) {
      throw layoutError(`${k} not found`, listDir(path.dirname(f)), f);
    }
  }
  return files;
}

function checkOptions(o: DeepFashionOptions): void {
  if (o.layout !== undefined && o.layout !== '256x256' && o.layout !== 'patn-256x176') {
    throw new DGPoseError('E_CONFIG', 'unknown DeepFashion layout', {
      argument: 'layout',
      expected: ['256x256', 'patn-256x176'],
      got: o.layout,
    });
  }
  if (o.missingImages !== undefined && o.missingImages !== 'error' && o.missingImages !== 'skip') {
    throw new DGPoseError('E_CONFIG', 'missingImages must be "error" or "skip"', {
      argument: 'missingImages',
      expected: ['error', 'skip'],
      got: o.missingImages,
    });
  }
}

async function mapLimit<T>(items: T[], limit: number, fn: (t: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/**
 * Opens DeepFashion In-shop as published with pose-gan's annotations. Poses are COCO-18 (OpenPose
 * order; R/L are the subject's) in pixels of the output image. Images are decoded lazily by `get`
 * with sharp (crop, then resize to `size` with keypoints mapped pixel-centre to pixel-centre).
 *
 * Errors: a missing root/file is `E_DATASET_LAYOUT` listing the expected layout and what was
 * found; see {@link parseDeepFashionCsv} for CSV errors; a corrupt image is `E_IMAGE_CORRUPT` naming
 * the path (from `get`, or at open time with `verifyImages`).
 */
export async function openDeepFashion(opts: DeepFashionOptions): Promise<DeepFashionSource> {
  checkOptions(opts);
  const layout = opts.layout ?? '256x256';
  const strict = opts.strict ?? true;
  const files = resolveFiles(opts);
  const skips = new SkipCounter(opts.onSkip);
  const crop: CropBox =
    layout === 'patn-256x176'
      ? { left: PATN_LEFT, top: 0, width: PATN_WIDTH, height: SRC }
      : { left: 0, top: 0, width: SRC, height: SRC };
  let size: [number, number];
  if (typeof opts.size === 'number') {
    const h = parseSizeOption(opts.size)![0];
    size = [h, Math.round((h * crop.width) / crop.height)];
  } else size = parseSizeOption(opts.size) ?? [crop.height, crop.width];

  const csvName = path.basename(files.annotationsCsv);
  let rows: DeepFashionRow[] = parseDeepFashionCsv(fs.readFileSync(files.annotationsCsv, 'utf8'), {
    file: csvName,
    strict,
    width: SRC,
    height: SRC,
    skips,
  });
  const known = new Set(rows.map((r) => r.name));

  if (layout === 'patn-256x176' && files.listFile) {
    const keys = new Set(
      fs
        .readFileSync(files.listFile, 'utf8')
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l !== '')
        .map(deepFashionNameKey),
    );
    const kept: DeepFashionRow[] = [];
    for (const r of rows) {
      if (keys.has(deepFashionNameKey(r.name))) kept.push(r);
      else skips.add('not-in-patn-list', `${csvName}:${r.line}: ${r.name}`);
    }
    rows = kept;
  }

  const present = new Set(listDir(files.imagesDir));
  const missing = rows.filter((r) => !present.has(r.name));
  if (missing.length > 0) {
    if ((opts.missingImages ?? 'error') === 'error') {
      throw layoutError(
        `${missing.length} of ${rows.length} annotated images are missing from the images folder (pass missingImages: 'skip' to use the rest), first: ${missing[0].name}`,
        [...present],
        files.imagesDir,
      );
    }
    for (const r of missing) skips.add('image-missing', path.join(files.imagesDir, r.name));
    rows = rows.filter((r) => present.has(r.name));
  }

  const transform: PixelTransform = {
    left: crop.left,
    top: crop.top,
    scaleX: size[1] / crop.width,
    scaleY: size[0] / crop.height,
    width: size[1],
    height: size[0],
  };
  const poseOf = (r: DeepFashionRow): Pose => {
    const p = transformPose({ skeleton: 'coco18', keypoints: r.keypoints }, transform);
    // Joints cut away by the PATN crop are no longer in the image: missing, and counted.
    const kps = p.keypoints.map((k, j) => {
      if (k === null) return null;
      const ok = k.x > -0.5 && k.x < size[1] - 0.5 && k.y > -0.5 && k.y < size[0] - 0.5;
      if (!ok) skips.add('joint-outside-crop', `${csvName}:${r.line}: ${r.name} joint ${j}`);
      return ok ? k : null;
    });
    return { skeleton: 'coco18', keypoints: kps };
  };
  const poses = rows.map(poseOf);

  if (opts.verifyImages) {
    const bad = new Set<number>();
    await mapLimit(
      rows.map((_, i) => i),
      4,
      async (i) => {
        try {
          await loadImage(path.join(files.imagesDir, rows[i].name), { crop, size: [8, 8] });
        } catch (e) {
          if (strict || !(e instanceof DGPoseError && e.code === 'E_IMAGE_CORRUPT')) throw e;
          skips.add('image-corrupt', path.join(files.imagesDir, rows[i].name));
          bad.add(i);
        }
      },
    );
    if (bad.size) {
      const keep = rows.map((_, i) => i).filter((i) => !bad.has(i));
      rows = keep.map((i) => rows[i]);
      poses.splice(0, poses.length, ...keep.map((i) => poses[i]));
    }
  }

  const index = new Map(rows.map((r, i) => [r.name, i]));
  const pairList: Array<[number, number]> = [];
  if (files.pairsCsv) {
    const pairsName = path.basename(files.pairsCsv);
    for (const p of parseDeepFashionPairs(fs.readFileSync(files.pairsCsv, 'utf8'), {
      file: pairsName,
      strict,
      skips,
    })) {
      const a = index.get(p.from);
      const b = index.get(p.to);
      if (a !== undefined && b !== undefined) {
        pairList.push([a, b]);
        continue;
      }
      const unknown = [p.from, p.to].find((n) => !known.has(n));
      if (unknown !== undefined) {
        if (strict) {
          throw new DGPoseError('E_CSV', `${pairsName}:${p.line}: image ${unknown} is not in ${csvName}`, {
            argument: `${pairsName}:${p.line}`,
            expected: `image names listed in ${csvName}`,
            got: unknown,
            path: files.pairsCsv,
          });
        }
        skips.add('pair-unknown-name', `${pairsName}:${p.line}: ${unknown}`);
      } else {
        skips.add('pair-sample-skipped', `${pairsName}:${p.line}: ${p.from},${p.to}`);
      }
    }
  }

  const names = rows.map((r) => r.name);
  const split = opts.split ?? 'test';
  return {
    name: 'deepfashion',
    size: rows.length,
    skeleton: 'coco18',
    imageSize: size,
    names,
    files,
    pairs: () => pairList.map(([a, b]) => [a, b] as [number, number]),
    report: () => skips.report(),
    async get(i: number): Promise<Sample> {
      assertSampleIndex(i, rows.length);
      const r = rows[i];
      const file = path.join(files.imagesDir, r.name);
      const { image, sourceWidth, sourceHeight } = await loadImage(file, { crop, size });
      if (sourceWidth !== SRC || sourceHeight !== SRC) {
        throw new DGPoseError(
          'E_DATASET_LAYOUT',
          `DeepFashion image is not ${SRC}x${SRC}, so its keypoints do not apply`,
          {
            argument: 'image',
            expected: `${SRC}x${SRC}`,
            got: `${sourceWidth}x${sourceHeight}`,
            path: file,
          },
        );
      }
      const pose = poses[i];
      return {
        id: r.name.replace(/\.(jpe?g|png)$/i, ''),
        identity: deepFashionIdentity(r.name),
        image,
        pose: { skeleton: pose.skeleton, keypoints: pose.keypoints.map((k) => (k ? { ...k } : null)) },
        meta: { path: file, name: r.name, line: r.line, split: opts.root !== undefined ? split : undefined, layout },
      };
    },
  };
}
