/*
 * Speed section: a few training steps of a fresh model of the chosen preset on the backend in
 * use, PSNR/SSIM throughput on uint8 RGB pairs, and each verb at batch 1 on tfjs and on onnxruntime
 * side by side (when onnxruntime-node is installed). (Inference over the test set comes from the
 * timings taken during the evaluation.)
 */
import { isDGPoseError, type Pose } from '@dgpose/core';
import { createBatcher, createSyntheticDataset } from '@dgpose/datasets';
import { loadInferenceModel, ORT_INSTALL } from '@dgpose/onnx/node';
import { psnr, ssim } from '@dgpose/metrics';
import type { AnyDGPoseModel, DGPoseModel, RgbImage, SemiDGPoseModel } from '@dgpose/models';
// the node entry's createSemiDGPose loads the shipped learned mapper the presets name
import { createConditionalDGPose, createSemiDGPose } from '@dgpose/models/node';
import type { SpeedResult } from './types';
import type { TestData } from './data';

export interface TrainSpeedOptions {
  preset: 'tiny' | 'small' | 'paper';
  steps: number;
  log: (m: string) => void;
}

/** ms per training step (after one warm-up step) of Conditional- and Semi-DGPose of the preset. */
export async function trainSpeed(o: TrainSpeedOptions): Promise<NonNullable<SpeedResult['train']>> {
  const out: NonNullable<SpeedResult['train']> = [];
  for (const kind of ['conditional', 'semi'] as const) {
    const model: DGPoseModel =
      kind === 'conditional'
        ? await createConditionalDGPose({ preset: o.preset, seed: 0 })
        : await createSemiDGPose({ preset: o.preset, seed: 0 });
    try {
      const size = (model.config as { imageSize: number }).imageSize;
      const batchSize = o.preset === 'tiny' ? 4 : 8;
      const source = createSyntheticDataset({
        seed: 1,
        size,
        identities: 4,
        posesPerIdentity: Math.max(4, batchSize),
        split: 'all',
      });
      const batcher = createBatcher({
        source,
        batchSize,
        seed: 0,
        supervision: kind === 'semi' ? 0.5 : 1,
        prefetch: 0,
      });
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
        out.push({
          model: `${kind}-${o.preset}`,
          preset: o.preset,
          imageSize: size,
          batchSize,
          steps: o.steps,
          msPerStep,
          imagesPerSec: (1000 * batchSize) / msPerStep,
        });
        o.log(
          `speed: ${kind}-${o.preset} training step ${msPerStep.toFixed(0)} ms (batch ${batchSize}, ${size}x${size})`,
        );
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
  const src = createSyntheticDataset({
    seed: 2,
    size,
    identities: 4,
    posesPerIdentity: Math.ceil((pairs + 1) / 4),
    split: 'all',
  });
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

/** One row of the engines table. */
export type EngineSpeed = NonNullable<SpeedResult['engines']>[number];

/** Why the engines table is empty: onnxruntime-node is not installed (the install command). */
export const ORT_MISSING_NOTE = `onnxruntime-node is not installed, so the verbs ran on tfjs only: \`${ORT_INSTALL}\` (offline: with ONNXRUNTIME_NODE_INSTALL=skip) adds the onnxruntime column.`;

/**
 * Each verb of `model` at batch 1 on tfjs (the backend in use) and on onnxruntime-node (the same weights
 * exported in memory by @dgpose/onnx, `threads` intra-op threads, graph optimisation 'all'), calls interleaved
 * (tfjs, onnxruntime, tfjs, ...) so that both see the same machine load; best and median of `reps` calls
 * after 2 warm-up calls each. Inputs: the first test pair of `data`. Returns no rows and a note when
 * onnxruntime-node is missing. `load` replaces @dgpose/onnx's loadInferenceModel (tests).
 */
export async function engineSpeed(
  model: DGPoseModel,
  label: string,
  data: TestData,
  o: { threads: number; reps?: number; log: (m: string) => void; load?: typeof loadInferenceModel },
): Promise<{ rows: EngineSpeed[]; note?: string }> {
  const reps = o.reps ?? 8;
  let onx: Awaited<ReturnType<typeof loadInferenceModel>>;
  try {
    onx = await (o.load ?? loadInferenceModel)(model as AnyDGPoseModel, {
      engine: 'onnxruntime',
      sessionOptions: { intraOpNumThreads: o.threads, interOpNumThreads: 1, graphOptimizationLevel: 'all' },
    });
  } catch (e) {
    if (isDGPoseError(e, 'E_BACKEND')) return { rows: [], note: ORT_MISSING_NOTE };
    throw e;
  }
  try {
    return { rows: await timeVerbs(model, onx as unknown as DGPoseModel, label, data, reps, o.log) };
  } catch (e) {
    // a failing comparison must not cost the whole run its results: it becomes the section's note
    return { rows: [], note: `the onnxruntime comparison failed: ${(e as Error)?.message ?? String(e)}` };
  } finally {
    await (onx as { dispose(): Promise<void> | void }).dispose();
  }
}

/** The verbs of `model` and `onx` at batch 1, interleaved (see engineSpeed). */
async function timeVerbs(
  model: DGPoseModel,
  onx: DGPoseModel,
  label: string,
  data: TestData,
  reps: number,
  log: (m: string) => void,
): Promise<EngineSpeed[]> {
  const [from, to] = data.pairs[0] ?? [data.indices[0], data.indices[0]];
  const a = await data.source.get(from);
  const b = await data.source.get(to);
  const img: RgbImage[] = [a.image];
  const pa: Pose[] = [a.pose];
  const pb: Pose[] = [b.pose];
  const semi = model.kind === 'semi' ? (model as SemiDGPoseModel) : null;
  const verbs: [string, (m: DGPoseModel) => Promise<unknown>][] = [
    ['reconstruct', (m) => m.reconstruct(img, pa)],
    ['transfer', (m) => m.transfer(img, pa, pb)],
    ['generate', (m) => m.generate(pb[0], 1, { seed: 1 })],
  ];
  if (semi) verbs.push(['estimatePose', (m) => (m as SemiDGPoseModel).estimatePose(img)]);
  const rows: EngineSpeed[] = [];
  for (const [verb, call] of verbs) {
    const t: number[] = [];
    const x: number[] = [];
    for (let i = 0; i < reps + 2; i++) {
      for (const [m, into] of [
        [model, t],
        [onx, x],
      ] as const) {
        const t0 = performance.now();
        await call(m);
        if (i >= 2) into.push(performance.now() - t0);
      }
    }
    const stat = (v: number[]): { best: number; median: number } => {
      const s = [...v].sort((p, q) => p - q);
      return { best: s[0], median: s[Math.floor(s.length / 2)] };
    };
    const tf = stat(t);
    const ort = stat(x);
    rows.push({
      model: label,
      verb,
      calls: reps,
      tfjsBestMs: tf.best,
      tfjsMedianMs: tf.median,
      onnxBestMs: ort.best,
      onnxMedianMs: ort.median,
    });
    log(
      `speed: ${label} ${verb} batch 1: tfjs ${tf.best.toFixed(1)} ms, onnxruntime ${ort.best.toFixed(1)} ms (best of ${reps})`,
    );
  }
  return rows;
}
