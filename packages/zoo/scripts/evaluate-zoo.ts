/*
 * Evaluates a trained Conditional/Semi-DGPose run on the synthetic TEST split and exports it into
 * the zoo (weights/<name>/: model.json + shards from the run's final/, stored as float16 unless
 * --float32, and zoo.json with the metrics of the weights as shipped and the exact trainer command),
 * then regenerate the registry with build-registry.ts.
 *
 *   pnpm --filter @dgpose/zoo exec tsx scripts/evaluate-zoo.ts --name conditional-small-64 --run ../../runs/zoo/conditional-small-64 --command "<trainer command>"
 *   pnpm --filter @dgpose/zoo exec tsx scripts/evaluate-zoo.ts --name conditional-small-64 --reeval   (re-measure shipped weights)
 *
 * Metrics (images are 64x64 uint8; SSIM 'wang' convention, PSNR with data range 255):
 * - recon*: reconstruct(x, y) of every test image against itself;
 * - transfer*: the appearance of test image (identity i, pose p) drawn in pose p+1 of the same identity
 *   (its ground-truth pose), against the real image of i in pose p+1; copy*: the source image itself
 *   scored against that target (the "do nothing" baseline the transfer must beat);
 * - reconPckh / transferPckh: PCKh@0.5 of the poses the synthetic pose regressor (pose-regressor-64)
 *   re-detects in the reconstructions / transfers, against the poses they were drawn in; realPckh: the
 *   regressor on the real test images (its ceiling);
 * - Semi: estPckh / estPck01: PCKh@0.5 and PCK@0.1 (bbox) of q(y|x)'s mean on the test images.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { initBackend, type Pose } from '@dgpose/core';
import { writeFileAtomic } from '@dgpose/core/node';
import { psnr, ssim } from '@dgpose/metrics';
import { loadModelFromWeights } from '@dgpose/models';
import type { RgbImage } from '../src/estimator';
import { loadPretrained } from '../src/pretrained-node';
import { poseMetrics, syntheticTestSplit } from './eval-common';
import { FLOAT16_STORAGE, storeFloat16 } from './store-float16';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const r4 = (v: number): number => Math.round(v * 1e4) / 1e4;
const mean = (a: number[]): number => a.reduce((s, v) => s + v, 0) / a.length;

async function readDir(
  dir: string,
): Promise<{ manifest: import('@dgpose/core').WeightsManifest; shards: Uint8Array[] }> {
  const manifest = JSON.parse(await fsp.readFile(path.join(dir, 'model.json'), 'utf8'));
  const shards = await Promise.all(
    manifest.shards.map(async (s: { path: string }) => new Uint8Array(await fsp.readFile(path.join(dir, s.path)))),
  );
  return { manifest, shards };
}

async function batched<T, U>(items: T[], n: number, f: (b: T[]) => Promise<U[]>): Promise<U[]> {
  const out: U[] = [];
  for (let i = 0; i < items.length; i += n) out.push(...(await f(items.slice(i, i + n))));
  return out;
}

async function main(): Promise<void> {
  const name = arg('name');
  if (!name) throw new Error('--name is required');
  const zooDir = path.join(__dirname, '..', 'weights', name);
  const run = arg('run');
  const reeval = process.argv.includes('--reeval');
  const { backend } = await initBackend({ prefer: ['wasm'], threads: 1 });
  let info: Record<string, unknown>;
  if (run && !reeval) {
    const cfg = JSON.parse(await fsp.readFile(path.join(run, 'config.json'), 'utf8'));
    const command = arg('command') ?? (Array.isArray(cfg.command) ? cfg.command.join(' ') : undefined);
    if (!command) throw new Error('--command is required (the exact trainer command)');
    // final/ of a finished run; else the latest checkpoint of a run stopped early (its step is recorded)
    const finalDir = path.join(run, 'final');
    const haveFinal = await fsp.stat(path.join(finalDir, 'model.json')).then(
      () => true,
      () => false,
    );
    const latest = haveFinal
      ? null
      : path.join(run, 'checkpoints', (await fsp.readFile(path.join(run, 'checkpoints', 'latest'), 'utf8')).trim());
    const src = latest ? path.join(latest, 'weights') : finalDir;
    await fsp.rm(zooDir, { recursive: true, force: true });
    await fsp.mkdir(zooDir, { recursive: true });
    for (const f of await fsp.readdir(src)) await fsp.copyFile(path.join(src, f), path.join(zooDir, f));
    // shipped as float16 (issue 11's install budget) and measured below as shipped; --float32 keeps them exact
    if (!process.argv.includes('--float32')) await storeFloat16(zooDir);
    const log = (await fsp.readFile(path.join(run, 'log.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const end = log.filter((l) => l.type === 'step').pop();
    const ckpt = latest ? JSON.parse(await fsp.readFile(path.join(latest, 'checkpoint.json'), 'utf8')) : null;
    const steps = ckpt ? ckpt.step : (end?.step ?? cfg.steps);
    info = {
      command: haveFinal
        ? command
        : `${command}   # stopped at step ${steps} (session time), exported from its latest checkpoint`,
      steps,
      finalLosses: end?.losses,
      trainedWith: { backend: cfg.backend, batchSize: cfg.batchSize ?? cfg.options?.batchSize },
      storage: process.argv.includes('--float32') ? 'float32' : FLOAT16_STORAGE,
    };
  } else {
    info = JSON.parse(await fsp.readFile(path.join(zooDir, 'zoo.json'), 'utf8'));
  }
  const bytes = await readDir(zooDir);
  const model = await loadModelFromWeights(bytes);
  const kind = model.kind;
  const semiConfig = model.kind === 'semi' ? model.config : null;
  const supervision = semiConfig?.supervision;
  const regressor = await loadPretrained('pose-regressor-64');
  const test = syntheticTestSplit();
  const N = test.source.size;
  const samples = Array.from({ length: N }, (_, i) => test.source.getSync(i));
  const images = samples.map((s) => s.image);
  const poses = samples.map((s) => s.pose);
  // pairs: each test image -> the next pose of the same identity (ground-truth target)
  const byId = new Map<string, number[]>();
  samples.forEach((s, i) => byId.set(s.identity!, [...(byId.get(s.identity!) ?? []), i]));
  const pairs: [number, number][] = [];
  for (const idx of byId.values()) idx.forEach((a, k) => pairs.push([a, idx[(k + 1) % idx.length]]));
  const t0 = Date.now();
  const B = 32;
  const supervisedOnly = semiConfig?.supervisedOnly === true;
  const est = (xs: RgbImage[]): Promise<Pose[]> => batched(xs, 64, (b) => regressor.estimate(b));
  const metrics: Record<string, number> = {};
  // a supervised-only baseline is a pose estimator only: its generator networks were never trained
  if (!supervisedOnly) {
    const recon = await batched(
      samples.map((_, i) => i),
      B,
      (b) =>
        model.reconstruct(
          b.map((i) => images[i]),
          b.map((i) => poses[i]),
        ),
    );
    const transfer = await batched(pairs, B, (b) =>
      model.transfer(
        b.map(([s]) => images[s]),
        b.map(([s]) => poses[s]),
        b.map(([, t]) => poses[t]),
      ),
    );
    const sOpt = { dataRange: 255, convention: 'wang' as const };
    const score = (a: RgbImage[], b: RgbImage[]): { ssim: number; psnr: number } => ({
      ssim: r4(mean(a.map((x, i) => ssim(x, b[i], sOpt)))),
      psnr: r4(mean(a.map((x, i) => Math.min(psnr(x, b[i], { dataRange: 255 }), 100)))),
    });
    const rc = score(recon, images);
    const tr = score(
      transfer,
      pairs.map(([, t]) => images[t]),
    );
    const cp = score(
      pairs.map(([s]) => images[s]),
      pairs.map(([, t]) => images[t]),
    );
    Object.assign(metrics, {
      reconSsim: rc.ssim,
      reconPsnr: rc.psnr,
      transferSsim: tr.ssim,
      transferPsnr: tr.psnr,
      copySsim: cp.ssim,
      copyPsnr: cp.psnr,
      reconPckh: poseMetrics(await est(recon), poses).pckh,
      transferPckh: poseMetrics(
        await est(transfer),
        pairs.map(([, t]) => poses[t]),
      ).pckh,
    });
  }
  metrics.realPckh = poseMetrics(await est(images), poses).pckh;
  if (model.kind === 'semi') {
    const pm = poseMetrics(await batched(images, B, (b) => model.estimatePose(b)), poses);
    metrics.estPckh = pm.pckh;
    metrics.estPck01 = pm.pck01;
  }
  metrics.images = N;
  metrics.pairs = pairs.length;
  console.log(`${name} (${kind}) evaluated in ${((Date.now() - t0) / 1000).toFixed(0)} s on ${backend}:`, metrics);
  const adv = model.config.lossWeights.adv;
  const out = {
    name,
    kind,
    description:
      kind === 'conditional'
        ? `Conditional-DGPose (small preset, maxChannels 64, part appearance${adv === 0 ? ', no adversarial term' : `, adversarial term on (λ_adv ${adv})`}) on the built-in synthetic people, 64x64`
        : supervisedOnly
          ? `Supervised-only baseline: Semi-DGPose's q(y|x) trained on the ${Math.round((supervision ?? 1) * 100)} % labelled subset alone (same steps), 64x64`
          : `Semi-DGPose (small preset, maxChannels 64, part appearance) on the built-in synthetic people, 64x64, ${Math.round((supervision ?? 1) * 100)} % of poses labelled`,
    preset: model.config.preset,
    ...(kind === 'semi' ? { supervision } : {}),
    trainedOn: 'synthetic-64',
    ...info,
    paramCount: model.paramCount(),
    evaluatedOn: test.description,
    evaluatedWith: {
      backend,
      regressor: 'pose-regressor-64',
      ssim: 'wang',
      pairs: 'each test image -> the next pose of its identity',
    },
    metrics,
    shards: bytes.manifest.shards,
  };
  await writeFileAtomic(path.join(zooDir, 'zoo.json'), `${JSON.stringify(out, null, 1)}\n`);
  model.dispose();
  regressor.dispose();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
