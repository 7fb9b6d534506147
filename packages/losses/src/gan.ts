import * as tf from '@tensorflow/tfjs-core';
import { DGPoseError } from '@dgpose/core';
import { assertBroadcastable, checkReduction, reduceLoss, type Reduction } from './reduce';

/**
 * Adversarial loss family:
 * - `'bce'`: the non-saturating GAN of Goodfellow et al. with sigmoid cross-entropy on logits (pix2pix,
 *   ClothNet, PG2; docs/paper-notes.md §4.3);
 * - `'lsgan'`: least squares (Mao et al. 2017) on the raw discriminator outputs;
 * - `'hinge'`: hinge loss (Lim & Ye 2017; Miyato et al. 2018).
 */
export type GanLossType = 'bce' | 'lsgan' | 'hinge';

export const GAN_LOSS_TYPES: readonly GanLossType[] = Object.freeze(['bce', 'lsgan', 'hinge'] as const);

/** Options of {@link bceWithLogits}. */
export interface BceOptions {
  /** Default `'mean'` over all elements (e.g. over a PatchGAN logit map). */
  reduction?: Reduction;
  /** Weights broadcastable to the logits. */
  mask?: tf.Tensor;
}

/**
 * Sigmoid binary cross-entropy on logits x with targets t ∈ [0,1], per element
 *
 *   ℓ = −t·log σ(x) − (1−t)·log(1−σ(x)) = max(x, 0) − x·t + log(1 + exp(−|x|))
 *
 * The right-hand form is finite for every finite x (TF's `sigmoid_cross_entropy_with_logits`).
 * @param logits any shape
 * @param targets a number or a tensor broadcastable to logits
 */
export function bceWithLogits(logits: tf.Tensor, targets: tf.Tensor | number, opts: BceOptions = {}): tf.Tensor {
  const reduction = checkReduction(opts.reduction ?? 'mean');
  if (typeof targets !== 'number') assertBroadcastable('targets', targets.shape, logits.shape);
  return tf.tidy(() => {
    const x = tf.cast(logits, 'float32');
    const per = tf.add(tf.sub(tf.relu(x), tf.mul(x, targets)), tf.log1p(tf.exp(tf.neg(tf.abs(x)))));
    return reduceLoss(per, reduction, opts.mask);
  });
}

/** Options of the generator-side adversarial loss. */
export interface GanGeneratorLossOptions {
  /** Default `'bce'`. */
  type?: GanLossType;
  /** Default `'mean'` over all elements of the logit map. */
  reduction?: Reduction;
}

function checkType(type: unknown): GanLossType {
  if (typeof type !== 'string' || !(GAN_LOSS_TYPES as readonly string[]).includes(type)) {
    throw new DGPoseError('E_ARG', 'unknown GAN loss type', { argument: 'type', expected: GAN_LOSS_TYPES, got: type });
  }
  return type as GanLossType;
}

/**
 * Generator side of the adversarial loss, on the discriminator's outputs for fake samples D(G(z)):
 * - bce (non-saturating): ℓ = −log σ(D(G)) = BCE(D(G), 1)
 * - lsgan: ℓ = (D(G) − 1)²
 * - hinge: ℓ = −D(G)
 * @param fakeLogits discriminator outputs (logits) for generated samples, any shape (e.g. [N,h,w,1])
 */
export function ganGeneratorLoss(fakeLogits: tf.Tensor, opts: GanGeneratorLossOptions = {}): tf.Tensor {
  const type = checkType(opts.type ?? 'bce');
  const reduction = checkReduction(opts.reduction ?? 'mean');
  switch (type) {
    case 'bce':
      return bceWithLogits(fakeLogits, 1, { reduction });
    case 'lsgan':
      return tf.tidy(() => reduceLoss(tf.square(tf.sub(fakeLogits, 1)), reduction));
    case 'hinge':
      return tf.tidy(() => reduceLoss(tf.neg(fakeLogits), reduction));
  }
}

/** Options of the discriminator-side adversarial loss. */
export interface GanDiscriminatorLossOptions {
  /** Default `'bce'`. */
  type?: GanLossType;
  /** Default `'mean'`, applied to the real and the fake term separately. */
  reduction?: Reduction;
  /**
   * One-sided label smoothing s ∈ [0, 1): real targets become 1 − s (Salimans et al. 2016). Only for
   * `'bce'` and `'lsgan'` (hinge has no targets: a non-zero value throws E_ARG). Default 0.
   */
  labelSmoothing?: number;
  /**
   * Multiply the sum of the real and fake terms by ½, as PG2's `_gan_loss` and pix2pix do, so D learns at
   * half the rate of G (docs/paper-notes.md §4.3). Default true.
   */
  halve?: boolean;
}

/**
 * Discriminator side of the adversarial loss on real outputs D(x) and fake outputs D(G) (logits):
 * - bce: ℓ = BCE(D(x), 1 − s) + BCE(D(G), 0)
 * - lsgan: ℓ = (D(x) − (1 − s))² + D(G)²
 * - hinge: ℓ = max(0, 1 − D(x)) + max(0, 1 + D(G))
 * each term reduced separately, then multiplied by ½ when `halve` (default).
 * @param realLogits D on real samples, any shape
 * @param fakeLogits D on generated samples (compute them from a detached fake batch), any shape
 */
export function ganDiscriminatorLoss(
  realLogits: tf.Tensor,
  fakeLogits: tf.Tensor,
  opts: GanDiscriminatorLossOptions = {},
): tf.Tensor {
  const type = checkType(opts.type ?? 'bce');
  const reduction = checkReduction(opts.reduction ?? 'mean');
  const s = opts.labelSmoothing ?? 0;
  if (typeof s !== 'number' || !(s >= 0 && s < 1)) {
    throw new DGPoseError('E_ARG', 'labelSmoothing must be in [0, 1)', {
      argument: 'labelSmoothing',
      expected: '[0, 1)',
      got: s,
    });
  }
  if (type === 'hinge' && s !== 0) {
    throw new DGPoseError('E_ARG', 'labelSmoothing has no meaning for the hinge loss', {
      argument: 'labelSmoothing',
      expected: 0,
      got: s,
    });
  }
  const factor = (opts.halve ?? true) ? 0.5 : 1;
  return tf.tidy(() => {
    let real: tf.Tensor;
    let fake: tf.Tensor;
    if (type === 'bce') {
      real = bceWithLogits(realLogits, 1 - s, { reduction });
      fake = bceWithLogits(fakeLogits, 0, { reduction });
    } else if (type === 'lsgan') {
      real = reduceLoss(tf.square(tf.sub(realLogits, 1 - s)), reduction);
      fake = reduceLoss(tf.square(fakeLogits), reduction);
    } else {
      real = reduceLoss(tf.relu(tf.sub(1, realLogits)), reduction);
      fake = reduceLoss(tf.relu(tf.add(1, fakeLogits)), reduction);
    }
    if (reduction === 'none' && real.shape.join() !== fake.shape.join()) {
      throw new DGPoseError('E_SHAPE', "with reduction 'none' real and fake logits need one shape", {
        argument: 'fakeLogits',
        expected: [...realLogits.shape],
        got: [...fakeLogits.shape],
      });
    }
    return tf.mul(tf.add(real, fake), factor);
  });
}
