import * as path from 'node:path';
import { buildSync } from 'esbuild';

// Convention 1b: the main entry must bundle for browsers (no fs/path/node:* anywhere in its graph).
it('the main entry bundles for the browser platform without Node built-ins', () => {
  const pkgs = path.resolve(__dirname, '../..');
  const result = buildSync({
    entryPoints: [path.join(__dirname, 'index.ts')],
    bundle: true,
    write: false,
    platform: 'browser',
    format: 'esm',
    logLevel: 'silent',
    external: ['@tensorflow/*'],
    alias: { '@dgpose/core': path.join(pkgs, 'core/src/index.ts') },
  });
  expect(result.errors).toEqual([]);
  const code = result.outputFiles[0].text;
  expect(code).not.toMatch(/from\s*["'](node:|fs|path|worker_threads|sharp)["']/);
  expect(code).not.toMatch(/require\(["'](node:|fs|path|worker_threads|sharp)["']\)/);
  // tfjs-layers (31 MB, gradients for training only) is never imported statically: an inference page
  // does not pull it in; core's initBackend imports it lazily when it is installed.
  expect(code).not.toMatch(/(import|from)\s*["']@tensorflow\/tfjs-layers["']/);
});
