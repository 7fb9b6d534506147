import * as tf from '@tensorflow/tfjs-core';
import { TEST_BACKENDS, expectNoLeak, expectTensorsClose, seededFloats, useBackend } from '@dgpose/test-utils';
import { dense } from './index';
import { gradientCheck } from './testing/reference';

describe.each(TEST_BACKENDS)('dense on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it.each([
    { n: 3, i: 4, u: 2, bias: true },
    { n: 1, i: 7, u: 5, bias: false },
    { n: 5, i: 1, u: 1, bias: true },
  ])('[$n,$i] -> [$n,$u] (bias $bias) matches a loop', async ({ n, i, u, bias }) => {
    const layer = dense({ inFeatures: i, units: u, bias, biasInit: 'normal', seed: 2, kernelInit: 'glorotUniform' });
    const xv = seededFloats(n * i, 4);
    const x = tf.tensor(xv, [n, i]);
    const y = await expectNoLeak(() => layer.apply(x), { allowed: 1 });
    expect(y.shape).toEqual([n, u]);
    const k = layer.kernel.dataSync();
    const b = layer.bias ? layer.bias.dataSync() : null;
    const ref = new Float32Array(n * u);
    for (let r = 0; r < n; r++)
      for (let c = 0; c < u; c++) {
        let s = b ? b[c] : 0;
        for (let q = 0; q < i; q++) s += xv[r * i + q] * k[q * u + c];
        ref[r * u + c] = s;
      }
    expectTensorsClose(y, ref, { atol: 1e-6, rtol: 1e-5 });
    expect(layer.paramCount()).toBe(i * u + (bias ? u : 0));
    tf.dispose([x, y]);
    layer.dispose();
  });

  it('E_SHAPE for a wrong feature count or rank', () => {
    const layer = dense({ inFeatures: 4, units: 2, seed: 1 });
    const x = tf.zeros([2, 3]);
    const x3 = tf.zeros([2, 2, 4]);
    expect(() => layer.apply(x)).toThrow(/E_SHAPE.*dense.*expected \["\*",4\], got \[2,3\]/);
    expect(() => layer.apply(x3)).toThrow(/E_SHAPE/);
    tf.dispose([x, x3]);
    layer.dispose();
  });
});

describe('dense gradients (cpu, finite differences)', () => {
  beforeAll(() => useBackend('cpu'));
  it('kernel, bias and input', () => {
    const layer = dense({ inFeatures: 5, units: 3, seed: 8, kernelInit: 'heNormal' });
    const x = tf.variable(tf.tensor(seededFloats(4 * 5, 3), [4, 5]));
    const r = tf.tensor(seededFloats(12, 5), [4, 3]);
    const loss = (): tf.Scalar => tf.sum(tf.mul(tf.tanh(layer.call(x)), r));
    const { worst, detail } = gradientCheck(loss, [layer.kernel, layer.bias!, x]);
    expect(worst < 1 ? 'ok' : detail).toBe('ok');
    tf.dispose([x, r]);
    layer.dispose();
  });
});
