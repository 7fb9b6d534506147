/*
 * Eval-mode deconvs of frozen-ops: the polyphase stride-1 conv (runDeconv) and its split form whose last input
 * channels are one vector broadcast over the grid (splitDeconvConstant), against the module on the tiled input.
 */
import * as tf from '@tensorflow/tfjs-core';
import { TEST_BACKENDS, expectNoLeak, expectTensorsClose, seededFloats, useBackend } from '@dgpose/test-utils';
import { conv2dTranspose, freezeDeconv, runDeconv, splitDeconvConstant } from './index';

const CASES = [
  { name: 'k4 s2 p1 (the decoder blocks)', n: 1, h: 4, w: 4, cin: 3, vec: 5, filters: 4, k: 4, s: 2, p: 1, op: 0 },
  { name: 'k4 s2 p1, batch 3, non-square', n: 3, h: 3, w: 5, cin: 2, vec: 3, filters: 2, k: 4, s: 2, p: 1, op: 0 },
  { name: 'k3 s2 p1 op1', n: 2, h: 3, w: 3, cin: 2, vec: 2, filters: 3, k: 3, s: 2, p: 1, op: 1 },
  { name: 'k2 s2 p0', n: 1, h: 2, w: 3, cin: 1, vec: 2, filters: 2, k: 2, s: 2, p: 0, op: 0 },
  { name: 'k3 s1 p1', n: 2, h: 4, w: 4, cin: 2, vec: 3, filters: 2, k: 3, s: 1, p: 1, op: 0 },
];

describe.each(TEST_BACKENDS)('frozen deconvs on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it.each(CASES)('$name: plain and split-vector forms match the module on the tiled input', async (c) => {
    tf.engine().startScope();
    const layer = conv2dTranspose({
      inChannels: c.cin + c.vec,
      filters: c.filters,
      kernelSize: c.k,
      strides: c.s,
      padding: c.p,
      outputPadding: c.op,
      biasInit: 'normal',
      seed: 9,
    });
    const x = tf.tensor4d(seededFloats(c.n * c.h * c.w * c.cin, 3), [c.n, c.h, c.w, c.cin]);
    const v = tf.tensor2d(seededFloats(c.n * c.vec, 4), [c.n, c.vec]);
    const tiled = tf.concat([x, tf.tile(tf.reshape(v, [c.n, 1, 1, c.vec]), [1, c.h, c.w, 1])], 3);
    const ref = layer.apply(tiled) as tf.Tensor4D;
    // the frozen forms' intermediates are freed with the test's scope (endScope below)
    const d = freezeDeconv(layer, null);
    const frozen = { d, s: splitDeconvConstant(d, c.vec) };
    const plain = runDeconv(frozen.d, tiled, { kind: 'relu' });
    expectTensorsClose(plain, tf.relu(ref), { atol: 1e-5 });
    // the vector form: no tiled channels; nothing left behind but the output (callers run it in a tidy)
    const split = await expectNoLeak(
      () =>
        tf.tidy(() =>
          runDeconv(frozen.s.main, x, { kind: 'leakyrelu', alpha: 0.2 }, { weights: frozen.s.constant, v }),
        ),
      { allowed: 1 },
    );
    expect(split.shape).toEqual(ref.shape);
    expectTensorsClose(split, tf.leakyRelu(ref, 0.2), { atol: 1e-5 });
    tf.engine().endScope();
    layer.dispose();
  });
});
