/*
 * Pose editing on plain data (core's Pose): normalise, flip, similarity transforms, and limb-length
 * changes that keep the skeleton's topology (docs/paper-notes.md Fig. 1(d): "modify the body size while
 * the appearance is kept"). Every function returns a new pose; missing joints stay missing; scores are
 * copied. Coordinates are pixels unless a function says otherwise (coords.ts has the conventions).
 */
import { DGPoseError, type Keypoint, type Pose, type Skeleton, getSkeleton, validatePose } from '@dgpose/core';
import { type FrameSize, assertInFrame, normalizedToPixel, pixelToNormalized, validateFrameSize } from './coords';

function kp(x: number, y: number, src: Keypoint): Keypoint {
  return src.score === undefined ? { x, y } : { x, y, score: src.score };
}

function mapKeypoints(pose: Pose, f: (k: Keypoint, j: number) => Keypoint): Pose {
  return { skeleton: pose.skeleton, keypoints: pose.keypoints.map((k, j) => (k === null ? null : f(k, j))) };
}

function checkNumber(v: unknown, argument: string, positive = false): asserts v is number {
  if (typeof v !== 'number' || !Number.isFinite(v) || (positive && v <= 0)) {
    throw new DGPoseError('E_ARG', `${argument} must be a finite number${positive ? ' > 0' : ''}`, {
      argument,
      expected: positive ? 'a finite number > 0' : 'a finite number',
      got: v,
    });
  }
}

/**
 * Pixel pose -> the same pose with coordinates normalised to [-1, 1] (x' = 2x/(W-1) - 1, likewise y).
 * A visible joint outside [0, W-1] x [0, H-1] is an error (E_ARG); nothing is clamped.
 */
export function normalizePose(pose: Pose, size: FrameSize): Pose {
  validatePose(pose);
  validateFrameSize(size);
  return mapKeypoints(pose, (k, j) => {
    assertInFrame(k.x, k.y, size, 'pixels', `pose.keypoints[${j}]`);
    return kp(pixelToNormalized(k.x, size.width), pixelToNormalized(k.y, size.height), k);
  });
}

/** Normalised pose -> pixels (the inverse of {@link normalizePose}); values outside [-1, 1] are an error (E_ARG). */
export function denormalizePose(pose: Pose, size: FrameSize): Pose {
  validatePose(pose);
  validateFrameSize(size);
  return mapKeypoints(pose, (k, j) => {
    assertInFrame(k.x, k.y, size, 'normalized', `pose.keypoints[${j}]`);
    return kp(normalizedToPixel(k.x, size.width), normalizedToPixel(k.y, size.height), k);
  });
}

/**
 * Horizontal mirror: x' = 2c - x, then every left/right pair of `skeleton.flipPairs` swaps places (so
 * "r_wrist" still names the subject's right wrist). c = (width-1)/2 for a pixel pose of that width;
 * pass `{ centerX: 0 }` for a normalised pose.
 */
export function flipPose(pose: Pose, opts: { width: number } | { centerX: number }): Pose {
  validatePose(pose);
  let c: number;
  if (opts && 'width' in opts) {
    if (!Number.isInteger(opts.width) || opts.width < 1) {
      throw new DGPoseError('E_ARG', 'width must be a positive integer', {
        argument: 'opts.width',
        expected: 'integer >= 1',
        got: opts.width,
      });
    }
    c = (opts.width - 1) / 2;
  } else {
    checkNumber(opts?.centerX, 'opts.centerX');
    c = opts.centerX;
  }
  const sk = getSkeleton(pose.skeleton);
  const mirrored = pose.keypoints.map((k) => (k === null ? null : kp(2 * c - k.x, k.y, k)));
  const out = [...mirrored];
  for (const [a, b] of sk.flipPairs) {
    out[a] = mirrored[b];
    out[b] = mirrored[a];
  }
  return { skeleton: pose.skeleton, keypoints: out };
}

/** Options of {@link transformPose}. Applied in this order: scale, rotate (both about `center`), translate. */
export interface PoseTransform {
  /** Uniform factor or [sx, sy] (> 0). Default 1. */
  scale?: number | readonly [number, number];
  /** Angle in radians; positive turns clockwise on screen (image y points down). Default 0. */
  rotate?: number;
  /** [dx, dy] added last. Default [0, 0]. */
  translate?: readonly [number, number];
  /** Fixed point of scale and rotation. Default: the mean of the visible joints. */
  center?: readonly [number, number];
}

