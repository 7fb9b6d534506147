/*
 * Body-part ("limb") maps of COCO-18 poses: one soft mask per body part, drawn analytically from the
 * joint coordinates, so the pose says WHERE each garment region lies (PG2's pose mask and VUNet's
 * stickman image carry the same information). Used by @dgpose/models to pool a person's part colours
 * (encoder) and to paint them onto a target pose (decoder).
 *
 *   segment s = (a, b) of a part, pixel centre p = (u, v) in pixels (u column, v row)
 *   t_s(p) = clamp(((p − a)·(b − a)) / |b − a|², 0, 1)            closest point on the segment
 *   d²_s(p) = |p − (a + t_s(p)(b − a))|²                            squared distance, px²
 *   M_part(p) = max_{s ∈ part} v_a v_b · exp(−d²_s(p) / (2σ_part²))  in [0,1]; v = joint visible (0/1)
 *
 *   coords [N,2J] normalised (aligned corners: x = (x'+1)(W−1)/2) → maps [N,H,W,P], P = LIMB_PARTS.length
 * σ_part is given in pixels at 64 px and scales with the image height. Differentiable in the coords.
 */
import * as tf from '@tensorflow/tfjs-core';
import { DGPoseError } from '@dgpose/core';

/** A body part: its name, the COCO-18 joint pairs whose segments draw it, and σ in pixels at 64 px. */
export interface LimbPart {
  readonly name: string;
  readonly segments: readonly (readonly [number, number])[];
  readonly sigma64: number;
}

/**
 * COCO-18 parts (0 nose, 1 neck, 2/5 shoulders, 3/6 elbows, 4/7 wrists, 8/11 hips, 9/12 knees,
 * 10/13 ankles, 14-17 eyes and ears; first of a pair = right). The torso is the shoulder-hip quad drawn
 * by its sides and diagonals.
 */
export const LIMB_PARTS: readonly LimbPart[] = Object.freeze([
  {
    name: 'head',
    segments: [
      [0, 1],
      [0, 14],
      [0, 15],
      [14, 16],
      [15, 17],
    ],
    sigma64: 1.8,
  },
  {
    name: 'torso',
    segments: [
      [2, 5],
      [8, 11],
      [2, 8],
      [5, 11],
      [2, 11],
      [5, 8],
      [1, 8],
      [1, 11],
    ],
    sigma64: 1.8,
  },
  { name: 'rUpperArm', segments: [[2, 3]], sigma64: 1.3 },
  { name: 'rForearm', segments: [[3, 4]], sigma64: 1.2 },
  { name: 'lUpperArm', segments: [[5, 6]], sigma64: 1.3 },
  { name: 'lForearm', segments: [[6, 7]], sigma64: 1.2 },
  { name: 'rThigh', segments: [[8, 9]], sigma64: 1.6 },
  { name: 'rShin', segments: [[9, 10]], sigma64: 1.3 },
  { name: 'lThigh', segments: [[11, 12]], sigma64: 1.6 },
  { name: 'lShin', segments: [[12, 13]], sigma64: 1.3 },
] as const);

/** Options of {@link limbMaps}. */
export interface LimbMapOptions {
  width: number;
  height: number;
  /** Joints per pose (18 for COCO-18; the parts index joints 0..17). */
  joints: number;
}

/**
 * Soft body-part masks [N,H,W,P] of poses given as normalised coords [N,2J] (+ visible [N,J], null = all).
 * The caller owns the result; call inside or outside a tidy.
 */
