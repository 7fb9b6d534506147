/* Identity forward, zero gradient: tfjs-core has no stop_gradient. One home for every package that needs it. */
import * as tf from '@tensorflow/tfjs-core';

/** x unchanged in the forward pass; no gradient flows back through it. */
export const stopGradient = tf.customGrad(((x: tf.Tensor) => ({
  value: tf.clone(x),
  gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
})) as never) as unknown as (x: tf.Tensor) => tf.Tensor;
