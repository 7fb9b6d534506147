import * as tf from '@tensorflow/tfjs-core';
import { assertSameShape, checkReduction, reduceLoss, type Reduction } from './reduce';

/** Options of the pixel/coordinate regression losses. */
export interface RegressionLossOptions {
  /** How the elementwise map is reduced (see {@link Reduction}). Default `'mean'`. */
  reduction?: Reduction;
  /**
   * Weights broadcastable (numpy rules) to the prediction, e.g. [N,H,W,1] for a body mask or [N,1,1,1]
   * per sample; 0/1 or soft. With `'mean'` the result is Σ(w·ℓ)/Σw over the broadcast weight.
   */
  mask?: tf.Tensor;
}

/**
 * L1 loss, ℓ_i = |pred_i − target_i|, reduced by `reduction` (default the mean over all elements, as
 * pix2pix/ClothNet `tf.reduce_mean(tf.abs(targets - outputs))`, docs/paper-notes.md §4.3; PG2's pose-mask L1
 * is `l1(pred, target, { mask })` with the body mask).
 * @param pred any shape, e.g. [N,H,W,3] in [-1,1]
 * @param target same shape as pred
 */
export function l1(pred: tf.Tensor, target: tf.Tensor, opts: RegressionLossOptions = {}): tf.Tensor {
  const reduction = checkReduction(opts.reduction ?? 'mean');
  assertSameShape('pred', pred, 'target', target);
  return tf.tidy(() => reduceLoss(tf.abs(tf.sub(pred, target)), reduction, opts.mask));
}

/**
 * L2 (mean squared error) loss, ℓ_i = (pred_i − target_i)², reduced by `reduction` (default the mean,
 * i.e. MSE). No ½ factor.
 * @param pred any shape
 * @param target same shape as pred
 */
export function l2(pred: tf.Tensor, target: tf.Tensor, opts: RegressionLossOptions = {}): tf.Tensor {
  const reduction = checkReduction(opts.reduction ?? 'mean');
  assertSameShape('pred', pred, 'target', target);
  return tf.tidy(() => reduceLoss(tf.squaredDifference(pred, target), reduction, opts.mask));
}

/** Alias of {@link l2}. */
export const mse = l2;
