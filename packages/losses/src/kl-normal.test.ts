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
import { klNormal, klStandardNormal } from './index';

const N = 3;
const D = 4;
const muQ = seededFloats(N * D, 11, -1.5, 1.5);
const lvQ = seededFloats(N * D, 12, -2, 1);
const muP = seededFloats(D, 13, -1, 1); // a prior shared by the batch: [D]
const lvP = seededFloats(D, 14, -1, 1);

// Closed form per sample, written out independently in double precision.
function closedForm(pMu?: Float32Array, pLv?: Float32Array): number[] {
  const out: number[] = [];
  for (let n = 0; n < N; n++) {
    let kl = 0;
    for (let d = 0; d < D; d++) {
      const mq = muQ[n * D + d];
      const sq = Math.exp(lvQ[n * D + d]);
      const mp = pMu ? pMu[d] : 0;
      const sp = pLv ? Math.exp(pLv[d]) : 1;
      // KL(N(mq,sq) || N(mp,sp)) = log(σp/σq) + (σq² + (mq−mp)²)/(2σp²) − ½
      kl += 0.5 * Math.log(sp / sq) + (sq + (mq - mp) ** 2) / (2 * sp) - 0.5;
    }
    out.push(kl);
  }
  return out;
}

// Monte Carlo estimate E_q[log q(z) − log p(z)] with a seeded Box–Muller sampler; returns mean and s.e.
function monteCarlo(n: number, samples: number, seed: number, pMu?: Float32Array, pLv?: Float32Array): [number, number] {
  const u = seededFloats(2 * samples * D, seed, 1e-12, 1);
  let s = 0;
  let s2 = 0;
  for (let k = 0; k < samples; k++) {
    let logRatio = 0;
    for (let d = 0; d < D; d++) {
      const i = 2 * (k * D + d);
      const eps = Math.sqrt(-2 * Math.log(u[i])) * Math.cos(2 * Math.PI * u[i + 1]);
      const mq = muQ[n * D + d];
      const lq = lvQ[n * D + d];
      const z = mq + Math.exp(0.5 * lq) * eps;
      const mp = pMu ? pMu[d] : 0;
      const lp = pLv ? pLv[d] : 0;
      const logq = -0.5 * (Math.log(2 * Math.PI) + lq + (z - mq) ** 2 / Math.exp(lq));
      const logp = -0.5 * (Math.log(2 * Math.PI) + lp + (z - mp) ** 2 / Math.exp(lp));
      logRatio += logq - logp;
    }
    s += logRatio;
    s2 += logRatio * logRatio;
  }
  const mean = s / samples;
  const se = Math.sqrt((s2 / samples - mean * mean) / samples);
  return [mean, se];
}

