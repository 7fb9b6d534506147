import * as tf from '@tensorflow/tfjs-core';
import { createRng, isDGPoseError } from '@dgpose/core';
import { TEST_BACKENDS, expectNoLeak, expectTensorsClose, seededFloats, useBackend } from '@dgpose/test-utils';
import {
  activation,
  batchNorm,
  conv2d,
  conv2dTranspose,
  decoderBlock,
  dense,
  dropout,
  encoderBlock,
  flatten,
  instanceNorm,
  reshape,
  residualBlock,
  sequential,
  upsample,
  upsampleConv,
  type Module,
} from './index';
import { arr4, channelMoments, gradientCheck, naiveConv2d, naiveConv2dTranspose } from './testing/reference';

function bnTrain(v: Float32Array, c: number): Float32Array {
  const { mean, variance } = channelMoments(v, c);
  return v.map((x, i) => (x - mean[i % c]) / Math.sqrt(variance[i % c] + 1e-5));
}

describe.each(TEST_BACKENDS)('blocks on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it('encoderBlock = conv k4 s2 p1 → batch norm → LeakyReLU 0.2, halving the size', async () => {
    const b = encoderBlock({ inChannels: 3, filters: 4, seed: 1 });
    expect(b.namedVariables().map(([n]) => n)).toEqual([
      'conv.kernel',
      'norm.gamma',
      'norm.beta',
      'norm.runningMean',
      'norm.runningVar',
    ]);
    const x = tf.tensor(seededFloats(2 * 8 * 8 * 3, 2), [2, 8, 8, 3]);
    const y = await expectNoLeak(() => b.apply(x), { allowed: 1 });
    expect(y.shape).toEqual([2, 4, 4, 4]);
    const conv = naiveConv2d(arr4(x), arr4(b.conv.kernel), [2, 2], [1, 1, 1, 1]);
    const ref = bnTrain(conv.data, 4).map((v) => (v >= 0 ? v : 0.2 * v));
    expectTensorsClose(y, ref, { atol: 3e-5, rtol: 1e-4 });
    tf.dispose([x, y]);
    b.dispose();
  });

  it("encoderBlock with norm 'none' (the first block) has a conv bias and no norm", () => {
    const b = encoderBlock({ inChannels: 3, filters: 4, norm: 'none', seed: 1 });
    expect(b.namedVariables().map(([n]) => n)).toEqual(['conv.kernel', 'conv.bias']);
    expect(b.norm).toBeNull();
    const i = encoderBlock({ inChannels: 3, filters: 4, norm: 'instance', seed: 1 });
    expect(i.namedVariables().map(([n]) => n)).toEqual(['conv.kernel']);
    expect(() => encoderBlock({ inChannels: 3, filters: 4, norm: 'group' as 'none', seed: 1 })).toThrow(
      /E_CONFIG.*norm/,
    );
    b.dispose();
    i.dispose();
  });

  it('decoderBlock = ReLU → conv2dTranspose k4 s2 p1 → batch norm, doubling the size', async () => {
    const b = decoderBlock({ inChannels: 4, filters: 3, seed: 2 });
    expect(b.namedParameters().map(([n]) => n)).toEqual(['conv.kernel', 'norm.gamma', 'norm.beta']);
    const x = tf.tensor(seededFloats(2 * 3 * 3 * 4, 3), [2, 3, 3, 4]);
    const y = await expectNoLeak(() => b.apply(x), { allowed: 1 });
    expect(y.shape).toEqual([2, 6, 6, 3]);
    const xr = arr4(x);
    xr.data = xr.data.map((v) => Math.max(0, v));
    const ref = bnTrain(
      naiveConv2dTranspose(xr, arr4((b.conv as ReturnType<typeof conv2dTranspose>).kernel), 2, 1, 0).data,
      3,
    );
    expectTensorsClose(y, ref, { atol: 3e-5, rtol: 1e-4 });
    tf.dispose([x, y]);
    b.dispose();
  });

  it.each([
    { upsample: 'transpose' as const, kernelSize: 3 },
    { upsample: 'transpose' as const, kernelSize: 5 },
    { upsample: 'transpose' as const, kernelSize: 2 },
    { upsample: 'nearest' as const, kernelSize: 3 },
    { upsample: 'bilinear' as const, kernelSize: 1 },
  ])('decoderBlock $upsample k$kernelSize doubles H and W exactly', ({ upsample: up, kernelSize }) => {
    const b = decoderBlock({ inChannels: 2, filters: 3, upsample: up, kernelSize, norm: 'instance', seed: 3 });
    const x = tf.zeros([1, 3, 5, 2]);
    const y = b.apply(x);
    expect(y.shape).toEqual([1, 6, 10, 3]);
    tf.dispose([x, y]);
    b.dispose();
  });

  it('decoderBlock dropout: active in train mode only, seeded', async () => {
    const make = (): ReturnType<typeof decoderBlock> =>
      decoderBlock({ inChannels: 2, filters: 4, dropout: 0.5, norm: 'none', seed: 9 });
    const a = make();
    const b = make();
    const x = tf.tensor(seededFloats(2 * 4 * 4 * 2, 4), [2, 4, 4, 2]);
    const ya = a.apply(x);
    const yb = b.apply(x);
    expect(Array.from(await ya.data())).toEqual(Array.from(await yb.data()));
    a.eval();
    const e1 = a.apply(x);
    const e2 = a.apply(x);
    expect(Array.from(await e1.data())).toEqual(Array.from(await e2.data()));
    const zerosTrain = Array.from(await ya.data()).filter((v) => v === 0).length;
    const zerosEval = Array.from(await e1.data()).filter((v) => v === 0).length;
    expect(zerosTrain).toBeGreaterThan(zerosEval + 20);
    tf.dispose([x, ya, yb, e1, e2]);
    a.dispose();
    b.dispose();
  });

  it('residualBlock = x + conv2(ReLU(conv1(x))) without norms; shape-preserving; names', async () => {
    const r = residualBlock({ channels: 3, norm: 'none', seed: 4 });
    expect(r.namedParameters().map(([n]) => n)).toEqual(['conv1.kernel', 'conv1.bias', 'conv2.kernel', 'conv2.bias']);
    const x = tf.tensor(seededFloats(2 * 4 * 4 * 3, 5), [2, 4, 4, 3]);
    const y = await expectNoLeak(() => r.apply(x), { allowed: 1 });
    const h = naiveConv2d(
      arr4(x),
      arr4(r.conv1.kernel),
      [1, 1],
      [1, 1, 1, 1],
      r.conv1.bias!.dataSync() as Float32Array,
    );
    h.data = h.data.map((v) => Math.max(0, v));
    const o = naiveConv2d(h, arr4(r.conv2.kernel), [1, 1], [1, 1, 1, 1], r.conv2.bias!.dataSync() as Float32Array);
    const xv = x.dataSync();
    expectTensorsClose(
      y,
      o.data.map((v, i) => v + xv[i]),
      { atol: 1e-5, rtol: 1e-4 },
    );
    const rb = residualBlock({ channels: 3, seed: 4 });
    expect(rb.namedParameters().map(([n]) => n)).toEqual([
      'conv1.kernel',
      'norm1.gamma',
      'norm1.beta',
      'conv2.kernel',
      'norm2.gamma',
      'norm2.beta',
    ]);
    const yb = rb.apply(x);
    expect(yb.shape).toEqual([2, 4, 4, 3]);
    tf.dispose([x, y, yb]);
    r.dispose();
    rb.dispose();
  });

  it('sequential chains layers, names children by index or key, and reports the failing child path', async () => {
    const rng = createRng(5);
    const s = sequential({
      block1: encoderBlock({ inChannels: 3, filters: 4, norm: 'none', rng }),
      block2: encoderBlock({ inChannels: 4, filters: 8, rng }),
      flat: flatten(),
      head: dense({ inFeatures: 8 * 2 * 2, units: 2, rng }),
    });
    expect(s.namedParameters().map(([n]) => n)).toEqual([
      'block1.conv.kernel',
      'block1.conv.bias',
      'block2.conv.kernel',
      'block2.norm.gamma',
      'block2.norm.beta',
      'head.kernel',
      'head.bias',
    ]);
    const x = tf.tensor(seededFloats(2 * 8 * 8 * 3, 6), [2, 8, 8, 3]);
    const y = await expectNoLeak(() => s.apply(x), { allowed: 1 });
    expect(y.shape).toEqual([2, 2]);
    const bad = tf.zeros([2, 8, 8, 4]);
    expect(() => s.apply(bad)).toThrow(/E_SHAPE.*block1\.conv/);
    const arr = sequential([conv2d({ inChannels: 3, filters: 2, kernelSize: 1, seed: 1 }), activation('tanh')]);
    expect(arr.namedParameters().map(([n]) => n)).toEqual(['0.kernel', '0.bias']);
    expect(arr.length).toBe(2);
    const empty = sequential();
    const e = empty.apply(x);
    expectTensorsClose(e, x, { atol: 0 });
    tf.dispose([x, y, bad, e]);
    s.dispose();
    arr.dispose();
  });
});

