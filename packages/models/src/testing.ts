/* Test fixtures (not exported from the package entry): synthetic people as plain samples and batches. */
import * as tf from '@tensorflow/tfjs-core';
import { createSyntheticDataset, type Sample } from '@dgpose/datasets';
import { imagesToTensor, posesToNormalized } from './io';
import type { TrainBatch } from './types';

/** n synthetic samples of `size` px (identities × 2 poses each, no crops so every joint is in frame). */
export function syntheticSamples(n: number, size: number, seed = 3): Sample[] {
  const ds = createSyntheticDataset({
    seed,
    size,
    identities: Math.max(1, Math.ceil(n / 2)),
    posesPerIdentity: 2,
    split: 'all',
    cropProbability: 0,
  });
  return Array.from({ length: n }, (_, i) => ds.getSync(i));
}

/** A TrainBatch (tensors the caller owns) at model size from samples. */
export function toBatch(samples: Sample[], size: number, labelled?: number[]): TrainBatch {
  const p = posesToNormalized(
    samples.map((s) => s.pose),
    samples.map((s) => s.image),
    'coco18',
  );
  return {
    images: imagesToTensor(
      samples.map((s) => s.image),
      size,
    ),
    poses: tf.tensor2d(p.coords, [p.n, 2 * p.j]),
    visible: tf.tensor2d(p.visible, [p.n, p.j]),
    labelled: labelled ? tf.tensor1d(labelled) : undefined,
  };
}

export function disposeBatch(b: TrainBatch): void {
  tf.dispose([b.images, b.poses, b.visible, ...(b.labelled ? [b.labelled] : [])]);
}
