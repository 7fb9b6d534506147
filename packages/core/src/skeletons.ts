import { DGPoseError } from './errors';

/** The joint sets dgpose knows. */
export type SkeletonName = 'coco18' | 'coco17' | 'h36m17' | 'lsp14' | 'mpii16';

/**
 * A joint set: ordered joint names, the limbs to draw, the left/right pairs swapped by a horizontal
 * flip, and the head joints (used e.g. for the head-size normaliser of PCK). Left/right are the
 * subject's own, not the viewer's. All arrays are frozen; indices refer to `joints`.
 */
export interface Skeleton {
  readonly name: SkeletonName;
  readonly joints: readonly string[];
  readonly limbs: readonly (readonly [number, number])[];
  readonly flipPairs: readonly (readonly [number, number])[];
  readonly headJoints: readonly number[];
}

type Pairs = readonly (readonly [number, number])[];

function freezePairs(pairs: [number, number][]): Pairs {
  return Object.freeze(pairs.map((p) => Object.freeze(p) as readonly [number, number]));
}

function make(
  name: SkeletonName,
  joints: string[],
  limbs: [number, number][],
  flipPairs: [number, number][],
  headJoints: number[],
): Skeleton {
  return Object.freeze({
    name,
    joints: Object.freeze(joints),
    limbs: freezePairs(limbs),
    flipPairs: freezePairs(flipPairs),
    headJoints: Object.freeze(headJoints),
  });
}

/**
 * OpenPose COCO-18, the order of the pose-gan / DeepFashion keypoint CSVs. Do not reorder: the index
 * is the heatmap channel and the CSV column. (pose-gan's `LABELS` name 14-17 Leye, Reye, Lear, Rear;
 * OpenPose's own order, checked against an independent estimator on the DeepFashion images, is
 * R-eye, L-eye, R-ear, L-ear — the indices agree, the labels in pose-gan are swapped.)
 * Limbs are OpenPose's drawing pairs; headJoints = pose-gan's PCKh `PARTS_SEL` [0,1,14,15,16,17].
 */
export const COCO18: Skeleton = make(
  'coco18',
  // do not reorder
  [
    'nose',
    'neck',
    'r_shoulder',
    'r_elbow',
    'r_wrist',
    'l_shoulder',
    'l_elbow',
    'l_wrist',
    'r_hip',
    'r_knee',
    'r_ankle',
    'l_hip',
    'l_knee',
    'l_ankle',
    'r_eye',
    'l_eye',
    'r_ear',
    'l_ear',
  ],
  [
    [1, 2],
    [1, 5],
    [2, 3],
    [3, 4],
    [5, 6],
    [6, 7],
    [1, 8],
    [8, 9],
    [9, 10],
    [1, 11],
    [11, 12],
    [12, 13],
    [1, 0],
    [0, 14],
    [14, 16],
    [0, 15],
    [15, 17],
  ],
  [
    [2, 5],
    [3, 6],
    [4, 7],
    [8, 11],
    [9, 12],
    [10, 13],
    [14, 15],
    [16, 17],
  ],
  [0, 1, 14, 15, 16, 17],
);

/** COCO keypoints (17, the order of COCO JSON and MoveNet). Do not reorder. Limbs = COCO's `skeleton`, 0-based. */
export const COCO17: Skeleton = make(
  'coco17',
  // do not reorder
  [
    'nose',
    'l_eye',
    'r_eye',
    'l_ear',
    'r_ear',
    'l_shoulder',
    'r_shoulder',
    'l_elbow',
    'r_elbow',
    'l_wrist',
    'r_wrist',
    'l_hip',
    'r_hip',
    'l_knee',
    'r_knee',
    'l_ankle',
    'r_ankle',
  ],
  [
    [15, 13],
    [13, 11],
    [16, 14],
    [14, 12],
    [11, 12],
    [5, 11],
    [6, 12],
    [5, 6],
    [5, 7],
    [6, 8],
    [7, 9],
    [8, 10],
    [1, 2],
    [0, 1],
    [0, 2],
    [1, 3],
    [2, 4],
    [3, 5],
    [4, 6],
  ],
  [
    [1, 2],
    [3, 4],
    [5, 6],
    [7, 8],
    [9, 10],
    [11, 12],
    [13, 14],
    [15, 16],
  ],
  [0, 1, 2, 3, 4],
);

