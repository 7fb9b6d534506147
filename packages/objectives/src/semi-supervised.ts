import * as tf from '@tensorflow/tfjs-core';
import { DGPoseError } from '@dgpose/core';
import {
  gaussianNll,
  jointMaskToCoordMask,
  klNormal,
  klNormalFullCovariance,
  klStandardNormal,
  reducePerSample,
  sampleGaussian,
} from '@dgpose/losses';
import { stopGradient } from './stop-gradient';
import { tidyObject } from './tidy';
import {
  DEFAULT_ELBO_CONFIG,
  type ElboConfig,
  type GaussianParams,
  checkParams,
  reconstructionPerSample,
  validateElboConfig,
} from './elbo';

/**
 * Semi-DGPose networks (docs/paper-notes.md §5.1, §5.4): pose encoder q(y|x) over standardised coordinates,
 * appearance encoder q(z|x,y), decoder p(x|y,z) (the mapper from pose vector to heatmaps lives inside
 * `decode`).
 */
export interface SemiSupervisedNetworks {
  /** q(y|x): [N, 2J] mean and log-variance of the standardised pose. */
  encodePose(x: tf.Tensor): GaussianParams;
  /** q(z|x, y): appearance posterior. */
  encodeAppearance(x: tf.Tensor, y: tf.Tensor): GaussianParams;
  /** p(x|y, z): the reconstruction x̂. */
  decode(z: tf.Tensor, y: tf.Tensor): tf.Tensor;
}

/** Settings of the semi-supervised objective: the ELBO settings plus α, γ and the pose-KL weight. */
export interface SemiSupervisedConfig extends ElboConfig {
  /** α, weight of the supervised encoder term −log q(y*|x) (probtorch `elbo(q, p, alpha=0.1)`). Default 0.1. */
  alpha: number;
  /** γ, weight of the labelled sum Σ L_s (the slides' L_SS; the only meaning of γ in this code, docs/paper-notes.md §5.2). Default 1. */
  gamma: number;
  /** Weight of KL(q(y|x) ‖ p(y)) ("KL (bottom)") in L_u. Default 1. */
  betaY: number;
  /**
   * Share in [0, 1] of L_u's reconstruction gradient that reaches q(y|x) through the sampled pose ŷ. The
   * forward pass is unchanged: ŷ enters q(z|x,ŷ) and p(x|ŷ,z) as s·ŷ + (1 − s)·stop_gradient(ŷ). 1 (default)
   * is the paper's objective; below 1 is a departure, for experiments on what the unlabelled rows teach q(y|x).
   */
  poseReconGrad: number;
}

export const DEFAULT_SEMI_SUPERVISED_CONFIG: Readonly<SemiSupervisedConfig> = Object.freeze({
  ...DEFAULT_ELBO_CONFIG,
  alpha: 0.1,
  gamma: 1,
  betaY: 1,
  poseReconGrad: 1,
});

/** Fills defaults and validates; throws E_CONFIG on unknown keys or bad values. */
export function validateSemiSupervisedConfig(partial: Partial<SemiSupervisedConfig> = {}): SemiSupervisedConfig {
  const own: (keyof SemiSupervisedConfig)[] = ['alpha', 'gamma', 'betaY', 'poseReconGrad'];
  const elboPart: Partial<ElboConfig> = {};
  for (const [k, v] of Object.entries(partial)) {
    if (!(own as string[]).includes(k)) (elboPart as Record<string, unknown>)[k] = v;
  }
  const base = validateElboConfig(elboPart);
  const c = { ...DEFAULT_SEMI_SUPERVISED_CONFIG, ...partial, ...base };
  for (const k of own) {
    const v = c[k];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
      throw new DGPoseError('E_CONFIG', `${k} must be a finite number >= 0`, { argument: k, expected: '>= 0', got: v });
    }
  }
  if (c.poseReconGrad > 1) {
    throw new DGPoseError('E_CONFIG', 'poseReconGrad is a share of a gradient, in [0, 1]', {
      argument: 'poseReconGrad',
      expected: '[0, 1]',
      got: c.poseReconGrad,
    });
  }
  return c;
}

/** One semi-supervised batch: a labelled part, an unlabelled part, or both. */
export interface SemiSupervisedBatch {
  /** Labelled images with their standardised poses y* [Ns, 2J] and optional visibility [Ns, J]. */
  labelled?: { x: tf.Tensor; y: tf.Tensor; visible?: tf.Tensor };
  /** Unlabelled images. */
  unlabelled?: { x: tf.Tensor };
}

