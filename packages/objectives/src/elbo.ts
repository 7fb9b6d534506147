import * as tf from '@tensorflow/tfjs-core';
import { DGPoseError, checkNumber } from '@dgpose/core';
import { tidyObject } from './tidy';
import { gaussianNll, klNormal, klStandardNormal, laplaceNll, reducePerSample, sampleGaussian } from '@dgpose/losses';

/** A diagonal Gaussian given by its mean and log-variance (same shape, [N, d]). */
export interface GaussianParams {
  mu: tf.Tensor;
  logvar: tf.Tensor;
}

/** The reconstruction term −log p(x | z[, y]) up to scale. */
export type ReconstructionKind = 'l1' | 'l2' | 'gaussian' | 'laplace';

/** ELBO settings shared by {@link vaeLoss}, {@link cvaeLoss} and the semi-supervised objective. */
export interface ElboConfig {
  /**
   * Reconstruction term: `'l1'` |x − x̂| (ClothNet, PG2; the slides' "L1-norm"), `'l2'` (x − x̂)²,
   * `'gaussian'` −log N(x; x̂, e^{obsLogScale}) or `'laplace'` −log Laplace(x; x̂, e^{obsLogScale})
   * (true NLLs, constants included). Default `'l1'`.
   */
  reconstruction: ReconstructionKind;
  /** λ_rec, weight of the reconstruction term. Default 1. */
  lambdaRec: number;
  /**
   * `'sum'` (default): Σ over the pixels of each image, as ClothNet's cVAE (`reduction_op = reduce_sum`)
   * and a true ELBO; `'mean'`: the mean over pixels (pix2pix scale; then λ_rec ≈ 100 balances the KL).
   * Either way the loss is then averaged over the batch.
   */
  recReduction: 'sum' | 'mean';
  /** log σ² of a Gaussian p(x|·), or log b of a Laplace one; ignored by l1/l2. Default 0. */
  obsLogScale: number;
}

export const DEFAULT_ELBO_CONFIG: Readonly<ElboConfig> = Object.freeze({
  reconstruction: 'l1',
  lambdaRec: 1,
  recReduction: 'sum',
  obsLogScale: 0,
});

const KINDS: readonly ReconstructionKind[] = ['l1', 'l2', 'gaussian', 'laplace'];

/** Fills defaults and validates; throws E_CONFIG on unknown keys or bad values. */
export function validateElboConfig(partial: Partial<ElboConfig> = {}): ElboConfig {
  for (const k of Object.keys(partial)) {
    if (!(k in DEFAULT_ELBO_CONFIG)) {
      throw new DGPoseError('E_CONFIG', `unknown ELBO config key ${k}`, {
        argument: k,
        expected: Object.keys(DEFAULT_ELBO_CONFIG),
        got: k,
      });
    }
  }
  const c = { ...DEFAULT_ELBO_CONFIG, ...partial };
  if (!KINDS.includes(c.reconstruction)) {
    throw new DGPoseError('E_CONFIG', 'unknown reconstruction', {
      argument: 'reconstruction',
      expected: KINDS,
      got: c.reconstruction,
    });
  }
  if (c.recReduction !== 'sum' && c.recReduction !== 'mean') {
    throw new DGPoseError('E_CONFIG', 'unknown recReduction', {
      argument: 'recReduction',
      expected: ['sum', 'mean'],
      got: c.recReduction,
    });
  }
  checkNumber('lambdaRec', c.lambdaRec, (x) => x >= 0, 'a finite number >= 0');
  checkNumber('obsLogScale', c.obsLogScale, () => true, 'a finite number');
  return c;
}

/** The name under which the reconstruction term is reported in `terms`. */
export function reconstructionTermName(kind: ReconstructionKind): string {
  return kind === 'gaussian' ? 'nllGauss' : kind === 'laplace' ? 'nllLaplace' : kind;
}

/**
 * Per-sample reconstruction term rec_n ([N]) of x̂ against x ([N, ...] each), summed or averaged over the
 * non-batch dims by `config.recReduction`. Returns a tensor the caller owns.
 */
