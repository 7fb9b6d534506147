// exportModuleOnnx: every @dgpose/layers layer kind against tfjs (cpu), and a layer the exporter does not know.
import * as tf from '@tensorflow/tfjs-core';
import * as ort from 'onnxruntime-node';
import { DGPoseError, createRng } from '@dgpose/core';
import { useBackend } from '@dgpose/test-utils';
import {
  BatchNorm,
  Module,
  type ModuleOutput,
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
} from '@dgpose/layers';
import { exportModuleOnnx } from './module-export';
import { maxDiff } from './testing/fixtures';

beforeAll(() => useBackend('cpu'));

/** Non-trivial running statistics for every batch norm of the tree. */
function setRunningStats(m: Module<unknown, ModuleOutput>, seed: number): void {
  const rng = createRng(seed);
  for (const [, mod] of m.namedModules()) {
    if (!(mod instanceof BatchNorm)) continue;
    const c = mod.channels;
    mod.runningMean.assign(tf.tensor1d(Array.from({ length: c }, () => rng.next() - 0.5)));
    mod.runningVar.assign(tf.tensor1d(Array.from({ length: c }, () => 0.5 + rng.next())));
  }
}

async function parity(m: Module<unknown, ModuleOutput>, inputShape: number[], n = 2): Promise<number> {
  m.eval();
  setRunningStats(m, 3);
  const bytes = await exportModuleOnnx(m, { inputShape });
  const rng = createRng(11);
  const data = Float32Array.from({ length: n * inputShape.reduce((a, b) => a * b, 1) }, () => rng.next() * 2 - 1);
  const x = tf.tensor(data, [n, ...inputShape]);
  const y = m.apply(x) as tf.Tensor;
  const s = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'all' });
  const r = await s.run({ input: new ort.Tensor('float32', data, [n, ...inputShape]) });
  expect(r.output.dims).toEqual(y.shape);
  const d = maxDiff(await y.data(), r.output.data as Float32Array);
  tf.dispose([x, y]);
  await s.release();
  m.dispose();
  return d;
}

const CASES: [string, () => Module<unknown, ModuleOutput>, number[]][] = [
  ['conv same s1', () => conv2d({ inChannels: 3, filters: 4, kernelSize: 3, seed: 1 }), [7, 6, 3]],
  ['conv same s2 odd size', () => conv2d({ inChannels: 3, filters: 4, kernelSize: 4, strides: 2, seed: 1 }), [7, 9, 3]],
  [
    'conv valid',
    () => conv2d({ inChannels: 2, filters: 3, kernelSize: [3, 2], padding: 'valid', bias: false, seed: 1 }),
    [6, 6, 2],
  ],
  [
    'conv explicit pads',
    () =>
      conv2d({
        inChannels: 2,
        filters: 3,
        kernelSize: 3,
        padding: [
          [1, 0],
          [2, 1],
        ],
        strides: [1, 2],
        seed: 1,
      }),
    [6, 7, 2],
  ],
  [
    'conv transpose k4 s2 p1',
    () => conv2dTranspose({ inChannels: 3, filters: 2, kernelSize: 4, strides: 2, padding: 1, seed: 2 }),
    [4, 5, 3],
  ],
  [
    'conv transpose k3 s2 p1 op1',
    () =>
      conv2dTranspose({ inChannels: 3, filters: 2, kernelSize: 3, strides: 2, padding: 1, outputPadding: 1, seed: 2 }),
    [4, 4, 3],
  ],
  [
    'conv transpose same',
    () => conv2dTranspose({ inChannels: 3, filters: 2, kernelSize: 3, strides: 2, padding: 'same', seed: 2 }),
    [4, 3, 3],
  ],
  [
    'batch norm + activations',
    () =>
      sequential([
        batchNorm({ channels: 3, seed: 1 }),
        activation({ kind: 'leakyRelu', alpha: 0.1 }),
        activation('tanh'),
        activation('sigmoid'),
        activation('elu'),
      ]),
    [4, 4, 3],
  ],
  ['instance norm affine', () => instanceNorm({ channels: 3, affine: true, seed: 4, gammaInit: 'normal' }), [5, 4, 3]],
  ['upsample nearest', () => upsample({ factor: [2, 3] }), [3, 2, 2]],
  ['upsample bilinear', () => upsample({ factor: 2, mode: 'bilinear' }), [3, 4, 2]],
  ['upsample conv', () => upsampleConv({ inChannels: 2, filters: 3, mode: 'bilinear', seed: 5 }), [4, 4, 2]],
  [
    'encoder, decoder and residual blocks, dropout',
    () =>
      sequential([
        encoderBlock({ inChannels: 3, filters: 4, seed: 1 }),
        residualBlock({ channels: 4, seed: 2 }),
        decoderBlock({ inChannels: 4, filters: 3, upsample: 'nearest', dropout: 0.5, seed: 3 }),
        decoderBlock({ inChannels: 3, filters: 2, norm: 'instance', seed: 4 }),
        dropout({ rate: 0.3, seed: 8 }),
      ]),
    [8, 8, 3],
  ],
  [
    'flatten + dense + reshape',
    () =>
      sequential([
        flatten(),
        dense({ inFeatures: 24, units: 12, seed: 6 }),
        activation('relu'),
        reshape({ targetShape: [2, 2, 3] }),
      ]),
    [2, 4, 3],
  ],
  ['dense without bias', () => dense({ inFeatures: 5, units: 3, bias: false, seed: 7 }), [5]],
];

describe('exportModuleOnnx matches tfjs', () => {
  it.each(CASES)('%s', async (_name, make, shape) => {
    expect(await parity(make(), shape)).toBeLessThanOrEqual(1e-5);
  });
});

class Mystery extends Module {
  constructor() {
    super('mystery');
  }
  call(x: tf.Tensor): tf.Tensor {
    return tf.neg(x);
  }
}

it('refuses an unknown layer with E_EXPORT_UNSUPPORTED naming it', async () => {
  const m = sequential({ conv: conv2d({ inChannels: 3, filters: 2, kernelSize: 3, seed: 1 }), odd: new Mystery() });
  const err = await exportModuleOnnx(m, { inputShape: [4, 4, 3] }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(DGPoseError);
  expect((err as DGPoseError).code).toBe('E_EXPORT_UNSUPPORTED');
  expect((err as DGPoseError).message).toMatch(/odd \(mystery\)/);
  m.dispose();
});

it('refuses a bad inputShape', async () => {
  const m = dense({ inFeatures: 2, units: 2, seed: 1 });
  await expect(exportModuleOnnx(m, { inputShape: [2, 2] })).rejects.toMatchObject({ code: 'E_ARG' });
  m.dispose();
});
