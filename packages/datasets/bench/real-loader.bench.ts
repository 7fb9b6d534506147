/*
 * Real-data loader throughput: images/s of openDeepFashion(...).get() (read file, sharp decode +
 * resize, keypoint transform) on the real DeepFashion images in ../shared/data, at 64/128/256,
 * sequential and with concurrent gets. The shared data has 3 annotated images with CSV rows; they are
 * read round-robin (the OS file cache holds them, so this measures decode + resize, not the disk).
 * Run: pnpm --filter @dgpose/datasets bench:real
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { openDeepFashion } from '../src/deepfashion';

const dataDir = path.resolve(__dirname, '../../../../shared/data/realdata/deepfashion');
if (!fs.existsSync(dataDir)) {
  console.log(`[skip] real-loader bench: ${dataDir} not found`);
  process.exit(0);
}

const N = Number(process.env.BENCH_N ?? 150);

async function run(size: number, concurrency: number, layout: '256x256' | 'patn-256x176' = '256x256'): Promise<number> {
  const ds = await openDeepFashion({
    imagesDir: path.join(dataDir, 'images', 'annotated'),
    annotationsCsv: path.join(dataDir, 'annotations', 'fasion-annotation-test.csv'),
    missingImages: 'skip',
    size,
    layout,
  });
  for (let i = 0; i < 20; i++) await ds.get(i % ds.size); // warm-up (JIT, file cache)
  const rates: number[] = [];
  for (let rep = 0; rep < 3; rep++) {
    let next = 0;
    const t0 = process.hrtime.bigint();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < N) await ds.get(next++ % ds.size);
      }),
    );
    rates.push(N / (Number(process.hrtime.bigint() - t0) / 1e9));
  }
  return rates.sort((a, b) => a - b)[1]; // median of 3 (the machine is shared)
}

(async () => {
  console.log(
    `real-loader bench: DeepFashion (pose-gan layout), median of 3 x ${N} gets per row, node ${process.version}, sharp ${sharp.versions.sharp}, libvips threads ${sharp.concurrency()}, ${os.cpus().length} CPUs`,
  );
  console.log('| layout | size | concurrency | images/s |');
  console.log('|---|---|---|---|');
  for (const size of [64, 128, 256]) {
    for (const c of [1, 4]) {
      const ips = await run(size, c);
      console.log(`| 256x256 | ${size} | ${c} | ${ips.toFixed(0)} |`);
    }
  }
  const patn = await run(128, 4, 'patn-256x176');
  console.log(`| patn-256x176 | 128x88 | 4 | ${patn.toFixed(0)} |`);
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
