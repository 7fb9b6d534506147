import * as path from 'node:path';
import { expectBrowserSafe } from '@dgpose/test-utils';

describe('browser entry', () => {
  it('src/index.ts bundles for the browser without Node built-ins', async () => {
    const report = await expectBrowserSafe(path.resolve(__dirname, 'index.ts'));
    expect(report.inputs.some((f) => f.endsWith('src/vae-gan.ts'))).toBe(true);
    expect(report.inputs.some((f) => f.endsWith('losses/src/kl-normal.ts'))).toBe(true);
  });
});
