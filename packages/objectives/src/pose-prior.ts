import * as tf from '@tensorflow/tfjs-core';
import { DGPoseError } from '@dgpose/core';

/**
 * A diagonal Gaussian pose prior p(y) over standardised coordinates, fitted to labelled poses
 * (dgpose-paper.md §5.2 [PROPOSAL]). Pixel coordinates c (x0,y0,x1,y1,…, `poseToArrays` layout) map to
 * the standardised space by ỹ = (c − center) / scale; p(ỹ) = N(mean, diag(exp(logvar))).
 * All arrays have length 2J.
 */
export interface PosePrior {
  /** Per-coordinate mean of the visible labelled coordinates, pixels. */
  center: Float32Array;
  /** Per-coordinate scale, pixels: the std of that coordinate (`'perCoordinate'`) or one shared std (`'global'`). */
  scale: Float32Array;
  /** Prior mean in the standardised space (0 by construction). */
  mean: Float32Array;
  /** Prior log-variance in the standardised space: log(var_d / scale_d²) (0 for `'perCoordinate'`). */
  logvar: Float32Array;
  /** How many visible samples each coordinate was fitted on. */
  counts: Int32Array;
}

/** Options of {@link fitGaussianPrior}. */
export interface FitGaussianPriorOptions {
  /**
   * `'perCoordinate'` (default): each coordinate gets its own scale, so p(ỹ) = N(0, I) exactly.
   * `'global'`: one scale s = sqrt(mean_d var_d) for all coordinates, which keeps the skeleton's aspect
   * ratio in the standardised space; then logvar_d = log(var_d / s²).
   */
  standardize?: 'perCoordinate' | 'global';
  /** Added to each variance (pixels²) so that a coordinate that never moves still has a scale. Default 1e-6. */
  epsilon?: number;
}

/**
 * Fits the diagonal Gaussian pose prior of {@link PosePrior} to labelled poses: per coordinate the mean
 * and (biased) variance over the poses where that joint is visible. Throws E_EMPTY naming the joint when
 * a joint is visible in fewer than 2 poses, E_SHAPE on ragged input, E_NAN on non-finite coordinates.
 * @param poses N arrays of 2J pixel coordinates (x0,y0,x1,y1,…), e.g. `poseToArrays(pose).coords`
 * @param visible N arrays of J flags (1 visible, 0 missing); default all visible
 */
export function fitGaussianPrior(
  poses: readonly ArrayLike<number>[],
  visible?: readonly ArrayLike<number>[],
  opts: FitGaussianPriorOptions = {},
): PosePrior {
  const mode = opts.standardize ?? 'perCoordinate';
  if (mode !== 'perCoordinate' && mode !== 'global') {
    throw new DGPoseError('E_ARG', 'unknown standardize mode', { argument: 'standardize', expected: ['perCoordinate', 'global'], got: mode });
  }
  const eps = opts.epsilon ?? 1e-6;
  if (!(typeof eps === 'number' && eps > 0 && Number.isFinite(eps))) {
    throw new DGPoseError('E_ARG', 'epsilon must be a finite number > 0', { argument: 'epsilon', expected: '> 0', got: eps });
  }
  if (poses.length === 0) throw new DGPoseError('E_EMPTY', 'no poses to fit the prior on', { argument: 'poses', expected: '>= 2 poses', got: 0 });
  const d = poses[0].length;
  if (d === 0 || d % 2 !== 0) throw new DGPoseError('E_SHAPE', 'poses must have 2J coordinates', { argument: 'poses[0]', expected: '2J > 0', got: d });
  const j = d / 2;
  if (visible !== undefined && visible.length !== poses.length) {
    throw new DGPoseError('E_SHAPE', 'one visibility row per pose', { argument: 'visible', expected: poses.length, got: visible.length });
  }
  const sum = new Float64Array(d);
  const sumSq = new Float64Array(d);
  const counts = new Int32Array(d);
  poses.forEach((p, n) => {
    if (p.length !== d) throw new DGPoseError('E_SHAPE', `poses[${n}] has the wrong length`, { argument: `poses[${n}]`, expected: d, got: p.length });
    const vis = visible?.[n];
    if (vis !== undefined && vis.length !== j) {
      throw new DGPoseError('E_SHAPE', `visible[${n}] has the wrong length`, { argument: `visible[${n}]`, expected: j, got: vis.length });
    }
    for (let k = 0; k < d; k++) {
      if (vis !== undefined && !vis[k >> 1]) continue;
      const v = p[k];
      if (!Number.isFinite(v)) throw new DGPoseError('E_NAN', `poses[${n}][${k}] is not finite`, { argument: `poses[${n}]`, expected: 'finite numbers', got: v });
      sum[k] += v;
      sumSq[k] += v * v;
      counts[k] += 1;
    }
  });
  const center = new Float32Array(d);
  const variance = new Float64Array(d);
  for (let k = 0; k < d; k++) {
    if (counts[k] < 2) {
      throw new DGPoseError('E_EMPTY', `joint ${k >> 1} is visible in fewer than 2 labelled poses`, {
        argument: `joint ${k >> 1}`,
        expected: '>= 2 visible samples',
        got: counts[k],
      });
    }
    const m = sum[k] / counts[k];
    center[k] = m;
    variance[k] = Math.max(0, sumSq[k] / counts[k] - m * m) + eps;
  }
  const scale = new Float32Array(d);
  const logvar = new Float32Array(d);
  if (mode === 'perCoordinate') {
    for (let k = 0; k < d; k++) scale[k] = Math.sqrt(variance[k]);
  } else {
    const s2 = variance.reduce((a, b) => a + b, 0) / d;
    for (let k = 0; k < d; k++) {
      scale[k] = Math.sqrt(s2);
      logvar[k] = Math.log(variance[k] / s2);
    }
  }
  return { center, scale, mean: new Float32Array(d), logvar, counts };
}

function checkPoseTensor(argument: string, t: tf.Tensor, prior: PosePrior): void {
  if (t.rank !== 2 || t.shape[1] !== prior.center.length) {
    throw new DGPoseError('E_SHAPE', `${argument} must be [N, 2J]`, { argument, expected: ['N', prior.center.length], got: [...t.shape] });
  }
}

/** ỹ = (c − center) / scale: pixel coordinates [N, 2J] to the prior's standardised space. */
export function standardizePoses(coords: tf.Tensor, prior: PosePrior): tf.Tensor {
  checkPoseTensor('coords', coords, prior);
  return tf.tidy(() => tf.div(tf.sub(coords, tf.tensor1d(prior.center)), tf.tensor1d(prior.scale)));
}

/** c = ỹ·scale + center: standardised poses [N, 2J] back to pixel coordinates. */
export function unstandardizePoses(y: tf.Tensor, prior: PosePrior): tf.Tensor {
  checkPoseTensor('y', y, prior);
  return tf.tidy(() => tf.add(tf.mul(y, tf.tensor1d(prior.scale)), tf.tensor1d(prior.center)));
}

/** The prior as tensors `{ mu, logvar }` ([2J] each) for the semi-supervised objective; the caller owns them. */
export function posePriorParams(prior: PosePrior): { mu: tf.Tensor1D; logvar: tf.Tensor1D } {
  return { mu: tf.tensor1d(prior.mean), logvar: tf.tensor1d(prior.logvar) };
}
