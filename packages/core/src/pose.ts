import { DGPoseError } from './errors';
import { type SkeletonName, SKELETON_NAMES, getSkeleton } from './skeletons';

/** Pixel coordinates: x = column, y = row (0 = top-left pixel centre). null = missing joint. */
export interface Keypoint {
  x: number;
  y: number;
  /** Optional detector confidence; copied through conversions, never interpreted by core. */
  score?: number;
}

/** A 2D pose: one entry per joint of `skeleton`, in its order; `null` marks a missing joint. */
export interface Pose {
  skeleton: SkeletonName;
  keypoints: readonly (Keypoint | null)[];
}

/**
 * Throws unless `pose` is well formed: E_SKELETON for an unknown skeleton, E_JOINTS for a wrong
 * joint count or a malformed keypoint (anything but `null` or `{x, y, score?}` with numbers),
 * E_NAN for a NaN/Infinity coordinate or score. `argument` names the pose in the message.
 */
export function validatePose(pose: Pose, argument = 'pose'): void {
  if (typeof pose !== 'object' || pose === null) {
    throw new DGPoseError('E_ARG', `${argument} must be a pose object`, {
      argument,
      expected: '{ skeleton, keypoints }',
      got: pose === null ? 'null' : typeof pose,
    });
  }
  const sk = getSkeleton(pose.skeleton, `${argument}.skeleton`);
  const kps = pose.keypoints;
  if (!Array.isArray(kps)) {
    throw new DGPoseError('E_JOINTS', `${argument}.keypoints must be an array`, {
      argument: `${argument}.keypoints`,
      expected: `${sk.joints.length} keypoints`,
      got: typeof kps,
    });
  }
  if (kps.length !== sk.joints.length) {
    throw new DGPoseError('E_JOINTS', `${argument} has the wrong number of joints for ${sk.name}`, {
      argument: `${argument}.keypoints`,
      expected: sk.joints.length,
      got: kps.length,
    });
  }
  for (let j = 0; j < kps.length; j++) {
    const k = kps[j];
    if (k === null) continue;
    const name = `${argument}.keypoints[${j}] (${sk.joints[j]})`;
    if (typeof k !== 'object' || k === undefined || typeof k.x !== 'number' || typeof k.y !== 'number') {
      throw new DGPoseError('E_JOINTS', `${name} is malformed (use null for a missing joint)`, {
        argument: name,
        expected: '{ x: number, y: number, score?: number } or null',
        got: k === undefined ? 'undefined' : k,
      });
    }
    if (k.score !== undefined && typeof k.score !== 'number') {
      throw new DGPoseError('E_JOINTS', `${name}.score must be a number`, {
        argument: name,
        expected: 'number or undefined',
        got: typeof k.score,
      });
    }
    for (const [field, v] of [
      ['x', k.x],
      ['y', k.y],
      ['score', k.score],
    ] as const) {
      if (v !== undefined && !Number.isFinite(v)) {
        throw new DGPoseError('E_NAN', `${name}.${field} is not finite`, {
          argument: `${name}.${field}`,
          expected: 'a finite number',
          got: String(v),
        });
      }
    }
  }
}

/** Flat form for models: coords [2J] as x0,y0,x1,y1,...; visible [J] 1/0 (missing coords stored as 0). */
export function poseToArrays(pose: Pose): { coords: Float32Array; visible: Uint8Array } {
  validatePose(pose);
  const J = pose.keypoints.length;
  const coords = new Float32Array(2 * J);
  const visible = new Uint8Array(J);
  pose.keypoints.forEach((k, j) => {
    if (k === null) return;
    coords[2 * j] = k.x;
    coords[2 * j + 1] = k.y;
    visible[j] = 1;
  });
  return { coords, visible };
}

/**
 * Inverse of {@link poseToArrays}. `visible` (J values, each 0 or 1) defaults to all visible; the
 * coordinates of invisible joints are ignored (they may be anything, NaN included), those of visible
 * joints must be finite. Throws E_SKELETON, E_JOINTS (lengths), E_ARG (visible not 0/1), E_NAN.
 */
export function poseFromArrays(skeleton: SkeletonName, coords: ArrayLike<number>, visible?: ArrayLike<number>): Pose {
  const sk = getSkeleton(skeleton);
  const J = sk.joints.length;
  if (coords == null || typeof coords.length !== 'number' || coords.length !== 2 * J) {
    throw new DGPoseError('E_JOINTS', `coords must hold 2 numbers per ${sk.name} joint`, {
      argument: 'coords',
      expected: 2 * J,
      got: coords?.length,
    });
  }
  if (visible !== undefined && (visible === null || visible.length !== J)) {
    throw new DGPoseError('E_JOINTS', `visible must hold one flag per ${sk.name} joint`, {
      argument: 'visible',
      expected: J,
      got: visible?.length,
    });
  }
  const keypoints: (Keypoint | null)[] = [];
  for (let j = 0; j < J; j++) {
    const v = visible === undefined ? 1 : visible[j];
    if (v !== 0 && v !== 1) {
      throw new DGPoseError('E_ARG', `visible[${j}] must be 0 or 1`, {
        argument: `visible[${j}]`,
        expected: '0 or 1',
        got: v,
      });
    }
    if (v === 0) {
      keypoints.push(null);
      continue;
    }
    const x = coords[2 * j];
    const y = coords[2 * j + 1];
    if (!Number.isFinite(x) || !Number.isFinite(y)) {
      throw new DGPoseError('E_NAN', `coords of visible joint ${j} (${sk.joints[j]}) are not finite`, {
        argument: `coords[${2 * j}..${2 * j + 1}]`,
        expected: 'finite numbers',
        got: [String(x), String(y)],
      });
    }
    keypoints.push({ x, y });
  }
  return { skeleton: sk.name, keypoints };
}

