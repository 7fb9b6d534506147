/*
 * What the appearance latent z carries (issue "DGPose that keeps the person", item 1):
 *
 * Swap test. For two test images A and B of DIFFERENT identities, decode z = mean of q(z|x_A, y_A) in
 * B's pose, G = p(x | z_A, y_B), and compare G's garment colours (over B's part masks, where the target
 * pose puts the garments) with A's and B's own garment colours (each over its own masks):
 *
 *   follows_r = || G_r − A_r ||_2 < || G_r − B_r ||_2                  per garment region r (RGB, 0-255)
 *
 * A model that keeps the person has colours that follow A in nearly every swap; one that ignores z
 * scores about 50 % (its colour is no closer to A than to a random other person).
 *
 * Active units (Burda et al. 2016): dimension k of z is active when Var_x[ E_q(z|x)[z_k] ] > 0.01,
 * i.e. the posterior mean moves with the input; the number of active units is how many of d_z the
 * encoder uses at all.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Pose } from '@dgpose/core';
import { imagesToTensor, posesToNormalized, type DGPoseModel, type RgbImage } from '@dgpose/models';
import { type GarmentColours, GARMENT_REGIONS, type GarmentRegion, colourDistance } from './garment-colour';

/**
 * Means of q(z|x,y) of images (resized to the model) with their poses (pixel coordinates of each image;
 * undefined: Semi estimates them), rounded to 4 decimals; every tensor is freed.
 */
export async function posteriorMeans(
  model: DGPoseModel,
  images: readonly RgbImage[],
  poses: readonly Pose[] | undefined,
): Promise<number[][]> {
  const cfg = model.config as { imageSize: number; skeleton: Pose['skeleton']; latentDim: number };
  const own: tf.Tensor[] = [];
  try {
    const x = imagesToTensor(images, cfg.imageSize);
    own.push(x);
    let q: { mu: tf.Tensor2D; logvar: tf.Tensor2D };
    if (poses) {
      const p = posesToNormalized(poses, images, cfg.skeleton, 'poses');
      const coords = tf.tensor2d(p.coords, [p.n, 2 * p.j]);
      const visible = tf.tensor2d(p.visible, [p.n, p.j]);
      own.push(coords, visible);
      q = model.encodeTensors(x, coords, visible);
    } else q = model.encodeTensors(x);
    own.push(q.mu, q.logvar);
    const mu = await q.mu.data();
    const d = cfg.latentDim;
    return images.map((_, i) => Array.from(mu.subarray(i * d, (i + 1) * d), (v) => Math.round(v * 1e4) / 1e4));
  } finally {
    tf.dispose(own);
  }
}

/** One swap: A's and B's own garment colours, and the colours of z_A decoded in B's pose (over B's masks). */
export interface SwapRecord {
  a: GarmentColours;
  b: GarmentColours;
  generated: GarmentColours;
}

/** Summary of swap records, per region and over all regions. */
export interface SwapSummary {
  /** Region comparisons made (a region counts where A, B and the output all have it). */
  comparisons: number;
  /** Fraction of comparisons where the output's colour is closer to A's than to B's. */
  followsA: number;
  /** Mean distance of the output's colour to A's and to B's (0-255 RGB). */
  distToA: number;
  distToB: number;
  perRegion: Partial<Record<GarmentRegion, { comparisons: number; followsA: number }>>;
}

/** Scores swap records; `comparisons` is 0 (and the fractions NaN) when no region could be compared. */
export function summariseSwaps(records: readonly SwapRecord[]): SwapSummary {
  let n = 0;
  let follows = 0;
  let dA = 0;
  let dB = 0;
  const perRegion: SwapSummary['perRegion'] = {};
  for (const r of GARMENT_REGIONS) {
    let rn = 0;
    let rf = 0;
    for (const s of records) {
      const [a, b, g] = [s.a[r], s.b[r], s.generated[r]];
      if (!a || !b || !g) continue;
      const da = colourDistance(g, a);
      const db = colourDistance(g, b);
      rn++;
      if (da < db) rf++;
      dA += da;
      dB += db;
    }
    n += rn;
    follows += rf;
    if (rn > 0) perRegion[r] = { comparisons: rn, followsA: rf / rn };
  }
  return { comparisons: n, followsA: follows / n, distToA: dA / n, distToB: dB / n, perRegion };
}

/**
 * Active units of posterior means `mus` ([N·d], row-major, N >= 2 inputs): per-dimension variance over
 * the inputs, and how many exceed `threshold` (default 0.01).
 */
export function activeUnits(
  mus: ArrayLike<number>,
  d: number,
  threshold = 0.01,
): { active: number; dims: number; variance: number[] } {
  const n = mus.length / d;
  if (!Number.isInteger(n) || n < 2)
    throw new Error(`activeUnits needs at least 2 rows of ${d} numbers, got ${mus.length} numbers`);
  const variance: number[] = [];
  for (let k = 0; k < d; k++) {
    let m = 0;
    for (let i = 0; i < n; i++) m += mus[i * d + k];
    m /= n;
    let v = 0;
    for (let i = 0; i < n; i++) v += (mus[i * d + k] - m) ** 2;
    variance.push(v / n);
  }
  return { active: variance.filter((v) => v > threshold).length, dims: d, variance };
}
