import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-layers'; // registers the gradients
import { expectNoLeak, expectTensorsClose, seededFloats, useBackend } from '@dgpose/test-utils';
import { registerDGPoseKernels } from './register';
import { isOurs } from './types';

type Pad = 'same' | 'valid' | number | [[0, 0], [number, number], [number, number], [0, 0]];
interface Case {
  x: [number, number, number, number];
  k: [number, number];
  o: number;
  s: number | [number, number];
  pad: Pad;
}

// strides 1/2/3 (and unequal), kernel sizes 1-5, same/valid/numeric/explicit asymmetric pads,
// odd sizes, s > k, batch > 1
const CASES: Case[] = [
  { x: [2, 7, 7, 3], k: [3, 3], o: 4, s: 1, pad: 'same' },
  { x: [2, 8, 8, 3], k: [4, 4], o: 5, s: 2, pad: 'same' },
  { x: [1, 9, 9, 2], k: [3, 3], o: 3, s: 3, pad: 'valid' },
  { x: [2, 7, 9, 3], k: [5, 5], o: 2, s: 2, pad: 'valid' },
  { x: [2, 6, 6, 2], k: [1, 1], o: 3, s: 1, pad: 'valid' },
  { x: [1, 7, 7, 2], k: [2, 2], o: 3, s: 3, pad: 'same' },
  {
    x: [2, 8, 7, 3],
    k: [4, 4],
    o: 2,
    s: 2,
    pad: [
      [0, 0],
      [1, 2],
      [2, 0],
      [0, 0],
    ],
  },
  { x: [1, 5, 5, 1], k: [5, 5], o: 2, s: 1, pad: 'same' },
  {
    x: [3, 10, 10, 4],
    k: [4, 4],
    o: 3,
    s: 2,
    pad: [
      [0, 0],
      [1, 1],
      [1, 1],
      [0, 0],
    ],
  },
  { x: [2, 9, 9, 3], k: [3, 3], o: 4, s: 2, pad: 'same' },
  { x: [1, 11, 11, 2], k: [5, 5], o: 3, s: 3, pad: 'same' },
  { x: [2, 6, 7, 3], k: [3, 2], o: 2, s: [2, 1], pad: 'same' },
  { x: [1, 4, 4, 2], k: [1, 1], o: 2, s: 2, pad: 'valid' },
  { x: [2, 6, 6, 2], k: [3, 3], o: 2, s: 1, pad: 1 },
  {
    x: [2, 13, 13, 2],
    k: [5, 5],
    o: 3,
    s: 2,
    pad: [
      [0, 0],
      [0, 3],
      [3, 0],
      [0, 0],
    ],
  },
  {
    x: [1, 5, 6, 3],
    k: [2, 4],
    o: 2,
    s: 3,
    pad: [
      [0, 0],
      [2, 0],
      [0, 1],
      [0, 0],
    ],
  },
];

function info(c: Case) {
  return tf.backend_util.computeConv2DInfo(
    c.x,
    [c.k[0], c.k[1], c.x[3], c.o],
    c.s,
    1,
    c.pad as never,
    undefined,
    false,
    'channelsLast',
  );
}

/** Naive reference: dW and dX of y = conv2d(x, w) for upstream gradient dy (NHWC). */
function naiveGrads(c: Case, x: Float32Array, w: Float32Array, dy: Float32Array) {
  const ci = info(c);
  const [B, H, W, C] = c.x;
  const [kh, kw] = c.k;
  const O = c.o;
  const { outHeight: Ho, outWidth: Wo, strideHeight: sh, strideWidth: sw } = ci;
  const { top, left } = ci.padInfo;
  const dW = new Float64Array(kh * kw * C * O);
  const dX = new Float64Array(B * H * W * C);
  for (let b = 0; b < B; b++)
    for (let oy = 0; oy < Ho; oy++)
      for (let ox = 0; ox < Wo; ox++)
        for (let i = 0; i < kh; i++) {
          const yy = oy * sh + i - top;
          if (yy < 0 || yy >= H) continue;
          for (let j = 0; j < kw; j++) {
            const xx = ox * sw + j - left;
            if (xx < 0 || xx >= W) continue;
            for (let c0 = 0; c0 < C; c0++) {
              const xi = ((b * H + yy) * W + xx) * C + c0;
              for (let o = 0; o < O; o++) {
                const g = dy[((b * Ho + oy) * Wo + ox) * O + o];
                const wi = ((i * kw + j) * C + c0) * O + o;
                dW[wi] += x[xi] * g;
                dX[xi] += w[wi] * g;
              }
            }
          }
        }
  return { dW, dX, outShape: [B, Ho, Wo, O] as [number, number, number, number] };
}

function fixture(c: Case, seed: number) {
  const ci = info(c);
  const x = seededFloats(
    c.x.reduce((a, b) => a * b),
    seed,
  );
  const w = seededFloats(c.k[0] * c.k[1] * c.x[3] * c.o, seed + 1);
  const dy = seededFloats(c.x[0] * ci.outHeight * ci.outWidth * c.o, seed + 2);
  return { x, w, dy, ...naiveGrads(c, x, w, dy) };
}

const label = (c: Case) => `x=${c.x} k=${c.k} o=${c.o} s=${c.s} pad=${JSON.stringify(c.pad)}`;