/** The visible joints' mean (E_EMPTY when every joint is missing). */
export function poseCentroid(pose: Pose): [number, number] {
  validatePose(pose);
  let sx = 0;
  let sy = 0;
  let n = 0;
  for (const k of pose.keypoints) {
    if (k === null) continue;
    sx += k.x;
    sy += k.y;
    n++;
  }
  if (n === 0)
    throw new DGPoseError('E_EMPTY', 'pose has no visible joint', {
      argument: 'pose',
      expected: 'at least one visible joint',
      got: 0,
    });
  return [sx / n, sy / n];
}

/** Similarity/affine edit x' = c + R(θ)·S·(x - c) + t. Frame bounds are not checked here (editing may leave the frame). */
export function transformPose(pose: Pose, t: PoseTransform): Pose {
  validatePose(pose);
  const [sx, sy] = typeof t.scale === 'number' || t.scale === undefined ? [t.scale ?? 1, t.scale ?? 1] : t.scale;
  checkNumber(sx, 'scale', true);
  checkNumber(sy, 'scale', true);
  const th = t.rotate ?? 0;
  checkNumber(th, 'rotate');
  const [tx, ty] = t.translate ?? [0, 0];
  checkNumber(tx, 'translate[0]');
  checkNumber(ty, 'translate[1]');
  if (pose.keypoints.every((k) => k === null)) return mapKeypoints(pose, (k) => k);
  const [cx, cy] = t.center ?? poseCentroid(pose);
  checkNumber(cx, 'center[0]');
  checkNumber(cy, 'center[1]');
  const cos = Math.cos(th);
  const sin = Math.sin(th);
  return mapKeypoints(pose, (k) => {
    const dx = sx * (k.x - cx);
    const dy = sy * (k.y - cy);
    return kp(cx + cos * dx - sin * dy + tx, cy + sin * dx + cos * dy + ty, k);
  });
}

// ------------------------------------------------------------------------------------------------
// Limb lengths: walk the kinematic tree from a root, placing each joint at its (new) parent plus the
// scaled bone vector. Uniform factors therefore equal a uniform scaling about the root, and bone
// directions (angles) never change.

/** Root of the kinematic walk: a joint index or name, or 'hip-center' (the midpoint of the two hips). */
export type LimbRoot = number | string;

const HIP_CENTER = -1;

interface Tree {
  root: number; // joint index, or HIP_CENTER
  order: number[]; // joints in BFS order, root's children first (the root itself excluded)
  parent: number[]; // parent joint (HIP_CENTER for the hips under a virtual root; -2 when unreachable)
  bone: number[]; // index in skeleton.limbs of the bone joint->parent, or -1 for a virtual hip bone
}

function findJoint(sk: Skeleton, re: RegExp): number {
  return sk.joints.findIndex((n) => re.test(n));
}

function hips(sk: Skeleton): [number, number] | null {
  const r = findJoint(sk, /^r_hip$/);
  const l = findJoint(sk, /^l_hip$/);
  return r >= 0 && l >= 0 ? [r, l] : null;
}

/** The default root: the neck, else the pelvis, else the hip centre. */
export function defaultLimbRoot(sk: Skeleton): LimbRoot {
  const neck = findJoint(sk, /^neck$/);
  if (neck >= 0) return neck;
  const pelvis = findJoint(sk, /^pelvis$/);
  if (pelvis >= 0) return pelvis;
  return 'hip-center';
}

function resolveRoot(sk: Skeleton, root: LimbRoot): number {
  if (root === 'hip-center') {
    if (!hips(sk))
      throw new DGPoseError('E_SKELETON', `${sk.name} has no r_hip/l_hip for a hip-center root`, {
        argument: 'root',
        expected: 'a joint of the skeleton',
        got: root,
      });
    return HIP_CENTER;
  }
  const j = typeof root === 'string' ? sk.joints.indexOf(root) : root;
  if (!Number.isInteger(j) || j < 0 || j >= sk.joints.length) {
    throw new DGPoseError('E_ARG', `root is not a joint of ${sk.name}`, {
      argument: 'root',
      expected: ['hip-center', ...sk.joints],
      got: root,
    });
  }
  return j;
}

