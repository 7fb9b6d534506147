/*
 * Training-mode batch normalisation as ONE tape entry with its own gradient (tf.customGrad), instead of
 * the ~10 ops (moments, sub, add, rsqrt, mul, mul, add) whose gradients autodiff chains together (about
 * 30 kernels and 15 full passes over the activation per call; a `small` DGPose step has 19 calls).
 * The forward values are those of BatchNorm's formula; the gradient is the closed form
 *
 *   x̂ = (x − μ)·r,  r = 1/√(σ² + ε),  y = γ·x̂ + β,  N = elements per channel
 *   dβ = Σ dy,  dγ = Σ dy·x̂,  dx = γ·r · (dy − dβ/N − x̂·dγ/N)
 *
 * (the same derivative as autodiff through μ and σ², summed in another order: equal within float32
 * rounding). Only x̂ and r are kept for the backward pass.
 */
import * as tf from '@tensorflow/tfjs-core';

export interface FusedBatchNormResult {
  y: tf.Tensor;
  /** Batch mean and (biased) variance, [C] each: the caller's to dispose (running statistics). */
  mean: tf.Tensor;
  variance: tf.Tensor;
}

const ops = new Map<number, (x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor) => tf.Tensor>();
/** The batch moments of the latest forward, handed from inside the op to its caller (synchronous). */
let lastMoments: [tf.Tensor, tf.Tensor] | null = null;

function takeMoments(): [tf.Tensor, tf.Tensor] | null {
  const m = lastMoments;
  lastMoments = null;
  return m;
}

/** y = γ·(x − μ_B)/√(σ²_B + ε) + β over every axis but the last, with the batch moments. */
export function fusedBatchNormTrain(
  x: tf.Tensor,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  eps: number,
): FusedBatchNormResult {
  let op = ops.get(eps);
  if (!op) {
    op = tf.customGrad(((xi: tf.Tensor, g: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
      const axes = xi.rank === 2 ? [0] : [0, 1, 2];
      const mean = tf.mean(xi, axes);
      const xc = tf.sub(xi, mean);
      const variance = tf.mean(tf.square(xc), axes);
      const r = tf.rsqrt(tf.add(variance, eps));
      const xhat = tf.mul(xc, r);
      save([xhat, r, g]);
      // handed out past customGrad's scope for the running statistics (not part of the gradient)
      lastMoments = [tf.keep(mean), tf.keep(variance)];
      return {
        value: tf.add(tf.mul(xhat, g), b),
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
          const [xh, rs, gm] = saved;
          const n = dy.size / gm.size;
          const dBeta = tf.sum(dy, axes);
          const dGamma = tf.sum(tf.mul(dy, xh), axes);
          const centred = tf.sub(tf.sub(dy, tf.div(dBeta, n)), tf.mul(xh, tf.div(dGamma, n)));
          return [tf.mul(centred, tf.mul(gm, rs)), dGamma, dBeta];
        },
      };
    }) as never) as unknown as (x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor) => tf.Tensor;
    ops.set(eps, op);
  }
  lastMoments = null;
  const y = op(x, gamma, beta);
  const moments = takeMoments();
  if (!moments) throw new Error('fusedBatchNormTrain: the forward pass did not run');
  return { y, mean: moments[0], variance: moments[1] };
}