describe.each(TEST_BACKENDS)('Gaussian KL on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it('klStandardNormal matches the closed form per sample and reduces', async () => {
    const mu = tf.tensor(muQ, [N, D]);
    const lv = tf.tensor(lvQ, [N, D]);
    const ref = closedForm();
    const per = klStandardNormal(mu, lv, { reduction: 'none' });
    expect(per.shape).toEqual([N]);
    expectTensorsClose(per, ref, { rtol: 1e-5, atol: 1e-5 });
    const mean = ref.reduce((a, b) => a + b) / N;
    expectTensorsClose(klStandardNormal(mu, lv), [mean], { rtol: 1e-5 });
    expectTensorsClose(klStandardNormal(mu, lv, { reduction: 'batchMean' }), [mean], { rtol: 1e-5 });
    expectTensorsClose(klStandardNormal(mu, lv, { reduction: 'sum' }), [mean * N], { rtol: 1e-5 });
    // a standard normal q has zero KL
    expect((await klStandardNormal(tf.zeros([2, 5]), tf.zeros([2, 5])).data())[0]).toBeCloseTo(0, 7);
    tf.dispose([mu, lv, per]);
  });

  it('klNormal matches the closed form with a broadcast prior, and equals klStandardNormal for N(0,I)', () => {
    const mu = tf.tensor(muQ, [N, D]);
    const lv = tf.tensor(lvQ, [N, D]);
    const pm = tf.tensor(muP, [D]);
    const pl = tf.tensor(lvP, [D]);
    expectTensorsClose(klNormal(mu, lv, pm, pl, { reduction: 'none' }), closedForm(muP, lvP), { rtol: 1e-5, atol: 1e-5 });
    expectTensorsClose(
      klNormal(mu, lv, tf.zeros([N, D]), tf.zeros([1, D]), { reduction: 'none' }),
      klStandardNormal(mu, lv, { reduction: 'none' }),
      { rtol: 1e-5, atol: 1e-6 },
    );
    expect(() => klNormal(mu, lv, tf.zeros([D + 1]), pl)).toThrow(expect.objectContaining({ code: 'E_SHAPE' }));
    expect(() => klStandardNormal(mu, pm)).toThrow(expect.objectContaining({ code: 'E_SHAPE' }));
    expect(() => klStandardNormal(mu, lv, { reduction: 'avg' as 'mean' })).toThrow(expect.objectContaining({ code: 'E_ARG' }));
    tf.dispose([mu, lv, pm, pl]);
  });

  it('leaks nothing', async () => {
    const mu = tf.tensor(muQ, [N, D]);
    const lv = tf.tensor(lvQ, [N, D]);
    const pm = tf.tensor(muP, [D]);
    const bad = tf.zeros([D, 1]);
    await expectNoLeak(() => {
      for (const reduction of ['none', 'sum', 'mean', 'batchMean'] as const) {
        tf.dispose([klStandardNormal(mu, lv, { reduction }), klNormal(mu, lv, pm, lv, { reduction })]);
      }
      expect(() => klNormal(mu, lv, lv, bad)).toThrow();
    });
    tf.dispose([mu, lv, pm, bad]);
  });
});

describe('Gaussian KL vs a seeded Monte Carlo estimate', () => {
  beforeAll(() => useBackend('cpu'));
  it('agrees within 4 standard errors for every sample, for N(0,I) and a diagonal prior', async () => {
    const mu = tf.tensor(muQ, [N, D]);
    const lv = tf.tensor(lvQ, [N, D]);
    const a = await klStandardNormal(mu, lv, { reduction: 'none' }).data();
    const b = await tf.tidy(() => klNormal(mu, lv, tf.tensor(muP), tf.tensor(lvP), { reduction: 'none' })).data();
    for (let n = 0; n < N; n++) {
      const [m0, se0] = monteCarlo(n, 40000, 100 + n);
      expect(Math.abs(a[n] - m0)).toBeLessThan(4 * se0);
      const [m1, se1] = monteCarlo(n, 40000, 200 + n, muP, lvP);
      expect(Math.abs(b[n] - m1)).toBeLessThan(4 * se1);
      expect(se1).toBeLessThan(0.05); // the estimate is informative, not a wide interval
    }
    tf.dispose([mu, lv]);
  });
});

describe('Gaussian KL gradients vs finite differences (cpu)', () => {
  beforeAll(() => useBackend('cpu'));
  it('match for mu and logvar of q and p', () => {
    const mu = tf.tensor(muQ, [N, D]);
    const lv = tf.tensor(lvQ, [N, D]);
    const pm = tf.tensor(muP, [D]);
    const pl = tf.tensor(lvP, [D]);
    const cases: [(x: tf.Tensor) => tf.Tensor, tf.Tensor][] = [
      [(x) => klStandardNormal(x, lv), mu],
      [(x) => klStandardNormal(mu, x, { reduction: 'sum' }), lv],
      [(x) => klNormal(mu, x, pm, pl), lv],
      [(x) => klNormal(mu, lv, x, pl), pm],
      [(x) => klNormal(mu, lv, pm, x), pl],
    ];
    for (const [f, x] of cases) {
      expectTensorsClose(analyticGradient(f, x), numericGradient(f, x, 1e-2), { atol: 2e-3, rtol: 1e-2 });
    }
    tf.dispose([mu, lv, pm, pl]);
  });
});
