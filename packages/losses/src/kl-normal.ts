import * as tf from '@tensorflow/tfjs-core';
import { DGPoseError } from '@dgpose/core';
import { assertBroadcastable, assertSameShape } from './reduce';

/**
 * Reduction of a per-sample quantity (a KL between distributions over a whole latent vector is one number
 * per sample): `'none'` → [N]; `'sum'` → Σ_n; `'mean'` (and its synonym `'batchMean'`) → mean over n.
 */
export type SampleReduction = 'none' | 'sum' | 'mean' | 'batchMean';

const SAMPLE_REDUCTIONS: readonly SampleReduction[] = ['none', 'sum', 'mean', 'batchMean'];

/** Options of the KL divergences. */
export interface KlOptions {
  /** Default `'mean'`: the batch mean of the per-sample KL, as ClothNet's `gen_loss_latent`. */
  reduction?: SampleReduction;
}

function checkSampleReduction(r: unknown): SampleReduction {
  if (typeof r !== 'string' || !(SAMPLE_REDUCTIONS as readonly string[]).includes(r)) {
    throw new DGPoseError('E_ARG', 'unknown reduction', { argument: 'reduction', expected: SAMPLE_REDUCTIONS, got: r });
  }
  return r as SampleReduction;
}

/**
 * Sums a per-element map over every axis but 0 ([N,...] → [N]), then applies the sample reduction.
 * Returns a tensor the caller owns; for a rank-1 map with 'none' that is `perElement` itself.
 */
export function reducePerSample(perElement: tf.Tensor, reduction: SampleReduction): tf.Tensor {
  return tf.tidy(() => {
    const axes = perElement.shape.map((_, i) => i).slice(1);
    const perSample = axes.length === 0 ? perElement : tf.sum(perElement, axes);
    switch (reduction) {
      case 'none':
        return perSample;
      case 'sum':
        return tf.sum(perSample);
      default:
        return tf.mean(perSample);
    }
  });
}

function assertBatched(argument: string, t: tf.Tensor): void {
  if (t.rank < 1) {
    throw new DGPoseError('E_SHAPE', `${argument} needs a batch axis`, {
      argument,
      expected: '[N, ...]',
      got: [...t.shape],
    });
  }
}

/**
 * KL(q ‖ N(0, I)) of a diagonal Gaussian q = N(μ, diag(exp(logσ²))), summed over the latent dims:
 *
 *   KL_n = −½ Σ_d (1 + logσ²_nd − μ_nd² − exp(logσ²_nd))
 *
 * exactly ClothNet's `gen_loss_latent` (−0.5·reduce_sum(1 + z_log_sigma_sq − μ² − exp(z_log_sigma_sq)),
 * then reduce_mean over the batch; docs/paper-notes.md §4.3), the "KL (top)" of the slides.
 * @param mu [N, ...] (usually [N, d_z])
 * @param logvar same shape as mu: log σ²
 * @returns [] (or [N] with `reduction: 'none'`), nats
 */
export function klStandardNormal(mu: tf.Tensor, logvar: tf.Tensor, opts: KlOptions = {}): tf.Tensor {
  const reduction = checkSampleReduction(opts.reduction ?? 'mean');
  assertBatched('mu', mu);
  assertSameShape('mu', mu, 'logvar', logvar);
  return tf.tidy(() => {
    const inner = tf.sub(tf.sub(tf.add(1, logvar), tf.square(mu)), tf.exp(logvar));
    return reducePerSample(tf.mul(-0.5, inner), reduction);
  });
}

/**
 * KL(q ‖ p) between diagonal Gaussians q = N(μ_q, exp(logσ²_q)) and p = N(μ_p, exp(logσ²_p)), summed over
 * the latent dims:
 *
 *   KL_n = ½ Σ_d ( logσ²_p − logσ²_q + (exp(logσ²_q) + (μ_q − μ_p)²) / exp(logσ²_p) − 1 )
 *
 * Used for a learned conditional prior p(z|y) (CVAE) and for "KL (bottom)" KL(q(y|x) ‖ p(y)) of
 * Semi-DGPose (slides; docs/paper-notes.md §5.2). With μ_p = 0, logσ²_p = 0 it equals {@link klStandardNormal}.
 * @param muQ [N, ...]
 * @param logvarQ same shape as muQ
 * @param muP broadcastable to muQ (e.g. [D] for a prior shared by the batch)
 * @param logvarP broadcastable to muQ
 * @returns [] (or [N] with `reduction: 'none'`), nats
 */
