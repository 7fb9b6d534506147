/*
 * The pose edits behind the sliders and the drag handles: plain functions of COCO-18 poses in pixel
 * coordinates, so they are unit-tested without a browser. Height comes from @dgpose/mapper's
 * changeHeight (the edit Semi-DGPose's manipulate verb is shown with); arm angles rotate the elbow
 * and wrist about the shoulder.
 */
import { COCO18, type Keypoint, type Pose } from '@dgpose/core';
import { changeHeight } from '@dgpose/mapper';

export interface PoseSliders {
  /** Height factor (1 = unchanged): torso and legs stretched vertically, feet kept on the ground. */
  height: number;
  /** Rotation of the subject's right arm about its shoulder, degrees (positive = clockwise on screen). */
  rightArm: number;
  /** Rotation of the subject's left arm about its shoulder, degrees. */
  leftArm: number;
}

export const NEUTRAL_SLIDERS: Readonly<PoseSliders> = Object.freeze({ height: 1, rightArm: 0, leftArm: 0 });

const J = (name: string): number => COCO18.joints.indexOf(name);
const ARMS = {
  right: { shoulder: J('r_shoulder'), moved: [J('r_elbow'), J('r_wrist')] },
  left: { shoulder: J('l_shoulder'), moved: [J('l_elbow'), J('l_wrist')] },
} as const;

/** Rotates the elbow and wrist of one arm about its shoulder; unchanged when the shoulder is missing. */
export function rotateArm(pose: Pose, side: 'left' | 'right', degrees: number): Pose {
  const arm = ARMS[side];
  const s = pose.keypoints[arm.shoulder];
  if (!s || degrees === 0) return pose;
  const th = (degrees * Math.PI) / 180;
  const cos = Math.cos(th);
  const sin = Math.sin(th);
  const keypoints = pose.keypoints.map((k, j): Keypoint | null => {
    if (!k || !(arm.moved as readonly number[]).includes(j)) return k;
    const dx = k.x - s.x;
    const dy = k.y - s.y;
    return { ...k, x: s.x + cos * dx - sin * dy, y: s.y + sin * dx + cos * dy };
  });
  return { skeleton: pose.skeleton, keypoints };
}

/** The sliders applied to a pose: height first (it moves the shoulders), then each arm. */
export function applySliders(pose: Pose, s: PoseSliders): Pose {
  let p = s.height === 1 ? pose : changeHeight(pose, s.height, { anchor: 'bottom' });
  p = rotateArm(p, 'right', s.rightArm);
  return rotateArm(p, 'left', s.leftArm);
}

/**
 * Joints outside a `size`×`size` frame made missing (the models refuse visible joints off their
 * frame rather than clamp them). Returns the pose and how many joints were dropped.
 */
export function dropOffFrame(pose: Pose, size: number): { pose: Pose; dropped: number } {
  let dropped = 0;
  const keypoints = pose.keypoints.map((k) => {
    if (k && (k.x < -0.5 || k.x > size - 0.5 || k.y < -0.5 || k.y > size - 0.5)) {
      dropped++;
      return null;
    }
    return k;
  });
  return { pose: { skeleton: pose.skeleton, keypoints }, dropped };
}

/** The pose scaled from a `from`-pixel square frame to a `to`-pixel one (aligned pixel centres at 0). */
export function rescalePose(pose: Pose, from: number, to: number): Pose {
  const f = (to - 1) / (from - 1);
  return {
    skeleton: pose.skeleton,
    keypoints: pose.keypoints.map((k) => (k ? { ...k, x: k.x * f, y: k.y * f } : null)),
  };
}

/** Index of the visible joint nearest to (x, y) within `radius`, else -1 (the drag handle hit test). */
export function nearestJoint(pose: Pose, x: number, y: number, radius: number): number {
  let best = -1;
  let bestD = radius * radius;
  pose.keypoints.forEach((k, j) => {
    if (!k) return;
    const d = (k.x - x) ** 2 + (k.y - y) ** 2;
    if (d <= bestD) {
      bestD = d;
      best = j;
    }
  });
  return best;
}

/** The pose with joint `j` moved to (x, y), clamped to the `size`×`size` frame. */
export function moveJoint(pose: Pose, j: number, x: number, y: number, size: number): Pose {
  const clamp = (v: number): number => Math.min(size - 1, Math.max(0, v));
  const keypoints = pose.keypoints.map((k, i) => (i === j && k ? { ...k, x: clamp(x), y: clamp(y) } : k));
  return { skeleton: pose.skeleton, keypoints };
}

/** True when MoveNet found a person: at least `minJoints` confident joints, a shoulder among them. */
export function looksLikePerson(pose: Pose, minJoints = 6): boolean {
  const n = pose.keypoints.filter((k) => k !== null).length;
  return n >= minJoints && (pose.keypoints[J('r_shoulder')] !== null || pose.keypoints[J('l_shoulder')] !== null);
}
