import { DGPoseError, getSkeleton, type Skeleton, type SkeletonName } from '@dgpose/core';

/** A keypoint in pixels: x = column, y = row (core's `Keypoint`; `score` etc. are ignored). */
export interface KeypointLike {
  readonly x: number;
  readonly y: number;
}

/** A pose as core's `Pose`: a skeleton name and one keypoint per joint, `null` = missing. */
export interface PoseLike {
  readonly skeleton: string;
  readonly keypoints: readonly (KeypointLike | null)[];
}

/** A pose as a plain array: `[x, y]` per joint in the skeleton's order, `null` = missing (needs `opts.skeleton`). */
export type JointArray = readonly (readonly [number, number] | null)[];

/** Either pose form. */
export type PoseInput = PoseLike | JointArray;

/**
 * What a distance is compared against, per ground-truth pose:
 * - `'headBox'`: PCKh of person-generation papers (Pose-Transfer `tool/calPCKH_fashion.py`): the
 *   width w and height h of the bounding box of the ground truth's head joints (COCO-18: nose, neck,
 *   eyes, ears = skeleton.headJoints). A joint is correct iff |dx| < α·w AND |dy| < α·h (per axis,
 *   strict). Images with fewer than 2 head joints in the ground truth are skipped; a box of zero
 *   width or height is kept (its joints then count as wrong), as in the script.
 * - `'torso'`: Euclidean, ‖p−t‖ ≤ α·‖l_shoulder − r_hip‖ (torso diameter, the LSP PCK convention;
 *   PCK@0.2 uses α = 0.2).
 * - `'headSegment'`: Euclidean, ‖p−t‖ ≤ α·‖head segment‖ where the head segment joins the two head
 *   joints of lsp14 (neck–head_top), mpii16 (upper_neck–head_top) or h36m17 (neck_nose–head);
 *   E_SKELETON for COCO skeletons, which have none. (MPII's official PCKh uses 0.6 × the annotated
 *   head-box diagonal instead; pass those sizes with `{ sizes }`.)
 * - `'bbox'`: Euclidean, ‖p−t‖ ≤ α·max(width, height) of the box around the ground truth's joints.
 * - `{ sizes }`: Euclidean against your own per-image sizes (finite, > 0), e.g. MPII head sizes.
 * Euclidean normalisers skip an image whose size cannot be computed (a joint missing) or is 0.
 */
export type PckNormaliser = 'headBox' | 'torso' | 'headSegment' | 'bbox' | { readonly sizes: readonly number[] };

/** Options of {@link pck}. */
export interface PckOptions {
  /** How distances are normalised; see {@link PckNormaliser}. */
  normaliser: PckNormaliser;
  /** Threshold as a fraction of the normaliser (> 0): 0.5 for Pose-Transfer's PCKh, 0.2 for PCK@0.2. */
  alpha: number;
  /** Skeleton of array poses (required for them; must agree with the skeleton of Pose objects). */
  skeleton?: SkeletonName;
}

/** Options of {@link pckCurve}: as {@link PckOptions} with a list of thresholds instead of one alpha. */
export interface PckCurveOptions {
  /** How distances are normalised; see {@link PckNormaliser}. */
  normaliser: PckNormaliser;
  /** Thresholds α (finite, > 0), e.g. 0.05, 0.1, ..., 0.5. */
  thresholds: readonly number[];
  /** Skeleton of array poses. */
  skeleton?: SkeletonName;
}

/** What {@link pck} returns. */
export interface PckResult {
  /** correct / total (micro average over every scored ground-truth joint of every kept image). */
  pck: number;
  /** Joints within the threshold. */
  correct: number;
  /** Ground-truth joints present in kept images (the denominator). */
  total: number;
  /** Per joint: correct / present, `null` where the joint is never present. */
  perJoint: (number | null)[];
  /** Per joint numerators. */
  perJointCorrect: number[];
  /** Per joint denominators. */
  perJointTotal: number[];
  /** Number of images scored. */
  images: number;
  /** Indices of the images skipped because their normaliser could not be computed. */
  skipped: number[];
}