export function reconstructionPerSample(x: tf.Tensor, xHat: tf.Tensor, config: ElboConfig): tf.Tensor {
  if (x.shape.join() !== xHat.shape.join()) {
    throw new DGPoseError('E_SHAPE', 'the reconstruction must have the shape of x', {
      argument: 'xHat',
      expected: [...x.shape],
      got: [...xHat.shape],
    });
  }
  return tf.tidy(() => {
    let per: tf.Tensor;
    switch (config.reconstruction) {
      case 'l1':
        per = tf.abs(tf.sub(xHat, x));
        break;
      case 'l2':
        per = tf.square(tf.sub(xHat, x));
        break;
      case 'gaussian':
        per = gaussianNll(x, xHat, config.obsLogScale, { reduction: 'none' });
        break;
      case 'laplace':
        per = laplaceNll(x, xHat, config.obsLogScale, { reduction: 'none' });
        break;
    }
    const summed = reducePerSample(per, 'none');
    if (config.recReduction === 'sum') return summed;
    return tf.div(summed, per.size / per.shape[0]);
  });
}

/** What the ELBO objectives return. Every tensor belongs to the caller (`tf.dispose(result)` frees all). */
export interface ElboResult {
  /** Scalar to minimise: mean_n(λ_rec·rec_n + β·KL_n) (the negative ELBO when λ_rec = β = 1 and rec is an NLL). */
  loss: tf.Scalar;
  /** Unweighted batch mean of the reconstruction term. */
  rec: tf.Scalar;
  /** Unweighted batch mean of KL(q(z|·) ‖ p(z[|y])). */
  kl: tf.Scalar;
  /** `{ [reconstructionTermName]: rec, kl }`, e.g. `{ l1, kl }`: the same two tensors, by name. */
  terms: Record<string, tf.Scalar>;
  /** The reconstruction x̂ = decode(z[, y]), e.g. the fake batch of a VAE-GAN. */
  xHat: tf.Tensor;
  /** The sampled latent z = μ + σ·ε. */
  z: tf.Tensor;
  /** The posterior parameters q(z|·). */
  q: GaussianParams;
  /** The learned prior's parameters p(z|y), or null for N(0, I). */
  p: GaussianParams | null;
}

/** Per-call options of the ELBO objectives. */
export interface ElboOptions {
  /** β, weight of the KL term (e.g. `linearWarmup({ end: 10000 })(step)`). Default 1. */
  beta?: number;
  /** ε for z = μ + σ·ε ([N, d_z]), or a seed for `sampleGaussian` (use e.g. seed + step). */
  noise: tf.Tensor | number;
  /** ELBO settings (defaults {@link DEFAULT_ELBO_CONFIG}). */
  config?: Partial<ElboConfig>;
}

/** A VAE: encoder q(z|x) and decoder p(x|z) as plain functions (e.g. Modules' `call`). */
export interface VaeNetworks {
  encode(x: tf.Tensor): GaussianParams;
  decode(z: tf.Tensor): tf.Tensor;
}

/** A conditional VAE: q(z|x,y), p(x|z,y) and an optional learned prior p(z|y) (default N(0, I)). */
export interface CvaeNetworks {
  encode(x: tf.Tensor, y: tf.Tensor): GaussianParams;
  decode(z: tf.Tensor, y: tf.Tensor): tf.Tensor;
  prior?(y: tf.Tensor): GaussianParams;
}

function checkBeta(beta: unknown): number {
  return checkNumber('beta', beta, (b) => b >= 0, 'a finite number >= 0');
}

/** E_ARG unless a network `where` returned { mu, logvar } tensors; returns them. Internal: shared with semi-supervised.ts. */
export function checkParams(where: string, p: GaussianParams): GaussianParams {
  if (!p || !(p.mu instanceof tf.Tensor) || !(p.logvar instanceof tf.Tensor)) {
    throw new DGPoseError('E_ARG', `${where} must return { mu, logvar } tensors`, {
      argument: where,
      expected: '{ mu: tf.Tensor, logvar: tf.Tensor }',
      got: typeof p,
    });
  }
  return p;
}