/** Explicit noise for each reparameterised draw (else derived from one seed). */
export interface SemiSupervisedNoise {
  /** ε for z of the labelled part [Ns, d_z]. */
  zLabelled?: tf.Tensor;
  /** ε for ŷ ~ q(y|x) of the unlabelled part [Nu, 2J]. */
  yUnlabelled?: tf.Tensor;
  /** ε for z of the unlabelled part [Nu, d_z]. */
  zUnlabelled?: tf.Tensor;
}

/** Per-call options of {@link semiSupervisedLoss}. */
export interface SemiSupervisedOptions {
  /**
   * The pose prior p(y) in the standardised space, e.g. `posePriorParams(fitGaussianPrior(...))`: `mu`,
   * `logvar` [2J] (diagonal), plus `invCholesky` [2J, 2J] = L⁻¹ for a full covariance Σ = L Lᵀ (then
   * `logvar` is ignored and KL(bottom) is losses' `klNormalFullCovariance`).
   */
  prior: GaussianParams & { invCholesky?: tf.Tensor };
  /** β, weight of KL(q(z|x,y) ‖ N(0, I)) ("KL (top)"). Default 1. */
  beta?: number;
  /** A seed (draws use seed, seed + 1, seed + 2 for z_s, ŷ_u, z_u), or explicit ε per draw. */
  noise: number | SemiSupervisedNoise;
  config?: Partial<SemiSupervisedConfig>;
}

/** The tensors of one part of the batch. */
export interface SemiSupervisedPart {
  /** q(y|x) parameters. */
  qy: GaussianParams;
  /** The sampled pose ŷ ~ q(y|x) fed to q(z|x,ŷ) and the decoder (unlabelled part); null for the labelled
   * part, which uses the given y* (never returned, so disposing the result never frees an input). */
  yHat: tf.Tensor | null;
  qz: GaussianParams;
  z: tf.Tensor;
  xHat: tf.Tensor;
}

/** What {@link semiSupervisedLoss} returns; the caller owns every tensor (`tf.dispose(result)`). */
export interface SemiSupervisedResult {
  /** (Σ_u L_u + γ Σ_s L_s) / (N_u + N_s). */
  loss: tf.Scalar;
  /**
   * Unweighted batch means over their part: labelled `recS`, `klZS` (KL top), `poseNll` (−log q(y*|x)),
   * `lossS` (L_s); unlabelled `recU`, `klZU` (KL top), `klYU` (KL bottom), `lossU` (L_u). Only the parts
   * present in the batch appear.
   */
  terms: Record<string, tf.Scalar>;
  /** Reconstructions in batch order [labelled; unlabelled] (the fake batch of a VAE-GAN). */
  xHat: tf.Tensor;
  labelled: SemiSupervisedPart | null;
  unlabelled: SemiSupervisedPart | null;
}

/**
 * Semi-DGPose's pose regression loss (slides "Pose regression loss"; docs/paper-notes.md §5.2), per sample:
 *
 *   −log q(y*|x) = Σ_{d visible} ½ (log 2π + log σ²_d + (y*_d − μ_d)² / σ²_d),   q(y|x) = N(μ, diag σ²)
 *
 * losses' {@link gaussianNll} summed over the coordinates of the visible joints (`visible` [N, J], missing
 * joints masked out; absent = all visible). `y` [N, 2J] are the standardised labelled poses; returns [N].
 * The labelled term of {@link semiSupervisedLoss} and the whole of {@link supervisedPoseLoss} use it.
 */
export function poseRegressionNll(y: tf.Tensor, qy: GaussianParams, visible?: tf.Tensor): tf.Tensor {
  if (y.rank !== 2 || qy.mu.rank !== 2 || y.shape[0] !== qy.mu.shape[0]) {
    throw new DGPoseError('E_SHAPE', 'y must be [N, 2J] with one row per row of q(y|x)', {
      argument: 'y',
      expected: [qy.mu.shape[0], '2J'],
      got: [...y.shape],
    });
  }
  return tf.tidy(() =>
    reducePerSample(
      gaussianNll(y, qy.mu, qy.logvar, {
        reduction: 'none',
        mask: visible ? jointMaskToCoordMask(visible) : undefined,
      }),
      'none',
    ),
  );
}

/** What {@link supervisedPoseLoss} returns; the caller owns every tensor (`tf.dispose(result)`). */
export interface SupervisedPoseResult {
  /** α · mean_s(−log q(y*_s|x_s)). */
  loss: tf.Scalar;
  /** `poseNll`: the unweighted batch mean of −log q(y*|x) (the same term as {@link semiSupervisedLoss}'s). */
  terms: Record<string, tf.Scalar>;
  /** q(y|x) parameters of the batch. */
  qy: GaussianParams;
}