/** What {@link pckCurve} returns: one PCK per threshold (a "detection rate vs threshold" curve). */
export interface PckCurve {
  /** The thresholds, as given. */
  thresholds: number[];
  /** PCK at each threshold. */
  pck: number[];
  /** Per threshold, per joint PCK (`null` where the joint is never present). */
  perJoint: (number | null)[][];
  /** Ground-truth joints scored (the same at every threshold). */
  total: number;
  /** Number of images scored. */
  images: number;
  /** Indices of skipped images. */
  skipped: number[];
}

/**
 * Pose-Transfer's PCKh on DeepFashion (`tool/calPCKH_fashion.py`): head-box normaliser, α = 0.5,
 * COCO-18 poses. Use as `pck(pred, gt, PCKH_FASHION)`.
 */
export const PCKH_FASHION: Readonly<PckOptions> = Object.freeze({
  normaliser: 'headBox',
  alpha: 0.5,
  skeleton: 'coco18',
});

type Pt = { x: number; y: number } | null;

function isPoseLike(p: unknown): p is PoseLike {
  return typeof p === 'object' && p !== null && !Array.isArray(p) && 'keypoints' in p;
}

/** Reads one pose to a list of points, checking skeleton, joint count and finiteness. */
function readPose(
  p: PoseInput,
  argument: string,
  skeletonHint: SkeletonName | undefined,
): { skeleton: Skeleton; pts: Pt[] } {
  let skeleton: Skeleton;
  let raw: readonly unknown[];
  if (isPoseLike(p)) {
    skeleton = getSkeleton(p.skeleton, `${argument}.skeleton`);
    if (skeletonHint !== undefined && skeletonHint !== skeleton.name) {
      throw new DGPoseError('E_SKELETON', `${argument} has another skeleton than opts.skeleton`, {
        argument: `${argument}.skeleton`,
        expected: skeletonHint,
        got: skeleton.name,
      });
    }
    if (!Array.isArray(p.keypoints)) {
      throw new DGPoseError('E_JOINTS', `${argument}.keypoints is not an array`, {
        argument: `${argument}.keypoints`,
        expected: 'an array',
        got: typeof p.keypoints,
      });
    }
    raw = p.keypoints;
  } else if (Array.isArray(p)) {
    if (skeletonHint === undefined) {
      throw new DGPoseError('E_ARG', 'opts.skeleton is required when poses are given as arrays', {
        argument: 'opts.skeleton',
        expected: 'a skeleton name, e.g. coco18',
        got: 'undefined',
      });
    }
    skeleton = getSkeleton(skeletonHint, 'opts.skeleton');
    raw = p;
  } else {
    throw new DGPoseError('E_ARG', `${argument} is not a pose`, {
      argument,
      expected: '{ skeleton, keypoints } or an array of [x, y] | null',
      got: p === null ? 'null' : typeof p,
    });
  }
  const J = skeleton.joints.length;
  if (raw.length !== J) {
    throw new DGPoseError('E_JOINTS', `${argument} has the wrong number of joints for ${skeleton.name}`, {
      argument,
      expected: J,
      got: raw.length,
    });
  }
  const pts: Pt[] = raw.map((k, j) => {
    if (k === null || k === undefined) return null;
    let x: unknown;
    let y: unknown;
    if (Array.isArray(k)) {
      if (k.length !== 2) {
        throw new DGPoseError('E_JOINTS', `${argument}[${j}] must be [x, y] or null`, {
          argument: `${argument}[${j}]`,
          expected: '[x, y]',
          got: k,
        });
      }
      [x, y] = k;
    } else if (typeof k === 'object') {
      ({ x, y } = k as KeypointLike);
    } else {
      throw new DGPoseError('E_JOINTS', `${argument}[${j}] must be a keypoint or null`, {
        argument: `${argument}[${j}]`,
        expected: '{ x, y } | [x, y] | null',
        got: k,
      });
    }
    if (typeof x !== 'number' || typeof y !== 'number' || !Number.isFinite(x) || !Number.isFinite(y)) {
      throw new DGPoseError('E_NAN', `${argument}[${j}] has a non-finite coordinate`, {
        argument: `${argument}[${j}]`,
        expected: 'finite x and y (use null for a missing joint)',
        got: { x, y },
      });
    }
    return { x, y };
  });
  return { skeleton, pts };
}

