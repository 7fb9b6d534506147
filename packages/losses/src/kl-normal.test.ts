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
import { klNormal, klNormalFullCovariance, klStandardNormal } from './index';

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
function monteCarlo(
  n: number,
  samples: number,
  seed: number,
  pMu?: Float32Array,
  pLv?: Float32Array,
): [number, number] {
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
    expectTensorsClose(klNormal(mu, lv, pm, pl, { reduction: 'none' }), closedForm(muP, lvP), {
      rtol: 1e-5,
      atol: 1e-5,
    });
    expectTensorsClose(
      klNormal(mu, lv, tf.zeros([N, D]), tf.zeros([1, D]), { reduction: 'none' }),
      klStandardNormal(mu, lv, { reduction: 'none' }),
      { rtol: 1e-5, atol: 1e-6 },
    );
    expect(() => klNormal(mu, lv, tf.zeros([D + 1]), pl)).toThrow(expect.objectContaining({ code: 'E_SHAPE' }));
    expect(() => klStandardNormal(mu, pm)).toThrow(expect.objectContaining({ code: 'E_SHAPE' }));
    expect(() => klStandardNormal(mu, lv, { reduction: 'avg' as 'mean' })).toThrow(
      expect.objectContaining({ code: 'E_ARG' }),
    );
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

// ---------------------------------------------------------------------------------------------
// klNormalFullCovariance: against the general Gaussian KL computed independently in double precision
// (explicit Σ_p = L Lᵀ, its inverse and log-determinant by Gauss–Jordan elimination, never A = L⁻¹).

/** A random lower-triangular L [D, D] with a positive diagonal (row-major). */
function randomCholesky(seed: number): Float64Array {
  const r = seededFloats(D * D, seed, -0.8, 0.8);
  const L = new Float64Array(D * D);
  for (let i = 0; i < D; i++)
    for (let j = 0; j <= i; j++) L[i * D + j] = i === j ? 0.5 + Math.abs(r[i * D + j]) : r[i * D + j];
  return L;
}

/** Inverse and log|det| of a symmetric positive-definite matrix by Gauss–Jordan with partial pivoting. */
function inverseAndLogDet(M: Float64Array, n: number): { inv: Float64Array; logDet: number } {
  const a = Float64Array.from(M);
  const inv = new Float64Array(n * n);
  for (let i = 0; i < n; i++) inv[i * n + i] = 1;
  let logDet = 0;
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r * n + c]) > Math.abs(a[p * n + c])) p = r;
    if (p !== c) {
      for (let k = 0; k < n; k++) {
        [a[c * n + k], a[p * n + k]] = [a[p * n + k], a[c * n + k]];
        [inv[c * n + k], inv[p * n + k]] = [inv[p * n + k], inv[c * n + k]];
      }
    }
    const piv = a[c * n + c];
    logDet += Math.log(Math.abs(piv));
    for (let k = 0; k < n; k++) {
      a[c * n + k] /= piv;
      inv[c * n + k] /= piv;
    }
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = a[r * n + c];
      for (let k = 0; k < n; k++) {
        a[r * n + k] -= f * a[c * n + k];
        inv[r * n + k] -= f * inv[c * n + k];
      }
    }
  }
  return { inv, logDet };
}

/** KL(N(μ_q, diag σ²_q) ‖ N(μ_p, L Lᵀ)) per sample, from Σ_p itself. */
function fullClosedForm(L: Float64Array): number[] {
  const S = new Float64Array(D * D);
  for (let i = 0; i < D; i++)
    for (let j = 0; j < D; j++) for (let k = 0; k < D; k++) S[i * D + j] += L[i * D + k] * L[j * D + k];
  const { inv, logDet } = inverseAndLogDet(S, D);
  return Array.from({ length: N }, (_, n) => {
    let tr = 0;
    let quad = 0;
    let logDetQ = 0;
    for (let i = 0; i < D; i++) {
      tr += inv[i * D + i] * Math.exp(lvQ[n * D + i]);
      logDetQ += lvQ[n * D + i];
      for (let j = 0; j < D; j++) quad += (muP[i] - muQ[n * D + i]) * inv[i * D + j] * (muP[j] - muQ[n * D + j]);
    }
    return 0.5 * (tr + quad - D + logDet - logDetQ);
  });
}

/** A = L⁻¹ by forward substitution (what a caller such as the pose prior passes in). */
function invertLower(L: Float64Array): Float32Array {
  const A = new Float64Array(D * D);
  for (let c = 0; c < D; c++) {
    for (let i = c; i < D; i++) {
      let s = i === c ? 1 : 0;
      for (let k = c; k < i; k++) s -= L[i * D + k] * A[k * D + c];
      A[i * D + c] = s / L[i * D + i];
    }
  }
  return Float32Array.from(A);
}

