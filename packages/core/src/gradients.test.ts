// No @dgpose/test-utils here: it imports tfjs-layers for every other test, and this file checks what a
// user sees without it (jest gives each test file its own globals, so tfjs's registries start empty).
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { initBackend } from './backend';
import { requireGradients } from './gradients';
import { isDGPoseError } from './errors';

test('requireGradients: E_BACKEND with the install command until initBackend has imported tfjs-layers', async () => {
  expect(tf.getGradient('Conv2D')).toBeUndefined();
  let err: unknown;
  try {
    requireGradients(tf, 'a training step');
  } catch (e) {
    err = e;
  }
  expect(isDGPoseError(err) && err.code).toBe('E_BACKEND');
  expect(String((err as Error).message)).toMatch(/a training step .*npm i @tensorflow\/tfjs-layers/);
  const r = await initBackend({ prefer: ['cpu'], log: () => undefined });
  expect(r.gradients).toBe(true);
  expect(() => requireGradients(tf, 'a training step')).not.toThrow();
  // a real gradient through a conv now works
  const x = tf.ones([1, 4, 4, 1]);
  const w = tf.ones([3, 3, 1, 1]);
  const g = tf.grad((k: tf.Tensor) => tf.sum(tf.conv2d(x as tf.Tensor4D, k as tf.Tensor4D, 1, 'same')))(w);
  expect(g.shape).toEqual([3, 3, 1, 1]);
  tf.dispose([x, w, g]);
});