function jointIndex(s: Skeleton, name: string): number {
  const i = s.joints.indexOf(name);
  if (i < 0)
    throw new DGPoseError('E_SKELETON', `skeleton ${s.name} has no joint ${name}`, {
      argument: 'skeleton',
      expected: name,
      got: s.joints,
    });
  return i;
}

/** Per image: a predicate `correct(pred, gt, alpha)`, or null when the image is skipped. */
type Judge = ((p: Pt, t: { x: number; y: number }, alpha: number) => boolean) | null;

function euclid(size: number): Judge {
  if (!(size > 0)) return null;
  return (p, t, alpha) => p !== null && Math.hypot(p.x - t.x, p.y - t.y) <= alpha * size;
}

function makeJudge(normaliser: PckNormaliser, skeleton: Skeleton, gt: Pt[], index: number): Judge {
  if (normaliser === 'headBox') {
    // calPCKH_fashion.py get_head_wh: box of the present head joints, skip the image if fewer than 2
    const head = skeleton.headJoints.map((j) => gt[j]).filter((q): q is { x: number; y: number } => q !== null);
    if (head.length < 2) return null;
    const xs = head.map((q) => q.x);
    const ys = head.map((q) => q.y);
    const w = Math.max(...xs) - Math.min(...xs);
    const h = Math.max(...ys) - Math.min(...ys);
    // isRight: abs(px - tx) < hz[0] * alpha and abs(py - ty) < hz[1] * alpha; a missing prediction is wrong
    return (p, t, alpha) => p !== null && Math.abs(p.x - t.x) < w * alpha && Math.abs(p.y - t.y) < h * alpha;
  }
  if (normaliser === 'torso') {
    const a = gt[jointIndex(skeleton, 'l_shoulder')];
    const b = gt[jointIndex(skeleton, 'r_hip')];
    return a && b ? euclid(Math.hypot(a.x - b.x, a.y - b.y)) : null;
  }
  if (normaliser === 'headSegment') {
    if (skeleton.name === 'coco18' || skeleton.name === 'coco17' || skeleton.headJoints.length !== 2) {
      throw new DGPoseError('E_SKELETON', `normaliser 'headSegment' needs a skeleton with a head segment`, {
        argument: 'opts.normaliser',
        expected: "lsp14, mpii16 or h36m17 (use 'headBox' for COCO skeletons)",
        got: skeleton.name,
      });
    }
    const [a, b] = skeleton.headJoints.map((j) => gt[j]);
    return a && b ? euclid(Math.hypot(a.x - b.x, a.y - b.y)) : null;
  }
  if (normaliser === 'bbox') {
    const present = gt.filter((q): q is { x: number; y: number } => q !== null);
    if (present.length < 2) return null;
    const xs = present.map((q) => q.x);
    const ys = present.map((q) => q.y);
    return euclid(Math.max(Math.max(...xs) - Math.min(...xs), Math.max(...ys) - Math.min(...ys)));
  }
  return euclid(normaliser.sizes[index]);
}

