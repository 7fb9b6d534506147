/*
 * Writes a PNG grid of synthetic people with the COCO-18 skeleton drawn over them.
 *
 *   pnpm --filter @dgpose/datasets preview -- --out out/synthetic-grid.png --size 64 --n 16
 *
 * Options: --out FILE (PNG), --size PX (image side, >= 32), --n COUNT (images), --seed N,
 * --cols N (default: ceil(sqrt(n))), --poses N (poses per identity; default = cols, so each row
 * shows one identity), --split train|test|all, --zoom N (cell upscaling, default so cells are
 * >= 128 px), --no-skeleton.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { createSyntheticDataset, drawSkeletonGrid } from '../src/index';

async function main(): Promise<void> {
  const args = process.argv.slice(2).filter((a) => a !== '--');
  const { values } = parseArgs({
    args,
    options: {
      out: { type: 'string', default: 'out/synthetic-grid.png' },
      size: { type: 'string', default: '64' },
      n: { type: 'string', default: '16' },
      seed: { type: 'string', default: '0' },
      cols: { type: 'string' },
      poses: { type: 'string' },
      split: { type: 'string', default: 'train' },
      zoom: { type: 'string' },
      'no-skeleton': { type: 'boolean', default: false },
    },
  });
  const size = Number(values.size);
  const n = Number(values.n);
  const cols = values.cols ? Number(values.cols) : Math.ceil(Math.sqrt(n));
  const poses = values.poses ? Number(values.poses) : cols;
  const zoom = values.zoom ? Number(values.zoom) : Math.max(1, Math.ceil(128 / size));
  const ds = createSyntheticDataset({
    seed: Number(values.seed),
    size,
    identities: Math.max(2, Math.ceil(n / poses) * 2),
    posesPerIdentity: poses,
    split: values.split as 'train' | 'test' | 'all',
    testFraction: 0.5,
  });
  const samples = [];
  for (let i = 0; i < Math.min(n, ds.size); i++) samples.push(ds.getSync(i));
  const grid = drawSkeletonGrid(samples, { cols, zoom, skeleton: !values['no-skeleton'] });
  const out = resolve(process.cwd(), values.out as string);
  mkdirSync(dirname(out), { recursive: true });
  await sharp(Buffer.from(grid.data.buffer, grid.data.byteOffset, grid.data.byteLength), {
    raw: { width: grid.width, height: grid.height, channels: 3 },
  })
    .png({ compressionLevel: 9 })
    .toFile(out);
  console.log(`wrote ${out} (${grid.width}x${grid.height}, ${samples.length} images of ${size}px)`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
