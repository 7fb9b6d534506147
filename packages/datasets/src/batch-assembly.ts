/* Batch assembly: rendering samples (or a source's fast path) into flat arrays, and arrays to tensors. */
import * as tf from '@tensorflow/tfjs-core';
import { DGPoseError, getSkeleton, type Skeleton } from '@dgpose/core';
import {
  defaultHeatmapSigma,
  flipImageInPlace,
  flipPoseArraysInPlace,
  gaussianHeatmapsInto,
  pixelToNormalized,
} from './pose-arrays';
import type { Sample, SampleSource } from './types';
import type { ArrayBatch, BatcherConfig, TensorBatch } from './batcher-config';

/** A source with the optional fast-path members of {@link SampleSource} present, and its image size. */
export type FastSource = SampleSource &
  Required<Pick<SampleSource, 'renderInto' | 'idOf'>> & { readonly imageSize: { width: number; height: number } };

function isFastSource(s: SampleSource): s is FastSource {
  const size = (s as { imageSize?: { width?: unknown; height?: unknown } }).imageSize;
  return (
    typeof s.renderInto === 'function' &&
    typeof s.idOf === 'function' &&
    typeof size?.width === 'number' &&
    typeof size.height === 'number'
  );
}

/** The source itself when it implements the whole fast path, else null. */
export function fastPath(source: SampleSource): FastSource | null {
  return isFastSource(source) ? source : null;
}

/** Turns a plain batch into tensors the caller owns. */
export function batchToTensors(b: ArrayBatch): TensorBatch {
  const images = tf.tensor4d(b.images, [b.batch, b.height, b.width, 3]);
  const poses = tf.tensor2d(b.poses, [b.batch, 2 * b.joints]);
  const visible = tf.tensor2d(b.visible, [b.batch, b.joints]);
  const labelled = tf.tensor1d(b.labelled);
  const heatmaps = b.heatmaps ? tf.tensor4d(b.heatmaps, [b.batch, b.height, b.width, b.joints]) : undefined;
  return {
    images,
    poses,
    visible,
    labelled,
    heatmaps,
    ids: b.ids,
    indices: b.indices,
    epoch: b.epoch,
    step: b.step,
    dispose: () => {
      images.dispose();
      poses.dispose();
      visible.dispose();
      labelled.dispose();
      heatmaps?.dispose();
    },
  };
}

/** What building a batch needs to know about its source (shared by the single and pair batchers). */
export interface BuildContext {
  source: SampleSource;
  fast: FastSource | null;
  skeleton: Skeleton;
  heatmaps: BatcherConfig['heatmaps'];
  hideUnlabelled: boolean;
  dims: { h: number; w: number } | null;
}

export function makeContext(
  source: SampleSource,
  heatmaps: BatcherConfig['heatmaps'],
  hideUnlabelled: boolean,
): BuildContext {
  const fast = fastPath(source);
  return {
    source,
    fast,
    skeleton: getSkeleton(source.skeleton, 'source.skeleton'),
    heatmaps,
    hideUnlabelled,
    dims: fast ? { h: fast.imageSize.height, w: fast.imageSize.width } : null,
  };
}

