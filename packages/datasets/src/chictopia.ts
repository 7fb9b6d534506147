/* ChictopiaPlus loader in the layout of ClothNet's release (classner/generating_people). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { convertPose, DGPoseError } from '@dgpose/core';
import type { Keypoint, Pose, SkeletonName } from '@dgpose/core';
import type { Sample, SampleSource } from './types';
import { loadImage, parseSizeOption, SkipCounter } from './image-io';
import type { OnSkip, SkipReport } from './image-io';
import { parseNpz } from './chictopia-npz';
import { assertSampleIndex, layoutError as datasetLayoutError, listDir } from './dataset-files';

/**
 * What {@link openChictopiaPlus} reads, relative to `root` = ClothNet's `generation/data/pose`
 * (the released pre-processed data unzips to `extracted/`; `04_run_deepercut.sh` writes the poses
 * into `input/`). `<part>` is train, val or test (ClothNet's random 80/10/10 split of Chictopia10k,
 * `01_chic10k_to_fashion_joined.py`); `N` is tfrcat's zero-padded sample index.
 */
export const CHICTOPIA_LAYOUT = [
  '<root>/extracted/<part>/N_image:png.png (or N_image.png): the 286x286 RGB person image, background zeroed',
  '<root>/input/<part>/N_image:png.png_pose.npz or <root>/extracted/<part>/N_image:png.png_pose.npz: DeeperCut output, array "pose" [3 or 5, 14] = rows x, y, confidence (, offset x, offset y) for 14 LSP joints',
  '<root>/extracted/<part>/N_original_filename.txt (optional): Chictopia10k name, "_swapped" for the flipped copy; gives the identity',
];

/** Options of {@link openChictopiaPlus}. */
export interface ChictopiaOptions {
  /** ClothNet's `generation/data/pose` folder (see {@link CHICTOPIA_LAYOUT}). */
  root?: string;
  /** ClothNet's part (default `'train'`). */
  split?: 'train' | 'val' | 'test';
  /** Explicit images folder (default `<root>/extracted/<split>`). */
  imagesDir?: string;
  /** Explicit DeeperCut pose folder (default: `<root>/input/<split>`, then the images folder). */
  posesDir?: string;
  /** Output size, a number (square) or `[height, width]`; default: the image's own size (286 for ClothNet). */
  size?: number | readonly [number, number];
  /** Joints with a DeeperCut confidence below this are missing (default 0: keep all, score kept on each keypoint). */
  minScore?: number;
  /** Return COCO-18 poses via core's convertPose instead of LSP-14 (default false). */
  toCoco18?: boolean;
  /** Throw on missing/corrupt pose files, NaN or out-of-image joints (default true); false skips and counts. */
  strict?: boolean;
  /** Called for every skip with its reason and detail. */
  onSkip?: OnSkip;
}

/** A ChictopiaPlus source: whole person images with LSP-14 (or COCO-18) poses. */
export interface ChictopiaSource extends SampleSource {
  report(): SkipReport;
  readonly files: { imagesDir: string; posesDirs: string[] };
}

interface Entry {
  index: number;
  image: string;
  pose: string;
  original?: string;
  keypoints: (Keypoint | null)[];
}

const IMAGE_RE = /^(\d+)_image(?::png)?\.png$/;

function layoutError(what: string, found: string[], p: string): DGPoseError {
  return datasetLayoutError('ChictopiaPlus', what, CHICTOPIA_LAYOUT, found, p);
}

