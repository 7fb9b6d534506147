// The main entry (registry, loadPretrainedFromBytes, estimators over loaded graphs) must bundle for
// browsers: no Node built-ins, no /node entries, no sharp, anywhere in its import graph.
import * as path from 'node:path';
import { expectBrowserSafe } from '@dgpose/test-utils';

it('main entry is browser-safe', async () => {
  const report = await expectBrowserSafe(path.resolve(__dirname, 'index.ts'), {
    forbidden: ['sharp', '@vladmandic/*'],
  });
  // esbuild names inputs relative to its working directory (the package's own folder under jest)
  expect(report.inputs.some((f) => /(^|\/)src\/registry\.ts$/.test(f))).toBe(true);
});
