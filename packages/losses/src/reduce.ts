import * as tf from '@tensorflow/tfjs-core';
import { DGPoseError } from '@dgpose/core';

/**
 * How an elementwise loss map is turned into the returned tensor.
 * - `'mean'`: Σ(w·ℓ) / Σw, the mean over the mask weight (the plain mean over all elements when there is
 *   no mask). An all-zero mask gives 0, not NaN, so a batch with nothing to score does not poison training.
 * - `'sum'`: Σ(w·ℓ) over every element.
 * - `'none'`: the weighted map w·ℓ, same shape as the loss map.
 * - `'batchMean'`: Σ(w·ℓ) / N with N = the size of axis 0: the sum over all non-batch dims, averaged over
 *   the batch (the per-sample scale of an ELBO). The mask only zeroes elements; it does not renormalise.
 */
export type Reduction = 'mean' | 'sum' | 'none' | 'batchMean';

export const REDUCTIONS: readonly Reduction[] = Object.freeze(['mean', 'sum', 'none', 'batchMean'] as const);

/** Throws E_ARG unless `r` is one of {@link REDUCTIONS}. */
export function checkReduction(r: unknown, argument = 'reduction'): Reduction {
  if (typeof r !== 'string' || !(REDUCTIONS as readonly string[]).includes(r)) {
    throw new DGPoseError('E_ARG', `unknown ${argument}`, { argument, expected: REDUCTIONS, got: r });
  }
  return r as Reduction;
}

/** True when `from` broadcasts to `to` by numpy rules (right-aligned; each dim 1 or equal). */
export function broadcastsTo(from: readonly number[], to: readonly number[]): boolean {
  if (from.length > to.length) return false;
  for (let i = 1; i <= from.length; i++) {
    const f = from[from.length - i];
    const t = to[to.length - i];
    if (f !== 1 && f !== t) return false;
  }
  return true;
}

/** Throws E_SHAPE unless `shape` broadcasts to `target`. */
export function assertBroadcastable(argument: string, shape: readonly number[], target: readonly number[]): void {
  if (!broadcastsTo(shape, target)) {
    throw new DGPoseError('E_SHAPE', `${argument} does not broadcast to the loss shape`, {
      argument,
      expected: `a shape broadcastable (numpy rules) to [${target.join(',')}]`,
      got: [...shape],
    });
  }
}

/** Throws E_SHAPE unless a and b have the same shape. */
export function assertSameShape(nameA: string, a: tf.Tensor, nameB: string, b: tf.Tensor): void {
  if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) {
    throw new DGPoseError('E_SHAPE', `${nameB} must have the shape of ${nameA}`, {
      argument: nameB,
      expected: [...a.shape],
      got: [...b.shape],
    });
  }
}

/**
 * Applies `reduction` to the elementwise loss map `loss`, weighted by an optional `mask` broadcastable to
 * it (cast to float32). Returns a tensor the caller owns; with 'none' and no mask that is `loss` itself.
 */
export function reduceLoss(loss: tf.Tensor, reduction: Reduction, mask?: tf.Tensor): tf.Tensor {
  if (mask !== undefined) assertBroadcastable('mask', mask.shape, loss.shape);
  if (reduction === 'batchMean' && loss.rank === 0) {
    throw new DGPoseError('E_SHAPE', "'batchMean' needs a batch axis", {
      argument: 'reduction',
      expected: 'rank >= 1',
      got: 0,
    });
  }
  return tf.tidy(() => {
    let weighted = loss;
    let weightSum: tf.Tensor | null = null;
    if (mask !== undefined) {
      const w = tf.cast(mask, 'float32');
      weighted = tf.mul(loss, w);
      if (reduction === 'mean') weightSum = tf.sum(tf.broadcastTo(w, loss.shape));
    }
    switch (reduction) {
      case 'none':
        return weighted;
      case 'sum':
        return tf.sum(weighted);
      case 'mean':
        if (weightSum === null) return tf.mean(weighted);
        // Σw = 0 means every term is masked out (Σw·ℓ = 0): divide by 1 then. Not tf.divNoNan, whose
        // Equal op sits on the gradient path and has no gradient in tfjs.
        return tf.div(tf.sum(weighted), tf.where(tf.equal(weightSum, 0), tf.onesLike(weightSum), weightSum));
      case 'batchMean':
        return tf.div(tf.sum(weighted), loss.shape[0]);
      default:
        return checkReduction(reduction) as never;
    }
  });
}