export function klNormal(
  muQ: tf.Tensor,
  logvarQ: tf.Tensor,
  muP: tf.Tensor,
  logvarP: tf.Tensor,
  opts: KlOptions = {},
): tf.Tensor {
  const reduction = checkSampleReduction(opts.reduction ?? 'mean');
  assertBatched('muQ', muQ);
  assertSameShape('muQ', muQ, 'logvarQ', logvarQ);
  assertBroadcastable('muP', muP.shape, muQ.shape);
  assertBroadcastable('logvarP', logvarP.shape, muQ.shape);
  return tf.tidy(() => {
    // square(sub) rather than squaredDifference: tfjs's SquaredDifference gradient does not reduce over
    // broadcast dims, so a shared prior [D] would get a [N,D] gradient.
    const ratio = tf.mul(tf.add(tf.exp(logvarQ), tf.square(tf.sub(muQ, muP))), tf.exp(tf.neg(logvarP)));
    const perElement = tf.mul(0.5, tf.sub(tf.add(tf.sub(logvarP, logvarQ), ratio), 1));
    // perElement has muQ's shape (logvarQ has it), so a shared prior is counted once per sample and dim.
    return reducePerSample(perElement, reduction);
  });
}

/**
 * KL(q ‖ p) between a diagonal Gaussian q = N(μ_q, diag(σ²_q)), σ²_q = exp(logσ²_q), and a
 * full-covariance Gaussian p = N(μ_p, Σ_p), given p by the inverse of its Cholesky factor:
 * Σ_p = L Lᵀ, A = L⁻¹ (lower triangular, positive diagonal), so Σ_p⁻¹ = AᵀA and
 * log det Σ_p = −2 Σ_d log A_dd. The general Gaussian KL
 *
 *   KL = ½ ( tr(Σ_p⁻¹ Σ_q) + (μ_p − μ_q)ᵀ Σ_p⁻¹ (μ_p − μ_q) − D + log det Σ_p − log det Σ_q )
 *
 * with Σ_q = diag(σ²_q) becomes, per sample n,
 *
 *   KL_n = ½ ( Σ_d c_d·σ²_q,nd + ‖u_n‖² − D − 2 Σ_d log A_dd − Σ_d logσ²_q,nd ),
 *   c_d  = Σ_k A_kd²            (= (Σ_p⁻¹)_dd)                       c: [D]
 *   u_n  = A (μ_q,n − μ_p)       (u = (μ_q − μ_p) Aᵀ, row-wise)       u: [N, D]
 *
 * The "KL (bottom)" KL(q(y|x) ‖ p(y)) of Semi-DGPose with a full-covariance pose prior (docs/paper-notes.md
 * §5.2 [PROPOSAL]: "or use a full-covariance / PCA prior"). With A = diag(exp(−½ logσ²_p)) it equals
 * {@link klNormal}. A is usually a constant (a fitted prior); gradients flow to every input.
 * @param muQ [N, D]
 * @param logvarQ [N, D]
 * @param muP [D]
 * @param invCholeskyP [D, D] A = L⁻¹, lower triangular with a positive diagonal (entries above the
 *   diagonal are ignored)
 * @returns [] (or [N] with `reduction: 'none'`), nats
 */
export function klNormalFullCovariance(
  muQ: tf.Tensor,
  logvarQ: tf.Tensor,
  muP: tf.Tensor,
  invCholeskyP: tf.Tensor,
  opts: KlOptions = {},
): tf.Tensor {
  const reduction = checkSampleReduction(opts.reduction ?? 'mean');
  if (muQ.rank !== 2)
    throw new DGPoseError('E_SHAPE', 'muQ must be [N, D]', {
      argument: 'muQ',
      expected: ['N', 'D'],
      got: [...muQ.shape],
    });
  assertSameShape('muQ', muQ, 'logvarQ', logvarQ);
  const d = muQ.shape[1];
  if (muP.rank !== 1 || muP.shape[0] !== d)
    throw new DGPoseError('E_SHAPE', 'muP must be [D]', { argument: 'muP', expected: [d], got: [...muP.shape] });
  if (invCholeskyP.rank !== 2 || invCholeskyP.shape[0] !== d || invCholeskyP.shape[1] !== d) {
    throw new DGPoseError('E_SHAPE', 'invCholeskyP must be [D, D]', {
      argument: 'invCholeskyP',
      expected: [d, d],
      got: [...invCholeskyP.shape],
    });
  }
  return tf.tidy(() => {
    const A = tf.linalg.bandPart(invCholeskyP, -1, 0); // lower triangle
    const c = tf.sum(tf.square(A), 0); // [D]
    const logDetP = tf.mul(-2, tf.sum(tf.log(tf.sum(tf.linalg.bandPart(A, 0, 0), 1)))); // log det Σ_p
    const u = tf.matMul(tf.sub(muQ, muP), A, false, true); // [N, D]
    const trace = tf.sum(tf.mul(tf.exp(logvarQ), c), 1);
    const quad = tf.sum(tf.square(u), 1);
    const perSample = tf.mul(0.5, tf.sub(tf.add(tf.add(trace, quad), tf.sub(logDetP, d)), tf.sum(logvarQ, 1)));
    return reducePerSample(perSample, reduction);
  });
}
