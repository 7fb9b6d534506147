/*
 * Baselines that show what a number is worth: outputs that ignore something the model should use.
 * - background only: the source's background with no person in it (transfer);
 * - z = 0 decode: the model's own decoder with an empty appearance code and the target pose (transfer);
 * - constant mean pose: every image predicted with the mean ground-truth pose of the selection
 *   (Semi-DGPose pose estimation).
 * (Copying the source and the constant garment colour live beside them in evaluate.ts and
 * garment-colour.ts.)
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Pose } from '@dgpose/core';
import { posesToNormalized, tensorToImages, type DGPoseModel, type RgbImage } from '@dgpose/models';
import type { FlatPose } from './types';

/**
 * A picture with no person: each row of the output filled with the mean of the source image's two
 * border pixels of that row (its first and last pixel), channel by channel, rounded.
 */
export function backgroundOnly(source: RgbImage): RgbImage {
  const { width: w, height: h } = source;
  const s = source.data;
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    const a = y * w * 3;
    const b = (y * w + w - 1) * 3;
    const c = [0, 1, 2].map((ch) => Math.round((s[a + ch] + s[b + ch]) / 2));
    for (let x = 0; x < w; x++) data.set(c, (y * w + x) * 3);
  }
  return { data, width: w, height: h, channels: 3 };
}

/**
 * The model's decoder with z = 0 and the given poses (pixel coordinates of `frames`, normalised as
 * the models do: aligned corners, missing joints invisible): the model's picture of "this pose,
 * no appearance". Uint8 RGB images at the model's size; every tensor is freed.
 */
export async function decodeZero(
  model: DGPoseModel,
  poses: readonly Pose[],
  frames: readonly { width: number; height: number }[],
): Promise<RgbImage[]> {
  const cfg = model.config as { latentDim: number; skeleton: Pose['skeleton'] };
  const p = posesToNormalized(poses, frames, cfg.skeleton, 'poses');
  const own: tf.Tensor[] = [];
  try {
    const z = tf.zeros([p.n, cfg.latentDim]) as tf.Tensor2D;
    const coords = tf.tensor2d(p.coords, [p.n, 2 * p.j]);
    const visible = tf.tensor2d(p.visible, [p.n, p.j]);
    own.push(z, coords, visible);
    const out = model.decodeTensors(z, coords, visible);
    own.push(out);
    return await tensorToImages(out);
  } finally {
    tf.dispose(own);
  }
}

/**
 * The mean pose of a selection: per joint, the mean of its present ground-truth positions (null when
 * no pose has the joint).
 */
export function meanPose(poses: readonly FlatPose[]): FlatPose {
  const j = poses.reduce((m, p) => Math.max(m, p.length), 0);
  return Array.from({ length: j }, (_, q) => {
    const present = poses.map((p) => p[q]).filter((k): k is [number, number] => k !== null && k !== undefined);
    if (present.length === 0) return null;
    return [
      present.reduce((s, k) => s + k[0], 0) / present.length,
      present.reduce((s, k) => s + k[1], 0) / present.length,
    ];
  });
}