/** Reads one DeeperCut `_pose.npz`: 14 LSP joints (x, y, confidence). Throws E_IO / E_JOINTS on a bad file. */
export function readDeeperCutPose(bytes: Uint8Array, file: string): { x: number; y: number; score: number }[] {
  const arrays = parseNpz(bytes, file);
  const p = arrays.pose;
  if (!p || !(p.data instanceof Float64Array)) {
    throw new DGPoseError('E_JOINTS', `${file}: no numeric "pose" array`, {
      argument: 'pose',
      expected: 'pose [3|5, 14]',
      got: Object.keys(arrays),
      path: file,
    });
  }
  const [r, c] = p.shape;
  const d = p.data;
  let at: (j: number, k: number) => number;
  if (p.shape.length === 2 && c === 14 && r >= 3 && r <= 5) at = (j, k) => d[k * 14 + j];
  else if (p.shape.length === 2 && r === 14 && c >= 3 && c <= 5) at = (j, k) => d[j * c + k];
  else
    throw new DGPoseError('E_JOINTS', `${file}: pose has the wrong shape`, {
      argument: 'pose',
      expected: '[3|5, 14] (rows x, y, confidence)',
      got: p.shape,
      path: file,
    });
  return Array.from({ length: 14 }, (_, j) => ({ x: at(j, 0), y: at(j, 1), score: at(j, 2) }));
}

/**
 * Opens ChictopiaPlus as laid out by ClothNet's scripts (see {@link CHICTOPIA_LAYOUT}): each sample
 * is one `extracted/<part>/N_image:png.png` with its DeeperCut LSP-14 pose. The `_swapped` copies
 * (mirrored images, `02_create_clothdataset.py`) are samples of their own with the same identity.
 * Poses are validated at open time; images are decoded and resized lazily by `get`.
 */
