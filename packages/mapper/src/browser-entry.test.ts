import * as path from 'node:path';
import { expectBrowserSafe } from '@dgpose/test-utils';

describe('browser entry', () => {
  it('src/index.ts bundles for the browser without Node built-ins', async () => {
    const report = await expectBrowserSafe(path.resolve(__dirname, 'index.ts'));
    expect(report.inputs.some((f) => f.endsWith('packages/mapper/src/learned/mapper.ts'))).toBe(true);
    expect(report.inputs.some((f) => f.endsWith('packages/mapper/src/node.ts'))).toBe(false);
  });

  it('the guard is live: src/node.ts is refused', async () => {
    await expect(expectBrowserSafe(path.resolve(__dirname, 'node.ts'))).rejects.toThrow(/Node built-in/);
  });
});