function kinematicTree(sk: Skeleton, root: number): Tree {
  const J = sk.joints.length;
  const parent = new Array<number>(J).fill(-2);
  const bone = new Array<number>(J).fill(-1);
  const order: number[] = [];
  const queue: number[] = [];
  if (root === HIP_CENTER) {
    for (const h of hips(sk)!) {
      parent[h] = HIP_CENTER;
      queue.push(h);
    }
  } else {
    parent[root] = root;
    queue.push(root);
  }
  while (queue.length > 0) {
    const a = queue.shift()!;
    if (a !== root) order.push(a);
    sk.limbs.forEach(([p, q], li) => {
      const b = p === a ? q : q === a ? p : -1;
      if (b < 0 || parent[b] !== -2) return;
      parent[b] = a;
      bone[b] = li;
      queue.push(b);
    });
  }
  return { root, order, parent, bone };
}

/**
 * Places every visible joint at (new position of its nearest visible ancestor) + (fx, fy)·(old offset),
 * where (fx, fy) is the mean of `boneFactor` over the bones between the two (exactly the joint's own
 * bone when its parent is visible). Joints the walk cannot reach keep their position.
 */
function walk(
  pose: Pose,
  sk: Skeleton,
  root: number,
  boneFactor: (bone: number) => [number, number],
): (Keypoint | null)[] {
  const tree = kinematicTree(sk, root);
  const kps = pose.keypoints;
  const out: (Keypoint | null)[] = kps.map((k) => (k === null ? null : kp(k.x, k.y, k)));
  let rootPos: [number, number];
  if (root === HIP_CENTER) {
    const [r, l] = hips(sk)!;
    const a = kps[r];
    const b = kps[l];
    if (a === null || b === null) {
      throw new DGPoseError('E_JOINTS', 'the hip-center root needs both hips', {
        argument: 'pose',
        expected: 'r_hip and l_hip visible',
        got: [a, b],
      });
    }
    rootPos = [(a.x + b.x) / 2, (a.y + b.y) / 2];
  } else {
    const k = kps[root];
    if (k === null) {
      throw new DGPoseError('E_JOINTS', `the root joint ${sk.joints[root]} is missing`, {
        argument: 'pose',
        expected: `${sk.joints[root]} visible (or choose another root)`,
        got: null,
      });
    }
    rootPos = [k.x, k.y];
  }
  const pos = (j: number, which: 'old' | 'new'): [number, number] => {
    if (j === HIP_CENTER || j === root) return rootPos;
    const k = which === 'old' ? kps[j] : out[j];
    return [k!.x, k!.y];
  };
  for (const j of tree.order) {
    const k = kps[j];
    if (k === null) continue;
    let fx = 0;
    let fy = 0;
    let n = 0;
    let a = j;
    do {
      const [bx, by] = boneFactor(tree.bone[a]);
      fx += bx;
      fy += by;
      n++;
      a = tree.parent[a];
    } while (a !== HIP_CENTER && a !== root && kps[a] === null);
    const [ox, oy] = pos(a, 'old');
    const [nx, ny] = pos(a, 'new');
    out[j] = kp(nx + (fx / n) * (k.x - ox), ny + (fy / n) * (k.y - oy), k);
  }
  return out;
}

/** Per-limb factors: one per `skeleton.limbs` entry, or keyed "a-b" by joint names (either order), plus "hip-center" for the virtual hip bones. */
export type LimbFactors = number | readonly number[] | Readonly<Record<string, number>>;

function limbFactorFn(sk: Skeleton, factors: LimbFactors): (bone: number) => number {
  if (typeof factors === 'number') {
    checkNumber(factors, 'factors', true);
    return () => factors;
  }
  if (Array.isArray(factors)) {
    if (factors.length !== sk.limbs.length) {
      throw new DGPoseError('E_JOINTS', `factors must hold one value per ${sk.name} limb`, {
        argument: 'factors',
        expected: sk.limbs.length,
        got: factors.length,
      });
    }
    factors.forEach((f, i) => checkNumber(f, `factors[${i}]`, true));
    return (bone) => (bone < 0 ? 1 : factors[bone]);
  }
  const byName = new Map<number, number>();
  let virtual = 1;
  for (const [key, f] of Object.entries(factors as Record<string, number>)) {
    checkNumber(f, `factors.${key}`, true);
    if (key === 'hip-center') {
      virtual = f;
      continue;
    }
    const [a, b] = key.split('-').map((n) => sk.joints.indexOf(n));
    const li = sk.limbs.findIndex(([p, q]) => (p === a && q === b) || (p === b && q === a));
    if (li < 0) {
      throw new DGPoseError('E_ARG', `factors.${key} names no limb of ${sk.name}`, {
        argument: `factors.${key}`,
        expected: sk.limbs.map(([p, q]) => `${sk.joints[p]}-${sk.joints[q]}`),
        got: key,
      });
    }
    byName.set(li, f);
  }
  return (bone) => (bone < 0 ? virtual : (byName.get(bone) ?? 1));
}