export async function openChictopiaPlus(opts: ChictopiaOptions): Promise<ChictopiaSource> {
  const strict = opts.strict ?? true;
  const split = opts.split ?? 'train';
  if (!['train', 'val', 'test'].includes(split)) {
    throw new DGPoseError('E_CONFIG', 'split must be "train", "val" or "test"', {
      argument: 'split',
      expected: ['train', 'val', 'test'],
      got: split,
    });
  }
  const minScore = opts.minScore ?? 0;
  if (!Number.isFinite(minScore))
    throw new DGPoseError('E_CONFIG', 'minScore must be finite', {
      argument: 'minScore',
      expected: 'a finite number',
      got: minScore,
    });
  const size = parseSizeOption(opts.size);
  if (opts.root === undefined && opts.imagesDir === undefined) {
    throw new DGPoseError('E_CONFIG', 'give root (ClothNet generation/data/pose) or imagesDir', {
      argument: 'root',
      expected: 'root or imagesDir (+ posesDir)',
      got: Object.keys(opts),
    });
  }
  const root = opts.root === undefined ? undefined : path.resolve(opts.root);
  if (root !== undefined && !fs.existsSync(root)) throw layoutError('root folder not found', [], root);
  const imagesDir = path.resolve(opts.imagesDir ?? path.join(root!, 'extracted', split));
  const names = listDir(imagesDir);
  const imgs = names.filter((n) => IMAGE_RE.test(n));
  if (imgs.length === 0) {
    throw layoutError(
      `no N_image:png.png files in ${path.relative(root ?? imagesDir, imagesDir) || imagesDir}`,
      names.length ? names : listDir(root ?? path.dirname(imagesDir)),
      imagesDir,
    );
  }
  const posesDirs = opts.posesDir
    ? [path.resolve(opts.posesDir)]
    : [...(root ? [path.join(root, 'input', split)] : []), imagesDir];
  const poseFiles = posesDirs.map((d) => new Set(listDir(d)));

  const skips = new SkipCounter(opts.onSkip);
  const entries: Entry[] = [];
  const sorted = imgs.map((n) => ({ n, i: Number(IMAGE_RE.exec(n)![1]) })).sort((a, b) => a.i - b.i);
  for (const { n, i } of sorted) {
    const image = path.join(imagesDir, n);
    const k = poseFiles.findIndex((s) => s.has(`${n}_pose.npz`));
    if (k < 0) {
      if (strict) {
        throw layoutError(
          `no DeeperCut pose for ${n} (looked for ${n}_pose.npz in ${posesDirs.join(', ')}; strict: false skips such images)`,
          listDir(posesDirs[0]),
          posesDirs[0],
        );
      }
      skips.add('pose-missing', image);
      continue;
    }
    const poseFile = path.join(posesDirs[k], `${n}_pose.npz`);
    let joints: { x: number; y: number; score: number }[];
    try {
      joints = readDeeperCutPose(fs.readFileSync(poseFile), poseFile);
    } catch (e) {
      if (strict) throw e;
      skips.add('pose-corrupt', `${poseFile}: ${(e as Error).message}`);
      continue;
    }
    const keypoints: (Keypoint | null)[] = joints.map((p, j) => {
      if (![p.x, p.y, p.score].every(Number.isFinite)) {
        if (strict)
          throw new DGPoseError('E_NAN', `${poseFile}: joint ${j} is not finite`, {
            argument: 'pose',
            expected: 'finite x, y, confidence',
            got: p,
            path: poseFile,
          });
        skips.add('joint-nan', `${poseFile}: joint ${j}`);
        return null;
      }
      if (p.score < minScore) return null; // a documented filter, not an error
      return { x: p.x, y: p.y, score: p.score };
    });
    let original: string | undefined;
    const txt = path.join(imagesDir, n.replace(/_image(?::png)?\.png$/, '_original_filename.txt'));
    if (fs.existsSync(txt)) original = fs.readFileSync(txt, 'utf8').trim();
    entries.push({ index: i, image, pose: poseFile, original, keypoints });
  }

  const skeleton: SkeletonName = opts.toCoco18 ? 'coco18' : 'lsp14';
  const checked = new Set<number>();
  return {
    name: 'chictopiaplus',
    size: entries.length,
    skeleton,
    files: { imagesDir, posesDirs },
    report: () => skips.report(),
    async get(i: number): Promise<Sample> {
      assertSampleIndex(i, entries.length);
      const e = entries[i];
      const { image, transform, sourceWidth, sourceHeight } = await loadImage(e.image, size ? { size } : {});
      // DeeperCut's estimates may sit slightly outside the image (its offsets are unbounded): beyond
      // half a pixel they are not in the image, so an error (strict) or missing and counted, once per sample.
      const kps = e.keypoints.map((k, j) => {
        if (k === null) return null;
        if (k.x >= -0.5 && k.x <= sourceWidth - 0.5 && k.y >= -0.5 && k.y <= sourceHeight - 0.5) {
          const x = (k.x - transform.left + 0.5) * transform.scaleX - 0.5;
          const y = (k.y - transform.top + 0.5) * transform.scaleY - 0.5;
          return { x, y, score: k.score };
        }
        if (strict) {
          throw new DGPoseError(
            'E_JOINTS',
            `${e.pose}: joint ${j} (x=${k.x}, y=${k.y}) is outside the ${sourceWidth}x${sourceHeight} image`,
            {
              argument: 'pose',
              expected: { x: [-0.5, sourceWidth - 0.5], y: [-0.5, sourceHeight - 0.5] },
              got: { x: k.x, y: k.y },
              path: e.pose,
            },
          );
        }
        if (!checked.has(i)) skips.add('joint-out-of-range', `${e.pose}: joint ${j} (x=${k.x}, y=${k.y})`);
        return null;
      });
      checked.add(i);
      let pose: Pose = { skeleton: 'lsp14', keypoints: kps };
      if (opts.toCoco18) pose = convertPose(pose, 'coco18');
      const orig = e.original?.replace(/\.(jpe?g|png)$/i, '');
      return {
        id: `${split}/${path.basename(e.image).replace(/_image(?::png)?\.png$/, '')}`,
        identity: orig?.replace(/_swapped$/, ''),
        image,
        pose,
        meta: {
          path: e.image,
          posePath: e.pose,
          originalFilename: e.original,
          swapped: orig?.endsWith('_swapped') ?? undefined,
        },
      };
    },
  };
}
