/* Human3.6M loader for mmpose's preprocessed 2D form: COCO-style JSON + extracted frames. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { convertPose, DGPoseError } from '@dgpose/core';
import type { Keypoint, Pose, SkeletonName } from '@dgpose/core';
import type { Sample, SampleSource } from './types';
import { loadImage, parseSizeOption, SkipCounter, transformPose } from './image-io';
import type { CropBox, OnSkip, SkipReport } from './image-io';
import { assertSampleIndex, isFile, layoutError as datasetLayoutError, listDir } from './dataset-files';

/** The usual protocol (docs/paper-notes.md §6.4): train on S1, S5, S6, S7, S8; test on S9, S11. */
export const H36M_SUBJECTS: Readonly<Record<'train' | 'test', readonly string[]>> = Object.freeze({
  train: Object.freeze(['S1', 'S5', 'S6', 'S7', 'S8']),
  test: Object.freeze(['S9', 'S11']),
});

/** Expected layout, for messages and the README (mmpose's `data/h36m`). */
export const H36M_LAYOUT = [
  '<root>/annotation_body2d/h36m_coco_<split>.json (COCO-style: images[{id, file_name, width, height}], annotations[{image_id, keypoints: 17 x [x, y, v], bbox?: [x, y, w, h]}])',
  '<root>/images/<file_name> or <root>/images/<S>/<S_Action.camera>/<file_name> (frames, ~1000x1000 jpg)',
];

/** Options of {@link openH36M}. Give `root`, or `annFile` + `imagesDir`. */
export interface H36MOptions {
  /** mmpose's `data/h36m` folder (see {@link H36M_LAYOUT}). */
  root?: string;
  /** Which subjects to keep (default `'train'`): S1, S5-S8 train; S9, S11 test. */
  split?: 'train' | 'test';
  /** Explicit COCO-style JSON (default `<root>/annotation_body2d/h36m_coco_<split>.json`). */
  annFile?: string;
  /** Explicit frames folder (default `<root>/images`, or the JSON's folder when only `annFile` is given). */
  imagesDir?: string;
  /** Subjects to keep instead of the split's, e.g. `['S1']`. */
  subjects?: readonly string[];
  /** Output size, a number (square) or `[height, width]`; default 256. */
  size?: number | readonly [number, number];
  /** Crop side = `padding` x the longer bbox side, centred on the bbox (default 1: mmpose's boxes already have a margin). */
  padding?: number;
  /** Without a bbox: crop side = `keypointMargin` x the keypoints' longer extent (default 1.2). */
  keypointMargin?: number;
  /** Return COCO-18 poses via core's convertPose instead of H36M-17 (default false). */
  toCoco18?: boolean;
  /** Throw on malformed annotations, NaN or out-of-image joints, missing frames (default true); false skips and counts. */
  strict?: boolean;
  /** Called for every skip with its reason and detail. */
  onSkip?: OnSkip;
}

/** A Human3.6M source: person-centred square crops with H36M-17 (or COCO-18) poses. */
export interface H36MSource extends SampleSource {
  readonly imageSize: readonly [number, number];
  /** Subjects kept. */
  readonly subjects: readonly string[];
  report(): SkipReport;
  readonly files: { annFile: string; imagesDir: string };
}

interface Entry {
  file: string;
  fileName: string;
  subject: string;
  width: number;
  height: number;
  annIndex: number;
  annId: unknown;
  /** H36M-17 keypoints already mapped into the output image. */
  keypoints: (Keypoint | null)[];
  crop: CropBox;
  bbox?: number[];
}

function layoutError(what: string, found: string[], p: string): DGPoseError {
  return datasetLayoutError('Human3.6M', what, H36M_LAYOUT, found, p);
}

/** Subject, action, camera and frame of an mmpose H36M frame name like `S1_Directions_1.54138969_000001.jpg`. */
export function parseH36MFileName(
  fileName: string,
): { subject: string; action?: string; camera?: string; frame?: number } | null {
  const base = fileName.replace(/^.*[\\/]/, '');
  const m = /^(S\d+)_(.+?)(?:\.(\d+))?(?:_(\d+))?\.(jpe?g|png)$/i.exec(base);
  if (!m) return null;
  return { subject: m[1], action: m[2], camera: m[3], frame: m[4] === undefined ? undefined : Number(m[4]) };
}

