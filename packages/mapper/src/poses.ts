/* Task-level verbs over core's Pose: poses -> heatmaps and heatmaps -> poses. */
import type * as tf from '@tensorflow/tfjs-core';
import { DGPoseError, type Keypoint, type Pose, type SkeletonName, getSkeleton, poseToArrays } from '@dgpose/core';
import { gaussianHeatmaps, diskHeatmaps, type GaussianHeatmapOptions, type DiskHeatmapOptions } from './heatmaps';
import { decodeHeatmaps, type DecodeOptions } from './decode';

/** Poses -> coordinate and visibility rows; all poses must share one skeleton (E_SKELETON otherwise). */
export function posesToRows(poses: readonly Pose[]): {
  skeleton: SkeletonName;
  coords: Float32Array[];
  visible: Uint8Array[];
} {
  if (!Array.isArray(poses) || poses.length === 0) {
    throw new DGPoseError('E_EMPTY', 'poses must be a non-empty array', {
      argument: 'poses',
      expected: 'at least one pose',
      got: poses,
    });
  }
  const skeleton = poses[0]?.skeleton;
  const coords: Float32Array[] = [];
  const visible: Uint8Array[] = [];
  poses.forEach((p, i) => {
    if (p?.skeleton !== skeleton) {
      throw new DGPoseError('E_SKELETON', `poses[${i}] has another skeleton than poses[0]`, {
        argument: `poses[${i}]`,
        expected: skeleton,
        got: p?.skeleton,
      });
    }
    const a = poseToArrays(p);
    coords.push(a.coords);
    visible.push(a.visible);
  });
  return { skeleton, coords, visible };
}

/**
 * Pixel poses -> [N,H,W,J] maps: Gaussian (default, {@link gaussianHeatmaps}) or PG2 disks (`kind: 'disk'`).
 * Visible joints outside the frame are an error (E_ARG) unless `allowOutside`.
 */
export function posesToHeatmaps(
  poses: readonly Pose[],
  opts:
    | (Omit<GaussianHeatmapOptions, 'coords' | 'joints'> & { kind?: 'gaussian' })
    | (Omit<DiskHeatmapOptions, 'coords' | 'joints'> & { kind: 'disk' }),
): tf.Tensor4D {
  const { coords, visible } = posesToRows(poses);
  if (opts.kind === 'disk') return diskHeatmaps(coords, visible, { ...opts, coords: 'pixels' });
  return gaussianHeatmaps(coords, visible, { ...(opts as GaussianHeatmapOptions), coords: 'pixels' });
}

/**
 * [N,H,W,J] heatmaps -> N pixel poses of `skeleton` (J must match: E_JOINTS). Joints under the
 * threshold are `null`; the others carry `score` = the channel's peak value.
 */
export async function heatmapsToPoses(
  heatmaps: tf.Tensor4D,
  opts: Omit<DecodeOptions, 'coords'> & { skeleton: SkeletonName },
): Promise<Pose[]> {
  const sk = getSkeleton(opts?.skeleton, 'opts.skeleton');
  const J = heatmaps.shape[3];
  if (J !== sk.joints.length) {
    throw new DGPoseError('E_JOINTS', `heatmaps have ${J} channels, ${sk.name} has ${sk.joints.length} joints`, {
      argument: 'heatmaps',
      expected: `[N,H,W,${sk.joints.length}]`,
      got: heatmaps.shape,
    });
  }
  const d = await decodeHeatmaps(heatmaps, { ...opts, coords: 'pixels' });
  return d.coords.map((c, b) => ({
    skeleton: sk.name,
    keypoints: Array.from({ length: J }, (_, j): Keypoint | null =>
      d.visible[b][j] ? { x: c[2 * j], y: c[2 * j + 1], score: d.confidence[b][j] } : null,
    ),
  }));
}
