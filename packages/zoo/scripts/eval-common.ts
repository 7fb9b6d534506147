/* Shared by the zoo scripts: the evaluation split and the pose metrics reported in manifests. */
import { createSyntheticDataset, type SyntheticSource } from '@dgpose/datasets';
import { pck, PCKH_FASHION } from '@dgpose/metrics';
import type { Pose } from '@dgpose/core';
import type { PoseEstimator, RgbImage } from '../src/estimator';

export interface EvalSplit {
  source: SyntheticSource;
  description: string;
}

/** The synthetic TEST split every zoo metric uses: the trainer's default synthetic data (seed 0, 100 identities x 16 poses, 20 % of identities held out), 64x64. */
export function syntheticTestSplit(): EvalSplit {
  const config = { seed: 0, size: 64, identities: 100, posesPerIdentity: 16, split: 'test' as const };
  return { source: createSyntheticDataset(config), description: `synthetic test split ${JSON.stringify(config)}` };
}

/** PCK figures of predicted poses against ground truth (rounded to 4 decimals). */
export function poseMetrics(
  pred: Pose[],
  gt: Pose[],
): { pckh: number; pck01: number; pck02torso: number; images: number } {
  const r4 = (v: number): number => Math.round(v * 1e4) / 1e4;
  return {
    /** PCKh@0.5, head box (Pose-Transfer's convention) */
    pckh: r4(pck(pred, gt, PCKH_FASHION).pck),
    /** PCK@0.1 of the ground-truth bounding box */
    pck01: r4(pck(pred, gt, { normaliser: 'bbox', alpha: 0.1 }).pck),
    /** PCK@0.2 of the torso diameter */
    pck02torso: r4(pck(pred, gt, { normaliser: 'torso', alpha: 0.2 }).pck),
    images: gt.length,
  };
}

/** Runs `est` over the whole split in batches and scores it. */
export async function evaluateRegressor(
  est: PoseEstimator,
  split: EvalSplit,
  batch = 64,
): Promise<ReturnType<typeof poseMetrics>> {
  const pred: Pose[] = [];
  const gt: Pose[] = [];
  for (let i = 0; i < split.source.size; i += batch) {
    const images: RgbImage[] = [];
    for (let k = i; k < Math.min(i + batch, split.source.size); k++) {
      const s = split.source.getSync(k);
      images.push(s.image);
      gt.push(s.pose);
    }
    pred.push(...(await est.estimate(images)));
  }
  return poseMetrics(pred, gt);
}