/** Loads/renders the samples `idx` into one ArrayBatch (flips, labels, normalisation, heatmaps). */
export async function buildBatch(
  ctx: BuildContext,
  idx: number[],
  fl: boolean[],
  labelledOf: (index: number) => number,
  epoch: number,
  step: number,
): Promise<ArrayBatch> {
  const { source, fast, skeleton } = ctx;
  const J = skeleton.joints.length;
  const B = idx.length;
  let samples: Sample[] | null = null;
  if (!fast) {
    samples = await Promise.all(idx.map((i) => source.get(i)));
    if (!ctx.dims) ctx.dims = { h: samples[0].image.height, w: samples[0].image.width };
  } else {
    await Promise.resolve(); // render in a later microtask so next() returns first
  }
  const { h: H, w: W } = ctx.dims as { h: number; w: number };
  const px = H * W * 3;
  const images = new Float32Array(B * px);
  const posesPx = new Float32Array(B * 2 * J);
  const visible = new Float32Array(B * J);
  const ids: string[] = [];
  for (let b = 0; b < B; b++) {
    if (fast) {
      fast.renderInto(idx[b], images, b * px, posesPx, b * 2 * J, visible, b * J);
      ids.push(fast.idOf(idx[b]));
    } else {
      const s = (samples as Sample[])[b];
      if (s.image.width !== W || s.image.height !== H || s.image.data.length !== px) {
        throw new DGPoseError('E_SHAPE', 'all samples of a batcher must have the same image size', {
          argument: `sample ${s.id}`,
          expected: [H, W, 3],
          got: [s.image.height, s.image.width, s.image.data.length / (s.image.height * s.image.width)],
        });
      }
      if (s.pose.skeleton !== source.skeleton || s.pose.keypoints.length !== J) {
        throw new DGPoseError('E_JOINTS', 'sample pose does not match the source skeleton', {
          argument: `sample ${s.id}`,
          expected: `${source.skeleton} (${J} joints)`,
          got: `${s.pose.skeleton} (${s.pose.keypoints.length} joints)`,
        });
      }
      const d = s.image.data;
      const o = b * px;
      for (let i = 0; i < px; i++) images[o + i] = d[i] / 127.5 - 1;
      s.pose.keypoints.forEach((k, j) => {
        // labelled only on the frame: the pixels' extent [-0.5, W - 0.5] (centres 0..W-1), as the loaders keep it
        if (k && k.x >= -0.5 && k.x <= W - 0.5 && k.y >= -0.5 && k.y <= H - 0.5) {
          posesPx[b * 2 * J + 2 * j] = k.x;
          posesPx[b * 2 * J + 2 * j + 1] = k.y;
          visible[b * J + j] = 1;
        }
      });
      ids.push(s.id);
    }
    if (fl[b]) {
      flipImageInPlace(images, b * px, W, H, 3);
      flipPoseArraysInPlace(posesPx, b * 2 * J, visible, b * J, W, skeleton);
    }
  }
  const labelled = new Float32Array(B);
  for (let b = 0; b < B; b++) {
    labelled[b] = labelledOf(idx[b]);
    if (ctx.hideUnlabelled && !labelled[b]) {
      posesPx.fill(0, b * 2 * J, (b + 1) * 2 * J);
      visible.fill(0, b * J, (b + 1) * J);
    }
  }
  const poses = new Float32Array(B * 2 * J);
  for (let b = 0; b < B; b++) {
    for (let j = 0; j < J; j++) {
      if (!visible[b * J + j]) continue;
      poses[b * 2 * J + 2 * j] = pixelToNormalized(posesPx[b * 2 * J + 2 * j], W);
      poses[b * 2 * J + 2 * j + 1] = pixelToNormalized(posesPx[b * 2 * J + 2 * j + 1], H);
    }
  }
  let heatmaps: Float32Array | undefined;
  if (ctx.heatmaps !== false) {
    const hm = H * W * J;
    heatmaps = new Float32Array(B * hm);
    const sigma = ctx.heatmaps.sigma ?? defaultHeatmapSigma(H);
    for (let b = 0; b < B; b++) {
      gaussianHeatmapsInto(
        heatmaps,
        b * hm,
        posesPx.subarray(b * 2 * J, (b + 1) * 2 * J),
        visible.subarray(b * J, (b + 1) * J),
        W,
        H,
        sigma,
      );
    }
  }
  return {
    images,
    poses,
    posesPx,
    visible,
    labelled,
    heatmaps,
    batch: B,
    height: H,
    width: W,
    joints: J,
    ids,
    indices: idx,
    flipped: fl,
    epoch,
    step,
  };
}