/** Shared core of the VAE and CVAE objectives. */
function elbo(
  x: tf.Tensor,
  q: GaussianParams,
  decode: (z: tf.Tensor) => tf.Tensor,
  prior: GaussianParams | null,
  config: ElboConfig,
  beta: number,
  noise: tf.Tensor | number,
): ElboResult {
  const z = sampleGaussian(q.mu, q.logvar, noise);
  const xHat = decode(z);
  const [loss, rec, kl] = tf.tidy(() => {
    const recN = reconstructionPerSample(x, xHat, config);
    const klN = prior
      ? klNormal(q.mu, q.logvar, prior.mu, prior.logvar, { reduction: 'none' })
      : klStandardNormal(q.mu, q.logvar, { reduction: 'none' });
    const l = tf.mean(tf.add(tf.mul(recN, config.lambdaRec), tf.mul(klN, beta))) as tf.Scalar;
    return [l, tf.mean(recN) as tf.Scalar, tf.mean(klN) as tf.Scalar];
  });
  return { loss, rec, kl, terms: { [reconstructionTermName(config.reconstruction)]: rec, kl }, xHat, z, q, p: prior };
}

/**
 * VAE objective (Kingma & Welling 2014; the slides' L_VAE), to minimise:
 *
 *   L = (1/N) Σ_n [ λ_rec · rec(x_n, x̂_n) + β · KL(q(z|x_n) ‖ N(0, I)) ],  z_n = μ_n + σ_n ⊙ ε_n,  x̂_n = decode(z_n)
 *
 * i.e. −ELBO = −E_q[log p(x|z)] + KL(q(z|x) ‖ p(z)) with one reparameterised sample, when λ_rec = β = 1
 * and rec is an NLL. With `'l1'`, λ_rec·L1 + β·KL is ClothNet's `recon_weight·L1 + latent_weight·KL`.
 * The networks run here (inside an outer tape when training): call it within tf.variableGrads/minimize.
 * @param x [N, ...] data, e.g. images [N,H,W,3] in [-1, 1]
 */
export function vaeLoss(nets: VaeNetworks, x: tf.Tensor, opts: ElboOptions): ElboResult {
  const config = validateElboConfig(opts.config);
  const beta = checkBeta(opts.beta ?? 1);
  // One tidy around everything: on a throw nothing leaks; the returned tensors survive (and stay on an
  // outer gradient tape).
  return tidyObject(() => {
    const q = nets.encode(x);
    checkParams('encode', q);
    return elbo(x, q, (z) => nets.decode(z), null, config, beta, opts.noise);
  });
}

/**
 * Conditional VAE objective (Sohn et al. 2015; the slides' L_CVAE; Conditional-DGPose, docs/paper-notes.md §4.3):
 *
 *   L = (1/N) Σ_n [ λ_rec · rec(x_n, decode(z_n, y_n)) + β · KL(q(z|x_n, y_n) ‖ p(z|y_n)) ],  z_n ~ q(z|x_n, y_n)
 *
 * with p(z|y) = N(0, I) (closed form −½Σ(1 + logσ² − μ² − σ²), ClothNet `gen_loss_latent`) unless
 * `nets.prior` gives a learned diagonal Gaussian p(z|y), then KL between two diagonal Gaussians.
 * @param x [N, ...] data
 * @param y [N, ...] condition (pose heatmaps or pose vectors), passed to the networks as is
 */
export function cvaeLoss(nets: CvaeNetworks, x: tf.Tensor, y: tf.Tensor, opts: ElboOptions): ElboResult {
  const config = validateElboConfig(opts.config);
  const beta = checkBeta(opts.beta ?? 1);
  return tidyObject(() => {
    const q = nets.encode(x, y);
    checkParams('encode', q);
    let prior: GaussianParams | null = null;
    if (nets.prior) {
      prior = nets.prior(y);
      checkParams('prior', prior);
    }
    return elbo(x, q, (z) => nets.decode(z, y), prior, config, beta, opts.noise);
  });
}
