import * as tf from '@tensorflow/tfjs-core';
import { TEST_BACKENDS, expectDGPoseError, expectNoLeak, expectTensorsClose, useBackend } from '@dgpose/test-utils';
import { reduceLoss, reducePerSample } from './index';

// loss [2,3] and a mask broadcast over the rows ([1,3]): masked values 1,3 | 4,6
const L = [1, 2, 3, 4, 5, 6];

describe.each(TEST_BACKENDS)('reduceLoss / reducePerSample on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it('reduceLoss: each reduction, with and without a mask, makes only its result', async () => {
    const loss = tf.tensor2d(L, [2, 3]);
    const mask = tf.tensor2d([1, 0, 1], [1, 3]);
    const cases: [Parameters<typeof reduceLoss>[1], tf.Tensor | undefined, number[]][] = [
      ['sum', undefined, [21]],
      ['mean', undefined, [3.5]],
      ['batchMean', undefined, [10.5]],
      ['sum', mask, [14]],
      ['mean', mask, [3.5]], // Σ w·ℓ / Σ w over the broadcast mask = 14 / 4
      ['batchMean', mask, [7]],
      ['none', mask, [1, 0, 3, 4, 0, 6]],
    ];
    for (const [reduction, m, want] of cases) {
      const out = await expectNoLeak(() => reduceLoss(loss, reduction, m), { allowed: 1 });
      expectTensorsClose(out, want);
      out.dispose();
    }
    const zero = tf.zeros([1, 3]);
    const allMasked = await expectNoLeak(() => reduceLoss(loss, 'mean', zero), { allowed: 1 });
    expect(Array.from(await allMasked.data())).toEqual([0]);
    expectDGPoseError(() => reduceLoss(tf.scalar(1), 'batchMean'), 'E_SHAPE', { argument: 'reduction' });
    expectDGPoseError(() => reduceLoss(loss, 'sum', tf.ones([3, 1])), 'E_SHAPE', { argument: 'mask' });
    tf.dispose([loss, mask, zero, allMasked]);
  });

  it('reducePerSample: sums all but the batch axis, then none/sum/mean; no leak', async () => {
    const per = tf.tensor3d(L, [2, 3, 1]);
    const cases: [Parameters<typeof reducePerSample>[1], number[]][] = [
      ['none', [6, 15]],
      ['sum', [21]],
      ['mean', [10.5]],
    ];
    for (const [reduction, want] of cases) {
      const out = await expectNoLeak(() => reducePerSample(per, reduction), { allowed: 1 });
      expectTensorsClose(out, want);
      out.dispose();
    }
    per.dispose();
  });
});