// ---------------------------------------------------------------------------------------------
// Conversions. A table has one entry per target joint: a source joint index, NECK (the midpoint of
// the source's two shoulders, missing unless both are present), or MISSING.

const NECK = -2;
const MISSING = -1;

interface Conversion {
  table: readonly number[];
  /** source [r_shoulder, l_shoulder] for NECK */
  shoulders?: readonly [number, number];
}

/*
 * Target COCO18 (OpenPose). OpenPose's neck is not a joint of most datasets: on COCO it is defined
 * as the midpoint of the two shoulders, and we use that same definition for every source, rather
 * than the source's own neck-like joint, because those sit at different heights (LSP neck and MPII
 * upper_neck ≈ chin, MPII/H36M thorax ≈ top of the sternum) and would make converted poses disagree.
 *
 * - coco17: the mapping of the shared data README, OP18[j] = COCO17[[0,-,6,8,10,5,7,9,12,14,16,11,13,15,2,1,4,3][j]].
 * - h36m17: limbs, hips, shoulders map by name (foot -> ankle); nose <- joint 9 "neck/nose", which on
 *   real frames lies near the nose/chin (approximate); eyes and ears are missing. H36M hip joints sit
 *   a little higher and more inward than COCO's (approximate).
 * - lsp14 / mpii16: limbs, hips, shoulders map by name; nose, eyes and ears are missing. head_top is
 *   deliberately NOT mapped to the nose: it is ~half a head above it, and a wrong nose would corrupt
 *   head-size normalisation (PCKh) and heatmaps more than a missing one.
 */
const CONVERSIONS: Partial<Record<SkeletonName, Partial<Record<SkeletonName, Conversion>>>> = {
  coco18: {
    coco17: { table: [0, NECK, 6, 8, 10, 5, 7, 9, 12, 14, 16, 11, 13, 15, 2, 1, 4, 3], shoulders: [6, 5] },
    h36m17: {
      table: [9, NECK, 14, 15, 16, 11, 12, 13, 1, 2, 3, 4, 5, 6, MISSING, MISSING, MISSING, MISSING],
      shoulders: [14, 11],
    },
    lsp14: {
      table: [MISSING, NECK, 8, 7, 6, 9, 10, 11, 2, 1, 0, 3, 4, 5, MISSING, MISSING, MISSING, MISSING],
      shoulders: [8, 9],
    },
    mpii16: {
      table: [MISSING, NECK, 12, 11, 10, 13, 14, 15, 2, 1, 0, 3, 4, 5, MISSING, MISSING, MISSING, MISSING],
      shoulders: [12, 13],
    },
  },
  // coco18 -> coco17 is exact: the inverse of the table above with the neck dropped.
  coco17: { coco18: { table: [0, 15, 14, 17, 16, 5, 2, 6, 3, 7, 4, 11, 8, 12, 9, 13, 10] } },
};

/** The (from, to) pairs {@link convertPose} supports besides identities. */
export function listPoseConversions(): { from: SkeletonName; to: SkeletonName }[] {
  const out: { from: SkeletonName; to: SkeletonName }[] = [];
  for (const to of SKELETON_NAMES)
    for (const from of SKELETON_NAMES) if (CONVERSIONS[to]?.[from]) out.push({ from, to });
  return out;
}

function copyKp(k: Keypoint): Keypoint {
  return k.score === undefined ? { x: k.x, y: k.y } : { x: k.x, y: k.y, score: k.score };
}

/**
 * Converts `pose` to the skeleton `to` (returns a new pose; keypoint objects are copied). Identity
 * conversions are always defined; otherwise coco17/h36m17/lsp14/mpii16 -> coco18 and coco18 -> coco17
 * (see the table notes above for what is derived or left missing). A derived neck gets the smaller
 * shoulder score when both have one. Throws E_SKELETON when no conversion is defined.
 */
export function convertPose(pose: Pose, to: SkeletonName): Pose {
  validatePose(pose);
  const target = getSkeleton(to, 'to');
  if (pose.skeleton === target.name) {
    return { skeleton: target.name, keypoints: pose.keypoints.map((k) => (k === null ? null : copyKp(k))) };
  }
  const conv = CONVERSIONS[target.name]?.[pose.skeleton];
  if (!conv) {
    throw new DGPoseError('E_SKELETON', `no pose conversion from ${pose.skeleton} to ${target.name}`, {
      argument: 'to',
      expected: listPoseConversions()
        .map((c) => `${c.from}->${c.to}`)
        .join(', '),
      got: `${pose.skeleton}->${target.name}`,
    });
  }
  const src = pose.keypoints;
  const keypoints = conv.table.map((s): Keypoint | null => {
    if (s === MISSING) return null;
    if (s === NECK) {
      const [ri, li] = conv.shoulders!;
      const r = src[ri];
      const l = src[li];
      if (r === null || l === null) return null;
      const neck: Keypoint = { x: (r.x + l.x) / 2, y: (r.y + l.y) / 2 };
      if (r.score !== undefined && l.score !== undefined) neck.score = Math.min(r.score, l.score);
      return neck;
    }
    const k = src[s];
    return k === null ? null : copyKp(k);
  });
  return { skeleton: target.name, keypoints };
}
