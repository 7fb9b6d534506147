import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers'; // registers gradients
import {
  TEST_BACKENDS,
  useBackend,
  expectNoLeak,
  maxAbsDiff,
  seededFloats,
  expectDGPoseError,
} from '@dgpose/test-utils';
import {
  gaussianHeatmaps,
  gaussianHeatmapsArray,
  diskHeatmaps,
  diskHeatmapsArray,
  defaultSigma,
  checkCoords,
} from './heatmaps';
import { pixelToNormalized, normalizedToPixel, convertCoords } from './coords';

/** The pose-gan cords_to_map formula written as a plain loop, independent of the library code. */
function loopMaps(coords: number[][], visible: number[][], H: number, W: number, sigma: number): Float32Array {
  const n = coords.length;
  const j = visible[0].length;
  const out = new Float32Array(n * H * W * j);
  for (let b = 0; b < n; b++)
    for (let r = 0; r < H; r++)
      for (let u = 0; u < W; u++)
        for (let q = 0; q < j; q++) {
          if (!visible[b][q]) continue;
          const dx = u - coords[b][2 * q];
          const dy = r - coords[b][2 * q + 1];
          out[((b * H + r) * W + u) * j + q] = Math.exp(-(dx * dx + dy * dy) / (2 * sigma * sigma));
        }
  return out;
}

const coords = [
  [3.2, 4.7, 10.0, 0.0, 7.5, 11.25],
  [0.0, 15.0, 5.5, 5.5, 19.0, 2.0],
];
const visible = [
  [1, 1, 0],
  [1, 1, 1],
];

describe('coordinate conventions', () => {
  it('maps pixel centres 0 and W-1 to -1 and 1 and back', () => {
    expect(pixelToNormalized(0, 64)).toBe(-1);
    expect(pixelToNormalized(63, 64)).toBe(1);
    expect(pixelToNormalized(31.5, 64)).toBe(0);
    expect(normalizedToPixel(pixelToNormalized(17.3, 64), 64)).toBeCloseTo(17.3, 10);
    const c = convertCoords([0, 0, 63, 127], { width: 64, height: 128 }, 'pixels', 'normalized');
    expect(Array.from(c)).toEqual([-1, -1, 1, 1]);
  });
});

describe('defaultSigma', () => {
  it('is 6 px at 256 and scales with the height', () => {
    expect(defaultSigma(256)).toBe(6);
    expect(defaultSigma(64)).toBe(1.5);
    expect(defaultSigma(128)).toBe(3);
  });
});

describe('gaussianHeatmapsArray', () => {
  it('matches the plain cords_to_map loop, with a zero channel for a missing joint', () => {
    const { data, shape } = gaussianHeatmapsArray(coords, visible, { height: 16, width: 20, sigma: 2 });
    expect(shape).toEqual([2, 16, 20, 3]);
    expect(maxAbsDiff(data, loopMaps(coords, visible, 16, 20, 2))).toBeLessThan(1e-6);
    for (let i = 2; i < 16 * 20 * 3; i += 3) expect(data[i]).toBe(0);
  });
});

