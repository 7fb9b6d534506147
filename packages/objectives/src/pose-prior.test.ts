import * as tf from '@tensorflow/tfjs-core';
import { TEST_BACKENDS, expectNoLeak, expectTensorsClose, seededFloats, useBackend } from '@dgpose/test-utils';
import { createRng } from '@dgpose/core';
import {
  checkPosePriorCholesky,
  fitGaussianPrior,
  posePriorParams,
  samplePosePrior,
  standardizePoses,
  unstandardizePoses,
} from './index';

const J = 3;
const N = 5;
const raw = seededFloats(N * 2 * J, 51, 0, 64);
const poses = Array.from({ length: N }, (_, n) => raw.slice(n * 2 * J, (n + 1) * 2 * J));
// joint 1 missing in poses 0 and 3 (its stored coordinates are junk and must be ignored)
const visible = poses.map((_, n) => [1, n === 0 || n === 3 ? 0 : 1, 1]);
poses[0][2] = 1e6;
poses[3][3] = -1e6;

function stats(k: number): { mean: number; variance: number; count: number } {
  const vals = poses.filter((_, n) => visible[n][k >> 1]).map((p) => p[k]);
  const mean = vals.reduce((a, b) => a + b, 0) / vals.length;
  return { mean, variance: vals.reduce((a, b) => a + (b - mean) ** 2, 0) / vals.length, count: vals.length };
}

describe('fitGaussianPrior', () => {
  it('per coordinate: centre = mean and scale = std over visible samples, prior N(0, I)', () => {
    const p = fitGaussianPrior(poses, visible);
    for (let k = 0; k < 2 * J; k++) {
      const s = stats(k);
      expect(p.center[k]).toBeCloseTo(s.mean, 3);
      expect(p.scale[k]).toBeCloseTo(Math.sqrt(s.variance + 1e-6), 3);
      expect(p.counts[k]).toBe(s.count);
      expect(p.mean[k]).toBe(0);
      expect(p.logvar[k]).toBe(0);
    }
    expect(p.counts[2]).toBe(3);
  });

  it('global: one scale, logvar = log(var_d / s²)', () => {
    const p = fitGaussianPrior(poses, visible, { standardize: 'global' });
    const vars = Array.from({ length: 2 * J }, (_, k) => stats(k).variance + 1e-6);
    const s2 = vars.reduce((a, b) => a + b, 0) / vars.length;
    for (let k = 0; k < 2 * J; k++) {
      expect(p.scale[k]).toBeCloseTo(Math.sqrt(s2), 3);
      expect(p.logvar[k]).toBeCloseTo(Math.log(vars[k] / s2), 4);
    }
  });

  it('errors: too few visible samples, ragged input, non-finite values, bad options', () => {
    const vis2 = visible.map((v, n) => [v[0], n === 1 ? 1 : 0, v[2]]);
    expect(() => fitGaussianPrior(poses, vis2)).toThrow(
      expect.objectContaining({ code: 'E_EMPTY', details: expect.objectContaining({ argument: 'joint 1' }) }),
    );
    expect(() => fitGaussianPrior([])).toThrow(expect.objectContaining({ code: 'E_EMPTY' }));
    expect(() => fitGaussianPrior([poses[0], poses[1].slice(0, 4)])).toThrow(
      expect.objectContaining({ code: 'E_SHAPE' }),
    );
    expect(() => fitGaussianPrior(poses, visible.slice(1))).toThrow(expect.objectContaining({ code: 'E_SHAPE' }));
    expect(() => fitGaussianPrior([poses[1], Float32Array.from(poses[2], (v, i) => (i === 0 ? NaN : v))])).toThrow(
      expect.objectContaining({ code: 'E_NAN' }),
    );
    expect(() => fitGaussianPrior(poses, visible, { epsilon: 0 })).toThrow(expect.objectContaining({ code: 'E_ARG' }));
  });
});

