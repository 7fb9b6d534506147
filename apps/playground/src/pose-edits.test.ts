import { COCO18, type Pose } from '@dgpose/core';
import { changeHeight } from '@dgpose/mapper';
import {
  applySliders,
  dropOffFrame,
  looksLikePerson,
  moveJoint,
  nearestJoint,
  NEUTRAL_SLIDERS,
  rescalePose,
  rotateArm,
} from './pose-edits';

const J = (n: string): number => COCO18.joints.indexOf(n);

/** A standing person in a 64x64 frame, arms hanging. */
function standing(): Pose {
  const at: Record<string, [number, number]> = {
    nose: [32, 10],
    neck: [32, 16],
    r_shoulder: [26, 16],
    r_elbow: [24, 26],
    r_wrist: [23, 34],
    l_shoulder: [38, 16],
    l_elbow: [40, 26],
    l_wrist: [41, 34],
    r_hip: [28, 36],
    r_knee: [28, 46],
    r_ankle: [28, 56],
    l_hip: [36, 36],
    l_knee: [36, 46],
    l_ankle: [36, 56],
    r_eye: [31, 9],
    l_eye: [33, 9],
    r_ear: [30, 10],
    l_ear: [34, 10],
  };
  return { skeleton: 'coco18', keypoints: COCO18.joints.map((n) => ({ x: at[n][0], y: at[n][1] })) };
}

describe('pose edits', () => {
  it('rotateArm turns the elbow and wrist about the shoulder, keeping bone lengths, and nothing else', () => {
    const p = standing();
    const q = rotateArm(p, 'right', 90);
    const s = p.keypoints[J('r_shoulder')]!;
    for (const j of [J('r_elbow'), J('r_wrist')]) {
      const a = p.keypoints[j]!;
      const b = q.keypoints[j]!;
      expect(Math.hypot(b.x - s.x, b.y - s.y)).toBeCloseTo(Math.hypot(a.x - s.x, a.y - s.y), 9);
      // +90° on screen (y down): (dx, dy) -> (-dy, dx)
      expect(b.x - s.x).toBeCloseTo(-(a.y - s.y), 9);
      expect(b.y - s.y).toBeCloseTo(a.x - s.x, 9);
    }
    q.keypoints.forEach((k, j) => {
      if (j !== J('r_elbow') && j !== J('r_wrist')) expect(k).toEqual(p.keypoints[j]);
    });
  });

  it('rotateArm leaves the arm alone when its shoulder is missing', () => {
    const p: Pose = {
      skeleton: 'coco18',
      keypoints: standing().keypoints.map((k, j) => (j === J('l_shoulder') ? null : k)),
    };
    expect(rotateArm(p, 'left', 45)).toEqual(p);
  });

  it('applySliders: neutral is the identity; height is mapper.changeHeight (feet stay down)', () => {
    const p = standing();
    expect(applySliders(p, NEUTRAL_SLIDERS)).toEqual(p);
    const taller = applySliders(p, { ...NEUTRAL_SLIDERS, height: 1.1 });
    expect(taller).toEqual(changeHeight(p, 1.1, { anchor: 'bottom' }));
    expect(taller.keypoints[J('r_ankle')]!.y).toBeCloseTo(56, 9);
    expect(taller.keypoints[J('nose')]!.y).toBeLessThan(10);
  });

  it('dropOffFrame makes joints outside the frame missing and counts them', () => {
    const p = moveJoint(standing(), J('r_wrist'), 10, 10, 64);
    const shifted: Pose = {
      skeleton: 'coco18',
      keypoints: p.keypoints.map((k, j) => (k && j === J('r_wrist') ? { ...k, x: -3 } : k)),
    };
    const r = dropOffFrame(shifted, 64);
    expect(r.dropped).toBe(1);
    expect(r.pose.keypoints[J('r_wrist')]).toBeNull();
    expect(dropOffFrame(standing(), 64).dropped).toBe(0);
  });

  it('moveJoint clamps to the frame; nearestJoint finds the joint under the pointer', () => {
    const p = moveJoint(standing(), J('l_wrist'), 99, -5, 64);
    expect(p.keypoints[J('l_wrist')]).toEqual({ x: 63, y: 0 });
    expect(nearestJoint(standing(), 23.5, 33.5, 2)).toBe(J('r_wrist'));
    expect(nearestJoint(standing(), 2, 2, 2)).toBe(-1);
  });

  it('rescalePose maps pixel centres of one square frame onto another', () => {
    const q = rescalePose(standing(), 64, 256);
    expect(q.keypoints[J('neck')]!.x).toBeCloseTo((32 * 255) / 63, 9);
    expect(rescalePose(q, 256, 64).keypoints[J('neck')]!.y).toBeCloseTo(16, 9);
  });

  it('looksLikePerson needs enough joints and a shoulder', () => {
    expect(looksLikePerson(standing())).toBe(true);
    const few: Pose = { skeleton: 'coco18', keypoints: standing().keypoints.map((k, j) => (j < 3 ? k : null)) };
    expect(looksLikePerson(few)).toBe(false);
    const noShoulder: Pose = {
      skeleton: 'coco18',
      keypoints: standing().keypoints.map((k, j) => (j === J('r_shoulder') || j === J('l_shoulder') ? null : k)),
    };
    expect(looksLikePerson(noShoulder)).toBe(false);
  });
});