describe.each(TEST_BACKENDS)('gaussianHeatmaps on %s', (backend) => {
  beforeAll(async () => useBackend(backend));

  it('matches the plain loop (tensor and plain inputs), NHWC, values in [0,1]', async () => {
    const ref = loopMaps(coords, visible, 16, 20, 2);
    await expectNoLeak(() => {
      const c = tf.tensor2d(coords);
      const v = tf.tensor2d(visible);
      const a = gaussianHeatmaps(c, v, { height: 16, width: 20, sigma: 2 });
      const b = gaussianHeatmaps(coords, visible, { height: 16, width: 20, sigma: 2 });
      expect(a.shape).toEqual([2, 16, 20, 3]);
      expect(a.dtype).toBe('float32');
      expect(maxAbsDiff(a, ref)).toBeLessThan(1e-5);
      expect(maxAbsDiff(b, ref)).toBeLessThan(1e-5);
      const d = a.dataSync();
      expect(Math.min(...d)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...d)).toBeLessThanOrEqual(1);
      tf.dispose([c, v, a, b]);
    });
  });

  it('gives the same maps for normalised input', async () => {
    await expectNoLeak(() => {
      const norm = coords.map((row) =>
        Array.from(convertCoords(row, { width: 20, height: 16 }, 'pixels', 'normalized')),
      );
      const a = gaussianHeatmaps(norm, visible, { height: 16, width: 20, sigma: 2, coords: 'normalized' });
      expect(maxAbsDiff(a, loopMaps(coords, visible, 16, 20, 2))).toBeLessThan(1e-5);
      a.dispose();
    });
  });

  it('ignores NaN coordinates of missing joints in a tensor', async () => {
    await expectNoLeak(() => {
      const c = tf.tensor2d([[3, 4, NaN, NaN]]);
      const v = tf.tensor2d([[1, 0]]);
      const a = gaussianHeatmaps(c, v, { height: 8, width: 8, sigma: 1 });
      const d = a.dataSync();
      expect(d.every((x) => Number.isFinite(x))).toBe(true);
      expect(maxAbsDiff(a, loopMaps([[3, 4, 0, 0]], [[1, 0]], 8, 8, 1))).toBeLessThan(1e-6);
      tf.dispose([c, v, a]);
    });
  });

  it('has the gradient of finite differences with respect to the coordinates', async () => {
    const H = 12;
    const W = 10;
    const sigma = 1.7;
    const base = [3.3, 4.1, 6.6, 8.2];
    const vis = [[1, 1]];
    // weights make the scalar loss depend on every pixel differently
    const wts = seededFloats(H * W * 2, 7);
    const loss = (c: number[]): number => {
      const m = loopMaps([c], vis, H, W, sigma);
      let s = 0;
      for (let i = 0; i < m.length; i++) s += m[i] * wts[i];
      return s;
    };
    await expectNoLeak(() => {
      const w = tf.tensor4d(wts, [1, H, W, 2]);
      const c = tf.tensor2d([base]);
      const g = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(gaussianHeatmaps(x, null, { height: H, width: W, sigma }), w)))(
        c,
      );
      const gv = g.dataSync();
      const h = 1e-3;
      for (let i = 0; i < 4; i++) {
        const p = [...base];
        const m = [...base];
        p[i] += h;
        m[i] -= h;
        const fd = (loss(p) - loss(m)) / (2 * h);
        expect(Math.abs(gv[i] - fd)).toBeLessThan(1e-3 * Math.max(1, Math.abs(fd)));
      }
      tf.dispose([w, c, g]);
    });
  });

  it('propagates gradients through normalised coordinates too', async () => {
    await expectNoLeak(() => {
      const c = tf.tensor2d([[0.1, -0.2]]);
      const g = tf.grad((x: tf.Tensor) =>
        tf.sum(
          tf.mul(
            gaussianHeatmaps(x, null, { height: 16, width: 16, coords: 'normalized' }),
            tf.reshape(tf.linspace(0, 1, 256), [1, 16, 16, 1]),
          ),
        ),
      )(c);
      const gv = g.dataSync();
      expect(Number.isFinite(gv[0]) && gv[0] !== 0).toBe(true);
      tf.dispose([c, g]);
    });
  });

  it('rejects bad input with coded errors', () => {
    const o = { height: 16, width: 16 };
    expectDGPoseError(() => gaussianHeatmaps([[1, NaN]], null, o), 'E_NAN');
    expectDGPoseError(() => gaussianHeatmaps([[1, 2, 3]], null, o), 'E_JOINTS');
    expectDGPoseError(
      () =>
        gaussianHeatmaps(
          [
            [1, 2],
            [1, 2, 3, 4],
          ],
          null,
          o,
        ),
      'E_JOINTS',
    );
    expectDGPoseError(() => gaussianHeatmaps([[1, 2, 3, 4]], [[1]], o), 'E_JOINTS');
    expectDGPoseError(() => gaussianHeatmaps([[1, 2, 3, 4]], null, { ...o, joints: 18 }), 'E_JOINTS');
    expectDGPoseError(() => gaussianHeatmaps([[1.2, 0]], null, { ...o, coords: 'normalized' }), 'E_ARG');
    expectDGPoseError(() => gaussianHeatmaps([[16, 0]], null, o), 'E_ARG');
    expectDGPoseError(() => gaussianHeatmaps([[-0.1, 0]], null, o), 'E_ARG');
    expectDGPoseError(() => gaussianHeatmaps([[1, 2]], [[0.5]], o), 'E_ARG');
    expectDGPoseError(() => gaussianHeatmaps([[1, 2]], null, { ...o, sigma: 0 }), 'E_ARG');
    expectDGPoseError(() => gaussianHeatmaps([[1, 2]], null, { height: 1, width: 16 }), 'E_ARG');
    expectDGPoseError(() => gaussianHeatmaps([], null, o), 'E_EMPTY');
    const t = tf.tensor2d([[1, 2, 3]]);
    expectDGPoseError(() => gaussianHeatmaps(t, null, o), 'E_SHAPE');
    t.dispose();
    const t2 = tf.tensor2d([[1, 2, 3, 4]]);
    const v2 = tf.tensor2d([[1, 1, 1]]);
    expectDGPoseError(() => gaussianHeatmaps(t2, v2, o), 'E_JOINTS');
    tf.dispose([t2, v2]);
    // a missing joint's coordinates are not checked
    gaussianHeatmaps([[1, 2, NaN, 99]], [[1, 0]], o).dispose();
    // outside the frame is accepted on request
    gaussianHeatmaps([[-3, 20]], null, { ...o, allowOutside: true }).dispose();
  });

  it('checkCoords validates tensor values asynchronously', async () => {
    const o = { height: 16, width: 16 };
    const bad = tf.tensor2d([[1, NaN]]);
    await expect(checkCoords(bad, null, o)).rejects.toMatchObject({ code: 'E_NAN' });
    const out = tf.tensor2d([[0, 1.5]]);
    await expect(checkCoords(out, null, { ...o, coords: 'normalized' })).rejects.toMatchObject({ code: 'E_ARG' });
    const ok = tf.tensor2d([[0, 1, 99, 99]]);
    const v = tf.tensor2d([[1, 0]]);
    await expect(checkCoords(ok, v, o)).resolves.toBeUndefined();
    tf.dispose([bad, out, ok, v]);
  });
});

