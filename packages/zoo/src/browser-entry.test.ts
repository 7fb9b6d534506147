// The main entry (registry, loadPretrainedFromBytes, estimators over loaded graphs) must bundle for
// browsers: no Node built-ins, no /node entries, no sharp, anywhere in its import graph.
import * as path from 'node:path';
import { expectBrowserSafe } from '@dgpose/test-utils';

it('main entry is browser-safe', async () => {
  const report = await expectBrowserSafe(path.resolve(__dirname, 'index.ts'), {
    forbidden: ['sharp', '@vladmandic/*'],
  });
  expect(report.inputs.some((f) => f.includes('zoo/src/registry'))).toBe(true);
});