describe('block gradients (cpu, finite differences)', () => {
  beforeAll(() => useBackend('cpu'));
  const cases: [string, () => Module, number[]][] = [
    [
      'encoderBlock (batch norm)',
      () => encoderBlock({ inChannels: 2, filters: 2, seed: 1, kernelInit: 'glorotUniform' }),
      [2, 4, 4, 2],
    ],
    [
      'decoderBlock (transpose, batch norm)',
      () => decoderBlock({ inChannels: 2, filters: 2, seed: 2, kernelInit: 'glorotUniform' }),
      [2, 2, 2, 2],
    ],
    [
      'decoderBlock (nearest, instance norm)',
      () =>
        decoderBlock({
          inChannels: 2,
          filters: 2,
          upsample: 'nearest',
          norm: 'instance',
          seed: 3,
          kernelInit: 'glorotUniform',
        }),
      [2, 2, 2, 2],
    ],
    [
      'residualBlock (batch norm)',
      () => residualBlock({ channels: 2, seed: 4, kernelInit: 'glorotUniform' }),
      [2, 3, 3, 2],
    ],
  ];
  it.each(cases)('%s', (_name, make, shape) => {
    const m = make();
    const x = tf.variable(
      tf.tensor(
        seededFloats(
          shape.reduce((a, b) => a * b),
          7,
          -1.5,
          1.5,
        ),
        shape,
      ),
    );
    const y0 = tf.tidy(() => m.call(x));
    const r = tf.tensor(seededFloats(y0.size, 8), y0.shape);
    const loss = (): tf.Scalar => tf.sum(tf.mul(tf.tanh(m.call(x) as tf.Tensor), r));
    const { worst, detail } = gradientCheck(loss, [...m.parameters(), x], { samples: 5 });
    expect(worst < 1 ? 'ok' : detail).toBe('ok');
    tf.dispose([x, y0, r]);
    m.dispose();
  });
});

