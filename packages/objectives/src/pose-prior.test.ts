import * as tf from '@tensorflow/tfjs-core';
import { TEST_BACKENDS, expectNoLeak, expectTensorsClose, seededFloats, useBackend } from '@dgpose/test-utils';
import { fitGaussianPrior, posePriorParams, standardizePoses, unstandardizePoses } from './index';

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
    expect(() => fitGaussianPrior(poses, vis2)).toThrow(expect.objectContaining({ code: 'E_EMPTY', details: expect.objectContaining({ argument: 'joint 1' }) }));
    expect(() => fitGaussianPrior([])).toThrow(expect.objectContaining({ code: 'E_EMPTY' }));
    expect(() => fitGaussianPrior([poses[0], poses[1].slice(0, 4)])).toThrow(expect.objectContaining({ code: 'E_SHAPE' }));
    expect(() => fitGaussianPrior(poses, visible.slice(1))).toThrow(expect.objectContaining({ code: 'E_SHAPE' }));
    expect(() => fitGaussianPrior([poses[1], Float32Array.from(poses[2], (v, i) => (i === 0 ? NaN : v))])).toThrow(expect.objectContaining({ code: 'E_NAN' }));
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
      const expected = Array.from(raw.slice(2 * J, 6 * J), (v, i) => (v - p.center[i % (2 * J)]) / p.scale[i % (2 * J)]);
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
