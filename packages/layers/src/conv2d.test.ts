import * as tf from '@tensorflow/tfjs-core';
import { createRng, isDGPoseError } from '@dgpose/core';
import { TEST_BACKENDS, expectNoLeak, expectTensorsClose, seededFloats, useBackend } from '@dgpose/test-utils';
import { conv2d, type Conv2dPadding } from './index';
import { arr4, gradientCheck, naiveConv2d } from './testing/reference';

function pads(
  p: Conv2dPadding,
  h: number,
  w: number,
  k: [number, number],
  s: [number, number],
): [number, number, number, number] {
  if (p === 'valid') return [0, 0, 0, 0];
  if (typeof p === 'number') return [p, p, p, p];
  if (p === 'same') {
    // tf 'same': total = max((ceil(in/s) - 1)·s + k − in, 0), the extra pixel at the bottom/right.
    const th = Math.max((Math.ceil(h / s[0]) - 1) * s[0] + k[0] - h, 0);
    const tw = Math.max((Math.ceil(w / s[1]) - 1) * s[1] + k[1] - w, 0);
    return [Math.floor(th / 2), th - Math.floor(th / 2), Math.floor(tw / 2), tw - Math.floor(tw / 2)];
  }
  return [p[0][0], p[0][1], p[1][0], p[1][1]];
}

const CASES: {
  name: string;
  inShape: [number, number, number, number];
  filters: number;
  k: number | [number, number];
  s: number | [number, number];
  p: Conv2dPadding;
  bias: boolean;
  out: number[];
}[] = [
  { name: 'k4 s2 p1 (pix2pix)', inShape: [2, 8, 8, 3], filters: 4, k: 4, s: 2, p: 1, bias: false, out: [2, 4, 4, 4] },
  { name: 'k4 s2 same', inShape: [1, 6, 6, 2], filters: 3, k: 4, s: 2, p: 'same', bias: true, out: [1, 3, 3, 3] },
  {
    name: 'k3 s1 same odd size',
    inShape: [2, 5, 7, 2],
    filters: 2,
    k: 3,
    s: 1,
    p: 'same',
    bias: true,
    out: [2, 5, 7, 2],
  },
  {
    name: 'k3 s2 same odd size',
    inShape: [1, 7, 5, 3],
    filters: 2,
    k: 3,
    s: 2,
    p: 'same',
    bias: true,
    out: [1, 4, 3, 2],
  },
  {
    name: 'k4 s1 valid (PatchGAN tail)',
    inShape: [1, 6, 6, 2],
    filters: 1,
    k: 4,
    s: 1,
    p: 'valid',
    bias: true,
    out: [1, 3, 3, 1],
  },
  {
    name: 'k [3,2] s [2,1] explicit [[1,0],[0,2]]',
    inShape: [2, 6, 5, 2],
    filters: 3,
    k: [3, 2],
    s: [2, 1],
    p: [
      [1, 0],
      [0, 2],
    ],
    bias: true,
    out: [2, 3, 6, 3],
  },
  { name: 'k1 s1 (1x1)', inShape: [1, 3, 3, 4], filters: 5, k: 1, s: 1, p: 'valid', bias: true, out: [1, 3, 3, 5] },
];

