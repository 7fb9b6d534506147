import * as path from 'node:path';
import { runReadmeExample } from '@dgpose/test-utils';

describe('README', () => {
  it('runs the usage example', async () => {
    const logs: unknown[][] = [];
    const spy = jest.spyOn(console, 'log').mockImplementation((...a: unknown[]) => {
      logs.push(a);
    });
    try {
      await runReadmeExample(path.resolve(__dirname, '..'));
    } finally {
      spy.mockRestore();
    }
    // the decoded r_ankle matches the edited pose within 0.1 px, and the flipped-away joint stays missing
    const [decoded, edited, missing] = logs[0] as [{ x: number; y: number }, { x: number; y: number }, null];
    expect(Math.abs(decoded.x - edited.x)).toBeLessThan(0.1);
    expect(Math.abs(decoded.y - edited.y)).toBeLessThan(0.1);
    expect(missing).toBeNull();
  });
});