/**
 * The supervised-only baseline of Semi-DGPose: the same q(y|x) trained on the labelled rows alone,
 *
 *   L_sup = α · (1/N_s) Σ_s −log q(y*_s | x_s)        (−log q(y*|x): {@link poseRegressionNll})
 *
 * i.e. the pose-regression part of {@link semiSupervisedLoss}'s L_s on a labelled-only batch, without the
 * CVAE terms (no q(z|x,y), no decoder, no unlabelled rows). It is what unlabelled data must beat: with the
 * same network, labelled subset and steps, the gain of L_SS over L_sup is what the unlabelled rows add.
 * Only `config.alpha` is used (validated with the rest of {@link SemiSupervisedConfig}).
 */
export function supervisedPoseLoss(
  nets: Pick<SemiSupervisedNetworks, 'encodePose'>,
  labelled: { x: tf.Tensor; y: tf.Tensor; visible?: tf.Tensor },
  opts: { config?: Partial<SemiSupervisedConfig> } = {},
): SupervisedPoseResult {
  const config = validateSemiSupervisedConfig(opts.config);
  if (!labelled || !labelled.x || !labelled.y)
    throw new DGPoseError('E_EMPTY', 'supervisedPoseLoss needs labelled rows { x, y }', { argument: 'labelled' });
  const { x, y } = labelled;
  if (y.rank !== 2 || y.shape[0] !== x.shape[0]) {
    throw new DGPoseError('E_SHAPE', 'labelled.y must be [Ns, 2J] with Ns = labelled.x.shape[0]', {
      argument: 'labelled.y',
      expected: [x.shape[0], '2J'],
      got: [...y.shape],
    });
  }
  return tidyObject((): SupervisedPoseResult => {
    const qy = checkParams('encodePose', nets.encodePose(x));
    const poseNll = tf.mean(poseRegressionNll(y, qy, labelled.visible)) as tf.Scalar;
    return { loss: tf.mul(poseNll, config.alpha) as tf.Scalar, terms: { poseNll }, qy };
  });
}

function draw(
  p: GaussianParams,
  eps: tf.Tensor | undefined,
  seed: number | null,
  offset: number,
  name: string,
): tf.Tensor {
  if (eps !== undefined) return sampleGaussian(p.mu, p.logvar, eps);
  if (seed === null)
    throw new DGPoseError('E_ARG', `noise.${name} is missing`, { argument: `noise.${name}`, expected: 'a tensor' });
  return sampleGaussian(p.mu, p.logvar, seed + offset);
}

/**
 * Semi-supervised CVAE objective of Semi-DGPose (slides "Semi-supervised CVAE"; Siddharth et al. 2017;
 * docs/paper-notes.md §5.1–5.2), to minimise:
 *
 *   L_SS = ( Σ_{x_u ∈ D_u} L_u(x_u) + γ Σ_{(x_s, y_s) ∈ D_s} L_s(x_s, y_s) ) / (N_u + N_s)
 *
 *   L_s = λ_rec·rec(x_s, decode(z, y_s)) + β·KL(q(z|x_s, y_s) ‖ N(0, I)) + α·(−log q(y_s|x_s)),  z ~ q(z|x_s, y_s)
 *   L_u = λ_rec·rec(x_u, decode(z, ŷ)) + β·KL(q(z|x_u, ŷ) ‖ N(0, I)) + β_y·KL(q(y|x_u) ‖ p(y)),
 *         ŷ ~ q(y|x_u), z ~ q(z|x_u, ŷ)
 *
 * These are the negated slide terms: L_s = −(CVAE ELBO + α log q(y_s|x_s)), the "Pose regression loss"
 * −log q(y*|x) being {@link gaussianNll} over the visible coordinates (missing joints masked out); L_u =
 * −L_VAE over the joint latent (y, z), whose y-part is the analytic "KL (bottom)" against the pose prior
 * p(y): diagonal N(μ_p, diag σ²_p) (losses' `klNormal`) or full-covariance N(μ_p, L Lᵀ) given
 * `prior.invCholesky` = L⁻¹ (losses' `klNormalFullCovariance`:
 * ½(Σ_d (Σ⁻¹)_dd σ²_q,d + ‖L⁻¹(μ_q − μ_p)‖² − D + log det Σ − Σ_d log σ²_q,d)). It is probtorch's `elbo(q, p, alpha, beta)`:
 * E_q(z|x,y)[log p(x|y,z) − β log q(z|x,y)/p(z)] + α E[log q(y|x)] for the observed y (docs/paper-notes.md
 * §5.2), with the KL terms in closed form. Dividing by N_u + N_s keeps a per-example scale.
 * Labelled poses y_s are standardised (`standardizePoses`); give missing joints any finite value (0, the
 * prior mean) and mark them in `visible`.
 */