describe.each(TEST_BACKENDS)('conv2d on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it.each(CASES)('$name: shape and values match a direct loop', async (c) => {
    const layer = conv2d({
      inChannels: c.inShape[3],
      filters: c.filters,
      kernelSize: c.k,
      strides: c.s,
      padding: c.p,
      bias: c.bias,
      biasInit: 'normal',
      seed: 3,
    });
    const x = tf.tensor(
      seededFloats(
        c.inShape.reduce((a, b) => a * b),
        11,
      ),
      c.inShape,
    );
    const y = await expectNoLeak(() => layer.apply(x), { allowed: 1 });
    expect(y.shape).toEqual(c.out);
    expect(layer.outputShape(c.inShape)).toEqual(c.out);
    const k = layer.kernelSize;
    const s = layer.strides;
    const ref = naiveConv2d(
      arr4(x),
      arr4(layer.kernel),
      s,
      pads(c.p, c.inShape[1], c.inShape[2], k, s),
      layer.bias ? (layer.bias.dataSync() as Float32Array) : undefined,
    );
    expect(ref.shape).toEqual(c.out);
    expectTensorsClose(y, ref.data, { atol: 1e-5, rtol: 1e-4 });
    tf.dispose([x, y]);
    layer.dispose();
  });

  it('throws E_SHAPE naming the layer for a wrong channel count, rank or a too-small input', () => {
    const layer = conv2d({ inChannels: 32, filters: 8, kernelSize: 4, strides: 2, padding: 1, seed: 1 });
    const bad = tf.zeros([1, 8, 8, 16]);
    expect(() => layer.apply(bad)).toThrow(/conv2d.*expected \["\*","\*","\*",32\], got \[1,8,8,16\]/);
    const rank3 = tf.zeros([8, 8, 32]);
    try {
      layer.apply(rank3);
      throw new Error('no throw');
    } catch (e) {
      expect(isDGPoseError(e, 'E_SHAPE')).toBe(true);
    }
    const small = conv2d({ inChannels: 1, filters: 1, kernelSize: 4, padding: 'valid', seed: 1 });
    const tiny = tf.zeros([1, 3, 3, 1]);
    expect(() => small.apply(tiny)).toThrow(/too small/);
    tf.dispose([bad, rank3, tiny]);
    layer.dispose();
    small.dispose();
  });

  it('rejects bad arguments with E_CONFIG', () => {
    for (const bad of [
      { inChannels: 0, filters: 1, kernelSize: 3 },
      { inChannels: 1, filters: 1.5, kernelSize: 3 },
      { inChannels: 1, filters: 1, kernelSize: [3, 3, 3] as unknown as number },
      { inChannels: 1, filters: 1, kernelSize: 3, padding: -1 },
      { inChannels: 1, filters: 1, kernelSize: 3, padding: 'full' as unknown as 'same' },
      { inChannels: 1, filters: 1, kernelSize: 3, kernelInit: 'uniform' as unknown as 'zeros' },
    ]) {
      let err: unknown;
      try {
        conv2d({ ...bad, seed: 1 }).dispose();
      } catch (e) {
        err = e;
      }
      expect(isDGPoseError(err, 'E_CONFIG')).toBe(true);
    }
    // a bad rng names what it lacks
    expect(() => conv2d({ inChannels: 1, filters: 1, kernelSize: 3, rng: { next: () => 0.5 } as never })).toThrow(
      expect.objectContaining({
        code: 'E_CONFIG',
        details: expect.objectContaining({ argument: 'rng', got: { next: 'function', normal: 'undefined' } }),
      }),
    );
  });

  it('initialises with the same seed to bit-identical weights on every backend (N(0, 0.02) by default)', async () => {
    const layer = conv2d({ inChannels: 16, filters: 32, kernelSize: 4, seed: 42 });
    const k = (await layer.kernel.data()) as Float32Array;
    const rng = createRng(42);
    const expected = Float32Array.from({ length: k.length }, () => 0.02 * rng.normal());
    expect(Array.from(k)).toEqual(Array.from(expected));
    const mean = k.reduce((a, b) => a + b, 0) / k.length;
    const std = Math.sqrt(k.reduce((a, b) => a + (b - mean) ** 2, 0) / k.length);
    expect(Math.abs(mean)).toBeLessThan(0.002);
    expect(std).toBeGreaterThan(0.019);
    expect(std).toBeLessThan(0.021);
    expect(Array.from(await layer.bias!.data()).every((b) => b === 0)).toBe(true);
    layer.dispose();
  });
});

describe('conv2d gradients (cpu, finite differences)', () => {
  beforeAll(() => useBackend('cpu'));

  it.each([
    { p: 1 as Conv2dPadding, s: 2, k: 4 },
    { p: 'same' as Conv2dPadding, s: 1, k: 3 },
    {
      p: [
        [0, 1],
        [1, 0],
      ] as Conv2dPadding,
      s: 2,
      k: 3,
    },
  ])('kernel, bias and input gradients (k$k s$s p$p)', ({ p, s, k }) => {
    const layer = conv2d({
      inChannels: 2,
      filters: 3,
      kernelSize: k,
      strides: s,
      padding: p,
      seed: 5,
      kernelInit: 'glorotUniform',
    });
    const x = tf.variable(tf.tensor(seededFloats(2 * 6 * 6 * 2, 9), [2, 6, 6, 2]));
    const y0 = layer.apply(x);
    const r = tf.tensor(seededFloats(y0.size, 10), y0.shape);
    const loss = (): tf.Scalar => tf.sum(tf.mul(layer.call(x), r));
    const { worst, detail } = gradientCheck(loss, [layer.kernel, layer.bias!, x]);
    expect(worst < 1 ? 'ok' : detail).toBe('ok');
    tf.dispose([x, y0, r]);
    layer.dispose();
  });
});
