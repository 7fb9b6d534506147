import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-layers'; // registers the gradients
import { expectNoLeak, expectTensorsClose, seededFloats, useBackend } from '@dgpose/test-utils';
import { registerDGPoseKernels } from './register';
import { leadingAxes } from './wasm-reduce';
import { isOurs } from './types';

/** Naive reference: sum (or mean) of x over `axes`, in doubles. */
function naive(x: Float32Array, shape: number[], axes: number[], mean: boolean): Float64Array {
  const keep = shape.map((_, d) => !axes.includes(d));
  const outShape = shape.filter((_, d) => keep[d]);
  const out = new Float64Array(outShape.reduce((a, v) => a * v, 1));
  const idx = new Array<number>(shape.length).fill(0);
  for (let i = 0; i < x.length; i++) {
    let o = 0;
    for (let d = 0; d < shape.length; d++) if (keep[d]) o = o * shape[d] + idx[d];
    out[o] += x[i];
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
  }
  const count = axes.reduce((a, d) => a * shape[d], 1);
  return mean ? out.map((v) => v / count) : out;
}

test('leadingAxes', () => {
  expect(leadingAxes([0, 1, 2], 4)).toBe(3);
  expect(leadingAxes([2, 0, 1], 4)).toBe(3);
  expect(leadingAxes([0], 2)).toBe(1);
  expect(leadingAxes([1, 2], 4)).toBe(0);
  expect(leadingAxes([0, 1, 2, 3], 4)).toBe(0); // a full reduction stays stock
  expect(leadingAxes([], 3)).toBe(0);
});

describe('Sum and Mean over leading axes on wasm', () => {
  beforeAll(async () => {
    await useBackend('wasm');
    registerDGPoseKernels(tf);
  });

  test('are ours', () => {
    expect(isOurs(tf.getKernel('Sum', 'wasm')?.kernelFunc)).toBe(true);
    expect(isOurs(tf.getKernel('Mean', 'wasm')?.kernelFunc)).toBe(true);
  });

  test.each([
    [
      [8, 4, 4, 16],
      [0, 1, 2],
    ],
    [
      [3, 5, 7],
      [0, 1],
    ],
    [[6, 4], [0]],
    [[2, 3, 4, 5], [0]],
    [
      [2, 3, 4, 5],
      [1, 2],
    ], // not leading: stock
    [
      [2, 3, 4, 5],
      [0, 1, 2, 3],
    ], // full: stock
    [[4, 3], [-2]],
  ])('x %j over %j, with and without keepDims, match the naive reference', async (shape, axis) => {
    const xv = seededFloats(
      shape.reduce((a, v) => a * v, 1),
      11,
      -3,
      3,
    );
    const axes = axis.map((a) => (a < 0 ? a + shape.length : a));
    const x = tf.tensor(xv, shape);
    await expectNoLeak(async () => {
      for (const mean of [false, true]) {
        const ref = naive(xv, shape, axes, mean);
        for (const keepDims of [false, true]) {
          const y = mean ? tf.mean(x, axis, keepDims) : tf.sum(x, axis, keepDims);
          expect(y.shape).toEqual(
            keepDims ? shape.map((s, d) => (axes.includes(d) ? 1 : s)) : shape.filter((_, d) => !axes.includes(d)),
          );
          expectTensorsClose(await y.data(), ref, { atol: 1e-4, rtol: 1e-5 });
          y.dispose();
        }
      }
    });
    x.dispose();
  });

  test('int32 and bool inputs keep the stock kernels (and dtypes)', async () => {
    const i = tf.tensor2d([1, 2, 3, 4], [2, 2], 'int32');
    const s = tf.sum(i, 0);
    expect(s.dtype).toBe('int32');
    expect(Array.from(await s.data())).toEqual([4, 6]);
    tf.dispose([i, s]);
  });

  test('gradients through the fast kernels match the naive reference', async () => {
    const x = tf.tensor(seededFloats(2 * 3 * 4, 5), [2, 3, 4]);
    const g = tf.grad((a: tf.Tensor) => tf.sum(tf.square(tf.mean(a, [0, 1]))))(x);
    const m = naive(x.dataSync() as Float32Array, [2, 3, 4], [0, 1], true);
    const ref = Array.from(x.dataSync(), (_, i) => (2 * m[i % 4]) / 6);
    expectTensorsClose(await g.data(), ref, { atol: 1e-6 });
    tf.dispose([x, g]);
  });
});
