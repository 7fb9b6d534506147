import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers';
import {
  TEST_BACKENDS,
  analyticGradient,
  expectNoLeak,
  expectTensorsClose,
  numericGradient,
  seededFloats,
  useBackend,
} from '@dgpose/test-utils';
import { bceWithLogits, ganDiscriminatorLoss, ganGeneratorLoss } from './index';

const sig = (x: number): number => 1 / (1 + Math.exp(-x));
// The textbook (unstable) form, fine for moderate logits.
const bceNaive = (x: number, t: number): number => -t * Math.log(sig(x)) - (1 - t) * Math.log(1 - sig(x));
const mean = (a: number[]): number => a.reduce((s, v) => s + v, 0) / a.length;

const real = Array.from(seededFloats(8, 31, -3, 3));
const fake = Array.from(seededFloats(8, 32, -3, 3));

describe.each(TEST_BACKENDS)('GAN losses on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it('bceWithLogits matches the textbook form and stays finite for large logits', async () => {
    const x = tf.tensor(real, [2, 2, 2, 1]);
    const t = tf.tensor(seededFloats(8, 33, 0, 1), [2, 2, 2, 1]);
    const tv = await t.data();
    expectTensorsClose(
      bceWithLogits(x, t, { reduction: 'none' }),
      real.map((v, i) => bceNaive(v, tv[i])),
      { rtol: 1e-5, atol: 1e-6 },
    );
    expectTensorsClose(bceWithLogits(x, 1), [mean(real.map((v) => bceNaive(v, 1)))], { rtol: 1e-5 });
    const big = tf.tensor([100, -100, 80, -80]);
    // −log σ(−100) = 100 exactly in double; the naive form gives Infinity in float32
    expectTensorsClose(bceWithLogits(big, tf.tensor([0, 1, 1, 0]), { reduction: 'none' }), [100, 100, 0, 0], {
      atol: 1e-5,
    });
    tf.dispose([x, t, big]);
  });

  it('generator and discriminator losses for bce, lsgan and hinge match plain loops', () => {
    const r = tf.tensor(real, [2, 4]);
    const f = tf.tensor(fake, [2, 4]);
    const s = 0.1;
    expectTensorsClose(ganGeneratorLoss(f), [mean(fake.map((v) => -Math.log(sig(v))))], { rtol: 1e-5 });
    expectTensorsClose(ganGeneratorLoss(f, { type: 'lsgan' }), [mean(fake.map((v) => (v - 1) ** 2))], { rtol: 1e-5 });
    expectTensorsClose(ganGeneratorLoss(f, { type: 'hinge' }), [mean(fake.map((v) => -v))], { rtol: 1e-5, atol: 1e-6 });
    const dBce = mean(real.map((v) => bceNaive(v, 1 - s))) + mean(fake.map((v) => bceNaive(v, 0)));
    expectTensorsClose(ganDiscriminatorLoss(r, f, { labelSmoothing: s }), [dBce / 2], { rtol: 1e-5 });
    expectTensorsClose(ganDiscriminatorLoss(r, f, { labelSmoothing: s, halve: false }), [dBce], { rtol: 1e-5 });
    const dLs = mean(real.map((v) => (v - 1) ** 2)) + mean(fake.map((v) => v * v));
    expectTensorsClose(ganDiscriminatorLoss(r, f, { type: 'lsgan' }), [dLs / 2], { rtol: 1e-5 });
    const dH = mean(real.map((v) => Math.max(0, 1 - v))) + mean(fake.map((v) => Math.max(0, 1 + v)));
    expectTensorsClose(ganDiscriminatorLoss(r, f, { type: 'hinge' }), [dH / 2], { rtol: 1e-5 });
    expect(() => ganDiscriminatorLoss(r, f, { type: 'hinge', labelSmoothing: 0.1 })).toThrow(
      expect.objectContaining({ code: 'E_ARG' }),
    );
    expect(() => ganDiscriminatorLoss(r, f, { labelSmoothing: 1 })).toThrow(expect.objectContaining({ code: 'E_ARG' }));
    expect(() => ganGeneratorLoss(f, { type: 'wgan' as 'bce' })).toThrow(expect.objectContaining({ code: 'E_ARG' }));
    tf.dispose([r, f]);
  });

  it('leaks nothing', async () => {
    const r = tf.tensor(real, [2, 4]);
    const f = tf.tensor(fake, [2, 4]);
    await expectNoLeak(() => {
      for (const type of ['bce', 'lsgan', 'hinge'] as const) {
        tf.dispose([
          ganGeneratorLoss(f, { type }),
          ganDiscriminatorLoss(r, f, { type }),
          ganDiscriminatorLoss(r, f, { type, reduction: 'none' }),
        ]);
      }
      tf.dispose([bceWithLogits(r, f, { reduction: 'none' }), bceWithLogits(r, 0.9, { mask: f })]);
    });
    tf.dispose([r, f]);
  });
});

describe('GAN loss gradients vs finite differences (cpu)', () => {
  beforeAll(() => useBackend('cpu'));
  it('match on both sides for every type', () => {
    // logits away from the hinge kinks at ±1
    const r = tf.tensor(
      real.map((v) => (Math.abs(Math.abs(v) - 1) < 0.05 ? v + 0.2 : v)),
      [2, 4],
    );
    const f = tf.tensor(
      fake.map((v) => (Math.abs(Math.abs(v) - 1) < 0.05 ? v + 0.2 : v)),
      [2, 4],
    );
    for (const type of ['bce', 'lsgan', 'hinge'] as const) {
      const cases: [(x: tf.Tensor) => tf.Tensor, tf.Tensor][] = [
        [(x) => ganGeneratorLoss(x, { type }), f],
        [(x) => ganDiscriminatorLoss(x, f, { type }), r],
        [(x) => ganDiscriminatorLoss(r, x, { type }), f],
      ];
      for (const [fn, x] of cases) {
        expectTensorsClose(analyticGradient(fn, x), numericGradient(fn, x, 1e-2), { atol: 2e-3, rtol: 1e-2 });
      }
    }
    tf.dispose([r, f]);
  });
});
