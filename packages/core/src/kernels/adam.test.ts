import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { expectNoLeak, seededFloats, useBackend } from '@dgpose/test-utils';
import { registerDGPoseKernels } from './register';
import { ADAM_KERNEL, adamInto } from './adam';
import { isOurs } from './types';

const bits = (a: ArrayLike<number>) => Array.from(new Uint32Array(Float32Array.from(a).buffer));

/** Naive reference: the stock tfjs Adam formulas, one float32 op at a time, written out plainly. */
function naiveAdam(
  w: Float32Array,
  m: Float32Array,
  v: Float32Array,
  g: Float32Array,
  lr: number,
  b1: number,
  b2: number,
  eps: number,
  acc1: number,
  acc2: number,
) {
  const f = Math.fround;
  const out = { w: new Float32Array(w.length), m: new Float32Array(w.length), v: new Float32Array(w.length) };
  for (let i = 0; i < w.length; i++) {
    const mNew = f(f(m[i] * f(b1)) + f(g[i] * f(1 - b1)));
    const sq = f(g[i] * g[i]);
    const vNew = f(f(v[i] * f(b2)) + f(sq * f(1 - b2)));
    const mHat = f(mNew / f(1 - acc1));
    const vHat = f(vNew / f(1 - acc2));
    const step = f(f(mHat / f(f(Math.sqrt(vHat)) + f(eps))) * f(-lr));
    out.w[i] = f(step + w[i]);
    out.m[i] = mNew;
    out.v[i] = vNew;
  }
  return out;
}

describe.each(['wasm', 'cpu'] as const)('DGPoseAdam on %s', (backend) => {
  beforeAll(async () => {
    await useBackend(backend);
    registerDGPoseKernels(tf);
  });

  test('is registered as ours', () => {
    expect(isOurs(tf.getKernel(ADAM_KERNEL, backend)?.kernelFunc)).toBe(true);
  });

  test.each([
    [1e-3, 0.5, 0.999, 1e-7, 0.5, 0.999],
    [2e-4, 0.9, 0.999, 1e-8, 0.0625, 0.99700149],
  ])(
    'lr %p b1 %p b2 %p: bit for bit the naive float32 reference and the stock ops',
    async (lr, b1, b2, eps, acc1, acc2) => {
      const n = 1000;
      const w = seededFloats(n, 1);
      const m = seededFloats(n, 2, -0.1, 0.1);
      const v = seededFloats(n, 3, 0, 0.01);
      const g = seededFloats(n, 4, -2, 2);
      g[0] = 0;
      g[1] = -0;
      const ref = naiveAdam(w, m, v, g, lr, b1, b2, eps, Math.fround(acc1), Math.fround(acc2));
      await expectNoLeak(async () => {
        const [tw, tm, tv, tg] = [w, m, v, g].map((a) => tf.tensor2d(a, [25, 40]));
        const attrs = {
          beta1: b1,
          beta2: b2,
          epsilon: eps,
          learningRate: lr,
          c1: Math.fround(1 - Math.fround(acc1)),
          c2: Math.fround(1 - Math.fround(acc2)),
        };
        const out = tf
          .engine()
          .runKernel(ADAM_KERNEL, { value: tw, m: tm, v: tv, g: tg }, attrs as never) as tf.Tensor[];
        expect(out.map((t) => t.shape)).toEqual([
          [25, 40],
          [25, 40],
          [25, 40],
        ]);
        expect(bits(await out[0].data())).toEqual(bits(ref.w));
        expect(bits(await out[1].data())).toEqual(bits(ref.m));
        expect(bits(await out[2].data())).toEqual(bits(ref.v));
        // the stock op sequence of tfjs's AdamOptimizer on this backend gives the same bits
        const stock = tf.tidy(() => {
          const mN = tf.add(tf.mul(tm, b1), tf.mul(tg, 1 - b1));
          const vN = tf.add(tf.mul(tv, b2), tf.mul(tf.square(tg), 1 - b2));
          const c1 = tf.sub(1, tf.scalar(acc1));
          const c2 = tf.sub(1, tf.scalar(acc2));
          return tf.add(tf.mul(tf.div(tf.div(mN, c1), tf.add(tf.sqrt(tf.div(vN, c2)), eps)), -lr), tw);
        });
        expect(bits(await stock.data())).toEqual(bits(ref.w));
        tf.dispose([tw, tm, tv, tg, ...out, stock]);
      });
    },
  );

  test('refuses mismatched shapes or dtypes', () => {
    const a = tf.zeros([2, 2]);
    const b = tf.zeros([4]);
    const attrs = { beta1: 0.9, beta2: 0.999, epsilon: 1e-7, learningRate: 1e-3, c1: 0.1, c2: 0.001 };
    expect(() => tf.engine().runKernel(ADAM_KERNEL, { value: a, m: a, v: a, g: b }, attrs as never)).toThrow(
      /one shape/,
    );
    expect(() =>
      tf.engine().runKernel(ADAM_KERNEL, { value: a, m: a, v: a, g: a }, { ...attrs, c1: undefined } as never),
    ).toThrow(/c1/);
    tf.dispose([a, b]);
  });
});

test('adamInto: zero gradient on zero state leaves the weights', () => {
  const w = Float32Array.from([1, -2, 3]);
  const z = new Float32Array(3);
  const out = [new Float32Array(3), new Float32Array(3), new Float32Array(3)] as const;
  adamInto(out[0], out[1], out[2], w, z, z, z, {
    beta1: 0.9,
    beta2: 0.999,
    epsilon: 1e-7,
    learningRate: 1e-3,
    c1: 0.1,
    c2: 0.001,
  });
  expect(Array.from(out[0])).toEqual([1, -2, 3]);
});