/**
 * Multiplies limb lengths, keeping the topology and every bone's direction: walking the kinematic tree
 * from `root` (default {@link defaultLimbRoot}: the neck for COCO-18), each joint is re-placed at its new
 * parent plus factor × its old bone vector. A uniform factor is a uniform scaling about the root.
 * `factors` is one number, an array with one factor per `skeleton.limbs` entry, or an object keyed
 * "joint-joint" (unlisted limbs keep their length). On skeletons whose limbs contain cycles (COCO-17)
 * the walk follows a breadth-first spanning tree; the other edges follow along. A joint reached through
 * a missing joint is placed from its nearest visible ancestor with the mean factor of the bones between.
 */
export function scaleLimbs(pose: Pose, factors: LimbFactors, opts: { root?: LimbRoot } = {}): Pose {
  validatePose(pose);
  const sk = getSkeleton(pose.skeleton);
  const f = limbFactorFn(sk, factors);
  const root = resolveRoot(sk, opts.root ?? defaultLimbRoot(sk));
  return { skeleton: pose.skeleton, keypoints: walk(pose, sk, root, (b) => [f(b), f(b)]) };
}

const TORSO_OR_LEG = /^(neck|thorax|spine|pelvis)$|hip|knee|ankle|foot/;

/** True for bones of the torso and legs: both ends torso/leg joints, or a hip-shoulder side of the torso. */
function isTorsoOrLegBone(sk: Skeleton, li: number): boolean {
  if (li < 0) return true; // virtual hip bone
  const [a, b] = sk.limbs[li].map((j) => sk.joints[j]);
  if (TORSO_OR_LEG.test(a) && TORSO_OR_LEG.test(b)) return true;
  return (/hip/.test(a) && /shoulder/.test(b)) || (/shoulder/.test(a) && /hip/.test(b));
}

/**
 * Makes the person taller (factor > 1) or shorter: the vertical component of every torso and leg bone
 * (neck-hip, hip-knee, knee-ankle; thorax/spine/pelvis where the skeleton has them) is multiplied by
 * `factor`; arms and head keep their shape and move with the joint they hang from; horizontal positions
 * never change. The result is then shifted vertically so that `anchor` stays put: 'bottom' (default,
 * the lowest visible joint: the feet stay on the ground), 'top' (the highest visible joint) or 'root'.
 */
export function changeHeight(
  pose: Pose,
  factor: number,
  opts: { anchor?: 'bottom' | 'top' | 'root'; root?: LimbRoot } = {},
): Pose {
  validatePose(pose);
  checkNumber(factor, 'factor', true);
  const anchor = opts.anchor ?? 'bottom';
  if (!['bottom', 'top', 'root'].includes(anchor)) {
    throw new DGPoseError('E_ARG', 'unknown anchor', {
      argument: 'opts.anchor',
      expected: ['bottom', 'top', 'root'],
      got: anchor,
    });
  }
  const sk = getSkeleton(pose.skeleton);
  const root = resolveRoot(sk, opts.root ?? defaultLimbRoot(sk));
  const out = walk(pose, sk, root, (b) => [1, isTorsoOrLegBone(sk, b) ? factor : 1]);
  if (anchor !== 'root') {
    const ys = (kps: readonly (Keypoint | null)[]): number[] =>
      kps.filter((k): k is Keypoint => k !== null).map((k) => k.y);
    const pick = anchor === 'bottom' ? Math.max : Math.min;
    const dy = pick(...ys(pose.keypoints)) - pick(...ys(out));
    for (let j = 0; j < out.length; j++) {
      const k = out[j];
      if (k !== null) out[j] = kp(k.x, k.y + dy, k);
    }
  }
  return { skeleton: pose.skeleton, keypoints: out };
}
