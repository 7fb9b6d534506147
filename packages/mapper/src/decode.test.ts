import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers'; // registers gradients
import { TEST_BACKENDS, useBackend, expectNoLeak, seededFloats } from '@dgpose/test-utils';
import { gaussianHeatmaps, gaussianHeatmapsArray } from './heatmaps';
import { decodeHeatmaps, decodeHeatmapsArray, softArgmax } from './decode';
import { pixelToNormalized } from './coords';

const H = 64;
const W = 48;
const J = 18;
/** Seeded sub-pixel joints at least 8 px (> 5σ) from the border, so the Gaussians are not cut. */
function samplePoses(n: number, seed: number): number[][] {
  const u = seededFloats(n * 2 * J, seed, 0, 1);
  return Array.from({ length: n }, (_, b) =>
    Array.from({ length: 2 * J }, (_, i) => 8 + u[b * 2 * J + i] * ((i % 2 === 0 ? W : H) - 17)),
  );
}
const poses = samplePoses(3, 11);

function maxErr(got: ArrayLike<number>[], want: number[][], visible?: ArrayLike<number>[]): number {
  let m = 0;
  for (let b = 0; b < want.length; b++)
    for (let i = 0; i < want[b].length; i++) {
      if (visible && !visible[b][i >> 1]) continue;
      m = Math.max(m, Math.abs(got[b][i] - want[b][i]));
    }
  return m;
}

describe('decodeHeatmapsArray on analytic maps', () => {
  const { data, shape } = gaussianHeatmapsArray(poses, null, { height: H, width: W, sigma: 1.5 });

  it('argmax + log-quadratic refinement recovers sub-pixel joints within 0.1 px', () => {
    const d = decodeHeatmapsArray(data, shape);
    expect(maxErr(d.coords, poses)).toBeLessThan(0.1);
    expect(d.visible.every((v) => v.every((x) => x === 1))).toBe(true);
    expect(Math.min(...d.confidence.map((c) => Math.min(...c)))).toBeGreaterThan(0.8);
  });

  it('the plain argmax is off by up to half a pixel, the quarter rule by up to 0.25 px (+rounding)', () => {
    const none = maxErr(decodeHeatmapsArray(data, shape, { refine: 'none' }).coords, poses);
    const quarter = maxErr(decodeHeatmapsArray(data, shape, { refine: 'quarter' }).coords, poses);
    expect(none).toBeGreaterThan(0.3);
    expect(none).toBeLessThanOrEqual(0.5 + 1e-6);
    expect(quarter).toBeLessThan(none);
    expect(quarter).toBeLessThanOrEqual(0.5);
  });

  it('soft-argmax recovers joints within 0.1 px at several temperatures', () => {
    for (const temperature of [1, 0.5]) {
      const d = decodeHeatmapsArray(data, shape, { method: 'soft-argmax', temperature });
      expect(maxErr(d.coords, poses)).toBeLessThan(0.1);
    }
  });

  it('returns normalised coordinates on request', () => {
    const d = decodeHeatmapsArray(data, shape, { coords: 'normalized' });
    const want = poses.map((p) => p.map((v, i) => pixelToNormalized(v, i % 2 === 0 ? W : H)));
    expect(maxErr(d.coords, want)).toBeLessThan(0.1 / 20);
  });

  it('marks channels whose peak is under the threshold as missing (coords 0)', () => {
    const vis = [Array.from({ length: J }, (_, q) => (q % 3 === 0 ? 0 : 1))];
    const m = gaussianHeatmapsArray([poses[0]], vis, { height: H, width: W, sigma: 1.5 });
    // scale channel 1 down to 0.1: below the default threshold 0.2
    for (let i = 1; i < m.data.length; i += J) m.data[i] *= 0.1;
    const d = decodeHeatmapsArray(m.data, m.shape);
    for (let q = 0; q < J; q++) {
      const expected = q % 3 === 0 || q === 1 ? 0 : 1;
      expect(d.visible[0][q]).toBe(expected);
      if (!expected) expect([d.coords[0][2 * q], d.coords[0][2 * q + 1]]).toEqual([0, 0]);
    }
    expect(d.confidence[0][1]).toBeCloseTo(
      0.1 * Math.max(...d.confidence[0].filter((_, q) => q !== 1 && q % 3 !== 0)),
      1,
    );
    expect(decodeHeatmapsArray(m.data, m.shape, { threshold: 0.05 }).visible[0][1]).toBe(1);
  });

  it('rejects bad input', () => {
    expect(() => decodeHeatmapsArray(data, [3, H, W])).toThrow(/E_SHAPE/);
    expect(() => decodeHeatmapsArray(data.subarray(1), shape)).toThrow(/E_SHAPE/);
    expect(() => decodeHeatmapsArray(data, shape, { temperature: 0 })).toThrow(/E_ARG/);
    expect(() => decodeHeatmapsArray(data, shape, { method: 'max' as never })).toThrow(/E_ARG/);
    const bad = Float32Array.from(data);
    bad[5] = NaN;
    expect(() => decodeHeatmapsArray(bad, shape)).toThrow(/E_NAN/);
  });
});

