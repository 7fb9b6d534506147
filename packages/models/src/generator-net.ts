/*
 * The generator networks both models share (E_y, q(z|x,y), p(x|z,y), optional p(z|y) and Semi's q(y|x)) as one
 * module tree, and `detach`, the identity with a zero gradient that keeps D's pose condition from training q(y|x).
 */
import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@dgpose/core';
import { Module } from '@dgpose/layers';
import { stopGradient } from '@dgpose/objectives';
import {
  AppearanceEncoder,
  Decoder,
  type Gaussian,
  LearnedPrior,
  PoseEncoder,
  PoseEstimator,
  partChannels,
} from './networks';
import type { ConditionalConfig } from './types';

/** The generator side: E_y, q(z|x,y), p(x|z,y), optional p(z|y) and (Semi) q(y|x). `call` decodes. */
export class GeneratorNet extends Module<{ z: tf.Tensor; heat: tf.Tensor }, tf.Tensor4D> {
  readonly poseEncoder: PoseEncoder;
  readonly appearanceEncoder: AppearanceEncoder;
  readonly decoder: Decoder;
  readonly prior: LearnedPrior | null;
  readonly poseEstimator: PoseEstimator | null;
  private readonly config: ConditionalConfig;
  constructor(c: ConditionalConfig, joints: number, opts: { poseLogvarMin?: number }) {
    super('generator');
    this.config = c;
    const rng = createRng(c.seed);
    // pose maps: J joint heatmaps, then P body-part masks with partAppearance
    const poseChannels = joints + partChannels(c);
    this.poseEncoder = this.addModule('poseEncoder', new PoseEncoder(poseChannels, c, rng));
    this.appearanceEncoder = this.addModule('appearanceEncoder', new AppearanceEncoder(poseChannels, c, rng));
    this.decoder = this.addModule('decoder', new Decoder(c, rng));
    this.prior = c.prior === 'learned' ? this.addModule('prior', new LearnedPrior(c, rng)) : null;
    this.poseEstimator =
      opts.poseLogvarMin !== undefined
        ? this.addModule('poseEstimator', new PoseEstimator(joints, c, opts.poseLogvarMin, rng))
        : null;
  }
  call({ z, heat }: { z: tf.Tensor; heat: tf.Tensor }): tf.Tensor4D {
    const p = partChannels(this.config);
    const [n, h, w, c] = heat.shape as [number, number, number, number];
    const parts = p > 0 ? (tf.slice(heat, [0, 0, 0, c - p], [n, h, w, p]) as tf.Tensor4D) : undefined;
    return this.decoder.call({ z, skips: this.poseEncoder.call(heat), parts });
  }
  /** p(z|y): the learned prior, or N(0, I) as zeros. */
  priorParams(heat: tf.Tensor, n: number, d: number): Gaussian {
    if (!this.prior) return { mu: tf.zeros([n, d]), logvar: tf.zeros([n, d]) };
    const f = this.poseEncoder.call(heat);
    return this.prior.call(f[f.length - 1]);
  }
}

/** Identity forward, zero gradient (objectives' stopGradient): D's pose condition must not pass adversarial gradients to q(y|x). */
export const detach = stopGradient;
