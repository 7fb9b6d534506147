import * as fs from 'node:fs';
import * as path from 'node:path';
import { expectBrowserSafe } from '@dgpose/test-utils';
import { PACKAGE_VERSION } from './export';

// Convention 1b: the main entry (exporter + createOnnxEngine, for onnxruntime-web) bundles for browsers.
it('the main entry bundles for the browser platform without Node built-ins', async () => {
  await expectBrowserSafe(path.join(__dirname, 'index.ts'), { external: ['@tensorflow/*', 'onnxruntime-*'] });
}, 60000);

it('PACKAGE_VERSION (written into every .onnx) follows package.json', () => {
  expect(PACKAGE_VERSION).toBe(JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')).version);
});