describe.each(TEST_BACKENDS)('tensor decoders on %s', (backend) => {
  beforeAll(async () => useBackend(backend));

  it('decode(encode(pose)) round-trips within 0.1 px (argmax and soft-argmax), no leak', async () => {
    await expectNoLeak(async () => {
      const maps = gaussianHeatmaps(poses, null, { height: H, width: W });
      const a = await decodeHeatmaps(maps);
      const s = await decodeHeatmaps(maps, { method: 'soft-argmax' });
      maps.dispose();
      expect(maxErr(a.coords, poses)).toBeLessThan(0.1);
      expect(maxErr(s.coords, poses)).toBeLessThan(0.1);
    });
  });

  it('softArgmax is differentiable and matches the plain decoder', async () => {
    await expectNoLeak(() => {
      const c = tf.tensor2d(poses);
      const maps = gaussianHeatmaps(c, null, { height: H, width: W });
      const s = softArgmax(maps);
      expect(s.shape).toEqual([3, 2 * J]);
      const sv = s.arraySync();
      expect(maxErr(sv, poses)).toBeLessThan(0.1);
      const sn = softArgmax(maps, { coords: 'normalized', temperature: 0.5 });
      const want = poses.map((p) => p.map((v, i) => pixelToNormalized(v, i % 2 === 0 ? W : H)));
      expect(maxErr(sn.arraySync(), want)).toBeLessThan(0.005);
      // d(softArgmax(gaussian(c)))/dc ≈ identity: the round trip is exact, so its Jacobian is I
      const c1 = tf.tensor2d([poses[0]]);
      const g = tf.grad((x: tf.Tensor) => tf.sum(softArgmax(gaussianHeatmaps(x, null, { height: H, width: W }))))(c1);
      c1.dispose();
      const gv = g.dataSync();
      for (let i = 0; i < gv.length; i++) expect(gv[i]).toBeCloseTo(1, 2);
      tf.dispose([c, maps, s, sn, g]);
    });
  });

  it('softArgmax with logits input equals a hand-computed expectation', async () => {
    await expectNoLeak(() => {
      const l = tf.tensor4d([0, 1, 2, 3], [1, 2, 2, 1]);
      const s = softArgmax(l, { input: 'logits', temperature: 2 });
      const w = [0, 1, 2, 3].map((v) => Math.exp(v / 2));
      const z = w.reduce((a, b) => a + b);
      const ex = (w[1] + w[3]) / z;
      const ey = (w[2] + w[3]) / z;
      const sv = s.dataSync();
      expect(sv[0]).toBeCloseTo(ex, 5);
      expect(sv[1]).toBeCloseTo(ey, 5);
      tf.dispose([l, s]);
    });
    const bad = tf.zeros([2, 3]);
    expect(() => softArgmax(bad as tf.Tensor4D)).toThrow(/E_SHAPE/);
    bad.dispose();
  });
});
