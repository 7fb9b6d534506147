import * as tf from '@tensorflow/tfjs-core';
import { createRng, isDGPoseError } from '@dgpose/core';
import { TEST_BACKENDS, expectNoLeak, expectTensorsClose, seededFloats, useBackend } from '@dgpose/test-utils';
import {
  ACTIVATION_NAMES,
  activation,
  applyActivation,
  dropout,
  flatten,
  instanceNorm,
  normalInit,
  reshape,
  upsample,
  upsampleConv,
} from './index';
import { arr4, channelMoments, gradientCheck, naiveBilinear, naiveConv2d } from './testing/reference';

const ACT_REF: Record<string, (v: number) => number> = {
  relu: (v) => Math.max(0, v),
  leakyRelu: (v) => (v >= 0 ? v : 0.2 * v),
  tanh: Math.tanh,
  sigmoid: (v) => 1 / (1 + Math.exp(-v)),
  elu: (v) => (v >= 0 ? v : Math.exp(v) - 1),
  identity: (v) => v,
};

describe.each(TEST_BACKENDS)('parameter-free and norm layers on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it.each([...ACTIVATION_NAMES])('activation %s matches its formula', async (name) => {
    const xv = seededFloats(24, 3, -3, 3);
    const x = tf.tensor(xv, [2, 3, 4]);
    const layer = activation(name);
    await expectNoLeak(() => layer.apply(x).dispose());
    const y = layer.apply(x);
    expectTensorsClose(y, xv.map(ACT_REF[name]), { atol: 1e-6, rtol: 1e-5 });
    tf.dispose([x, y]);
  });

  it('leakyRelu alpha is configurable; unknown activations are E_CONFIG', () => {
    const x = tf.tensor([-2, 3]);
    const y = applyActivation(x, { kind: 'leakyRelu', alpha: 0.1 });
    expectTensorsClose(y, [-0.2, 3], { atol: 1e-7 });
    expect(() => activation('swish' as 'relu')).toThrow(/E_CONFIG.*unknown activation/);
    expect(() => activation({ kind: 'leakyRelu', alpha: -1 })).toThrow(/E_CONFIG/);
    tf.dispose([x, y]);
  });

  it.each([false, true])('instanceNorm (affine %s) normalises each sample and channel over H×W', async (affine) => {
    const n = instanceNorm({ channels: 3, affine, gammaInit: normalInit({ mean: 1, std: 0.5 }), seed: 3 });
    const xv = seededFloats(2 * 3 * 4 * 3, 8, -2, 4);
    const x = tf.tensor(xv, [2, 3, 4, 3]);
    const g = affine ? n.gamma!.dataSync() : [1, 1, 1];
    const b = affine ? n.beta!.dataSync() : [0, 0, 0];
    const ref = new Float32Array(xv.length);
    const per = 3 * 4 * 3;
    for (let s = 0; s < 2; s++) {
      const { mean, variance } = channelMoments(xv.subarray(s * per, (s + 1) * per), 3);
      for (let i = 0; i < per; i++)
        ref[s * per + i] = ((xv[s * per + i] - mean[i % 3]) / Math.sqrt(variance[i % 3] + 1e-5)) * g[i % 3] + b[i % 3];
    }
    const y = await expectNoLeak(() => n.apply(x), { allowed: 1 });
    expectTensorsClose(y, ref, { atol: 2e-5, rtol: 1e-4 });
    n.eval();
    const ye = n.apply(x);
    expectTensorsClose(ye, y, { atol: 0 });
    expect(n.paramCount()).toBe(affine ? 6 : 0);
    const bad = tf.zeros([1, 2, 2, 4]);
    expect(() => n.apply(bad)).toThrow(/E_SHAPE.*instanceNorm/);
    tf.dispose([x, y, ye, bad]);
    n.dispose();
  });

  it.each([
    { f: 2, shape: [2, 2, 3, 2] },
    { f: [3, 1] as [number, number], shape: [1, 2, 2, 3] },
  ])('upsample nearest repeats each pixel (factor $f)', async ({ f, shape }) => {
    const layer = upsample({ factor: f });
    const [fh, fw] = Array.isArray(f) ? f : [f, f];
    const xv = seededFloats(
      shape.reduce((a, b) => a * b),
      4,
    );
    const x = tf.tensor(xv, shape);
    const y = await expectNoLeak(() => layer.apply(x), { allowed: 1 });
    const [n, h, w, c] = shape;
    expect(y.shape).toEqual([n, h * fh, w * fw, c]);
    const ref = new Float32Array(y.size);
    for (let b = 0; b < n; b++)
      for (let oy = 0; oy < h * fh; oy++)
        for (let ox = 0; ox < w * fw; ox++)
          for (let q = 0; q < c; q++)
            ref[((b * h * fh + oy) * w * fw + ox) * c + q] =
              xv[((b * h + Math.floor(oy / fh)) * w + Math.floor(ox / fw)) * c + q];
    expectTensorsClose(y, ref, { atol: 0 });
    tf.dispose([x, y]);
  });

  it.each([
    { f: 2 as number | [number, number], shape: [2, 3, 4, 2] },
    { f: [3, 4] as [number, number], shape: [1, 2, 3, 1] },
    { f: 2 as number | [number, number], shape: [1, 1, 1, 2] },
  ])(
    'upsample bilinear (factor $f, $shape) equals PyTorch align_corners=False and tf.image.resizeBilinear(half-pixel)',
    async ({ f, shape }) => {
      const layer = upsample({ factor: f, mode: 'bilinear' });
      const [fh, fw] = Array.isArray(f) ? f : [f, f];
      const x = tf.tensor(
        seededFloats(
          shape.reduce((a, b) => a * b),
          5,
        ),
        shape,
      );
      const y = await expectNoLeak(() => layer.apply(x), { allowed: 1 });
      expectTensorsClose(y, naiveBilinear(arr4(x), fh, fw).data, { atol: 1e-5 });
      const tfRef = tf.image.resizeBilinear(x as tf.Tensor4D, [shape[1] * fh, shape[2] * fw], false, true);
      expectTensorsClose(y, tfRef, { atol: 1e-5 });
      tf.dispose([x, y, tfRef]);
    },
  );

  it('upsampleConv = nearest ×2 then conv k3 same; named up/conv', async () => {
    const layer = upsampleConv({ inChannels: 2, filters: 3, seed: 4 });
    expect(layer.namedParameters().map(([k]) => k)).toEqual(['conv.kernel', 'conv.bias']);
    const x = tf.tensor(seededFloats(1 * 2 * 3 * 2, 6), [1, 2, 3, 2]);
    const y = await expectNoLeak(() => layer.apply(x), { allowed: 1 });
    expect(y.shape).toEqual([1, 4, 6, 3]);
    const up = upsample().apply(x);
    const ref = naiveConv2d(
      arr4(up),
      arr4(layer.conv.kernel),
      [1, 1],
      [1, 1, 1, 1],
      layer.conv.bias!.dataSync() as Float32Array,
    );
    expectTensorsClose(y, ref.data, { atol: 1e-5, rtol: 1e-4 });
    tf.dispose([x, y, up]);
    layer.dispose();
  });

  it('dropout: seeded masks, inverted scaling, identity in eval, same masks on every backend', async () => {
    const x = tf.ones([4, 8, 8, 4]);
    const a = dropout({ rate: 0.25, seed: 11 });
    const b = dropout({ rate: 0.25, seed: 11 });
    const ya = await expectNoLeak(() => a.apply(x), { allowed: 1 });
    const yb = b.apply(x);
    const va = Array.from(await ya.data());
    expect(Array.from(await yb.data())).toEqual(va);
    expect(new Set(va.map((v) => Math.round(v * 1e5) / 1e5))).toEqual(new Set([0, Math.round(1e5 / 0.75) / 1e5]));
    const dropped = va.filter((v) => v === 0).length / va.length;
    expect(dropped).toBeGreaterThan(0.18);
    expect(dropped).toBeLessThan(0.32);
    // The next call draws another mask.
    const ya2 = a.apply(x);
    expect(Array.from(await ya2.data())).not.toEqual(va);
    // A mask fingerprint: identical on cpu and wasm because the mask is generated in JS.
    const rng = createRng(11);
    const seed = Math.floor(rng.next() * 2147483647);
    const u = tf.randomUniform([4, 8, 8, 4], 0, 1, 'float32', seed);
    const keep = Array.from(await u.data()).map((v) => (v >= 0.25 ? 1 / 0.75 : 0));
    expectTensorsClose(ya, keep, { atol: 1e-6 });
    a.eval();
    const ye = a.apply(x);
    expectTensorsClose(ye, x, { atol: 0 });
    expect(() => dropout({ rate: 1, seed: 1 })).toThrow(/E_CONFIG/);
    expect(() => dropout({ rate: 0.5 })).toThrow(/rng or seed/);
    tf.dispose([x, ya, yb, ya2, u, ye]);
  });

  it('flatten and reshape', async () => {
    const x = tf.tensor(seededFloats(2 * 3 * 4 * 5, 1), [2, 3, 4, 5]);
    await expectNoLeak(() => flatten().apply(x).dispose());
    await expectNoLeak(() =>
      reshape({ targetShape: [60] })
        .apply(x)
        .dispose(),
    );
    const f = flatten().apply(x);
    expect(f.shape).toEqual([2, 60]);
    const r = reshape({ targetShape: [4, 3, 5] }).apply(f);
    expect(r.shape).toEqual([2, 4, 3, 5]);
    expectTensorsClose(r, x.dataSync(), { atol: 0 });
    let err: unknown;
    try {
      reshape({ targetShape: [7] }).apply(x);
    } catch (e) {
      err = e;
    }
    expect(isDGPoseError(err, 'E_SHAPE')).toBe(true);
    expect(() => reshape({ targetShape: [0] })).toThrow(/E_CONFIG/);
    tf.dispose([x, f, r]);
  });
});

