import * as tf from '@tensorflow/tfjs-core';
import { Module } from './module';
import { type Initializer, type RandomArgs, initTensor, optionalRng } from './init';
import { checkNumberIn, checkPositiveInt } from '@dgpose/core';

export interface InstanceNormArgs extends RandomArgs {
  /** Channels C of a [N, H, W, C] input. */
  channels: number;
  /** Added to the variance; default 1e-5 (PyTorch InstanceNorm2d). */
  eps?: number;
  /** Learn per-channel `gamma`/`beta`; default false (PyTorch InstanceNorm2d default). */
  affine?: boolean;
  /** `gamma` initialiser; default 'ones'. */
  gammaInit?: Initializer;
  /** `beta` initialiser; default 'zeros'. */
  betaInit?: Initializer;
}

/**
 * Instance normalisation (Ulyanov et al. 2016): each sample and channel normalised over H×W with its
 * own mean and biased variance, `y = (x − μ) / sqrt(σ² + eps) · gamma + beta`. Same in train and eval
 * (no running statistics).
 */
export class InstanceNorm extends Module {
  readonly channels: number;
  readonly eps: number;
  readonly gamma: tf.Variable | null;
  readonly beta: tf.Variable | null;

  constructor(args: InstanceNormArgs) {
    super('instanceNorm');
    const w = 'instanceNorm';
    this.channels = checkPositiveInt('channels', args.channels, { where: w });
    this.eps = checkNumberIn('eps', args.eps ?? 1e-5, 0, Infinity, { loOpen: true, hiOpen: true }, { where: w });
    if (args.affine ?? false) {
      const rng = optionalRng(args, w);
      const fans = { fanIn: this.channels, fanOut: this.channels };
      this.gamma = this.addParameter(
        'gamma',
        initTensor(args.gammaInit ?? 'ones', [this.channels], fans, rng, 'gammaInit'),
      );
      this.beta = this.addParameter(
        'beta',
        initTensor(args.betaInit ?? 'zeros', [this.channels], fans, rng, 'betaInit'),
      );
    } else {
      this.gamma = null;
      this.beta = null;
    }
  }

  call(x: tf.Tensor): tf.Tensor4D {
    this.assertLive();
    this.checkInput(x, [-1, -1, -1, this.channels]);
    const { mean, variance } = tf.moments(x, [1, 2], true);
    let y = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, this.eps)));
    if (this.gamma && this.beta) y = tf.add(tf.mul(y, this.gamma), this.beta);
    return y as tf.Tensor4D;
  }
}

/** Factory for {@link InstanceNorm}. */
export function instanceNorm(args: InstanceNormArgs): InstanceNorm {
  return new InstanceNorm(args);
}
