/*
 * Task-level plain data ⇄ tensors: uint8 RGB images (HWC) ⇄ [B,S,S,3] in [-1,1], and pixel-coordinate
 * poses ⇄ normalised coordinates [B,2J] (@dgpose/mapper coords.ts: aligned corners, x' = 2x/(W−1) − 1,
 * so a normalised pose means the same thing at any image size and survives an aligned-corner resize).
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  DGPoseError,
  checkNonEmptyList,
  checkRgbImage,
  toRgbImages,
  type ImageInput,
  type Pose,
  type SkeletonName,
  validatePose,
} from '@dgpose/core';
import { normalizedToPixel, pixelToNormalized } from '@dgpose/mapper';
import type { RgbImage } from './types';

/**
 * The verbs' input boundary: ImageData, canvases, <img>, ImageBitmap, Tensor3D, Blobs or plain RGB(A)
 * objects → RgbImages (core's toRgbImage; an RgbImage passes through uncopied). E_EMPTY for an empty list.
 */
export async function toImages(list: readonly ImageInput[] | undefined, argument: string): Promise<RgbImage[]> {
  checkNonEmptyList(list, argument);
  return toRgbImages(list as readonly ImageInput[], { argument });
}

/** Images (any sizes) → [B,S,S,3] in [-1,1], bilinear resize with aligned corners. Caller owns the result. */
export function imagesToTensor(images: readonly RgbImage[], size: number, argument = 'images'): tf.Tensor4D {
  checkNonEmptyList(images, argument);
  images.forEach((im, i) => checkRgbImage(im, `${argument}[${i}]`));
  return tf.tidy(() => {
    const xs = images.map((im) => {
      let t: tf.Tensor3D = tf.cast(tf.tensor3d(im.data, [im.height, im.width, 3], 'int32'), 'float32');
      if (im.width !== size || im.height !== size) t = tf.image.resizeBilinear(t, [size, size], true);
      return t;
    });
    return tf.sub(tf.div(tf.stack(xs), 127.5), 1) as tf.Tensor4D;
  });
}

/** [B,H,W,3] in [-1,1] → uint8 RgbImages (rounded; values outside [-1,1] saturate at 0/255). */
export async function tensorToImages(t: tf.Tensor4D): Promise<RgbImage[]> {
  const [n, h, w] = t.shape;
  const u8 = tf.tidy(() => tf.cast(tf.clipByValue(tf.round(tf.mul(tf.add(t, 1), 127.5)), 0, 255), 'int32'));
  try {
    const data = await u8.data();
    const per = h * w * 3;
    return Array.from({ length: n }, (_, i) => ({
      data: Uint8Array.from(data.subarray(i * per, (i + 1) * per)),
      width: w,
      height: h,
      channels: 3 as const,
    }));
  } finally {
    u8.dispose();
  }
}

/** True when pixel coordinate v lies on a frame of n pixels: [-0.5, n - 0.5], the pixels' extent (centres 0..n-1). */
export function inPixelFrame(v: number, n: number): boolean {
  return v >= -0.5 && v <= n - 0.5;
}

export interface FrameSizeLike {
  width: number;
  height: number;
}

/**
 * Poses in the pixel coordinates of their frames → normalised coords [N·2J] and visible [N·J] (missing
 * joints 0/0). E_SKELETON for another skeleton, E_JOINTS / E_NAN from core's validatePose, E_ARG for a
 * visible joint outside its frame (never clamped).
 */
export function posesToNormalized(
  poses: readonly Pose[],
  frames: readonly FrameSizeLike[],
  skeleton: SkeletonName,
  argument = 'poses',
): { coords: Float32Array; visible: Float32Array; n: number; j: number } {
  checkNonEmptyList(poses, argument);
  if (frames.length !== poses.length)
    throw new DGPoseError('E_SHAPE', `${argument} must have one pose per image`, {
      argument,
      expected: frames.length,
      got: poses.length,
    });
  const n = poses.length;
  let j = -1;
  let coords = new Float32Array(0);
  let visible = new Float32Array(0);
  poses.forEach((p, b) => {
    const arg = `${argument}[${b}]`;
    if (p && typeof p === 'object' && p.skeleton !== skeleton) {
      throw new DGPoseError(
        'E_SKELETON',
        `${arg} uses another skeleton (convert it with convertPose, or use crossDomainTransfer)`,
        {
          argument: `${arg}.skeleton`,
          expected: skeleton,
          got: p.skeleton,
        },
      );
    }
    validatePose(p, arg);
    if (j < 0) {
      j = p.keypoints.length;
      coords = new Float32Array(n * 2 * j);
      visible = new Float32Array(n * j);
    }
    const { width: W, height: H } = frames[b];
    p.keypoints.forEach((k, q) => {
      if (k === null) return;
      // Pixel centres are integers, so the frame covers [-0.5, W - 0.5]: a joint at pixel 0 of a larger
      // image maps to -0.375 at 64 px after a pixel-centre resize, and is still inside.
      if (!inPixelFrame(k.x, W) || !inPixelFrame(k.y, H)) {
        throw new DGPoseError(
          'E_ARG',
          `${arg} joint ${q} lies outside its ${W}x${H} frame (use null for a missing joint)`,
          {
            argument: `${arg}.keypoints[${q}]`,
            expected: `x in [-0.5, ${W - 0.5}], y in [-0.5, ${H - 0.5}]`,
            got: { x: k.x, y: k.y },
          },
        );
      }
      coords[(b * j + q) * 2] = pixelToNormalized(k.x, W);
      coords[(b * j + q) * 2 + 1] = pixelToNormalized(k.y, H);
      visible[b * j + q] = 1;
    });
  });
  return { coords, visible, n, j };
}

/**
 * Normalised coords (row b of [N,2J]) → a Pose in the pixel coordinates of `frame`. A joint whose estimate
 * falls outside the frame, or whose visible flag is 0, is null (the data sets' convention for missing joints).
 */
export function normalizedToPose(
  coords: ArrayLike<number>,
  offset: number,
  j: number,
  frame: FrameSizeLike,
  skeleton: SkeletonName,
  visible?: ArrayLike<number>,
): Pose {
  const keypoints = Array.from({ length: j }, (_, q) => {
    if (visible && !visible[offset / 2 + q]) return null;
    const x = normalizedToPixel(coords[offset + 2 * q], frame.width);
    const y = normalizedToPixel(coords[offset + 2 * q + 1], frame.height);
    if (!inPixelFrame(x, frame.width) || !inPixelFrame(y, frame.height)) return null;
    return { x, y };
  });
  return { skeleton, keypoints };
}