describe('gradients of parameter-free and norm layers (cpu, finite differences)', () => {
  beforeAll(() => useBackend('cpu'));

  const cases: [string, () => { call(x: tf.Tensor): tf.Tensor; parameters(): tf.Variable[]; dispose(): void }][] = [
    ['leakyRelu', () => activation({ kind: 'leakyRelu', alpha: 0.2 })],
    ['elu', () => activation('elu')],
    ['sigmoid', () => activation('sigmoid')],
    ['tanh', () => activation('tanh')],
    [
      'instanceNorm affine',
      () => instanceNorm({ channels: 2, affine: true, gammaInit: normalInit({ mean: 1, std: 0.3 }), seed: 2 }),
    ],
    ['upsample nearest (batch 2: the cpu resize-grad bug is avoided)', () => upsample({ factor: 2 })],
    [
      'upsample bilinear (tfjs ResizeBilinearGrad ignores half-pixel centres; ours does not)',
      () => upsample({ factor: 2, mode: 'bilinear' }),
    ],
    ['upsample bilinear ×3', () => upsample({ factor: 3, mode: 'bilinear' })],
    ['upsampleConv', () => upsampleConv({ inChannels: 2, filters: 2, seed: 5, kernelInit: 'glorotUniform' })],
  ];
  it.each(cases)('%s', (_name, make) => {
    const layer = make();
    const x = tf.variable(tf.tensor(seededFloats(2 * 3 * 3 * 2, 13, -1.5, 1.5), [2, 3, 3, 2]));
    const y0 = tf.tidy(() => layer.call(x));
    const r = tf.tensor(seededFloats(y0.size, 14), y0.shape);
    const loss = (): tf.Scalar => tf.sum(tf.mul(tf.tanh(layer.call(x)), r));
    const { worst, detail } = gradientCheck(loss, [...layer.parameters(), x], { samples: 8 });
    expect(worst < 1 ? 'ok' : detail).toBe('ok');
    tf.dispose([x, y0, r]);
    layer.dispose();
  });

  it('dropout gradient is mask / (1 − rate) (the mask read back from the output)', () => {
    const layer = dropout({ rate: 0.5, seed: 3 });
    const x = tf.tensor(seededFloats(64, 2, 0.5, 1.5), [4, 16]);
    const r = tf.tensor(seededFloats(64, 3), [4, 16]);
    let out: tf.Tensor | null = null;
    const g = tf.grad((t: tf.Tensor) => {
      const y = layer.call(t);
      out = tf.keep(tf.clone(y));
      return tf.sum(tf.mul(y, r));
    })(x);
    const yv = out!.dataSync();
    const rv = r.dataSync();
    const expected = Array.from(yv, (v, i) => (v !== 0 ? 2 * rv[i] : 0));
    expectTensorsClose(g, expected, { atol: 1e-6 });
    tf.dispose([x, r, g, out!]);
  });
});

describe('gradientCheck catches a wrong gradient (guards the helper itself)', () => {
  beforeAll(() => useBackend('cpu'));
  it('flags a custom op whose gradient is off by 10%', () => {
    const wrong = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const a = args[0] as tf.Tensor;
      (args[1] as tf.GradSaveFunc)([a]);
      return {
        value: tf.square(a),
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(dy, tf.mul(saved[0], 2.2)),
      };
    });
    const x = tf.variable(tf.tensor(seededFloats(8, 1, 0.5, 2)));
    const { worst } = gradientCheck(() => tf.sum(wrong(x) as tf.Tensor) as tf.Scalar, [x]);
    expect(worst).toBeGreaterThan(1);
    x.dispose();
  });
});
