import * as tf from '@tensorflow/tfjs-core';
import { TEST_BACKENDS, expectNoLeak, expectTensorsClose, seededFloats, useBackend } from '@dgpose/test-utils';
import '@tensorflow/tfjs-layers'; // registers the gradients (as the package's index does)
import { fusedBatchNormTrain } from './fused-batch-norm';

/** The unfused formula, differentiated by autodiff: the reference. */
function plain(x: tf.Tensor, g: tf.Tensor, b: tf.Tensor, eps: number): tf.Tensor {
  const { mean, variance } = tf.moments(x, x.rank === 2 ? [0] : [0, 1, 2]);
  return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps))), g), b);
}

describe.each(TEST_BACKENDS)('fusedBatchNormTrain on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it.each([
    { shape: [4, 3, 3, 2], eps: 1e-5 },
    { shape: [2, 5, 1, 3], eps: 1e-3 },
    { shape: [6, 4], eps: 1e-5 },
  ])(
    'values, moments and gradients (x, gamma, beta) match autodiff of the formula ($shape)',
    async ({ shape, eps }) => {
      const c = shape[shape.length - 1];
      const x = tf.tensor(
        seededFloats(
          shape.reduce((a, v) => a * v, 1),
          3,
          -2,
          3,
        ),
        shape,
      );
      const g = tf.tensor1d(seededFloats(c, 4, 0.5, 1.5));
      const b = tf.tensor1d(seededFloats(c, 5));
      const r = tf.tensor(seededFloats(x.size, 6), shape); // a read-out whose gradient does not cancel
      await expectNoLeak(async () => {
        const fused = fusedBatchNormTrain(x, g, b, eps);
        const ref = tf.tidy(() => plain(x, g, b, eps));
        expectTensorsClose(fused.y, ref, { atol: 2e-5, rtol: 1e-4 });
        const m = tf.moments(x, shape.length === 2 ? [0] : [0, 1, 2]);
        expectTensorsClose(fused.mean, m.mean, { atol: 1e-6 });
        expectTensorsClose(fused.variance, m.variance, { atol: 1e-5 });
        const loss =
          (f: (a: tf.Tensor, bb: tf.Tensor, cc: tf.Tensor) => tf.Tensor) =>
          (a: tf.Tensor, bb: tf.Tensor, cc: tf.Tensor) =>
            tf.sum(tf.mul(tf.tanh(f(a, bb, cc)), r));
        const gf = tf.grads(
          loss((a, bb, cc) => {
            const o = fusedBatchNormTrain(a, bb, cc, eps);
            tf.dispose([o.mean, o.variance]);
            return o.y;
          }),
        )([x, g, b]);
        const gr = tf.grads(loss((a, bb, cc) => plain(a, bb, cc, eps)))([x, g, b]);
        gf.forEach((t, i) => expectTensorsClose(t, gr[i], { atol: 2e-5, rtol: 1e-4 }));
        tf.dispose([fused.y, fused.mean, fused.variance, ref, m.mean, m.variance, ...gf, ...gr]);
      });
      tf.dispose([x, g, b, r]);
    },
  );

  it('runs fewer kernels than autodiff of the formula, forward and backward', async () => {
    const x = tf.tensor(seededFloats(4 * 8 * 8 * 16, 7), [4, 8, 8, 16]);
    const g = tf.ones([16]);
    const b = tf.zeros([16]);
    const count = async (f: (a: tf.Tensor, bb: tf.Tensor, cc: tf.Tensor) => tf.Tensor) => {
      const p = await tf.profile(() => {
        const gs = tf.grads((a: tf.Tensor, bb: tf.Tensor, cc: tf.Tensor) => tf.sum(f(a, bb, cc)))([x, g, b]);
        tf.dispose(gs);
      });
      return p.kernels.length;
    };
    const fused = await count((a, bb, cc) => {
      const o = fusedBatchNormTrain(a, bb, cc, 1e-5);
      tf.dispose([o.mean, o.variance]);
      return o.y;
    });
    const stock = await count((a, bb, cc) => plain(a, bb, cc, 1e-5));
    expect(fused).toBeLessThan(stock * 0.7);
    tf.dispose([x, g, b]);
  });
});