describe.each(TEST_BACKENDS)('every layer: no leak in train and eval, dispose frees everything (%s)', (backend) => {
  beforeAll(() => useBackend(backend));
  const layers: [string, () => Module, number[]][] = [
    [
      'conv2d',
      () => conv2d({ inChannels: 2, filters: 3, kernelSize: 4, strides: 2, padding: 1, seed: 1 }),
      [2, 4, 4, 2],
    ],
    [
      'conv2dTranspose',
      () => conv2dTranspose({ inChannels: 2, filters: 3, kernelSize: 4, strides: 2, padding: 1, seed: 1 }),
      [2, 2, 2, 2],
    ],
    ['dense', () => dense({ inFeatures: 5, units: 2, seed: 1 }), [3, 5]],
    ['batchNorm', () => batchNorm({ channels: 2 }), [2, 3, 3, 2]],
    ['instanceNorm', () => instanceNorm({ channels: 2, affine: true }), [2, 3, 3, 2]],
    ['activation', () => activation('leakyRelu'), [2, 3]],
    ['dropout', () => dropout({ rate: 0.3, seed: 1 }), [2, 3, 3, 2]],
    ['upsample nearest', () => upsample(), [2, 2, 2, 2]],
    ['upsample bilinear', () => upsample({ mode: 'bilinear' }), [2, 2, 2, 2]],
    ['upsampleConv', () => upsampleConv({ inChannels: 2, filters: 2, seed: 1 }), [2, 2, 2, 2]],
    ['encoderBlock', () => encoderBlock({ inChannels: 2, filters: 3, seed: 1 }), [2, 4, 4, 2]],
    ['decoderBlock', () => decoderBlock({ inChannels: 2, filters: 3, dropout: 0.5, seed: 1 }), [2, 2, 2, 2]],
    ['residualBlock', () => residualBlock({ channels: 2, seed: 1 }), [2, 3, 3, 2]],
    [
      'sequential',
      () => sequential([conv2d({ inChannels: 2, filters: 2, kernelSize: 3, seed: 1 }), batchNorm({ channels: 2 })]),
      [2, 3, 3, 2],
    ],
    ['flatten', () => flatten(), [2, 3, 3, 2]],
    ['reshape', () => reshape({ targetShape: [9, 2] }), [2, 3, 3, 2]],
  ];
  it.each(layers)('%s', async (_name, make, shape) => {
    const x = tf.tensor(
      seededFloats(
        shape.reduce((a, b) => a * b),
        3,
      ),
      shape,
    );
    await expectNoLeak(() => {
      const m = make();
      for (const mode of ['train', 'eval']) {
        m.train(mode === 'train');
        const y = m.apply(x) as tf.Tensor;
        y.dispose();
      }
      m.dispose();
    });
    x.dispose();
  });
});

