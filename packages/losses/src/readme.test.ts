import * as path from 'node:path';
import { runReadmeExample, useBackend } from '@dgpose/test-utils';

describe('README', () => {
  it('runs its example', async () => {
    await useBackend('cpu');
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    await runReadmeExample(path.resolve(__dirname, '..'));
    expect(log).toHaveBeenCalledTimes(1);
    const [kl, recPositive, shape] = log.mock.calls[0];
    // KL(N(0, e^{−1}) ‖ N(0,1)) per dim = −½(1 + (−1) − 0 − e^{−1}) = ½e^{−1}; 4 dims
    expect(kl).toBeCloseTo(2 * Math.exp(-1), 5);
    expect(recPositive).toBe(true);
    expect(shape).toEqual([2, 4]);
    log.mockRestore();
  });
});
