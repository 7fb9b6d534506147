import * as tf from '@tensorflow/tfjs-core';
import { DGPoseError } from '@dgpose/core';
import { assertBroadcastable, assertSameShape, checkReduction, reduceLoss, type Reduction } from './reduce';

/** ½·log(2π), the constant of the Gaussian log-density per dimension. */
export const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/** Options of the negative log-likelihoods. */
export interface NllOptions {
  /**
   * Default `'batchMean'`: Σ over the non-batch dims (the log-density of the whole vector/image), mean over
   * the batch, i.e. −(1/N) Σ_n log p(y_n).
   */
  reduction?: Reduction;
  /**
   * Weights broadcastable to `y`, e.g. the visible-joint mask expanded to coordinates
   * ({@link jointMaskToCoordMask}): missing joints contribute nothing. With `'mean'` the result is the mean
   * over the mask weight.
   */
  mask?: tf.Tensor;
}

function asTensor(v: tf.Tensor | number): tf.Tensor {
  return typeof v === 'number' ? tf.scalar(v) : v;
}

/**
 * Gaussian negative log-likelihood −log N(y; μ, exp(logσ²)), per element
 *
 *   ℓ_i = ½ (log 2π + logσ²_i + (y_i − μ_i)² · exp(−logσ²_i))
 *
 * (the constant ½log 2π is included, so the value is a true NLL in nats). This is Semi-DGPose's "pose
 * regression loss" −log q(y*|x) of the labelled term (slides; docs/paper-notes.md §5.2: with a Gaussian q(y|x)
 * it is a variance-weighted MSE), and with a fixed logσ² a Gaussian image likelihood.
 * @param y [N, ...] observed values (e.g. [N,2J] standardised joint coordinates)
 * @param mu same shape as y
 * @param logvar broadcastable to y (a tensor, or a number for a fixed variance)
 */
export function gaussianNll(y: tf.Tensor, mu: tf.Tensor, logvar: tf.Tensor | number, opts: NllOptions = {}): tf.Tensor {
  const reduction = checkReduction(opts.reduction ?? 'batchMean');
  assertSameShape('y', y, 'mu', mu);
  return tf.tidy(() => {
    const lv = asTensor(logvar);
    assertBroadcastable('logvar', lv.shape, y.shape);
    const sq = tf.mul(tf.squaredDifference(y, mu), tf.exp(tf.neg(lv)));
    const per = tf.mul(0.5, tf.add(tf.add(sq, lv), 2 * HALF_LOG_2PI));
    // per has y's shape (lv broadcasts to it), so a scalar logvar still gives one term per element of y.
    return reduceLoss(per, reduction, opts.mask);
  });
}

/**
 * Laplace negative log-likelihood −log Laplace(y; μ, b) with log-scale log b, per element
 *
 *   ℓ_i = |y_i − μ_i| · exp(−log b_i) + log b_i + log 2
 *
 * With a fixed b this is L1 up to scale and constant, i.e. the likelihood behind an L1 reconstruction.
 * @param y [N, ...]
 * @param mu same shape as y
 * @param logScale broadcastable to y (tensor or number)
 */
export function laplaceNll(
  y: tf.Tensor,
  mu: tf.Tensor,
  logScale: tf.Tensor | number,
  opts: NllOptions = {},
): tf.Tensor {
  const reduction = checkReduction(opts.reduction ?? 'batchMean');
  assertSameShape('y', y, 'mu', mu);
  return tf.tidy(() => {
    const lb = asTensor(logScale);
    assertBroadcastable('logScale', lb.shape, y.shape);
    const per = tf.add(tf.add(tf.mul(tf.abs(tf.sub(y, mu)), tf.exp(tf.neg(lb))), lb), Math.log(2));
    return reduceLoss(per, reduction, opts.mask);
  });
}

/**
 * Expands a per-joint visibility mask [N,J] (1 visible, 0 missing) to the flat coordinate layout [N,2J]
 * (x0,y0,x1,y1,… as `poseToArrays` in @dgpose/core), for use as the `mask` of {@link gaussianNll}.
 */
export function jointMaskToCoordMask(visible: tf.Tensor): tf.Tensor {
  if (visible.rank !== 2) {
    throw new DGPoseError('E_SHAPE', 'visible must be [N,J]', {
      argument: 'visible',
      expected: '[N,J]',
      got: [...visible.shape],
    });
  }
  const [n, j] = visible.shape as [number, number];
  return tf.tidy(() => tf.reshape(tf.tile(tf.reshape(tf.cast(visible, 'float32'), [n, j, 1]), [1, 1, 2]), [n, 2 * j]));
}