describe('E_SHAPE from blocks names the inner layer', () => {
  beforeAll(() => useBackend('cpu'));
  it('decoderBlock with the wrong channel count', () => {
    const b = decoderBlock({ inChannels: 8, filters: 4, seed: 1 });
    const x = tf.zeros([1, 2, 2, 6]);
    let err: unknown;
    try {
      b.apply(x);
    } catch (e) {
      err = e;
    }
    expect(isDGPoseError(err, 'E_SHAPE')).toBe(true);
    expect((err as Error).message).toMatch(/^\[E_SHAPE\] conv \(conv2dTranspose\)/);
    x.dispose();
    b.dispose();
  });
});

describe('PatchGAN from the blocks (docs/paper-notes.md §4.3, pix2pix NLayerDiscriminator n_layers=3)', () => {
  beforeAll(() => useBackend('cpu'));
  it('has the reference parameter count 2,768,705 and a 30×30 map at 256 (2×2 at 32)', async () => {
    // Zero kernels: the count does not depend on the init, and 2.7 M seeded normals would cost seconds.
    const k = { kernelInit: 'zeros' as const, seed: 1 };
    const d = sequential({
      block1: encoderBlock({ inChannels: 6, filters: 64, norm: 'none', ...k }),
      block2: encoderBlock({ inChannels: 64, filters: 128, ...k }),
      block3: encoderBlock({ inChannels: 128, filters: 256, ...k }),
      block4: encoderBlock({ inChannels: 256, filters: 512, strides: 1, ...k }),
      logits: conv2d({ inChannels: 512, filters: 1, kernelSize: 4, padding: 1, ...k }),
    });
    // PyTorch pix2pix prints 2.769 M for this discriminator (input_nc + output_nc = 6).
    expect(d.paramCount()).toBe(2768705);
    let s = 256;
    for (const b of d.layers())
      s = ('conv' in b ? (b.conv as ReturnType<typeof conv2d>) : (b as ReturnType<typeof conv2d>)).outputShape([
        1,
        s,
        s,
      ])[1];
    expect(s).toBe(30);
    const x = tf.zeros([1, 32, 32, 6]);
    const y = d.apply(x);
    expect(y.shape).toEqual([1, 2, 2, 1]);
    tf.dispose([x, y]);
    d.dispose();
  });
});
