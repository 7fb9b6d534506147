/*
 * Loader throughput (images/s), one process, one core for the rendering:
 *   1. synthetic people: render only (renderInto, straight into a float batch buffer), 64/128/256;
 *   2. synthetic batches: createBatcher(...).next() with flips and heatmaps, batch 32;
 *   3. DeepFashion layout: createBatcher over openDeepFashion (file read + sharp decode/resize in
 *      get(), overlapped by prefetch) on a pose-gan-layout folder written from synthetic people
 *      (256x256 JPEGs + CSV, in a temp folder), and on the real images of ../shared/data when present.
 * Run: pnpm --filter @dgpose/datasets bench   (BENCH_SCALE=0.3 for a quicker pass)
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { type SampleSource, createBatcher, createSyntheticDataset } from '../src/index';
import * as nodeEntry from '../src/node';

const SCALE = Number(process.env.BENCH_SCALE ?? 1);
const SIZES = [64, 128, 256];

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function rate(n: number, fn: (i: number) => unknown): Promise<number> {
  const reps: number[] = [];
  for (let r = 0; r < 3; r++) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await fn(i);
    reps.push(n / ((performance.now() - t0) / 1000));
  }
  return median(reps);
}

const count = (size: number, base: number): number => Math.max(4, Math.round((base * SCALE * 64 * 64) / (size * size)));

async function syntheticRender(): Promise<void> {
  console.log('\n## synthetic people, render only (renderInto a float32 NHWC buffer in [-1, 1])');
  console.log('| size | images/s |');
  console.log('|---|---|');
  for (const size of SIZES) {
    const ds = createSyntheticDataset({ seed: 0, size, identities: 200, posesPerIdentity: 20 });
    const buf = new Float32Array(size * size * 3);
    const coords = new Float32Array(36);
    const vis = new Float32Array(18);
    for (let i = 0; i < 100; i++) ds.renderInto(i, buf, 0, coords, 0, vis, 0); // JIT warm-up
    const n = count(size, 3000);
    const r = await rate(n, (i) => ds.renderInto((i * 7919) % ds.size, buf, 0, coords, 0, vis, 0));
    console.log(`| ${size} | ${r.toFixed(0)} |`);
  }
}

async function batches(
  name: string,
  make: (size: number) => Promise<SampleSource | null>,
  batchSize: number,
  base: number,
): Promise<void> {
  console.log(`\n## ${name}: createBatcher(...).next(), batch ${batchSize}, flip, heatmaps (sigma 6H/256), prefetch 2`);
  console.log('| size | images/s (arrays) | images/s (with heatmaps) |');
  console.log('|---|---|---|');
  for (const size of SIZES) {
    const source = await make(size);
    if (!source) return;
    const nb = Math.max(2, Math.round(count(size, base) / batchSize));
    const plain = createBatcher({ source, batchSize, seed: 0, flip: true, prefetch: 2 });
    const hm = createBatcher({ source, batchSize, seed: 0, flip: true, heatmaps: {}, prefetch: 2 });
    await plain.next();
    await hm.next();
    const a = (await rate(nb, () => plain.next())) * batchSize;
    const b = (await rate(nb, () => hm.next())) * batchSize;
    await plain.close();
    await hm.close();
    console.log(`| ${size} | ${a.toFixed(0)} | ${b.toFixed(0)} |`);
  }
}

/** Writes a pose-gan-layout folder (256x256 JPEGs + annotation CSV) of synthetic people. */
async function writeDeepFashionLayout(dir: string, n: number): Promise<void> {
  const imgDir = path.join(dir, 'fasion-dataset', 'test');
  fs.mkdirSync(imgDir, { recursive: true });
  const ds = createSyntheticDataset({
    seed: 3,
    size: 256,
    identities: Math.ceil(n / 4),
    posesPerIdentity: 4,
    split: 'all',
  });
  const rows = ['name:keypoints_y:keypoints_x'];
  for (let i = 0; i < Math.min(n, ds.size); i++) {
    const s = ds.getSync(i);
    const name = `fasionMENTeesTanksid${String(s.meta?.identityIndex).padStart(8, '0')}0${s.meta?.poseIndex}_1front.jpg`;
    await sharp(Buffer.from(s.image.data), { raw: { width: 256, height: 256, channels: 3 } })
      .jpeg({ quality: 90 })
      .toFile(path.join(imgDir, name));
    const ys = s.pose.keypoints.map((k) => (k ? Math.round(k.y) : -1));
    const xs = s.pose.keypoints.map((k) => (k ? Math.round(k.x) : -1));
    rows.push(`${name}: [${ys.join(', ')}]: [${xs.join(', ')}]`);
  }
  fs.writeFileSync(path.join(dir, 'fasion-annotation-test.csv'), `${rows.join('\n')}\n`);
}

(async () => {
  console.log(
    `loader bench: node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model}), sharp ${sharp.versions.sharp}; median of 3; BENCH_SCALE=${SCALE}`,
  );
  await syntheticRender();
  await batches(
    'synthetic people',
    async (size) => createSyntheticDataset({ seed: 0, size, identities: 200, posesPerIdentity: 20 }),
    32,
    3000,
  );

  const open = (nodeEntry as Record<string, unknown>).openDeepFashion as
    ((o: Record<string, unknown>) => Promise<SampleSource>) | undefined;
  if (typeof open !== 'function') {
    // hook for the real-data loaders: export openDeepFashion from src/node.ts
    console.log('\n## DeepFashion layout: not available (no openDeepFashion export in src/node.ts)');
    return;
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dgpose-df-bench-'));
  try {
    await writeDeepFashionLayout(tmp, 64);
    await batches(
      'DeepFashion layout (64 synthetic 256x256 JPEGs, pose-gan CSV)',
      (size) => open({ root: tmp, split: 'test', size }),
      16,
      600,
    );
    const real = path.resolve(__dirname, '../../../../shared/data/realdata/deepfashion');
    if (fs.existsSync(real)) {
      await batches(
        'DeepFashion real images (../shared/data: the annotated JPEGs with CSV rows)',
        (size) =>
          open({
            imagesDir: path.join(real, 'images', 'annotated'),
            annotationsCsv: path.join(real, 'annotations', 'fasion-annotation-test.csv'),
            missingImages: 'skip',
            size,
          }),
        3,
        300,
      );
    } else console.log('\n## DeepFashion real images: ../shared/data not found, skipped');
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