function validateNormaliser(normaliser: unknown, n: number): PckNormaliser {
  if (normaliser === 'headBox' || normaliser === 'torso' || normaliser === 'headSegment' || normaliser === 'bbox')
    return normaliser;
  if (
    typeof normaliser === 'object' &&
    normaliser !== null &&
    Array.isArray((normaliser as { sizes?: unknown }).sizes)
  ) {
    const sizes = (normaliser as { sizes: unknown[] }).sizes;
    if (sizes.length !== n) {
      throw new DGPoseError('E_SHAPE', 'opts.normaliser.sizes needs one size per image', {
        argument: 'opts.normaliser.sizes',
        expected: n,
        got: sizes.length,
      });
    }
    sizes.forEach((s, i) => {
      if (typeof s !== 'number' || !Number.isFinite(s) || s <= 0) {
        throw new DGPoseError(
          typeof s === 'number' && !Number.isFinite(s) ? 'E_NAN' : 'E_ARG',
          `opts.normaliser.sizes[${i}] must be a finite number > 0`,
          {
            argument: `opts.normaliser.sizes[${i}]`,
            expected: 'a finite number > 0',
            got: s,
          },
        );
      }
    });
    return normaliser as PckNormaliser;
  }
  throw new DGPoseError('E_ARG', 'opts.normaliser is required', {
    argument: 'opts.normaliser',
    expected: "'headBox' | 'torso' | 'headSegment' | 'bbox' | { sizes: number[] }",
    got: normaliser === undefined ? 'undefined' : normaliser,
  });
}

function validateAlpha(a: unknown, argument: string): number {
  if (typeof a !== 'number' || !Number.isFinite(a) || a <= 0) {
    throw new DGPoseError(
      typeof a === 'number' && Number.isNaN(a) ? 'E_NAN' : 'E_ARG',
      `${argument} must be a finite number > 0`,
      {
        argument,
        expected: 'a finite number > 0 (0.5 for PCKh, 0.2 for PCK@0.2)',
        got: a === undefined ? 'undefined' : a,
      },
    );
  }
  return a;
}

function score(
  pred: readonly PoseInput[],
  gt: readonly PoseInput[],
  normaliser: unknown,
  skeletonHint: SkeletonName | undefined,
  alphas: number[],
): { correct: number[][]; totals: number[]; images: number; skipped: number[]; J: number } {
  if (!Array.isArray(pred) || !Array.isArray(gt)) {
    throw new DGPoseError('E_ARG', 'pred and gt must be arrays of poses', {
      argument: Array.isArray(pred) ? 'gt' : 'pred',
      expected: 'an array',
      got: typeof (Array.isArray(pred) ? gt : pred),
    });
  }
  if (gt.length === 0)
    throw new DGPoseError('E_EMPTY', 'gt is empty', { argument: 'gt', expected: 'at least one pose', got: 0 });
  if (pred.length !== gt.length) {
    throw new DGPoseError('E_SHAPE', 'pred must have one pose per ground-truth pose', {
      argument: 'pred',
      expected: gt.length,
      got: pred.length,
    });
  }
  if (skeletonHint !== undefined) getSkeleton(skeletonHint, 'opts.skeleton');
  const norm = validateNormaliser(normaliser, gt.length);
  let J = -1;
  let name = '';
  let correct: number[][] = [];
  let totals: number[] = [];
  const skipped: number[] = [];
  let images = 0;
  for (let i = 0; i < gt.length; i++) {
    const g = readPose(gt[i], `gt[${i}]`, skeletonHint);
    const p = readPose(pred[i], `pred[${i}]`, skeletonHint);
    if (p.skeleton.name !== g.skeleton.name || (name !== '' && g.skeleton.name !== name)) {
      throw new DGPoseError('E_SKELETON', `pred[${i}] and gt[${i}] must use the skeleton of gt[0]`, {
        argument: p.skeleton.name !== g.skeleton.name ? `pred[${i}]` : `gt[${i}]`,
        expected: name || g.skeleton.name,
        got: p.skeleton.name !== g.skeleton.name ? p.skeleton.name : g.skeleton.name,
      });
    }
    if (J < 0) {
      J = g.skeleton.joints.length;
      name = g.skeleton.name;
      correct = alphas.map(() => new Array<number>(J).fill(0));
      totals = new Array<number>(J).fill(0);
    }
    const judge = makeJudge(norm, g.skeleton, g.pts, i);
    if (judge === null) {
      skipped.push(i);
      continue;
    }
    images++;
    for (let j = 0; j < J; j++) {
      const t = g.pts[j];
      if (t === null) continue; // ValidPoints: only present ground-truth joints are counted
      totals[j]++;
      for (let a = 0; a < alphas.length; a++) if (judge(p.pts[j], t, alphas[a])) correct[a][j]++;
    }
  }
  const total = totals.reduce((s, v) => s + v, 0);
  if (total === 0) {
    throw new DGPoseError('E_EMPTY', 'no ground-truth joint could be scored', {
      argument: 'gt',
      expected: 'at least one present joint in an image whose normaliser can be computed',
      got: `${skipped.length} of ${gt.length} images skipped`,
    });
  }
  return { correct, totals, images, skipped, J };
}

