/*
 * The one interface every pose estimator of the zoo implements (MoveNet for real photos, the
 * synthetic-domain regressor for the built-in synthetic people): plain images in, COCO-18 poses
 * in each image's own pixel coordinates out.
 */
import { DGPoseError, type Pose } from '@dgpose/core';
import type { RgbImage } from '@dgpose/models';

export type { RgbImage };

/** A pose estimator: HWC uint8 RGB images in, one COCO-18 pose per image out. */
export interface PoseEstimator {
  /** Short name for logs, e.g. `'movenet-thunder'` or `'pose-regressor-64'`. */
  readonly name: string;
  /**
   * One pose per image, skeleton 'coco18', in the pixel coordinates of that image (x = column,
   * y = row, 0 = centre of the top-left pixel). Joints the estimator is not confident about are
   * `null`; present joints carry a `score` in [0, 1].
   */
  estimate(images: readonly RgbImage[]): Promise<Pose[]>;
  /** Frees the estimator's tensors and weights; it cannot be used afterwards. */
  dispose(): void;
}

/** Throws E_ARG / E_SHAPE unless `images` is a non-empty list of valid HWC uint8 RGB images. */
export function validateImages(images: readonly RgbImage[], argument = 'images'): void {
  if (!Array.isArray(images))
    throw new DGPoseError('E_ARG', `${argument} must be an array of RGB images`, { argument, got: typeof images });
  images.forEach((im, i) => {
    const at = `${argument}[${i}]`;
    if (typeof im !== 'object' || im === null || !(im.data instanceof Uint8Array)) {
      throw new DGPoseError('E_ARG', `${at} must be { data: Uint8Array, width, height, channels: 3 }`, {
        argument: at,
        got: im === null ? 'null' : typeof im,
      });
    }
    if (!Number.isInteger(im.width) || !Number.isInteger(im.height) || im.width < 1 || im.height < 1) {
      throw new DGPoseError('E_ARG', `${at} must have positive integer width and height`, {
        argument: at,
        got: [im.width, im.height],
      });
    }
    if (im.channels !== 3)
      throw new DGPoseError('E_SHAPE', `${at} must have 3 channels`, { argument: at, expected: 3, got: im.channels });
    if (im.data.length !== im.width * im.height * 3) {
      throw new DGPoseError('E_SHAPE', `${at}.data length must be width*height*3`, {
        argument: at,
        expected: im.width * im.height * 3,
        got: im.data.length,
      });
    }
  });
}

/** Throws E_ARG once an estimator has been disposed. */
export function assertAlive(disposed: boolean, name: string): void {
  if (disposed)
    throw new DGPoseError('E_ARG', `${name} has been disposed`, {
      argument: 'this',
      expected: 'a live estimator',
      got: 'disposed',
    });
}
