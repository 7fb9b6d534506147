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
import { sampleGaussian } from './index';

const mu = seededFloats(6, 41, -1, 1);
const lv = seededFloats(6, 42, -2, 1);
const eps = seededFloats(6, 43, -2, 2);

const seeded: Record<string, Float32Array> = {};

describe.each(TEST_BACKENDS)('sampleGaussian on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it('is μ + exp(½logσ²)·ε for a given ε', () => {
    const z = sampleGaussian(tf.tensor(mu, [2, 3]), tf.tensor(lv, [2, 3]), tf.tensor(eps, [2, 3]));
    expectTensorsClose(
      z,
      Array.from(mu, (m, i) => m + Math.exp(lv[i] / 2) * eps[i]),
      { rtol: 1e-5, atol: 1e-6 },
    );
    tf.dispose(z);
  });

  it('with a seed is reproducible, the same on every backend, and has the right moments', async () => {
    const n = 20000;
    const m = tf.fill([n, 2], 0.5);
    const l = tf.fill([n, 2], Math.log(4));
    const a = (await sampleGaussian(m, l, 7).data()) as Float32Array;
    const b = await sampleGaussian(m, l, 7).data();
    const c = await sampleGaussian(m, l, 8).data();
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
    if (seeded.first) expectTensorsClose(a, seeded.first, { atol: 1e-5 });
    else seeded.first = Float32Array.from(a);
    const avg = a.reduce((s, v) => s + v, 0) / a.length;
    const variance = a.reduce((s, v) => s + (v - avg) ** 2, 0) / a.length;
    expect(Math.abs(avg - 0.5)).toBeLessThan(4 * Math.sqrt(4 / a.length));
    expect(Math.abs(variance - 4)).toBeLessThan(0.15);
    tf.dispose([m, l]);
  });

  it('rejects bad shapes and seeds, and leaks nothing', async () => {
    const m = tf.tensor(mu, [2, 3]);
    const l = tf.tensor(lv, [2, 3]);
    const e = tf.tensor(eps, [3, 2]);
    await expectNoLeak(() => {
      tf.dispose([sampleGaussian(m, l, 3), sampleGaussian(m, l, m)]);
      expect(() => sampleGaussian(m, l, e)).toThrow(expect.objectContaining({ code: 'E_SHAPE' }));
      expect(() => sampleGaussian(m, e, 1)).toThrow(expect.objectContaining({ code: 'E_SHAPE' }));
      expect(() => sampleGaussian(m, l, NaN)).toThrow(expect.objectContaining({ code: 'E_ARG' }));
    });
    tf.dispose([m, l, e]);
  });
});

describe('sampleGaussian gradients vs finite differences (cpu)', () => {
  beforeAll(() => useBackend('cpu'));
  it('flow to mu and logvar', () => {
    const m = tf.tensor(mu, [2, 3]);
    const l = tf.tensor(lv, [2, 3]);
    const e = tf.tensor(eps, [2, 3]);
    const w = tf.tensor(seededFloats(6, 44), [2, 3]); // a random linear read-out makes a scalar
    const cases: [(x: tf.Tensor) => tf.Tensor, tf.Tensor][] = [
      [(x) => tf.sum(tf.mul(w, sampleGaussian(x, l, e))), m],
      [(x) => tf.sum(tf.mul(w, sampleGaussian(m, x, e))), l],
      [(x) => tf.sum(tf.mul(w, sampleGaussian(m, x, 5))), l],
    ];
    for (const [f, x] of cases) {
      expectTensorsClose(analyticGradient(f, x), numericGradient(f, x, 1e-2), { atol: 2e-3, rtol: 1e-2 });
    }
    tf.dispose([m, l, e, w]);
  });
});
