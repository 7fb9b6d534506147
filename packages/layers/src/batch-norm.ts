import * as tf from '@tensorflow/tfjs-core';
import { Module } from './module';
import { type Initializer, type RandomArgs, initTensor, optionalRng } from './init';
import { checkNumberIn, checkPositiveInt } from '@dgpose/core';
import { fusedBatchNormTrain } from './fused-batch-norm';

export interface BatchNormArgs extends RandomArgs {
  /** Channels C (last axis of a [N, C] or [N, H, W, C] input). */
  channels: number;
  /**
   * Running-stat decay, TF convention: `running = decay·running + (1−decay)·batch`. Default 0.9, as
   * ClothNet/pix2pix (tf.contrib batch_norm decay 0.9); equals PyTorch `momentum = 1 − decay = 0.1`.
   */
  decay?: number;
  /** Added to the variance; default 1e-5 (ClothNet, PyTorch). */
  eps?: number;
  /** Learn a per-channel scale `gamma` and shift `beta`; default true. */
  affine?: boolean;
  /** `gamma` initialiser; default 'ones' (pix2pix-tensorflow uses normalInit({ mean: 1, std: 0.02 })). */
  gammaInit?: Initializer;
  /** `beta` initialiser; default 'zeros'. */
  betaInit?: Initializer;
}

/**
 * Batch normalisation over every axis but the last (Ioffe & Szegedy 2015).
 *
 * Training mode: `y = (x − μ_B) / sqrt(σ²_B + eps) · gamma + beta` with the batch moments
 * (`tf.moments`, biased variance as in TF), and gradients flowing through μ_B and σ²_B. Evaluation
 * mode uses the buffers `runningMean` / `runningVar` instead.
 *
 * Running statistics: every training-mode forward pass (`call`/`apply`) updates them at once with
 * `variable.assign` (as tfjs-layers and PyTorch do): `running = decay·running + (1−decay)·batch`, with
 * the biased batch variance (TF convention). The update is not part of the differentiated graph: the
 * buffers are non-trainable, the new values do not feed the output, so gradients are exactly those of
 * the formula above. Consequences to know: each training-mode forward counts once (a discriminator
 * run on real and on fake batches updates twice, as in PyTorch); call `eval()` for forward passes that
 * must not touch the statistics.
 */
export class BatchNorm extends Module {
  readonly channels: number;
  readonly decay: number;
  readonly eps: number;
  readonly gamma: tf.Variable | null;
  readonly beta: tf.Variable | null;
  readonly runningMean: tf.Variable;
  readonly runningVar: tf.Variable;

  constructor(args: BatchNormArgs) {
    super('batchNorm');
    const w = 'batchNorm';
    this.channels = checkPositiveInt('channels', args.channels, { where: w });
    this.decay = checkNumberIn('decay', args.decay ?? 0.9, 0, 1, {}, { where: w });
    this.eps = checkNumberIn('eps', args.eps ?? 1e-5, 0, Infinity, { loOpen: true, hiOpen: true }, { where: w });
    const c = this.channels;
    const fans = { fanIn: c, fanOut: c };
    if (args.affine ?? true) {
      const rng = optionalRng(args, w);
      this.gamma = this.addParameter('gamma', initTensor(args.gammaInit ?? 'ones', [c], fans, rng, 'gammaInit'));
      this.beta = this.addParameter('beta', initTensor(args.betaInit ?? 'zeros', [c], fans, rng, 'betaInit'));
    } else {
      this.gamma = null;
      this.beta = null;
    }
    this.runningMean = this.addBuffer('runningMean', tf.zeros([c]));
    this.runningVar = this.addBuffer('runningVar', tf.ones([c]));
  }

  call(x: tf.Tensor): tf.Tensor {
    this.assertLive();
    if (x.rank !== 2) this.checkInput(x, [-1, -1, -1, this.channels]);
    else this.checkInput(x, [-1, this.channels]);
    const axes = x.rank === 2 ? [0] : [0, 1, 2];
    let mean: tf.Tensor;
    let variance: tf.Tensor;
    if (this.training && this.gamma && this.beta) {
      // one tape entry with a closed-form gradient (fused-batch-norm.ts): a third of the kernels
      const r = fusedBatchNormTrain(x, this.gamma, this.beta, this.eps);
      this.updateRunning(r.mean, r.variance);
      tf.dispose([r.mean, r.variance]);
      return r.y;
    }
    if (this.training) {
      ({ mean, variance } = tf.moments(x, axes));
      this.updateRunning(mean, variance);
    } else {
      mean = this.runningMean;
      variance = this.runningVar;
    }
    let y = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, this.eps)));
    if (this.gamma && this.beta) y = tf.add(tf.mul(y, this.gamma), this.beta);
    return y;
  }

  /** running = decay·running + (1−decay)·batch, assigned inside a tidy (the variables keep the new data). */
  private updateRunning(m: tf.Tensor, v: tf.Tensor): void {
    const d = this.decay;
    tf.tidy(() => {
      this.runningMean.assign(tf.add(tf.mul(this.runningMean, d), tf.mul(m, 1 - d)));
      this.runningVar.assign(tf.add(tf.mul(this.runningVar, d), tf.mul(v, 1 - d)));
    });
  }
}

/** Factory for {@link BatchNorm}. */
export function batchNorm(args: BatchNormArgs): BatchNorm {
  return new BatchNorm(args);
}
