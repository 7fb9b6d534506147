import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { TEST_BACKENDS, expectNoLeak, runReadmeExample, useBackend } from '@dgpose/test-utils';

describe.each(TEST_BACKENDS)('README usage example (%s)', (backend) => {
  beforeAll(() => useBackend(backend));
  it('runs, prints the expected shape and names, and leaks nothing', async () => {
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      await expectNoLeak(() => runReadmeExample(path.resolve(__dirname, '..')));
      expect(log).toHaveBeenCalledTimes(1);
      const [shape, count, names] = log.mock.calls[0] as [number[], number, string[]];
      expect(shape).toEqual([2, 64, 64, 3]);
      expect(count).toBe(4 * 4 * 3 * 16 + 16 + 4 * 4 * 3 * 16 + 3);
      expect(names).toEqual(['down.conv.kernel', 'down.conv.bias', 'up.conv.kernel', 'up.conv.bias']);
    } finally {
      log.mockRestore();
    }
    expect(tf.getBackend()).toBe(backend);
  });
});
