import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@dgpose/core';
import { expectNoLeak, runReadmeExample } from '@dgpose/test-utils';

it('the README usage example runs (tiny presets), logs plain numbers and leaks nothing', async () => {
  await initBackend({ prefer: ['wasm'], log: () => undefined });
  const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
  try {
    await expectNoLeak(() => runReadmeExample(path.resolve(__dirname, '..')));
    expect(log).toHaveBeenCalledTimes(4);
    expect(log.mock.calls[3]).toEqual([32, 3, 18, 32, 32 * 32 * 3]);
  } finally {
    log.mockRestore();
  }
  expect(tf.getBackend()).toBe('wasm');
}, 60000);
