import * as tf from '@tensorflow/tfjs-core';

/**
 * tf.tidy for a function returning a typed object of tensors (interfaces lack the index signature that
 * tf.TensorContainer wants). Every tensor reachable in the result is kept; everything else is freed.
 */
export function tidyObject<T>(fn: () => T): T {
  return tf.tidy(fn as unknown as () => tf.TensorContainer) as unknown as T;
}
