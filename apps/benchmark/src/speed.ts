/*
 * Speed section: a few training steps of a fresh model of the chosen preset on the backend in
 * use, and PSNR/SSIM throughput on uint8 RGB pairs. (Inference per verb comes from the timings
 * taken during the evaluation.)
 */
import { createBatcher, createSyntheticDataset } from '@dgpose/datasets';
import { psnr, ssim } from '@dgpose/metrics';
import type { DGPoseModel } from '@dgpose/models';
// the node entry's createSemiDGPose loads the shipped learned mapper the presets name
import { createConditionalDGPose, createSemiDGPose } from '@dgpose/models/node';
import type { SpeedResult } from './types';

export interface TrainSpeedOptions {
  preset: 'tiny' | 'small' | 'paper';
  steps: number;
  log: (m: string) => void;
}

/** ms per training step (after one warm-up step) of Conditional- and Semi-DGPose of the preset. */
export async function trainSpeed(o: TrainSpeedOptions): Promise<NonNullable<SpeedResult['train']>> {
  const out: NonNullable<SpeedResult['train']> = [];
  for (const kind of ['conditional', 'semi'] as const) {
    const model: DGPoseModel = kind === 'conditional' ? await createConditionalDGPose({ preset: o.preset, seed: 0 }) : await createSemiDGPose({ preset: o.preset, seed: 0 });
    try {
      const size = (model.config as { imageSize: number }).imageSize;
      const batchSize = o.preset === 'tiny' ? 4 : 8;
      const source = createSyntheticDataset({ seed: 1, size, identities: 4, posesPerIdentity: Math.max(4, batchSize), split: 'all' });
      const batcher = createBatcher({ source, batchSize, seed: 0, supervision: kind === 'semi' ? 0.5 : 1, prefetch: 0 });
      try {
        let ms = 0;
        for (let s = 0; s <= o.steps; s++) {
          const batch = await batcher.nextTensors();
          try {
            const t0 = performance.now();
            await model.trainStep(batch);
            if (s > 0) ms += performance.now() - t0; // step 0 is the warm-up (kernel compilation, first allocations)
          } finally {
            batch.dispose();
          }
        }
        const msPerStep = ms / o.steps;
        out.push({ model: `${kind}-${o.preset}`, preset: o.preset, imageSize: size, batchSize, steps: o.steps, msPerStep, imagesPerSec: (1000 * batchSize) / msPerStep });
        o.log(`speed: ${kind}-${o.preset} training step ${msPerStep.toFixed(0)} ms (batch ${batchSize}, ${size}x${size})`);
      } finally {
        await batcher.close();
      }
    } finally {
      model.dispose();
    }
  }
  return out;
}

/** PSNR and SSIM (both conventions) throughput on `pairs` synthetic uint8 pairs of side `size`. */
export function metricSpeed(size: number, pairs = 32, minMs = 300): NonNullable<SpeedResult['metrics']> {
  const src = createSyntheticDataset({ seed: 2, size, identities: 4, posesPerIdentity: Math.ceil((pairs + 1) / 4), split: 'all' });
  const imgs = Array.from({ length: pairs + 1 }, (_, i) => src.getSync(i % src.size).image);
  const runs: [string, () => void][] = [
    ['psnr', () => imgs.slice(1).forEach((b, i) => psnr(imgs[i], b, { dataRange: 255 }))],
    ['ssim-pg2', () => imgs.slice(1).forEach((b, i) => ssim(imgs[i], b, { dataRange: 255, convention: 'pg2' }))],
    ['ssim-wang', () => imgs.slice(1).forEach((b, i) => ssim(imgs[i], b, { dataRange: 255, convention: 'wang' }))],
  ];
  return runs.map(([metric, fn]) => {
    fn(); // warm-up
    let n = 0;
    const t0 = performance.now();
    do {
      fn();
      n += pairs;
    } while (performance.now() - t0 < minMs);
    const ms = performance.now() - t0;
    return { metric, imageSize: size, pairs: n, ms, pairsPerSec: (1000 * n) / ms };
  });
}
