import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers';
import {
  TEST_BACKENDS,
  analyticGradient,
  expectNoLeak,
  expectTensorsClose,
  numericGradient,
  seededFloats,
  useBackend,
} from '@dgpose/test-utils';
import { HALF_LOG_2PI, gaussianNll, jointMaskToCoordMask, laplaceNll } from './index';

const N = 2;
const J = 3;
const y = seededFloats(N * 2 * J, 21, -2, 2);
const mu = seededFloats(N * 2 * J, 22, -2, 2);
const lv = seededFloats(N * 2 * J, 23, -1.5, 1);
const visible = [1, 0, 1, 1, 1, 0]; // [N,J]

// −log of the density written directly: pdf = exp(−(y−μ)²/2σ²) / sqrt(2πσ²)
const gaussNeglog = (yy: number, m: number, l: number): number =>
  -Math.log(Math.exp(-((yy - m) ** 2) / (2 * Math.exp(l))) / Math.sqrt(2 * Math.PI * Math.exp(l)));
// Laplace pdf = exp(−|y−μ|/b) / 2b
const laplaceNeglog = (yy: number, m: number, lb: number): number =>
  -Math.log(Math.exp(-Math.abs(yy - m) / Math.exp(lb)) / (2 * Math.exp(lb)));

describe.each(TEST_BACKENDS)('Gaussian / Laplace NLL on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it('gaussianNll equals −log of the density, per element and reduced, with a joint mask', () => {
    const yt = tf.tensor(y, [N, 2 * J]);
    const mt = tf.tensor(mu, [N, 2 * J]);
    const lt = tf.tensor(lv, [N, 2 * J]);
    const vis = tf.tensor(visible, [N, J]);
    const cm = jointMaskToCoordMask(vis);
    const per = Array.from(y, (v, i) => gaussNeglog(v, mu[i], lv[i]));
    const w = Array.from(y, (_, i) => visible[Math.floor(i / 2)]);
    expectTensorsClose(cm, w);
    expectTensorsClose(gaussianNll(yt, mt, lt, { reduction: 'none' }), per, { rtol: 1e-5, atol: 1e-5 });
    const sum = per.reduce((a, b) => a + b);
    expectTensorsClose(gaussianNll(yt, mt, lt), [sum / N], { rtol: 1e-5 });
    const wsum = per.reduce((a, b, i) => a + b * w[i], 0);
    expectTensorsClose(gaussianNll(yt, mt, lt, { mask: cm }), [wsum / N], { rtol: 1e-5 });
    const nw = w.reduce((a, b) => a + b);
    expectTensorsClose(gaussianNll(yt, mt, lt, { mask: cm, reduction: 'mean' }), [wsum / nw], { rtol: 1e-5 });
    // a fixed variance given as a number; with logvar 0 the NLL is ½(y−μ)² + ½log 2π
    const fixed = Array.from(y, (v, i) => 0.5 * (v - mu[i]) ** 2 + HALF_LOG_2PI);
    expectTensorsClose(gaussianNll(yt, mt, 0, { reduction: 'none' }), fixed, { rtol: 1e-5, atol: 1e-6 });
    expect(() => gaussianNll(yt, mt, tf.zeros([3]))).toThrow(expect.objectContaining({ code: 'E_SHAPE' }));
    expect(() => jointMaskToCoordMask(tf.zeros([4]))).toThrow(expect.objectContaining({ code: 'E_SHAPE' }));
    tf.dispose([yt, mt, lt, vis, cm]);
  });

  it('laplaceNll equals −log of the density', () => {
    const yt = tf.tensor(y, [N, 2 * J]);
    const mt = tf.tensor(mu, [N, 2 * J]);
    const lt = tf.tensor(lv, [N, 2 * J]);
    expectTensorsClose(
      laplaceNll(yt, mt, lt, { reduction: 'none' }),
      Array.from(y, (v, i) => laplaceNeglog(v, mu[i], lv[i])),
      { rtol: 1e-5, atol: 1e-5 },
    );
    const s = Array.from(y, (v, i) => laplaceNeglog(v, mu[i], -0.5)).reduce((a, b) => a + b);
    expectTensorsClose(laplaceNll(yt, mt, -0.5, { reduction: 'sum' }), [s], { rtol: 1e-5 });
    tf.dispose([yt, mt, lt]);
  });

  it('leaks nothing', async () => {
    const yt = tf.tensor(y, [N, 2 * J]);
    const mt = tf.tensor(mu, [N, 2 * J]);
    const lt = tf.tensor(lv, [N, 2 * J]);
    const vis = tf.tensor(visible, [N, J]);
    const bad = tf.zeros([5]);
    await expectNoLeak(() => {
      const cm = jointMaskToCoordMask(vis);
      for (const reduction of ['none', 'sum', 'mean', 'batchMean'] as const) {
        tf.dispose([
          gaussianNll(yt, mt, lt, { reduction, mask: cm }),
          gaussianNll(yt, mt, 0.3, { reduction }),
          laplaceNll(yt, mt, lt, { reduction, mask: cm }),
        ]);
      }
      cm.dispose();
      expect(() => gaussianNll(yt, mt, bad)).toThrow();
      expect(() => laplaceNll(yt, mt, bad)).toThrow();
    });
    tf.dispose([yt, mt, lt, vis, bad]);
  });
});

describe('NLL gradients vs finite differences (cpu)', () => {
  beforeAll(() => useBackend('cpu'));
  it('match for mu and logvar (masked), and for a shared logvar', () => {
    const yt = tf.tensor(y, [N, 2 * J]);
    const mt = tf.tensor(mu, [N, 2 * J]);
    const lt = tf.tensor(lv, [N, 2 * J]);
    const shared = tf.tensor([0.2]);
    const cm = jointMaskToCoordMask(tf.tensor(visible, [N, J]));
    const cases: [(x: tf.Tensor) => tf.Tensor, tf.Tensor][] = [
      [(x) => gaussianNll(yt, x, lt, { mask: cm }), mt],
      [(x) => gaussianNll(yt, mt, x, { mask: cm, reduction: 'mean' }), lt],
      [(x) => gaussianNll(yt, mt, x), shared],
      [(x) => laplaceNll(yt, mt, x), lt],
    ];
    for (const [f, x] of cases) {
      expectTensorsClose(analyticGradient(f, x), numericGradient(f, x, 1e-2), { atol: 3e-3, rtol: 1e-2 });
    }
    tf.dispose([yt, mt, lt, shared, cm]);
  });
});
