/*
 * Gradients on wasm. Stock tfjs-backend-wasm 4.22 has no Conv2DBackpropFilter kernel, so every conv
 * weight gradient needs core's kernels, registered here with `registerFastKernels()` (what
 * `initBackend` does). Each check is against finite differences on wasm itself, and against cpu
 * (which in this file also runs core's faster cpu Conv2DBackpropFilter; the stock cpu kernels are
 * checked against finite differences in the other test files).
 */
import * as tf from '@tensorflow/tfjs-core';
import { registerFastKernels } from '@dgpose/core';
import { expectNoLeak, expectTensorsClose, seededFloats, useBackend } from '@dgpose/test-utils';
import {
  conv2d,
  conv2dTranspose,
  decoderBlock,
  encoderBlock,
  loadNamedArrays,
  sequential,
  toNamedArrays,
  upsample,
  type Module,
} from './index';
import { gradientCheck } from './testing/reference';

const CASES: [string, () => Module, number[]][] = [
  [
    'conv2d k4 s2 p1',
    () =>
      conv2d({
        inChannels: 2,
        filters: 3,
        kernelSize: 4,
        strides: 2,
        padding: 1,
        seed: 1,
        kernelInit: 'glorotUniform',
      }),
    [2, 4, 4, 2],
  ],
  [
    'conv2d k3 same',
    () => conv2d({ inChannels: 2, filters: 2, kernelSize: 3, seed: 2, kernelInit: 'glorotUniform' }),
    [2, 3, 3, 2],
  ],
  [
    'conv2dTranspose k4 s2 p1',
    () =>
      conv2dTranspose({
        inChannels: 2,
        filters: 2,
        kernelSize: 4,
        strides: 2,
        padding: 1,
        seed: 3,
        kernelInit: 'glorotUniform',
      }),
    [2, 2, 2, 2],
  ],
  [
    'encoderBlock',
    () => encoderBlock({ inChannels: 2, filters: 2, seed: 4, kernelInit: 'glorotUniform' }),
    [2, 4, 4, 2],
  ],
  [
    'decoderBlock nearest',
    () => decoderBlock({ inChannels: 2, filters: 2, upsample: 'nearest', seed: 5, kernelInit: 'glorotUniform' }),
    [2, 2, 2, 2],
  ],
  ['upsample bilinear', () => upsample({ mode: 'bilinear' }), [2, 2, 3, 2]],
];

function grads(m: Module, x: tf.Variable, r: tf.Tensor): Float32Array[] {
  const { value, grads: g } = tf.variableGrads(
    () => tf.sum(tf.mul(tf.tanh(m.call(x) as tf.Tensor), r)),
    [...m.parameters(), x],
  );
  const out = [...m.parameters(), x].map((v) => g[v.name].dataSync().slice() as Float32Array);
  tf.dispose([value, ...Object.values(g)]);
  return out;
}

describe('gradients on wasm with core kernels', () => {
  let registered: string[] = [];
  beforeAll(async () => {
    await useBackend('wasm');
    registered = await registerFastKernels();
  });

  it('core registers Conv2DBackpropFilter for wasm', () => {
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
    expect(registered.join(' ')).toMatch(/Conv2DBackpropFilter@wasm/);
  });

  it.each(CASES)('%s: finite differences on wasm and equality with cpu', async (_name, make, shape) => {
    await useBackend('wasm');
    const m = make();
    const xv = seededFloats(
      shape.reduce((a, b) => a * b),
      7,
      -1.5,
      1.5,
    );
    const x = tf.variable(tf.tensor(xv, shape));
    const y0 = tf.tidy(() => m.call(x) as tf.Tensor);
    const rv = seededFloats(y0.size, 8);
    const r = tf.tensor(rv, y0.shape);
    const loss = (): tf.Scalar => tf.sum(tf.mul(tf.tanh(m.call(x) as tf.Tensor), r));
    const { worst, detail } = gradientCheck(loss, [...m.parameters(), x], { samples: 5 });
    expect(worst < 1 ? 'ok' : detail).toBe('ok');
    const onWasm = grads(m, x, r);
    const arrays = await toNamedArrays(m);
    tf.dispose([x, y0, r]);
    m.dispose();

    await useBackend('cpu');
    const mc = make();
    loadNamedArrays(mc, arrays);
    const xc = tf.variable(tf.tensor(xv, shape));
    const rc = tf.tensor(rv, y0.shape);
    const onCpu = grads(mc, xc, rc);
    onCpu.forEach((g, i) => expectTensorsClose(onWasm[i], g, { atol: 1e-5, rtol: 1e-4 }));
    tf.dispose([xc, rc]);
    mc.dispose();
  });

  it('Adam steps on an encoder/decoder: numTensors and wasm data ids flat, loss decreasing', async () => {
    await useBackend('wasm');
    const net = sequential({
      enc: encoderBlock({ inChannels: 3, filters: 8, norm: 'none', seed: 1 }),
      enc2: encoderBlock({ inChannels: 8, filters: 16, seed: 2 }),
      dec: decoderBlock({ inChannels: 16, filters: 8, seed: 3 }),
      dec2: decoderBlock({ inChannels: 8, filters: 3, norm: 'none', seed: 4 }),
    });
    const x = tf.tensor(seededFloats(4 * 8 * 8 * 3, 9), [4, 8, 8, 3]);
    const opt = tf.train.adam(2e-3, 0.5);
    const step = async (): Promise<number> => {
      const cost = opt.minimize(() => tf.mean(tf.abs(tf.sub(tf.tanh(net.call(x)), x))), true, net.parameters())!;
      const v = (await cost.data())[0];
      cost.dispose();
      return v;
    };
    const first = await step(); // Adam allocates its slots at the first step
    let last = first;
    await expectNoLeak(async () => {
      for (let i = 0; i < 15; i++) last = await step();
    });
    expect(last).toBeLessThan(first);
    opt.dispose();
    x.dispose();
    net.dispose();
  });
});
