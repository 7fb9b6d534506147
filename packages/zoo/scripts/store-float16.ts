/*
 * Stores zoo entries' weights as float16 (core's `quantize: 'float16'`, tfjs's quantization field):
 * half the bytes, which the zoo needs for issue 11's install budget (`npm i @dgpose/zoo` at most
 * 60 MB). evaluate-zoo.ts calls `storeFloat16` on every entry it exports, so the metrics in zoo.json
 * are those of the weights as shipped. For entries exported before that, run this, then
 * `evaluate-zoo.ts --name <name> --reeval` (DGPose entries) to re-measure; the pose regressor is
 * re-measured here.
 *
 *   TSX_TSCONFIG_PATH=tsconfig.scripts.json node --import tsx scripts/store-float16.ts [names...]   (default: every entry)
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { initBackend, type WeightsManifest } from '@dgpose/core';
import { loadWeights, saveWeights, writeFileAtomic } from '@dgpose/core/node';
import { loadPoseRegressorFromWeights } from '../src/pose-regressor';
import { evaluateRegressor, syntheticTestSplit } from './eval-common';

export const WEIGHTS_ROOT = path.join(__dirname, '..', 'weights');
/** What zoo.json's `storage` field says of float16 entries. */
export const FLOAT16_STORAGE = 'float16 (tfjs quantization field; arrays beyond ±65504 stay float32)';

/** Re-stores the weights in `dir` as float16 (idempotent: float16 values survive float32 and back exactly). */
export async function storeFloat16(dir: string): Promise<WeightsManifest> {
  const { arrays, manifest } = await loadWeights(dir);
  const meta = { kind: manifest.kind, config: manifest.config, packageVersion: manifest.packageVersion };
  return (await saveWeights(dir, arrays, meta, { quantize: 'float16' })).manifest;
}

async function main(): Promise<void> {
  const names = process.argv.slice(2).length
    ? process.argv.slice(2)
    : (await fsp.readdir(WEIGHTS_ROOT, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
  for (const name of names) {
    const dir = path.join(WEIGHTS_ROOT, name);
    const infoPath = path.join(dir, 'zoo.json');
    const info = JSON.parse(await fsp.readFile(infoPath, 'utf8')) as Record<string, unknown>;
    const before = (info.shards as { byteLength: number }[]).reduce((s, x) => s + x.byteLength, 0);
    const manifest = await storeFloat16(dir);
    const after = manifest.shards.reduce((s, x) => s + x.byteLength, 0);
    const out: Record<string, unknown> = {
      ...info,
      storage: FLOAT16_STORAGE,
      storedBy: `TSX_TSCONFIG_PATH=tsconfig.scripts.json node --import tsx scripts/store-float16.ts ${name}`,
      shards: manifest.shards,
    };
    if (info.kind === 'pose-regressor') {
      // re-measured as shipped; the float32 figures are kept beside them
      await initBackend({ prefer: ['wasm'], threads: 1 });
      const shards = await Promise.all(
        manifest.shards.map(async (x) => new Uint8Array(await fsp.readFile(path.join(dir, x.path)))),
      );
      const reg = await loadPoseRegressorFromWeights({ manifest, shards });
      out.metricsFloat32 = info.metricsFloat32 ?? info.metrics;
      out.metrics = await evaluateRegressor(reg, syntheticTestSplit());
      reg.dispose();
    }
    await writeFileAtomic(infoPath, `${JSON.stringify(out, null, 1)}\n`);
    console.log(`${name}: ${before} -> ${after} bytes${out.metrics !== info.metrics ? ' (re-measured)' : ''}`);
  }
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
