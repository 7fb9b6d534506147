import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-layers'; // registers the stock gradients, which ours replace
import { expectNoLeak, expectTensorsClose, seededFloats, useBackend } from '@dgpose/test-utils';
import { registerDGPoseKernels } from './register';
import { tileInto } from './tile';
import { isOurs } from './types';

/** Naive tile: out[idx] = x[idx mod shape], element by element. */
function naiveTile(x: ArrayLike<number>, shape: number[], reps: number[]): Float64Array {
  const out = shape.map((n, i) => n * reps[i]);
  const size = out.reduce((a, v) => a * v, 1);
  const y = new Float64Array(size);
  const idx = new Array<number>(shape.length).fill(0);
  for (let k = 0; k < size; k++) {
    let s = 0;
    for (let d = 0; d < shape.length; d++) s = s * shape[d] + (idx[d] % shape[d]);
    y[k] = x[s];
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++idx[d] < out[d]) break;
      idx[d] = 0;
    }
  }
  return y;
}

/** Naive tile gradient: dx[s] = Σ dy over every output position that copies s. */
function naiveTileGrad(dy: ArrayLike<number>, shape: number[], reps: number[]): Float64Array {
  const size = shape.reduce((a, v) => a * v, 1);
  const index = naiveTile(
    Float64Array.from({ length: size }, (_, i) => i),
    shape,
    reps,
  );
  const dx = new Float64Array(size);
  index.forEach((s, k) => (dx[s] += dy[k]));
  return dx;
}

const TILE_CASES: [number[], number[]][] = [
  [[5], [3]],
  [
    [2, 3],
    [2, 1],
  ],
  [
    [2, 1, 1, 4],
    [1, 3, 5, 1],
  ], // the decoder's z tile
  [
    [3, 2, 2],
    [2, 2, 3],
  ],
  [
    [1, 2, 3, 2],
    [2, 1, 2, 3],
  ],
  [
    [2, 1, 3, 1, 2],
    [1, 4, 1, 2, 2],
  ],
  [
    [2, 3],
    [1, 1],
  ],
  [
    [2, 18, 1],
    [1, 1, 2],
  ], // limbMaps' visibility tile
];

describe.each(['wasm', 'cpu'] as const)('Tile and its gradient on %s', (backend) => {
  beforeAll(async () => {
    await useBackend(backend);
    registerDGPoseKernels(tf);
  });

  test.each(TILE_CASES)('tile(x %j, reps %j) and d/dx match the naive reference', async (shape, reps) => {
    const n = shape.reduce((a, v) => a * v, 1);
    const xv = seededFloats(n, 7);
    const outN = n * reps.reduce((a, v) => a * v, 1);
    const dyv = seededFloats(outN, 8);
    await expectNoLeak(async () => {
      const x = tf.tensor(xv, shape);
      const dy = tf.tensor(
        dyv,
        shape.map((s, i) => s * reps[i]),
      );
      const y = tf.tile(x, reps);
      expect(Array.from(await y.data())).toEqual(Array.from(naiveTile(xv, shape, reps)).map(Math.fround));
      const g = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.tile(a, reps), dy)))(x);
      expect(g.shape).toEqual(shape);
      expectTensorsClose(await g.data(), naiveTileGrad(dyv, shape, reps), { atol: 1e-5, rtol: 1e-5 });
      tf.dispose([x, dy, y, g]);
    });
  });

  test('tiles int32 and bool tensors', async () => {
    const i = tf.tensor2d([1, 2, 3, 4], [2, 2], 'int32');
    const b = tf.tensor2d([1, 0], [2, 1], 'bool');
    const ti = tf.tile(i, [2, 1]);
    const tb = tf.tile(b, [1, 3]);
    expect(ti.dtype).toBe('int32');
    expect(Array.from(await ti.data())).toEqual([1, 2, 3, 4, 1, 2, 3, 4]);
    expect(tb.dtype).toBe('bool');
    expect(Array.from(await tb.data())).toEqual([1, 1, 1, 0, 0, 0]);
    tf.dispose([i, b, ti, tb]);
  });

  if (backend === 'wasm') {
    test('the wasm Tile is ours', () => {
      expect(isOurs(tf.getKernel('Tile', 'wasm')?.kernelFunc)).toBe(true);
    });
  }
});

describe('tileInto', () => {
  test('fills every element of a random shape from the naive reference', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const r = seededFloats(8, seed).map((v) => Math.abs(v));
      const rank = 1 + (Math.floor(r[0] * 4) % 4);
      const shape = Array.from({ length: rank }, (_, i) => 1 + (Math.floor(r[1 + i] * 10) % 3));
      const reps = Array.from({ length: rank }, (_, i) => 1 + (Math.floor(r[4 + (i % 4)] * 10) % 3));
      const n = shape.reduce((a, v) => a * v, 1);
      const x = Float32Array.from({ length: n }, (_, i) => i + 1);
      const out = new Float32Array(n * reps.reduce((a, v) => a * v, 1));
      tileInto(out, x, shape, reps);
      expect(Array.from(out)).toEqual(Array.from(naiveTile(x, shape, reps)));
    }
  });
});

// x with positives, negatives and zeros of both signs; dy with both signs
const XV = Float32Array.from([1.5, -2, 0, -0, 3e-3, -7e-4, 1e-30, 0.25, -1, 2, -3, Infinity]);
const DYV = Float32Array.from([0.3, -0.7, 1.1, -0.2, 5, -6, 0.5, -0.25, -1.3, 0.9, -0.1, 2.2]);

function sameBits(a: ArrayLike<number>, b: ArrayLike<number>): void {
  const fa = new Uint32Array(Float32Array.from(a).buffer);
  const fb = new Uint32Array(Float32Array.from(b).buffer);
  expect(Array.from(fa)).toEqual(Array.from(fb));
}

describe.each(['wasm', 'cpu'] as const)('LeakyReLU gradient on %s', (backend) => {
  beforeAll(async () => {
    await useBackend(backend);
    registerDGPoseKernels(tf);
  });

  test.each([0.2, 0.01, 0.3])('alpha %p: bit for bit the stock where(greater(x, 0), dy, dy*alpha)', async (alpha) => {
    const x = tf.tensor2d(XV, [3, 4]);
    const dy = tf.tensor2d(DYV, [3, 4]);
    await expectNoLeak(async () => {
      const stock = tf.tidy(() => tf.where(tf.greater(x, 0), dy, tf.mul(dy, alpha)));
      const viaTape = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.leakyRelu(a, alpha), dy)))(x);
      // naive reference in float32 arithmetic
      const ref = Float32Array.from(XV, (v, i) => (v > 0 ? DYV[i] : Math.fround(DYV[i] * Math.fround(alpha))));
      sameBits(await stock.data(), ref);
      sameBits(await viaTape.data(), ref);
      tf.dispose([stock, viaTape]);
    });
    tf.dispose([x, dy]);
  });

  test('second-order gradient through it', async () => {
    const x = tf.tensor1d([1, -2, 3, -4]);
    const w = tf.tensor1d([0.5, 0.5, -1, 2]);
    await expectNoLeak(async () => {
      // f(w) = Σ w · d/dx[Σ w·leakyRelu(x)] = Σ w²·leakyRelu'(x), so df/dw = 2·w·leakyRelu'(x)
      const g = tf.grad((v: tf.Tensor) =>
        tf.sum(tf.mul(tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.leakyRelu(a, 0.2), v)))(x), v)),
      )(w);
      expectTensorsClose(await g.data(), [1, 0.2, -2, 0.8], { atol: 1e-6 });
      g.dispose();
    });
    tf.dispose([x, w]);
  });
});