export function limbMaps(coords: tf.Tensor2D, visible: tf.Tensor2D | null, opts: LimbMapOptions): tf.Tensor4D {
  const { width: W, height: H, joints: J } = opts;
  if (!Number.isInteger(W) || !Number.isInteger(H) || W < 2 || H < 2) {
    throw new DGPoseError('E_ARG', 'limbMaps needs an integer frame of at least 2x2 pixels', {
      argument: 'width/height',
      expected: '>= 2',
      got: [W, H],
    });
  }
  if (J < 18)
    throw new DGPoseError('E_JOINTS', 'limbMaps draws COCO-18 parts and needs 18 joints', {
      argument: 'joints',
      expected: 18,
      got: J,
    });
  if (coords.rank !== 2 || coords.shape[1] !== 2 * J) {
    throw new DGPoseError('E_SHAPE', 'coords must be [N,2J] normalised', {
      argument: 'coords',
      expected: ['N', 2 * J],
      got: [...coords.shape],
    });
  }
  const n = coords.shape[0];
  const segs = LIMB_PARTS.flatMap((p) => p.segments);
  const K = segs.length;
  return tf.tidy(() => {
    const v = visible ? tf.cast(visible, 'float32') : tf.ones([n, J]);
    // pixels: x = (x'+1)(W−1)/2; missing joints are replaced by 0 first so no NaN reaches the maps
    const xy = tf.reshape(
      tf.where(
        tf.greater(tf.reshape(tf.tile(tf.reshape(v, [n, J, 1]), [1, 1, 2]), [n, 2 * J]), 0),
        coords,
        tf.zerosLike(coords),
      ),
      [n, J, 2],
    );
    const px = tf.mul(tf.add(xy, 1), tf.tensor1d([(W - 1) / 2, (H - 1) / 2])); // [n,J,2]
    // segment ends by one-hot matMuls ([n,J] × [J,K]), not gather: GatherV2's gradient needs
    // UnsortedSegmentSum, which the wasm backend lacks
    const pick = (end: 0 | 1): tf.Tensor2D => {
      const m = new Float32Array(J * K);
      segs.forEach((s, k) => (m[s[end] * K + k] = 1));
      return tf.tensor2d(m, [J, K]);
    };
    const sa = pick(0);
    const sb = pick(1);
    const xs = tf.reshape(tf.slice(px, [0, 0, 0], [n, J, 1]), [n, J]) as tf.Tensor2D;
    const ys = tf.reshape(tf.slice(px, [0, 0, 1], [n, J, 1]), [n, J]) as tf.Tensor2D;
    const at = (t: tf.Tensor2D, s: tf.Tensor2D): tf.Tensor => tf.reshape(tf.matMul(t, s), [n, 1, 1, K]);
    const ax = at(xs, sa);
    const ay = at(ys, sa);
    const dx = tf.sub(at(xs, sb), ax); // [n,1,1,K]
    const dy = tf.sub(at(ys, sb), ay);
    const valid = tf.mul(at(v as tf.Tensor2D, sa), at(v as tf.Tensor2D, sb));
    const u = tf.reshape(tf.range(0, W, 1, 'float32'), [1, 1, W, 1]);
    const r = tf.reshape(tf.range(0, H, 1, 'float32'), [1, H, 1, 1]);
    const len2 = tf.add(tf.add(tf.square(dx), tf.square(dy)), 1e-6);
    const pu = tf.sub(u, ax); // [n,1,W,K]
    const pv = tf.sub(r, ay); // [n,H,1,K]
    const t = tf.clipByValue(tf.div(tf.add(tf.mul(pu, dx), tf.mul(pv, dy)), len2), 0, 1); // [n,H,W,K]
    const d2 = tf.add(tf.square(tf.sub(pu, tf.mul(t, dx))), tf.square(tf.sub(pv, tf.mul(t, dy))));
    const scale = H / 64;
    const inv2s2 = tf.tensor1d(LIMB_PARTS.flatMap((p) => p.segments.map(() => -1 / (2 * (p.sigma64 * scale) ** 2))));
    const seg = tf.mul(tf.exp(tf.mul(d2, inv2s2)), valid); // [n,H,W,K]
    const parts: tf.Tensor[] = [];
    let k = 0;
    for (const p of LIMB_PARTS) {
      const m = p.segments.length;
      parts.push(
        m === 1
          ? tf.slice(seg, [0, 0, 0, k], [n, H, W, 1])
          : tf.max(tf.slice(seg, [0, 0, 0, k], [n, H, W, m]), 3, true),
      );
      k += m;
    }
    return tf.concat(parts, 3) as tf.Tensor4D;
  });
}
