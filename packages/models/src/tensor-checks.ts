/*
 * Shape and value checks of the tensor-level API and of training batches: every failure is a coded
 * DGPoseError naming the argument, what was expected and what came (E_SHAPE, E_JOINTS, E_ARG, E_NAN).
 */
import * as tf from '@tensorflow/tfjs-core';
import { DGPoseError } from '@dgpose/core';
import type { TrainBatch } from './types';

/** What the checks need to know of a model. */
export interface TensorCheckSpec {
  imageSize: number;
  joints: number;
  skeleton: string;
}

/** images: [B,S,S,3] in [-1,1]. */
export function checkImagesTensor(images: tf.Tensor, S: number, argument = 'images'): void {
  if (
    !(images instanceof tf.Tensor) ||
    images.rank !== 4 ||
    images.shape[1] !== S ||
    images.shape[2] !== S ||
    images.shape[3] !== 3
  ) {
    throw new DGPoseError('E_SHAPE', `${argument} must be [B,${S},${S},3] in [-1,1] (resize to the model size)`, {
      argument,
      expected: ['B', S, S, 3],
      got: images instanceof tf.Tensor ? [...images.shape] : typeof images,
    });
  }
}

/** poses: [n,2J] normalised coords; visible (optional): [n,J]. */
export function checkPoseTensors(
  n: number,
  poses: tf.Tensor,
  visible: tf.Tensor | null | undefined,
  spec: Pick<TensorCheckSpec, 'joints' | 'skeleton'>,
  argument = 'poses',
): void {
  const J = spec.joints;
  if (!(poses instanceof tf.Tensor) || poses.rank !== 2) {
    throw new DGPoseError('E_SHAPE', `${argument} must be [B,2J] normalised coords`, {
      argument,
      expected: [n, 2 * J],
      got: poses instanceof tf.Tensor ? [...poses.shape] : typeof poses,
    });
  }
  if (poses.shape[1] !== 2 * J) {
    throw new DGPoseError('E_JOINTS', `${argument} has the wrong joint count for ${spec.skeleton}`, {
      argument,
      expected: [n, 2 * J],
      got: [...poses.shape],
    });
  }
  if (poses.shape[0] !== n)
    throw new DGPoseError('E_SHAPE', `${argument} must have one row per image`, {
      argument,
      expected: [n, 2 * J],
      got: [...poses.shape],
    });
  if (
    visible != null &&
    (!(visible instanceof tf.Tensor) || visible.rank !== 2 || visible.shape[0] !== n || visible.shape[1] !== J)
  ) {
    throw new DGPoseError('E_SHAPE', 'visible must be [B,J]', {
      argument: 'visible',
      expected: [n, J],
      got: visible instanceof tf.Tensor ? [...visible.shape] : typeof visible,
    });
  }
}

/**
 * A training batch { images, poses, visible, labelled? }: shapes, and finite pose coordinates (read back
 * once, so a NaN from a loader fails here and not as a NaN loss later). Resolves to the batch size.
 */
export async function checkTrainBatch(batch: TrainBatch, spec: TensorCheckSpec): Promise<number> {
  if (!batch || typeof batch !== 'object')
    throw new DGPoseError('E_ARG', 'batch must be { images, poses, visible, labelled? }', { argument: 'batch' });
  checkImagesTensor(batch.images, spec.imageSize, 'batch.images');
  const n = batch.images.shape[0];
  checkPoseTensors(n, batch.poses, batch.visible, spec, 'batch.poses');
  if (!(batch.visible instanceof tf.Tensor))
    throw new DGPoseError('E_ARG', 'batch.visible must be a [B,J] tensor', {
      argument: 'batch.visible',
      expected: [n, spec.joints],
    });
  if (
    batch.labelled !== undefined &&
    (!(batch.labelled instanceof tf.Tensor) || batch.labelled.rank !== 1 || batch.labelled.shape[0] !== n)
  ) {
    throw new DGPoseError('E_SHAPE', 'batch.labelled must be [B]', {
      argument: 'batch.labelled',
      expected: [n],
      got: batch.labelled instanceof tf.Tensor ? [...batch.labelled.shape] : typeof batch.labelled,
    });
  }
  const data = await batch.poses.data();
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      throw new DGPoseError(
        'E_NAN',
        `batch.poses row ${Math.floor(i / (2 * spec.joints))} holds a non-finite coordinate`,
        { argument: 'batch.poses', expected: 'finite normalised coords', got: String(data[i]) },
      );
    }
  }
  return n;
}
