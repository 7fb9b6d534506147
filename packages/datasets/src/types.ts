import type { Pose, RgbImage, SkeletonName } from '@dgpose/core';

/** An 8-bit RGB image, row-major HWC (core's one image type), shared by every source in this package. */
export type { RgbImage };

/** One example: image HWC uint8 RGB, pose in pixel coords of that image. */
export interface Sample {
  /** Stable id, unique within its source (e.g. `"synthetic/train/id0003/pose012"` or a file stem). */
  id: string;
  /** Person/identity key; samples with the same identity show the same person (pose transfer pairs). */
  identity?: string;
  image: RgbImage;
  /** Keypoints in pixel coordinates of `image` (core's convention: x = column, y = row, 0 = top-left pixel
   * centre); COCO-18 unless the source's `skeleton` says otherwise. `null` = missing joint. */
  pose: Pose;
  /** Source-specific extras (attributes, file path, camera, ...); plain JSON-able data. */
  meta?: Record<string, unknown>;
}

/** A random-access collection of samples. `get` is deterministic: the same index gives the same sample. */
export interface SampleSource {
  /** Short name for logs, e.g. `"synthetic"` or `"deepfashion"`. */
  readonly name: string;
  /** Number of samples; valid indices are `0 .. size - 1`. */
  readonly size: number;
  /** Skeleton of every sample's pose. */
  readonly skeleton: SkeletonName;
  /** The sample at `index` (throws `DGPoseError('E_ARG')` outside `0 .. size - 1`). */
  get(index: number): Promise<Sample>;
  /** Optional: (source, target) index pairs showing the same identity in different poses (pose transfer). */
  pairs?(): Array<[number, number]>;
  /**
   * Optional fast path for the batcher (a source that renders, like the synthetic one, implements it
   * with `idOf` and an `imageSize: { width, height }` shared by every image): writes sample `index` straight into a float NHWC buffer at `offset` (values in [-1, 1],
   * exactly what `get` would give as q/127.5 - 1), its pixel coords at `coordOffset` and visibility at
   * `visOffset`, without allocating a Sample.
   */
  renderInto?(
    index: number,
    images: Float32Array,
    offset: number,
    coords?: Float32Array,
    coordOffset?: number,
    visible?: Float32Array,
    visOffset?: number,
  ): void;
  /** Optional fast path: the id `get(index)` would have, without rendering. */
  idOf?(index: number): string;
}