describe.each(TEST_BACKENDS)('standardizePoses on %s', (backend) => {
  beforeAll(() => useBackend(backend));
  it('standardises, round-trips and leaks nothing', async () => {
    const p = fitGaussianPrior(poses, visible);
    const c = tf.tensor2d(raw.slice(2 * J, 6 * J), [2, 2 * J]);
    const bad = tf.zeros([3, 4]);
    await expectNoLeak(() => {
      const y = standardizePoses(c, p);
      const expected = Array.from(
        raw.slice(2 * J, 6 * J),
        (v, i) => (v - p.center[i % (2 * J)]) / p.scale[i % (2 * J)],
      );
      expectTensorsClose(y, expected, { rtol: 1e-5, atol: 1e-5 });
      const back = unstandardizePoses(y, p);
      expectTensorsClose(back, c, { rtol: 1e-5, atol: 1e-3 });
      const prior = posePriorParams(p);
      expect(prior.mu.shape).toEqual([2 * J]);
      tf.dispose([y, back, prior.mu, prior.logvar]);
      expect(() => standardizePoses(bad, p)).toThrow(expect.objectContaining({ code: 'E_SHAPE' }));
    });
    tf.dispose([c, bad]);
  });
});

// ---------------------------------------------------------------------------------------------
// full covariance

/** Correlated 2D "poses" (J = 3): a random linear map of 4 latent factors plus a little noise. */
function correlatedPoses(n: number, seed: number): Float32Array[] {
  const W = seededFloats(6 * 4, seed, -3, 3);
  const u = seededFloats(n * 10, seed + 1, 1e-9, 1);
  return Array.from({ length: n }, (_, i) => {
    const z = Array.from(
      { length: 5 },
      (_, k) => Math.sqrt(-2 * Math.log(u[i * 10 + 2 * k])) * Math.cos(2 * Math.PI * u[i * 10 + 2 * k + 1]),
    );
    return Float32Array.from(
      { length: 6 },
      (_, r) =>
        30 +
        r * 2 +
        W[r * 4] * z[0] +
        W[r * 4 + 1] * z[1] +
        W[r * 4 + 2] * z[2] +
        W[r * 4 + 3] * z[3] +
        0.3 * z[4] * (r % 2 ? 1 : -1),
    );
  });
}

/** Sample mean and biased covariance in double precision. */
function sampleCov(rows: ArrayLike<number>[]): { mu: number[]; cov: number[][] } {
  const d = rows[0].length;
  const mu = Array.from({ length: d }, (_, k) => rows.reduce((s, r) => s + r[k], 0) / rows.length);
  const cov = Array.from({ length: d }, (_, i) =>
    Array.from({ length: d }, (_, j) => rows.reduce((s, r) => s + (r[i] - mu[i]) * (r[j] - mu[j]), 0) / rows.length),
  );
  return { mu, cov };
}

/** Σ̃ = L Lᵀ from a prior's factor, back in pixel units: Σ_ij = Σ̃_ij · scale_i · scale_j. */
function pixelCov(p: { cholesky?: Float32Array; scale: Float32Array }): number[][] {
  const d = p.scale.length;
  const L = p.cholesky as Float32Array;
  return Array.from({ length: d }, (_, i) =>
    Array.from({ length: d }, (_, j) => {
      let s = 0;
      for (let k = 0; k < d; k++) s += L[i * d + k] * L[j * d + k];
      return s * p.scale[i] * p.scale[j];
    }),
  );
}

