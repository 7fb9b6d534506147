import * as tf from '@tensorflow/tfjs-core';
import { TEST_BACKENDS, expectDGPoseError, expectNoLeak, useBackend } from '@dgpose/test-utils';
import { assertFiniteLoss, checkFiniteLosses } from './index';

describe('checkFiniteLosses', () => {
  it('accepts finite records and names the first bad term', () => {
    expect(() => checkFiniteLosses({ kl: 1, l1: -0.5, advG: 0 })).not.toThrow();
    const err = expectDGPoseError(() => checkFiniteLosses({ kl: 1, l1: NaN, advD: Infinity }), 'E_LOSS_NAN', {
      argument: 'l1',
      message: /l1/,
    });
    expect(err.details.got).toEqual({ l1: 'NaN', advD: 'Infinity' });
    expectDGPoseError(() => checkFiniteLosses({ x: -Infinity }), 'E_LOSS_NAN');
  });
});

describe.each(TEST_BACKENDS)('assertFiniteLoss on %s', (backend) => {
  beforeAll(() => useBackend(backend));
  it('returns the value, throws E_LOSS_NAN naming the term, never disposes the input', async () => {
    const ok = tf.scalar(2.5);
    const bad = tf.tidy(() => tf.div(tf.scalar(0), tf.scalar(0)));
    const big = tf.tensor([1, 2]);
    await expectNoLeak(async () => {
      expect(await assertFiniteLoss('l1', ok)).toBe(2.5);
      await expect(assertFiniteLoss('kl', bad)).rejects.toMatchObject({
        code: 'E_LOSS_NAN',
        details: { argument: 'kl' },
      });
      await expect(assertFiniteLoss('kl', big)).rejects.toMatchObject({ code: 'E_SHAPE' });
    });
    expect(ok.isDisposed || bad.isDisposed).toBe(false);
    tf.dispose([ok, bad, big]);
  });
});