/**
 * Percentage of correct keypoints (as a fraction in [0,1]) of predicted poses against ground truth,
 * micro-averaged: correct joints / present ground-truth joints, summed over all kept images. A
 * missing predicted joint counts as wrong; a missing ground-truth joint is not counted. See
 * {@link PckNormaliser} for the normalisers and {@link PCKH_FASHION} for Pose-Transfer's PCKh.
 *
 * Errors: E_SHAPE (list lengths), E_EMPTY (no pose, or nothing scorable), E_SKELETON (unknown or
 * mixed skeletons), E_JOINTS (wrong joint count), E_NAN (non-finite coordinates), E_ARG (options).
 */
export function pck(pred: readonly PoseInput[], gt: readonly PoseInput[], opts: PckOptions): PckResult {
  if (typeof opts !== 'object' || opts === null) {
    throw new DGPoseError('E_ARG', 'opts is required', {
      argument: 'opts',
      expected: '{ normaliser, alpha }',
      got: typeof opts,
    });
  }
  const alpha = validateAlpha(opts.alpha, 'opts.alpha');
  const { correct, totals, images, skipped } = score(pred, gt, opts.normaliser, opts.skeleton, [alpha]);
  const c = correct[0];
  const nCorrect = c.reduce((s, v) => s + v, 0);
  const total = totals.reduce((s, v) => s + v, 0);
  return {
    pck: nCorrect / total,
    correct: nCorrect,
    total,
    perJoint: c.map((v, j) => (totals[j] === 0 ? null : v / totals[j])),
    perJointCorrect: c,
    perJointTotal: totals,
    images,
    skipped,
  };
}

/** {@link pck} at each threshold of `opts.thresholds` (one pass over the poses). */
export function pckCurve(pred: readonly PoseInput[], gt: readonly PoseInput[], opts: PckCurveOptions): PckCurve {
  if (typeof opts !== 'object' || opts === null) {
    throw new DGPoseError('E_ARG', 'opts is required', {
      argument: 'opts',
      expected: '{ normaliser, thresholds }',
      got: typeof opts,
    });
  }
  if (!Array.isArray(opts.thresholds) || opts.thresholds.length === 0) {
    throw new DGPoseError('E_EMPTY', 'opts.thresholds must be a non-empty array', {
      argument: 'opts.thresholds',
      expected: 'at least one threshold',
      got: opts.thresholds,
    });
  }
  const thresholds = opts.thresholds.map((a, i) => validateAlpha(a, `opts.thresholds[${i}]`));
  const { correct, totals, images, skipped } = score(pred, gt, opts.normaliser, opts.skeleton, thresholds);
  const total = totals.reduce((s, v) => s + v, 0);
  return {
    thresholds,
    pck: correct.map((c) => c.reduce((s, v) => s + v, 0) / total),
    perJoint: correct.map((c) => c.map((v, j) => (totals[j] === 0 ? null : v / totals[j]))),
    total,
    images,
    skipped,
  };
}