describe.each(TEST_BACKENDS)('klNormalFullCovariance on %s', (backend) => {
  beforeAll(() => useBackend(backend));
  const L = randomCholesky(21);

  it('matches the general Gaussian KL per sample, reduces, and equals klNormal for a diagonal Σ_p', async () => {
    const mu = tf.tensor(muQ, [N, D]);
    const lv = tf.tensor(lvQ, [N, D]);
    const pm = tf.tensor(muP, [D]);
    const A = tf.tensor(invertLower(L), [D, D]);
    const ref = fullClosedForm(L);
    tf.tidy(() => {
      const per = klNormalFullCovariance(mu, lv, pm, A, { reduction: 'none' });
      expect(per.shape).toEqual([N]);
      expectTensorsClose(per, ref, { rtol: 1e-4, atol: 1e-4 });
      expectTensorsClose(klNormalFullCovariance(mu, lv, pm, A, { reduction: 'sum' }), [ref.reduce((a, b) => a + b)], {
        rtol: 1e-4,
      });
      expectTensorsClose(klNormalFullCovariance(mu, lv, pm, A), [ref.reduce((a, b) => a + b) / N], { rtol: 1e-4 });
      // entries above the diagonal are ignored
      const junk = tf.tidy(() =>
        tf.add(A, tf.sub(tf.linalg.bandPart(tf.fill([D, D], 7), 0, -1), tf.linalg.bandPart(tf.fill([D, D], 7), 0, 0))),
      );
      expectTensorsClose(klNormalFullCovariance(mu, lv, pm, junk, { reduction: 'none' }), ref, {
        rtol: 1e-4,
        atol: 1e-4,
      });
      // diagonal Σ_p = diag(exp(logσ²_p)): A = diag(exp(−½ logσ²_p))
      const lvPt = tf.tensor(lvP);
      const diagA = tf.tidy(() => tf.diag(tf.exp(tf.mul(lvPt, -0.5))));
      expectTensorsClose(
        klNormalFullCovariance(mu, lv, pm, diagA, { reduction: 'none' }),
        klNormal(mu, lv, pm, lvPt, { reduction: 'none' }),
        { rtol: 1e-5, atol: 1e-5 },
      );
      expect(() => klNormalFullCovariance(mu, lv, pm, tf.zeros([D, D + 1]))).toThrow(
        expect.objectContaining({ code: 'E_SHAPE' }),
      );
      expect(() => klNormalFullCovariance(mu, lv, tf.zeros([D + 1]), A)).toThrow(
        expect.objectContaining({ code: 'E_SHAPE' }),
      );
      expect(() => klNormalFullCovariance(tf.zeros([D]), tf.zeros([D]), pm, A)).toThrow(
        expect.objectContaining({ code: 'E_SHAPE' }),
      );
    });
    const bad = tf.zeros([D, 2]);
    await expectNoLeak(() => {
      for (const reduction of ['none', 'sum', 'mean', 'batchMean'] as const)
        tf.dispose(klNormalFullCovariance(mu, lv, pm, A, { reduction }));
      expect(() => klNormalFullCovariance(mu, lv, pm, bad)).toThrow();
    });
    tf.dispose([mu, lv, pm, A, bad]);
  });
});

describe('klNormalFullCovariance vs Monte Carlo and finite differences (cpu)', () => {
  beforeAll(() => useBackend('cpu'));
  const L = randomCholesky(22);
  const A = invertLower(L);

  it('agrees with a seeded Monte Carlo estimate E_q[log q − log p] within 4 standard errors', async () => {
    const kl = await tf
      .tidy(() =>
        klNormalFullCovariance(tf.tensor(muQ, [N, D]), tf.tensor(lvQ, [N, D]), tf.tensor(muP), tf.tensor(A, [D, D]), {
          reduction: 'none',
        }),
      )
      .data();
    // log p(y) = −½ (D log 2π + log det Σ_p + ‖A(y − μ_p)‖²), log det Σ_p = 2 Σ log L_dd
    let logDetP = 0;
    for (let d = 0; d < D; d++) logDetP += 2 * Math.log(L[d * D + d]);
    for (let n = 0; n < N; n++) {
      const samples = 40000;
      const u = seededFloats(2 * samples * D, 300 + n, 1e-12, 1);
      let s = 0;
      let s2 = 0;
      const y = new Float64Array(D);
      for (let k = 0; k < samples; k++) {
        let logq = 0;
        for (let d = 0; d < D; d++) {
          const i = 2 * (k * D + d);
          const eps = Math.sqrt(-2 * Math.log(u[i])) * Math.cos(2 * Math.PI * u[i + 1]);
          const lq = lvQ[n * D + d];
          y[d] = muQ[n * D + d] + Math.exp(0.5 * lq) * eps;
          logq += -0.5 * (Math.log(2 * Math.PI) + lq + eps * eps);
        }
        let q2 = 0;
        for (let i = 0; i < D; i++) {
          let ui = 0;
          for (let j = 0; j <= i; j++) ui += A[i * D + j] * (y[j] - muP[j]);
          q2 += ui * ui;
        }
        const logp = -0.5 * (D * Math.log(2 * Math.PI) + logDetP + q2);
        s += logq - logp;
        s2 += (logq - logp) ** 2;
      }
      const m = s / samples;
      const se = Math.sqrt((s2 / samples - m * m) / samples);
      expect(Math.abs(kl[n] - m)).toBeLessThan(4 * se);
      expect(se).toBeLessThan(0.1);
    }
  });

  it('gradients for μ_q, logσ²_q and μ_p match finite differences', () => {
    const mu = tf.tensor(muQ, [N, D]);
    const lv = tf.tensor(lvQ, [N, D]);
    const pm = tf.tensor(muP, [D]);
    const a = tf.tensor(A, [D, D]);
    const cases: [(x: tf.Tensor) => tf.Tensor, tf.Tensor][] = [
      [(x) => klNormalFullCovariance(x, lv, pm, a), mu],
      [(x) => klNormalFullCovariance(mu, x, pm, a, { reduction: 'sum' }), lv],
      [(x) => klNormalFullCovariance(mu, lv, x, a), pm],
    ];
    for (const [f, x] of cases) {
      expectTensorsClose(analyticGradient(f, x), numericGradient(f, x, 1e-2), { atol: 5e-3, rtol: 1e-2 });
    }
    tf.dispose([mu, lv, pm, a]);
  });
});
