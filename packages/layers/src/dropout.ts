import * as tf from '@tensorflow/tfjs-core';
import { Module } from './module';
import { type LayerRng, type RandomArgs, resolveRng } from './init';
import { checkNumberIn } from '@dgpose/core';

export interface DropoutArgs extends RandomArgs {
  /** Probability of zeroing an element, in [0, 1). pix2pix/ClothNet decoders use 0.5. */
  rate: number;
}

/**
 * Inverted dropout (Srivastava et al. 2014; PyTorch semantics): in training mode each element is
 * zeroed with probability `rate` and the rest scaled by 1/(1 − rate); identity in eval mode.
 *
 * Seeded: each training call draws a fresh 31-bit seed from the layer's RNG (core's `createRng`) and
 * builds the mask with `tf.randomUniform(..., seed)`, which is generated in JS, so the same RNG state
 * gives the same masks on every backend. Save/restore the RNG state (`rng.getState()` when it is a
 * core Rng) with a checkpoint to resume the exact mask sequence.
 */
export class Dropout extends Module {
  readonly rate: number;
  readonly rng: LayerRng;

  constructor(args: DropoutArgs) {
    super('dropout');
    this.rate = checkNumberIn('rate', args.rate, 0, 1, { hiOpen: true }, { where: 'dropout' });
    this.rng = resolveRng(args, 'dropout');
  }

  call(x: tf.Tensor): tf.Tensor {
    this.assertLive();
    if (!this.training || this.rate === 0) return tf.clone(x);
    const seed = Math.floor(this.rng.next() * 2147483647);
    const keep = tf.cast(tf.greaterEqual(tf.randomUniform(x.shape, 0, 1, 'float32', seed), this.rate), x.dtype);
    return tf.mul(x, tf.mul(keep, 1 / (1 - this.rate)));
  }
}

/** Factory for {@link Dropout}. */
export function dropout(args: DropoutArgs): Dropout {
  return new Dropout(args);
}