export function semiSupervisedLoss(
  nets: SemiSupervisedNetworks,
  batch: SemiSupervisedBatch,
  opts: SemiSupervisedOptions,
): SemiSupervisedResult {
  const config = validateSemiSupervisedConfig(opts.config);
  const beta = opts.beta ?? 1;
  if (typeof beta !== 'number' || !Number.isFinite(beta) || beta < 0) {
    throw new DGPoseError('E_CONFIG', 'beta must be a finite number >= 0', {
      argument: 'beta',
      expected: '>= 0',
      got: beta,
    });
  }
  if (!batch.labelled && !batch.unlabelled) {
    throw new DGPoseError('E_EMPTY', 'the batch has neither a labelled nor an unlabelled part', { argument: 'batch' });
  }
  const seed = typeof opts.noise === 'number' ? opts.noise : null;
  const noise: SemiSupervisedNoise = typeof opts.noise === 'number' ? {} : opts.noise;
  if (seed !== null && !Number.isFinite(seed)) {
    throw new DGPoseError('E_ARG', 'noise seed must be finite', {
      argument: 'noise',
      expected: 'a finite seed or a noise object',
      got: seed,
    });
  }
  return tidyObject((): SemiSupervisedResult => {
    const terms: Record<string, tf.Scalar> = {};
    const sums: tf.Tensor[] = [];
    const xHats: tf.Tensor[] = [];
    let count = 0;
    let labelled: SemiSupervisedPart | null = null;
    let unlabelled: SemiSupervisedPart | null = null;

    if (batch.labelled) {
      const { x, y, visible } = batch.labelled;
      if (y.rank !== 2 || y.shape[0] !== x.shape[0]) {
        throw new DGPoseError('E_SHAPE', 'labelled.y must be [Ns, 2J] with Ns = labelled.x.shape[0]', {
          argument: 'labelled.y',
          expected: [x.shape[0], '2J'],
          got: [...y.shape],
        });
      }
      const qy = checkParams('encodePose', nets.encodePose(x));
      const poseNll = poseRegressionNll(y, qy, visible);
      const qz = checkParams('encodeAppearance', nets.encodeAppearance(x, y));
      const z = draw(qz, noise.zLabelled, seed, 0, 'zLabelled');
      const xHat = nets.decode(z, y);
      const rec = reconstructionPerSample(x, xHat, config);
      const klZ = klStandardNormal(qz.mu, qz.logvar, { reduction: 'none' });
      const lossS = tf.add(tf.add(tf.mul(rec, config.lambdaRec), tf.mul(klZ, beta)), tf.mul(poseNll, config.alpha));
      Object.assign(terms, {
        recS: tf.mean(rec),
        klZS: tf.mean(klZ),
        poseNll: tf.mean(poseNll),
        lossS: tf.mean(lossS),
      });
      sums.push(tf.mul(tf.sum(lossS), config.gamma));
      xHats.push(xHat);
      count += x.shape[0];
      labelled = { qy, yHat: null, qz, z, xHat };
    }

    if (batch.unlabelled) {
      const { x } = batch.unlabelled;
      const qy = checkParams('encodePose', nets.encodePose(x));
      const yHat = draw(qy, noise.yUnlabelled, seed, 1, 'yUnlabelled');
      const s = config.poseReconGrad;
      const yIn = s === 1 ? yHat : tf.add(tf.mul(yHat, s), tf.mul(stopGradient(yHat), 1 - s));
      const qz = checkParams('encodeAppearance', nets.encodeAppearance(x, yIn));
      const z = draw(qz, noise.zUnlabelled, seed, 2, 'zUnlabelled');
      const xHat = nets.decode(z, yIn);
      const rec = reconstructionPerSample(x, xHat, config);
      const klZ = klStandardNormal(qz.mu, qz.logvar, { reduction: 'none' });
      const klY = opts.prior.invCholesky
        ? klNormalFullCovariance(qy.mu, qy.logvar, opts.prior.mu, opts.prior.invCholesky, { reduction: 'none' })
        : klNormal(qy.mu, qy.logvar, opts.prior.mu, opts.prior.logvar, { reduction: 'none' });
      const lossU = tf.add(tf.add(tf.mul(rec, config.lambdaRec), tf.mul(klZ, beta)), tf.mul(klY, config.betaY));
      Object.assign(terms, { recU: tf.mean(rec), klZU: tf.mean(klZ), klYU: tf.mean(klY), lossU: tf.mean(lossU) });
      sums.push(tf.sum(lossU));
      xHats.push(xHat);
      count += x.shape[0];
      unlabelled = { qy, yHat, qz, z, xHat };
    }

    const loss = tf.div(sums.length === 1 ? sums[0] : tf.add(sums[0], sums[1]), count) as tf.Scalar;
    const xHat = xHats.length === 1 ? xHats[0] : tf.concat(xHats, 0);
    return { loss, terms, xHat, labelled, unlabelled };
  });
}
