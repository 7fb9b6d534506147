/* Semi-DGPose's pose prior p(y), fitted once per run on the labelled subset before training. */
import { createBatcher, type SampleSource } from '@dgpose/datasets';
import type { SemiDGPoseModel } from '@dgpose/models';
import type { TrainConfig } from './options';

/** Fits Semi-DGPose's pose prior p(y) on the labelled subset (normalised coords, unflipped). */
export async function fitPrior(model: SemiDGPoseModel, source: SampleSource, c: TrainConfig): Promise<number> {
  const b = createBatcher({
    source,
    batchSize: Math.min(64, source.size),
    seed: c.seed,
    supervision: c.supervision,
    subset: 'labelled',
    shuffle: false,
    flip: false,
    dropLast: false,
    prefetch: 1,
  });
  const poses: Float32Array[] = [];
  const visible: Float32Array[] = [];
  for (let i = 0; i < b.batchesPerEpoch; i++) {
    const batch = await b.next();
    const P = 2 * batch.joints;
    for (let r = 0; r < batch.batch; r++) {
      poses.push(batch.poses.slice(r * P, (r + 1) * P));
      visible.push(batch.visible.slice(r * batch.joints, (r + 1) * batch.joints));
    }
  }
  await b.close();
  model.fitPosePrior(poses, visible);
  return poses.length;
}
