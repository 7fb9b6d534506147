// The main entry must run in browsers without tfjs: bundle it for the browser platform (a Node
// built-in fails to resolve there) and check that nothing but @dgpose/core is imported.
import * as path from 'node:path';
import { buildSync } from 'esbuild';
import { expectBrowserSafe } from '@dgpose/test-utils';

it('bundles for the browser with no Node built-ins and no tfjs import', () => {
  const res = buildSync({
    entryPoints: [path.resolve(__dirname, 'index.ts')],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    write: false,
    metafile: true,
    logLevel: 'silent',
    external: ['@dgpose/core'],
  });
  expect(res.errors).toEqual([]);
  const imports = Object.values(res.metafile.outputs).flatMap((o) => o.imports.map((i) => i.path));
  expect([...new Set(imports)]).toEqual(['@dgpose/core']);
  const inputs = Object.keys(res.metafile.inputs);
  expect(inputs.filter((f) => /node_modules|__fixtures__|\.test\./.test(f))).toEqual([]);
});

it('its whole import graph, @dgpose/core sources included, is browser-safe', async () => {
  const r = await expectBrowserSafe(path.resolve(__dirname, 'index.ts'));
  expect(r.inputs.some((f) => f.includes('packages/core/src/'))).toBe(true);
});
