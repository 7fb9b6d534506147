import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { runReadmeExample, useBackend } from '@dgpose/test-utils';

describe('README', () => {
  it('runs its example: three steps of plain numbers, nothing leaked', async () => {
    await useBackend('cpu');
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    const before = tf.memory().numTensors;
    await runReadmeExample(path.resolve(__dirname, '..'));
    expect(tf.memory().numTensors).toBe(before);
    expect(log).toHaveBeenCalledTimes(3);
    log.mock.calls.forEach(([r], i) => {
      expect(Object.keys(r).sort()).toEqual(['losses', 'step']);
      expect(r.step).toBe(i);
      expect(Object.keys(r.losses).sort()).toEqual(['advD', 'advG', 'gradNormD', 'gradNormG', 'kl', 'l1', 'total']);
      for (const v of Object.values(r.losses)) expect(Number.isFinite(v)).toBe(true);
    });
    log.mockRestore();
  });
});
