import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { expectBrowserSafe } from './browser-safe';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'browser-safe-'));
  const w = (name: string, src: string): void => fs.writeFileSync(path.join(dir, name), src);
  w(
    'clean.ts',
    "import { add } from './lib';\nimport * as tf from '@tensorflow/tfjs-core';\nexport const f = (a: number) => add(a, tf ? 1 : 0);\n",
  );
  w('lib.ts', 'export const add = (a: number, b: number) => a + b;\n');
  w('prefixed.ts', "import { readFileSync } from 'node:fs';\nexport const f = () => readFileSync;\n");
  w('bare.ts', "export { f } from './deep';\n");
  w(
    'deep.ts',
    "import * as p from 'path';\nimport { promises } from 'fs/promises';\nexport const f = () => [p, promises];\n",
  );
  w('sharp.ts', "import sharp from 'sharp';\nexport const f = () => sharp;\n");
  w('node-entry.ts', "export { loadWeights } from '@dgpose/core/node';\n");
  w('workspace.ts', "export { getSkeleton } from '@dgpose/core';\n");
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('expectBrowserSafe', () => {
  it('passes a clean entry and reports its inputs', async () => {
    const r = await expectBrowserSafe(path.join(dir, 'clean.ts'));
    expect(r.inputs.some((f) => f.endsWith('lib.ts'))).toBe(true);
    expect(r.bytes).toBeGreaterThan(0);
  });

  it('fails on node:* imports, naming module and importer', async () => {
    await expect(expectBrowserSafe(path.join(dir, 'prefixed.ts'))).rejects.toThrow(
      /node:fs \(Node built-in\) imported by .*prefixed\.ts/,
    );
  });

  it('fails on bare built-in names deep in the graph, listing all of them', async () => {
    const p = expectBrowserSafe(path.join(dir, 'bare.ts'));
    await expect(p).rejects.toThrow(/path \(Node built-in\) imported by .*deep\.ts/);
    await expect(expectBrowserSafe(path.join(dir, 'bare.ts'))).rejects.toThrow(/fs\/promises/);
  });

  it('fails on forbidden modules and workspace /node entries', async () => {
    await expect(expectBrowserSafe(path.join(dir, 'sharp.ts'))).rejects.toThrow(/sharp \(forbidden module\)/);
    await expect(expectBrowserSafe(path.join(dir, 'node-entry.ts'))).rejects.toThrow(
      /@dgpose\/core\/node \(Node-only entry\)/,
    );
  });

  it('follows @dgpose/* imports into workspace sources', async () => {
    const r = await expectBrowserSafe(path.join(dir, 'workspace.ts'));
    expect(r.inputs.some((f) => f.includes('packages/core/src/'))).toBe(true);
  });
});