describe('fitGaussianPrior, full covariance', () => {
  const rows = correlatedPoses(400, 61);

  it('with every joint visible: the sample mean and covariance (off-diagonals shrunk by 1 − λ), N(0, Σ̃) with unit diagonal', () => {
    const lambda = 0.01;
    const p = fitGaussianPrior(rows, undefined, { covariance: 'full', shrinkage: lambda });
    const ref = sampleCov(rows);
    const cov = pixelCov(p);
    for (let i = 0; i < 6; i++) {
      expect(p.center[i]).toBeCloseTo(ref.mu[i], 3);
      expect(p.scale[i]).toBeCloseTo(Math.sqrt(ref.cov[i][i] + 1e-6), 3);
      expect(p.logvar[i]).toBeCloseTo(0, 5);
      expect(p.mean[i]).toBe(0);
      for (let j = 0; j < 6; j++) {
        const want = i === j ? ref.cov[i][i] + 1e-6 : (1 - lambda) * ref.cov[i][j];
        expect(Math.abs(cov[i][j] - want)).toBeLessThan(1e-4 * ref.cov[i][i]);
        if (j > i) expect((p.cholesky as Float32Array)[i * 6 + j]).toBe(0);
      }
    }
    // the correlations are strong: a diagonal prior would drop them
    let maxCorr = 0;
    for (let i = 0; i < 6; i++)
      for (let j = 0; j < i; j++)
        maxCorr = Math.max(maxCorr, Math.abs(ref.cov[i][j]) / Math.sqrt(ref.cov[i][i] * ref.cov[j][j]));
    expect(maxCorr).toBeGreaterThan(0.5);
  });

  it('global standardisation: one scale, logvar = log(var_d / s²), same pixel covariance', () => {
    const p = fitGaussianPrior(rows, undefined, { covariance: 'full', standardize: 'global', shrinkage: 0.01 });
    const q = fitGaussianPrior(rows, undefined, { covariance: 'full', shrinkage: 0.01 });
    const a = pixelCov(p);
    const b = pixelCov(q);
    for (let i = 0; i < 6; i++) {
      expect(p.scale[i]).toBe(p.scale[0]);
      expect(p.logvar[i]).toBeCloseTo(Math.log(b[i][i] / p.scale[0] ** 2), 4);
      for (let j = 0; j < 6; j++) expect(a[i][j]).toBeCloseTo(b[i][j], 2);
    }
  });

  it('missing joints: EM recovers the complete-data fit far better than mean imputation, and never reads the junk values', () => {
    // joint 2 (coords 4, 5) missing in 40 % of the rows, joint 1 in 20 %; junk stored where missing
    const vis = rows.map((_, n) => [1, n % 5 === 0 ? 0 : 1, n % 5 < 2 ? 0 : 1]);
    const junk = rows.map((r, n) => Float32Array.from(r, (v, k) => (vis[n][k >> 1] ? v : 1e6)));
    const full = pixelCov(fitGaussianPrior(rows, undefined, { covariance: 'full', shrinkage: 1e-6 }));
    const em = fitGaussianPrior(junk, vis, { covariance: 'full', shrinkage: 1e-6 });
    expect(em.counts[4]).toBe(240);
    const emCov = pixelCov(em);
    // reference: mean imputation (a missing value set to its coordinate's visible mean)
    const means = Array.from({ length: 6 }, (_, k) => {
      const v = rows.filter((_, n) => vis[n][k >> 1]).map((r) => r[k]);
      return v.reduce((a, b) => a + b) / v.length;
    });
    const imputed = sampleCov(rows.map((r, n) => Array.from(r, (v, k) => (vis[n][k >> 1] ? v : means[k]))));
    let errEm = 0;
    let errImp = 0;
    for (let i = 0; i < 6; i++) {
      for (let j = 0; j < 6; j++) {
        errEm += (emCov[i][j] - full[i][j]) ** 2;
        errImp += (imputed.cov[i][j] - full[i][j]) ** 2;
      }
    }
    expect(errEm).toBeLessThan(0.25 * errImp);
    for (let i = 0; i < 6; i++) expect(Math.abs(em.center[i] - sampleCov(rows).mu[i])).toBeLessThan(0.5);
  });

  it('few, collinear poses (N < d) still give a positive-definite factor', () => {
    const p = fitGaussianPrior(rows.slice(0, 3), undefined, { covariance: 'full' });
    for (let i = 0; i < 6; i++) expect((p.cholesky as Float32Array)[i * 7]).toBeGreaterThan(0);
    expect(() => checkPosePriorCholesky(p.cholesky as Float32Array, 6)).not.toThrow();
  });

  it('errors: bad covariance, shrinkage, maxIterations; a malformed factor', () => {
    expect(() => fitGaussianPrior(rows, undefined, { covariance: 'dense' as 'full' })).toThrow(
      expect.objectContaining({ code: 'E_ARG' }),
    );
    expect(() => fitGaussianPrior(rows, undefined, { covariance: 'full', shrinkage: 0 })).toThrow(
      expect.objectContaining({ code: 'E_ARG' }),
    );
    expect(() => fitGaussianPrior(rows, undefined, { covariance: 'full', maxIterations: 0 })).toThrow(
      expect.objectContaining({ code: 'E_ARG' }),
    );
    expect(() => checkPosePriorCholesky(new Float32Array(5), 2)).toThrow(expect.objectContaining({ code: 'E_SHAPE' }));
    expect(() => checkPosePriorCholesky(Float32Array.of(1, 0.5, 0, 1), 2)).toThrow(
      expect.objectContaining({ code: 'E_SHAPE' }),
    );
    expect(() => checkPosePriorCholesky(Float32Array.of(1, 0, 0.5, -1), 2)).toThrow(
      expect.objectContaining({ code: 'E_ARG' }),
    );
    expect(() => checkPosePriorCholesky(Float32Array.of(1, 0, NaN, 1), 2)).toThrow(
      expect.objectContaining({ code: 'E_NAN' }),
    );
  });
});