describe.each(['wasm', 'cpu'] as const)('conv gradient kernels on %s', (backend) => {
  beforeAll(async () => {
    await useBackend(backend);
    registerDGPoseKernels(tf);
  });

  test.each(CASES.map((c, i) => [label(c), c, i] as const))('Conv2DBackpropFilter %s', async (_l, c, i) => {
    const f = fixture(c, 100 + i);
    await expectNoLeak(async () => {
      const x = tf.tensor4d(f.x, c.x);
      const dy = tf.tensor4d(f.dy, f.outShape);
      const dW = tf.engine().runKernel(
        'Conv2DBackpropFilter',
        { x, dy },
        {
          strides: c.s,
          pad: c.pad,
          dataFormat: 'NHWC',
          filterShape: [c.k[0], c.k[1], c.x[3], c.o],
        },
      ) as tf.Tensor;
      expect(dW.shape).toEqual([c.k[0], c.k[1], c.x[3], c.o]);
      expectTensorsClose(await dW.data(), f.dW, { atol: 1e-4, rtol: 1e-4 });
      tf.dispose([x, dy, dW]);
    });
  });

  test.each(CASES.map((c, i) => [label(c), c, i] as const))('Conv2DBackpropInput %s', async (_l, c, i) => {
    const f = fixture(c, 200 + i);
    await expectNoLeak(async () => {
      const w = tf.tensor4d(f.w, [c.k[0], c.k[1], c.x[3], c.o]);
      const dy = tf.tensor4d(f.dy, f.outShape);
      const dX = tf.engine().runKernel(
        'Conv2DBackpropInput',
        { dy, filter: w },
        {
          strides: c.s,
          pad: c.pad,
          dataFormat: 'NHWC',
          inputShape: c.x,
        },
      ) as tf.Tensor;
      expect(dX.shape).toEqual(c.x);
      expectTensorsClose(await dX.data(), f.dX, { atol: 1e-4, rtol: 1e-4 });
      tf.dispose([w, dy, dX]);
    });
  });

  test('our kernels are the registered ones', () => {
    expect(isOurs(tf.getKernel('Conv2DBackpropFilter', backend)?.kernelFunc)).toBe(true);
    if (backend === 'wasm') expect(isOurs(tf.getKernel('Conv2DBackpropInput', 'wasm')?.kernelFunc)).toBe(true);
    // idempotent: registering again keeps ours and the stock fallback
    expect(registerDGPoseKernels(tf)).toEqual(
      expect.arrayContaining([
        `Conv2DBackpropFilter@${backend}`,
        ...(backend === 'wasm' ? ['Conv2DBackpropInput@wasm'] : []),
      ]),
    );
  });

  test('Conv2DBackpropInput with NCHW (stock fallback on wasm)', async () => {
    const c = CASES[1];
    const f = fixture(c, 3);
    await expectNoLeak(async () => {
      const w = tf.tensor4d(f.w, [c.k[0], c.k[1], c.x[3], c.o]);
      const dy = tf.tidy(() => tf.transpose(tf.tensor4d(f.dy, f.outShape), [0, 3, 1, 2]));
      const [B, H, W, C] = c.x;
      const dX = tf.engine().runKernel(
        'Conv2DBackpropInput',
        { dy, filter: w },
        {
          strides: c.s,
          pad: c.pad,
          dataFormat: 'NCHW',
          inputShape: [B, C, H, W],
        },
      ) as tf.Tensor;
      const nhwc = tf.transpose(dX, [0, 2, 3, 1]);
      expectTensorsClose(await nhwc.data(), f.dX, { atol: 1e-4, rtol: 1e-4 });
      tf.dispose([w, dy, dX, nhwc]);
    });
  });

  test('Conv2DBackpropFilter with NCHW inputs', async () => {
    const c = CASES[6];
    const f = fixture(c, 7);
    await expectNoLeak(async () => {
      const x = tf.tidy(() => tf.transpose(tf.tensor4d(f.x, c.x), [0, 3, 1, 2]));
      const dy = tf.tidy(() => tf.transpose(tf.tensor4d(f.dy, f.outShape), [0, 3, 1, 2]));
      const dW = tf.engine().runKernel(
        'Conv2DBackpropFilter',
        { x, dy },
        {
          strides: c.s,
          pad: [
            [0, 0],
            [0, 0],
            [1, 2],
            [2, 0],
          ], // NCHW order of CASES[6]'s explicit pads
          dataFormat: 'NCHW',
          filterShape: [c.k[0], c.k[1], c.x[3], c.o],
        },
      ) as tf.Tensor;
      expectTensorsClose(await dW.data(), f.dW, { atol: 1e-4, rtol: 1e-4 });
      tf.dispose([x, dy, dW]);
    });
  });

  test('conv2d and conv2dTranspose gradients through tf.grads match the naive reference', async () => {
    const c = CASES[8];
    const f = fixture(c, 9);
    const x = tf.tensor4d(f.x, c.x);
    const w = tf.tensor4d(f.w, [c.k[0], c.k[1], c.x[3], c.o]);
    const dy = tf.tensor4d(f.dy, f.outShape);
    await expectNoLeak(async () => {
      // y = conv2d(x, w); loss = sum(y * dy)  =>  dL/dx = dX, dL/dw = dW
      const g = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, c.pad as never), dy)),
      )([x, w]);
      expectTensorsClose(await g[0].data(), f.dX, { atol: 1e-4, rtol: 1e-4 });
      expectTensorsClose(await g[1].data(), f.dW, { atol: 1e-4, rtol: 1e-4 });
      // conv2dTranspose(dy, w) is the adjoint of conv2d: <conv2dT(dy), x> = <dy, conv2d(x)>, and
      // its forward value is dX; its weight gradient for upstream x is dW.
      const g2 = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.mul(tf.conv2dTranspose(a as tf.Tensor4D, b as tf.Tensor4D, c.x, 2, c.pad as never), x)),
      )([dy, w]);
      expectTensorsClose(await g2[1].data(), f.dW, { atol: 1e-4, rtol: 1e-4 });
      tf.dispose([...g, ...g2]);
    });
    tf.dispose([x, w, dy]);
  });
});