/**
 * Opens Human3.6M in mmpose's preprocessed 2D form. One sample per annotation (one person per
 * frame), kept when the frame's `S<k>_` prefix is one of the split's subjects. The crop is a square
 * centred on the bbox (or the keypoints' extent), padded with black where it leaves the frame, resized
 * with sharp; keypoints are mapped into the crop. Joint order is mmpose's (core's H36M17): 1-3 are the
 * RIGHT hip/knee/foot although the JSON's category list names them left.
 */
export async function openH36M(opts: H36MOptions = {}): Promise<H36MSource> {
  const strict = opts.strict ?? true;
  const split = opts.split ?? 'train';
  if (split !== 'train' && split !== 'test') {
    throw new DGPoseError('E_CONFIG', 'split must be "train" or "test"', {
      argument: 'split',
      expected: ['train', 'test'],
      got: split,
    });
  }
  const padding = opts.padding ?? 1;
  const kpMargin = opts.keypointMargin ?? 1.2;
  for (const [k, v] of [
    ['padding', padding],
    ['keypointMargin', kpMargin],
  ] as const) {
    if (!(Number.isFinite(v) && v > 0 && v <= 10))
      throw new DGPoseError('E_CONFIG', `${k} must be in (0, 10]`, { argument: k, expected: '(0, 10]', got: v });
  }
  const size = parseSizeOption(opts.size ?? 256)!;
  const subjects = opts.subjects ? [...opts.subjects] : [...H36M_SUBJECTS[split]];
  if (!subjects.every((s) => /^S\d+$/.test(s))) {
    throw new DGPoseError('E_CONFIG', 'subjects must look like "S1", "S11"', {
      argument: 'subjects',
      expected: 'S<k>',
      got: subjects,
    });
  }
  if (opts.root === undefined && opts.annFile === undefined) {
    throw new DGPoseError('E_CONFIG', 'give root (mmpose data/h36m) or annFile', {
      argument: 'root',
      expected: 'root or annFile (+ imagesDir)',
      got: Object.keys(opts),
    });
  }
  const root = opts.root === undefined ? undefined : path.resolve(opts.root);
  if (root !== undefined && !fs.existsSync(root)) throw layoutError('root folder not found', [], root);
  const annFile = path.resolve(opts.annFile ?? path.join(root!, 'annotation_body2d', `h36m_coco_${split}.json`));
  if (!isFile(annFile)) {
    const near =
      root && fs.existsSync(path.join(root, 'annotation_body2d'))
        ? path.join(root, 'annotation_body2d')
        : (root ?? path.dirname(annFile));
    throw layoutError(
      `annotation file not found: ${path.relative(root ?? path.dirname(annFile), annFile)}`,
      listDir(near),
      annFile,
    );
  }
  const imagesDir = path.resolve(opts.imagesDir ?? (root ? path.join(root, 'images') : path.dirname(annFile)));
  if (!fs.existsSync(imagesDir)) throw layoutError('images folder not found', root ? listDir(root) : [], imagesDir);

  const skips = new SkipCounter(opts.onSkip);
  const annName = path.basename(annFile);
  const malformed = (what: string, excerpt?: unknown): DGPoseError =>
    new DGPoseError('E_CSV', `${annName}: ${what}`, { argument: annName, got: excerpt, path: annFile });
  let json: { images?: unknown; annotations?: unknown };
  const text = fs.readFileSync(annFile, 'utf8');
  try {
    json = JSON.parse(text);
  } catch (e) {
    // Python's json.dump writes bare NaN/Infinity; read them as null (a non-finite joint, reported below).
    try {
      json = JSON.parse(text.replace(/([[,:]\s*)-?(NaN|Infinity)(?=\s*[,\]}])/g, '$1null'));
    } catch {
      throw new DGPoseError('E_CSV', `${annName}: not valid JSON: ${(e as Error).message}`, {
        argument: annName,
        path: annFile,
        cause: e,
      });
    }
  }
  if (!json || !Array.isArray(json.images) || !Array.isArray(json.annotations)) {
    throw malformed('expected a COCO-style object with "images" and "annotations" arrays', Object.keys(json ?? {}));
  }
  const images = new Map<unknown, { file_name: string; width: number; height: number }>();
  for (const im of json.images as Array<Record<string, unknown>>) {
    if (typeof im?.file_name !== 'string' || !(Number(im.width) > 0) || !(Number(im.height) > 0)) {
      if (strict) throw malformed('an image entry lacks file_name/width/height', im);
      skips.add('image-entry-malformed', JSON.stringify(im).slice(0, 120));
      continue;
    }
    images.set(im.id, { file_name: im.file_name, width: Number(im.width), height: Number(im.height) });
  }

  const dirCache = new Map<string, Set<string>>();
  const exists = (p: string): boolean => {
    const d = path.dirname(p);
    let s = dirCache.get(d);
    if (!s) dirCache.set(d, (s = new Set(listDir(d))));
    return s.has(path.basename(p));
  };
  const locate = (fileName: string, subject: string): string | undefined => {
    const base = path.basename(fileName);
    const seq = base.replace(/_\d+\.(jpe?g|png)$/i, '');
    const cands = [path.join(imagesDir, fileName), path.join(imagesDir, subject, seq, base)];
    if (root) cands.push(path.join(root, fileName));
    return cands.find(exists);
  };

  const entries: Entry[] = [];
  const anns = json.annotations as Array<Record<string, unknown>>;
  for (let a = 0; a < anns.length; a++) {
    const ann = anns[a];
    const where = `annotations[${a}]`;
    const skip = (reason: string, detail: string, err: () => DGPoseError): boolean => {
      if (strict) throw err();
      skips.add(reason, `${annName}: ${where}: ${detail}`);
      return false;
    };
    const im = images.get(ann?.image_id);
    if (!im) {
      skip('annotation-malformed', `image_id ${String(ann?.image_id)} not in images`, () =>
        malformed(`${where}: image_id ${String(ann?.image_id)} is not in "images"`),
      );
      continue;
    }
    const info = parseH36MFileName(im.file_name);
    if (!info) {
      skip('no-subject', im.file_name, () =>
        malformed(`${where}: cannot read the subject (S<k>_ prefix) of ${im.file_name}`),
      );
      continue;
    }
    if (!subjects.includes(info.subject)) continue; // another split: not a skip
    const kp = ann.keypoints;
    if (!Array.isArray(kp) || kp.length !== 17 * 3) {
      skip('annotation-malformed', `keypoints length ${Array.isArray(kp) ? kp.length : typeof kp}`, () =>
        malformed(`${where}: expected 51 keypoint values (17 x [x, y, v])`, Array.isArray(kp) ? kp.length : kp),
      );
      continue;
    }
    const keypoints: (Keypoint | null)[] = [];
    for (let j = 0; j < 17; j++) {
      const num = (u: unknown): number => (typeof u === 'number' ? u : NaN);
      const [x, y, v] = [num(kp[j * 3]), num(kp[j * 3 + 1]), num(kp[j * 3 + 2])];
      if ([x, y, v].some((n) => !Number.isFinite(n))) {
        if (strict) {
          throw new DGPoseError('E_NAN', `${annName}: ${where}: joint ${j} of ${im.file_name} is not a finite number`, {
            argument: `${annName}:${where}`,
            expected: 'finite x, y, v',
            got: [kp[j * 3], kp[j * 3 + 1], kp[j * 3 + 2]],
            path: annFile,
          });
        }
        skips.add('joint-nan', `${annName}: ${where}: joint ${j}`);
        keypoints.push(null);
        continue;
      }
      if (v <= 0) {
        keypoints.push(null);
        continue;
      }
      if (!(x >= 0 && x <= im.width - 1 && y >= 0 && y <= im.height - 1)) {
        if (strict) {
          throw new DGPoseError(
            'E_CSV',
            `${annName}: ${where}: joint ${j} (x=${x}, y=${y}) is outside the ${im.width}x${im.height} frame ${im.file_name}`,
            {
              argument: `${annName}:${where}`,
              expected: { x: [0, im.width - 1], y: [0, im.height - 1] },
              got: { x, y },
              path: annFile,
            },
          );
        }
        skips.add('joint-out-of-range', `${annName}: ${where}: joint ${j} (x=${x}, y=${y})`);
        keypoints.push(null);
        continue;
      }
      keypoints.push({ x, y });
    }
    const bbox =
      Array.isArray(ann.bbox) &&
      ann.bbox.length === 4 &&
      ann.bbox.every((n) => Number.isFinite(Number(n))) &&
      Number(ann.bbox[2]) > 0 &&
      Number(ann.bbox[3]) > 0
        ? (ann.bbox as unknown[]).map(Number)
        : undefined;
    let cx: number;
    let cy: number;
    let side: number;
    if (bbox) {
      cx = bbox[0] + bbox[2] / 2;
      cy = bbox[1] + bbox[3] / 2;
      side = Math.max(bbox[2], bbox[3]) * padding;
    } else {
      const vis = keypoints.filter((k): k is Keypoint => k !== null);
      if (vis.length < 2) {
        skip('no-person', `no bbox and ${vis.length} visible joints`, () =>
          malformed(`${where}: no bbox and fewer than 2 visible joints, so no person crop`),
        );
        continue;
      }
      const xs = vis.map((k) => k.x);
      const ys = vis.map((k) => k.y);
      const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
      cx = (x0 + x1) / 2;
      cy = (y0 + y1) / 2;
      side = Math.max(x1 - x0, y1 - y0, 1) * kpMargin;
    }
    const s = Math.max(1, Math.round(side));
    const crop: CropBox = { left: Math.round(cx - s / 2), top: Math.round(cy - s / 2), width: s, height: s };
    const file = locate(im.file_name, info.subject);
    if (!file) {
      if (strict) {
        throw layoutError(
          `frame ${im.file_name} (${where}) not found (use strict: false to skip missing frames)`,
          listDir(imagesDir),
          imagesDir,
        );
      }
      skips.add('image-missing', path.join(imagesDir, im.file_name));
      continue;
    }
    // Keypoints in the output image; a joint outside the crop (only with padding < 1 or a tight bbox) is
    // not in the image: missing, and counted.
    const t = {
      left: crop.left,
      top: crop.top,
      scaleX: size[1] / crop.width,
      scaleY: size[0] / crop.height,
      width: size[1],
      height: size[0],
    };
    const mapped = transformPose({ skeleton: 'h36m17', keypoints }, t).keypoints.map((k, j) => {
      if (k === null) return null;
      if (k.x > -0.5 && k.x < size[1] - 0.5 && k.y > -0.5 && k.y < size[0] - 0.5) return k;
      skips.add('joint-outside-crop', `${annName}: ${where}: joint ${j}`);
      return null;
    });
    entries.push({
      file,
      fileName: im.file_name,
      subject: info.subject,
      width: im.width,
      height: im.height,
      annIndex: a,
      annId: ann.id,
      keypoints: mapped,
      crop,
      bbox,
    });
  }

  const perImage = new Map<string, number>();
  for (const e of entries) perImage.set(e.fileName, (perImage.get(e.fileName) ?? 0) + 1);
  const skeleton: SkeletonName = opts.toCoco18 ? 'coco18' : 'h36m17';

  return {
    name: 'h36m',
    size: entries.length,
    skeleton,
    imageSize: size,
    subjects,
    files: { annFile, imagesDir },
    report: () => skips.report(),
    async get(i: number): Promise<Sample> {
      assertSampleIndex(i, entries.length);
      const e = entries[i];
      const { image, sourceWidth, sourceHeight } = await loadImage(e.file, { crop: e.crop, size });
      if (sourceWidth !== e.width || sourceHeight !== e.height) {
        throw new DGPoseError(
          'E_DATASET_LAYOUT',
          `frame size differs from the annotation's, so its keypoints do not apply`,
          {
            argument: 'image',
            expected: `${e.width}x${e.height}`,
            got: `${sourceWidth}x${sourceHeight}`,
            path: e.file,
          },
        );
      }
      let pose: Pose = { skeleton: 'h36m17', keypoints: e.keypoints.map((k) => (k ? { ...k } : null)) };
      if (opts.toCoco18) pose = convertPose(pose, 'coco18');
      const info = parseH36MFileName(e.fileName)!;
      const stem = path.basename(e.fileName).replace(/\.(jpe?g|png)$/i, '');
      return {
        id: (perImage.get(e.fileName) ?? 1) > 1 ? `${stem}#${String(e.annId ?? e.annIndex)}` : stem,
        identity: e.subject,
        image,
        pose,
        meta: {
          path: e.file,
          subject: e.subject,
          action: info.action,
          camera: info.camera,
          frame: info.frame,
          bbox: e.bbox,
          crop: { ...e.crop },
        },
      };
    },
  };
}
