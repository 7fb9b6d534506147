import * as tf from '@tensorflow/tfjs-core';
import { DGPoseError } from '@dgpose/core';
import { assertSameShape } from './reduce';

/**
 * Reparameterised sample of a diagonal Gaussian (Kingma & Welling 2014; docs/paper-notes.md §8):
 *
 *   z = μ + exp(½·logσ²) ⊙ ε,   ε ~ N(0, I)
 *
 * so gradients flow to μ and logσ². Pass `eps` (same shape as mu) for full control, or a `seed` (a
 * finite number) to draw ε with `tf.randomNormal(…, seed)`, which is the same on every backend.
 * @param mu [N, ...]
 * @param logvar same shape as mu
 * @param epsOrSeed the standard-normal noise ε (same shape as mu), or an integer seed
 * @returns z, same shape as mu
 */
export function sampleGaussian(mu: tf.Tensor, logvar: tf.Tensor, epsOrSeed: tf.Tensor | number): tf.Tensor {
  assertSameShape('mu', mu, 'logvar', logvar);
  if (typeof epsOrSeed === 'number') {
    if (!Number.isFinite(epsOrSeed)) {
      throw new DGPoseError('E_ARG', 'seed must be a finite number', {
        argument: 'epsOrSeed',
        expected: 'a finite number',
        got: epsOrSeed,
      });
    }
  } else {
    assertSameShape('mu', mu, 'eps', epsOrSeed);
  }
  return tf.tidy(() => {
    const eps = typeof epsOrSeed === 'number' ? tf.randomNormal(mu.shape, 0, 1, 'float32', epsOrSeed) : epsOrSeed;
    return tf.add(mu, tf.mul(tf.exp(tf.mul(0.5, logvar)), eps));
  });
}
