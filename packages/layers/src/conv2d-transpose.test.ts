import * as tf from '@tensorflow/tfjs-core';
import { isDGPoseError } from '@dgpose/core';
import { TEST_BACKENDS, expectNoLeak, expectTensorsClose, seededFloats, useBackend } from '@dgpose/test-utils';
import { conv2dTranspose } from './index';
import { arr4, gradientCheck, naiveConv2dTranspose } from './testing/reference';

const CASES = [
  { name: 'k4 s2 p1 doubles (pix2pix)', inShape: [2, 3, 3, 3], filters: 2, k: 4, s: 2, p: 1, op: 0, out: [2, 6, 6, 2] },
  { name: 'k4 s2 p1, non-square', inShape: [1, 2, 5, 2], filters: 3, k: 4, s: 2, p: 1, op: 0, out: [1, 4, 10, 3] },
  { name: 'k3 s2 p1 op1 doubles', inShape: [1, 3, 3, 2], filters: 2, k: 3, s: 2, p: 1, op: 1, out: [1, 6, 6, 2] },
  { name: 'k3 s2 p1 op0', inShape: [1, 3, 4, 2], filters: 2, k: 3, s: 2, p: 1, op: 0, out: [1, 5, 7, 2] },
  { name: 'k2 s2 p0', inShape: [2, 2, 3, 1], filters: 2, k: 2, s: 2, p: 0, op: 0, out: [2, 4, 6, 2] },
  { name: 'k3 s1 p1 (size-preserving)', inShape: [1, 4, 4, 2], filters: 3, k: 3, s: 1, p: 1, op: 0, out: [1, 4, 4, 3] },
  { name: 'k4 s1 p0 grows by 3', inShape: [1, 2, 2, 2], filters: 1, k: 4, s: 1, p: 0, op: 0, out: [1, 5, 5, 1] },
];

describe.each(TEST_BACKENDS)('conv2dTranspose on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it.each(CASES)('$name: shape and values match a scatter loop', async (c) => {
    const layer = conv2dTranspose({
      inChannels: c.inShape[3],
      filters: c.filters,
      kernelSize: c.k,
      strides: c.s,
      padding: c.p,
      outputPadding: c.op,
      biasInit: 'normal',
      seed: 6,
    });
    const x = tf.tensor(
      seededFloats(
        c.inShape.reduce((a, b) => a * b),
        12,
      ),
      c.inShape,
    );
    const y = await expectNoLeak(() => layer.apply(x), { allowed: 1 });
    expect(y.shape).toEqual(c.out);
    expect(layer.outputShape(c.inShape)).toEqual(c.out);
    const ref = naiveConv2dTranspose(
      arr4(x),
      arr4(layer.kernel),
      c.s,
      c.p,
      c.op,
      layer.bias!.dataSync() as Float32Array,
    );
    expect(ref.shape).toEqual(c.out);
    expectTensorsClose(y, ref.data, { atol: 1e-5, rtol: 1e-4 });
    tf.dispose([x, y]);
    layer.dispose();
  });

  it("'same' gives in·stride and equals p = (k − s)/2 for k4 s2", () => {
    const a = conv2dTranspose({ inChannels: 2, filters: 2, kernelSize: 4, strides: 2, padding: 'same', seed: 3 });
    const b = conv2dTranspose({ inChannels: 2, filters: 2, kernelSize: 4, strides: 2, padding: 1, seed: 3 });
    const x = tf.tensor(seededFloats(2 * 3 * 5 * 2, 4), [2, 3, 5, 2]);
    const ya = a.apply(x);
    const yb = b.apply(x);
    expect(ya.shape).toEqual([2, 6, 10, 2]);
    expectTensorsClose(ya, yb, { atol: 1e-6 });
    tf.dispose([x, ya, yb]);
    a.dispose();
    b.dispose();
  });

  it('E_SHAPE on wrong channels, E_CONFIG on bad output padding', () => {
    const layer = conv2dTranspose({ inChannels: 4, filters: 2, kernelSize: 4, strides: 2, padding: 1, seed: 1 });
    const x = tf.zeros([1, 2, 2, 3]);
    expect(() => layer.apply(x)).toThrow(/E_SHAPE.*conv2dTranspose.*got \[1,2,2,3\]/);
    x.dispose();
    layer.dispose();
    for (const bad of [{ padding: 0, outputPadding: 1 }, { padding: 2, outputPadding: 2 }, { padding: -1 }]) {
      let err: unknown;
      try {
        conv2dTranspose({ inChannels: 1, filters: 1, kernelSize: 3, strides: 2, seed: 1, ...bad }).dispose();
      } catch (e) {
        err = e;
      }
      expect(isDGPoseError(err, 'E_CONFIG')).toBe(true);
    }
  });
});

describe('conv2dTranspose gradients (cpu, finite differences)', () => {
  beforeAll(() => useBackend('cpu'));
  it.each([
    { k: 4, s: 2, p: 1, op: 0 },
    { k: 3, s: 2, p: 1, op: 1 },
  ])('kernel, bias and input (k$k s$s p$p op$op)', ({ k, s, p, op }) => {
    const layer = conv2dTranspose({
      inChannels: 2,
      filters: 2,
      kernelSize: k,
      strides: s,
      padding: p,
      outputPadding: op,
      seed: 2,
      kernelInit: 'glorotUniform',
    });
    const x = tf.variable(tf.tensor(seededFloats(2 * 3 * 3 * 2, 8), [2, 3, 3, 2]));
    const y0 = layer.apply(x);
    const r = tf.tensor(seededFloats(y0.size, 9), y0.shape);
    const loss = (): tf.Scalar => tf.sum(tf.mul(layer.call(x), r));
    const { worst, detail } = gradientCheck(loss, [layer.kernel, layer.bias!, x]);
    expect(worst < 1 ? 'ok' : detail).toBe('ok');
    tf.dispose([x, y0, r]);
    layer.dispose();
  });
});