describe('samplePosePrior', () => {
  const rows = correlatedPoses(400, 71);
  const p = fitGaussianPrior(rows, undefined, { covariance: 'full', shrinkage: 0.001 });

  it('full: the samples have the prior mean and covariance (seeded, 20,000 draws); temperature τ scales the covariance by τ²', () => {
    const n = 20000;
    const s = samplePosePrior(p, n, 5);
    const sRows = Array.from({ length: n }, (_, i) => s.subarray(i * 6, (i + 1) * 6));
    const got = sampleCov(sRows);
    const want = pixelCov(p);
    for (let i = 0; i < 6; i++) {
      expect(Math.abs(got.mu[i] - p.center[i])).toBeLessThan(4 * Math.sqrt(want[i][i] / n));
      for (let j = 0; j < 6; j++)
        expect(Math.abs(got.cov[i][j] - want[i][j])).toBeLessThan(0.05 * Math.sqrt(want[i][i] * want[j][j]));
    }
    const t = samplePosePrior(p, n, 5, { temperature: 0.5 });
    const gotT = sampleCov(Array.from({ length: n }, (_, i) => t.subarray(i * 6, (i + 1) * 6)));
    for (let i = 0; i < 6; i++) expect(gotT.cov[i][i] / want[i][i]).toBeCloseTo(0.25, 1);
    expect(samplePosePrior(p, 3, 5)).toEqual(samplePosePrior(p, 3, 5));
    expect(samplePosePrior(p, 3, 6)).not.toEqual(samplePosePrior(p, 3, 5));
  });

  it("diagonal: c = (mean + τ·exp(½ logvar)·ε)·scale + center, ε from core's seeded RNG", () => {
    const q = fitGaussianPrior(rows);
    const rng = createRng(9);
    const want = Array.from(
      { length: 12 },
      (_, i) => (q.mean[i % 6] + Math.exp(0.5 * q.logvar[i % 6]) * rng.normal()) * q.scale[i % 6] + q.center[i % 6],
    );
    expectTensorsClose(tf.tensor(samplePosePrior(q, 2, 9)), want, { rtol: 1e-6, atol: 1e-4 });
    expect(() => samplePosePrior(q, 0, 1)).toThrow(expect.objectContaining({ code: 'E_ARG' }));
    expect(() => samplePosePrior(q, 2, 1, { temperature: 0 })).toThrow(expect.objectContaining({ code: 'E_ARG' }));
  });
});

describe.each(TEST_BACKENDS)('posePriorParams with a full covariance on %s', (backend) => {
  beforeAll(() => useBackend(backend));
  it('gives invCholesky = L⁻¹ ([2J, 2J]) and leaks nothing', async () => {
    const p = fitGaussianPrior(correlatedPoses(50, 81), undefined, { covariance: 'full' });
    await expectNoLeak(async () => {
      const t = posePriorParams(p);
      expect(t.invCholesky?.shape).toEqual([6, 6]);
      const A = await (t.invCholesky as tf.Tensor).data();
      // A L = I
      const L = p.cholesky as Float32Array;
      for (let i = 0; i < 6; i++) {
        for (let j = 0; j < 6; j++) {
          let s = 0;
          for (let k = 0; k < 6; k++) s += A[i * 6 + k] * L[k * 6 + j];
          expect(s).toBeCloseTo(i === j ? 1 : 0, 3);
        }
      }
      tf.dispose([t.mu, t.logvar, t.invCholesky as tf.Tensor]);
      const diag = posePriorParams(fitGaussianPrior(poses, visible));
      expect(diag.invCholesky).toBeUndefined();
      tf.dispose([diag.mu, diag.logvar]);
    });
  });
});
