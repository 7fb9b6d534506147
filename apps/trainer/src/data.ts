/*
 * Training data for dgpose-train: the built-in synthetic people or a real data set, always on the
 * COCO-18 skeleton (H36M and Chictopia are converted by the loaders) at the model's image size.
 */
import { createSyntheticDataset, type SampleSource } from '@dgpose/datasets';
import { openChictopiaPlus, openDeepFashion, openH36M } from '@dgpose/datasets/node';
import type { TrainConfig } from './options';

/** Opens the training split of the configured data set at `size` x `size` pixels. */
export async function openTrainingSource(c: TrainConfig, size: number): Promise<SampleSource> {
  switch (c.dataset) {
    case 'synthetic':
      return createSyntheticDataset({
        seed: c.syntheticSeed,
        size,
        identities: c.syntheticIdentities,
        posesPerIdentity: c.syntheticPoses,
        split: 'train',
      });
    case 'deepfashion':
      return openDeepFashion({ root: c.root as string, split: 'train', size: [size, size] });
    case 'h36m':
      return openH36M({ root: c.root as string, split: 'train', size, toCoco18: true });
    case 'chictopia':
      return openChictopiaPlus({ root: c.root as string, split: 'train', size: [size, size], toCoco18: true });
  }
}