/**
 * Human3.6M 17-joint subset in mmpose's order. Do not reorder. Indices 1-3 are the RIGHT hip, knee,
 * foot and 4-6 the left, 11-13 the left arm, 14-16 the right arm (mmpose's h36m dataset config; its
 * COCO-style category list mislabels 1-6). Joint 9 is VideoPose3D's "Neck/Nose" (mmpose: neck_base);
 * on real frames it sits about half-way between the thorax and the head joint, near the nose/chin.
 * Limbs = mmpose's skeleton. headJoints = neck_nose and head.
 */
export const H36M17: Skeleton = make(
  'h36m17',
  // do not reorder
  [
    'pelvis',
    'r_hip',
    'r_knee',
    'r_foot',
    'l_hip',
    'l_knee',
    'l_foot',
    'spine',
    'thorax',
    'neck_nose',
    'head',
    'l_shoulder',
    'l_elbow',
    'l_wrist',
    'r_shoulder',
    'r_elbow',
    'r_wrist',
  ],
  [
    [0, 1],
    [1, 2],
    [2, 3],
    [0, 4],
    [4, 5],
    [5, 6],
    [0, 7],
    [7, 8],
    [8, 9],
    [9, 10],
    [8, 11],
    [11, 12],
    [12, 13],
    [8, 14],
    [14, 15],
    [15, 16],
  ],
  [
    [1, 4],
    [2, 5],
    [3, 6],
    [11, 14],
    [12, 15],
    [13, 16],
  ],
  [9, 10],
);

/** Leeds Sports Pose, 14 joints (also DeeperCut's output, used by ChictopiaPlus). Do not reorder. */
export const LSP14: Skeleton = make(
  'lsp14',
  // do not reorder
  [
    'r_ankle',
    'r_knee',
    'r_hip',
    'l_hip',
    'l_knee',
    'l_ankle',
    'r_wrist',
    'r_elbow',
    'r_shoulder',
    'l_shoulder',
    'l_elbow',
    'l_wrist',
    'neck',
    'head_top',
  ],
  [
    [0, 1],
    [1, 2],
    [2, 3],
    [3, 4],
    [4, 5],
    [2, 8],
    [3, 9],
    [6, 7],
    [7, 8],
    [8, 12],
    [9, 12],
    [9, 10],
    [10, 11],
    [12, 13],
  ],
  [
    [0, 5],
    [1, 4],
    [2, 3],
    [6, 11],
    [7, 10],
    [8, 9],
  ],
  [12, 13],
);

/** MPII Human Pose, 16 joints (mmpose's / the MPII .mat order). Do not reorder. */
export const MPII16: Skeleton = make(
  'mpii16',
  // do not reorder
  [
    'r_ankle',
    'r_knee',
    'r_hip',
    'l_hip',
    'l_knee',
    'l_ankle',
    'pelvis',
    'thorax',
    'upper_neck',
    'head_top',
    'r_wrist',
    'r_elbow',
    'r_shoulder',
    'l_shoulder',
    'l_elbow',
    'l_wrist',
  ],
  [
    [0, 1],
    [1, 2],
    [2, 6],
    [6, 3],
    [3, 4],
    [4, 5],
    [6, 7],
    [7, 8],
    [8, 9],
    [10, 11],
    [11, 12],
    [12, 7],
    [7, 13],
    [13, 14],
    [14, 15],
  ],
  [
    [0, 5],
    [1, 4],
    [2, 3],
    [10, 15],
    [11, 14],
    [12, 13],
  ],
  [8, 9],
);

/** Every skeleton by name. */
export const SKELETONS: Readonly<Record<SkeletonName, Skeleton>> = Object.freeze({
  coco18: COCO18,
  coco17: COCO17,
  h36m17: H36M17,
  lsp14: LSP14,
  mpii16: MPII16,
});

/** The valid skeleton names, in a stable order. */
export const SKELETON_NAMES: readonly SkeletonName[] = Object.freeze(Object.keys(SKELETONS) as SkeletonName[]);

/** True when `name` is a known skeleton name. */
export function isSkeletonName(name: unknown): name is SkeletonName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(SKELETONS, name);
}

/** The skeleton called `name`; throws E_SKELETON listing the valid names otherwise. */
export function getSkeleton(name: string, argument = 'skeleton'): Skeleton {
  if (!isSkeletonName(name)) {
    throw new DGPoseError('E_SKELETON', `${argument}: unknown skeleton`, {
      argument,
      expected: `one of ${SKELETON_NAMES.join(', ')}`,
      got: name,
    });
  }
  return SKELETONS[name];
}