describe('disk maps (PG2 Solid)', () => {
  it('fills the integer disk of the given radius around the rounded joint', () => {
    const { data, shape } = diskHeatmapsArray([[5.4, 6.6, 0, 0]], [[1, 0]], { height: 12, width: 12, radius: 2 });
    expect(shape).toEqual([1, 12, 12, 2]);
    let count = 0;
    for (let r = 0; r < 12; r++)
      for (let u = 0; u < 12; u++) {
        const inside = (r - 7) ** 2 + (u - 5) ** 2 <= 4;
        expect(data[(r * 12 + u) * 2]).toBe(inside ? 1 : 0);
        expect(data[(r * 12 + u) * 2 + 1]).toBe(0);
        if (inside) count++;
      }
    expect(count).toBe(13);
  });

  it('cuts disks at the border and maps to [-1,1] on request', async () => {
    await useBackend('cpu');
    await expectNoLeak(() => {
      const t = diskHeatmaps([[0, 0]], null, { height: 8, width: 8, radius: 1, range: 'pm1' });
      const d = t.dataSync();
      expect(Array.from(d).filter((x) => x === 1).length).toBe(3);
      expect(Array.from(d).filter((x) => x === -1).length).toBe(61);
      t.dispose();
    });
    expect(() => diskHeatmapsArray([[0, 0]], null, { height: 8, width: 8, radius: -1 })).toThrow(/E_ARG/);
    expect(() => diskHeatmapsArray([[0, NaN]], null, { height: 8, width: 8 })).toThrow(/E_NAN/);
  });
});
