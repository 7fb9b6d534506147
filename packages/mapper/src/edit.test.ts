import { COCO18, COCO17, type Pose, type Keypoint } from '@dgpose/core';
import { expectDGPoseError } from '@dgpose/test-utils';
import {
  normalizePose,
  denormalizePose,
  flipPose,
  transformPose,
  scaleLimbs,
  changeHeight,
  poseCentroid,
} from './edit';

// A hand-drawn standing person in a 64x64 frame (COCO-18 order).
const XY: [number, number][] = [
  [32, 10],
  [32, 16],
  [26, 16],
  [24, 24],
  [22, 32],
  [38, 16],
  [40, 24],
  [42, 32],
  [28, 34],
  [28, 44],
  [28, 54],
  [36, 34],
  [36, 44],
  [36, 54],
  [30, 8],
  [34, 8],
  [28, 9],
  [36, 9],
];
const stand: Pose = { skeleton: 'coco18', keypoints: XY.map(([x, y]) => ({ x, y })) };
const J = 18;

function withMissing(p: Pose, missing: number[]): Pose {
  return { skeleton: p.skeleton, keypoints: p.keypoints.map((k, j) => (missing.includes(j) ? null : k)) };
}
function pt(p: Pose, j: number): Keypoint {
  const k = p.keypoints[j];
  if (k === null) throw new Error(`joint ${j} missing`);
  return k;
}
function bone(p: Pose, a: number, b: number): [number, number] {
  return [pt(p, b).x - pt(p, a).x, pt(p, b).y - pt(p, a).y];
}
function expectPoint(k: Keypoint | null, x: number, y: number): void {
  expect(k).not.toBeNull();
  expect(k!.x).toBeCloseTo(x, 9);
  expect(k!.y).toBeCloseTo(y, 9);
}

describe('normalizePose / denormalizePose', () => {
  it('maps pixel centres to [-1,1] (aligned corners) and back', () => {
    const p: Pose = {
      skeleton: 'coco18',
      keypoints: stand.keypoints.map((k, j) => (j === 0 ? { x: 0, y: 63, score: 0.7 } : k)),
    };
    const n = normalizePose(p, { width: 64, height: 64 });
    expectPoint(n.keypoints[0], -1, 1);
    expect(n.keypoints[0]!.score).toBe(0.7);
    expectPoint(n.keypoints[1], (2 * 32) / 63 - 1, (2 * 16) / 63 - 1);
    const back = denormalizePose(n, { width: 64, height: 64 });
    back.keypoints.forEach((k, j) => expectPoint(k, pt(p, j).x, pt(p, j).y));
  });

  it('rejects out-of-frame and NaN keypoints and wrong joint counts', () => {
    const out: Pose = { skeleton: 'coco18', keypoints: stand.keypoints.map((k, j) => (j === 4 ? { x: 64, y: 3 } : k)) };
    expectDGPoseError(() => normalizePose(out, { width: 64, height: 64 }), 'E_ARG');
    const nan: Pose = {
      skeleton: 'coco18',
      keypoints: stand.keypoints.map((k, j) => (j === 4 ? { x: NaN, y: 3 } : k)),
    };
    expectDGPoseError(() => normalizePose(nan, { width: 64, height: 64 }), 'E_NAN');
    expectDGPoseError(
      () => normalizePose({ skeleton: 'coco18', keypoints: stand.keypoints.slice(1) }, { width: 64, height: 64 }),
      'E_JOINTS',
    );
    expectDGPoseError(
      () => denormalizePose({ skeleton: 'coco18', keypoints: stand.keypoints }, { width: 64, height: 64 }),
      'E_ARG',
    );
    expectDGPoseError(() => normalizePose(stand, { width: 0, height: 64 }), 'E_ARG');
  });
});

describe('flipPose', () => {
  it('mirrors x about the frame centre and swaps left/right joints', () => {
    const f = flipPose(stand, { width: 64 });
    // the subject's right wrist after the flip is the mirrored left wrist: (63 - 42, 32)
    expectPoint(f.keypoints[4], 21, 32);
    expectPoint(f.keypoints[7], 63 - 22, 32);
    expectPoint(f.keypoints[0], 31, 10); // nose has no pair
    for (const [a, b] of COCO18.flipPairs) expectPoint(f.keypoints[a], 63 - pt(stand, b).x, pt(stand, b).y);
    const twice = flipPose(f, { width: 64 });
    twice.keypoints.forEach((k, j) => expectPoint(k, pt(stand, j).x, pt(stand, j).y));
  });

  it('keeps missing joints missing (on the swapped side) and flips normalised poses about 0', () => {
    const p = withMissing(normalizePose(stand, { width: 64, height: 64 }), [3]);
    const f = flipPose(p, { centerX: 0 });
    expect(f.keypoints[6]).toBeNull(); // r_elbow missing -> l_elbow missing after the swap
    expect(f.keypoints[3]).not.toBeNull();
    expect(f.keypoints[0]!.x).toBeCloseTo(-p.keypoints[0]!.x, 12);
  });
});

describe('transformPose', () => {
  it('rotates clockwise on screen, scales and translates about a centre', () => {
    const p: Pose = {
      skeleton: 'coco18',
      keypoints: Array.from({ length: J }, (_, j) => (j === 0 ? { x: 11, y: 10 } : j === 1 ? { x: 10, y: 10 } : null)),
    };
    const r = transformPose(p, { rotate: Math.PI / 2, center: [10, 10] });
    expectPoint(r.keypoints[0], 10, 11); // a point to the right moves below (clockwise with y down)
    expectPoint(r.keypoints[1], 10, 10);
    const s = transformPose(p, { scale: [3, 2], translate: [1, -2], center: [10, 10] });
    expectPoint(s.keypoints[0], 14, 8);
    expect(s.keypoints[5]).toBeNull();
    // default centre: the mean of the visible joints
    const c = transformPose(p, { scale: 2 });
    expectPoint(c.keypoints[0], 11.5, 10);
    expectPoint(c.keypoints[1], 9.5, 10);
    expect(poseCentroid(p)).toEqual([10.5, 10]);
    expectDGPoseError(() => transformPose(p, { scale: 0 }), 'E_ARG');
    expectDGPoseError(() => transformPose(p, { rotate: NaN }), 'E_ARG');
  });
});

describe('scaleLimbs', () => {
  it('a uniform factor multiplies every bone length and keeps angles (= scaling about the neck)', () => {
    const s = scaleLimbs(stand, 1.5);
    expectPoint(s.keypoints[1], 32, 16);
    for (const [a, b] of COCO18.limbs) {
      const [dx, dy] = bone(stand, a, b);
      const [ex, ey] = bone(s, a, b);
      expect(ex).toBeCloseTo(1.5 * dx, 9);
      expect(ey).toBeCloseTo(1.5 * dy, 9);
    }
    const about = transformPose(stand, { scale: 1.5, center: [32, 16] });
    s.keypoints.forEach((k, j) => expectPoint(k, about.keypoints[j]!.x, about.keypoints[j]!.y));
  });

  it('changes only the named limb and carries its subtree rigidly (hand-worked)', () => {
    const s = scaleLimbs(stand, { 'neck-r_shoulder': 2 });
    expectPoint(s.keypoints[2], 20, 16); // neck (32,16) + 2·(-6,0)
    expectPoint(s.keypoints[3], 18, 24); // elbow keeps its bone (-2,8)
    expectPoint(s.keypoints[4], 16, 32);
    for (const j of [0, 1, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17])
      expectPoint(s.keypoints[j], XY[j][0], XY[j][1]);
    const leg = scaleLimbs(stand, { 'r_ankle-r_knee': 2 });
    expectPoint(leg.keypoints[10], 28, 64);
    // array form: one factor per skeleton.limbs entry
    const arr = COCO18.limbs.map(([a, b]) => (a === 9 && b === 10 ? 2 : 1));
    expect(scaleLimbs(stand, arr)).toEqual(leg);
  });

  it('keeps missing joints missing and places joints past a missing one from their nearest visible ancestor', () => {
    const p = withMissing(stand, [3, 14]);
    const s = scaleLimbs(p, 2);
    expect(s.keypoints[3]).toBeNull();
    expect(s.keypoints[14]).toBeNull();
    expectPoint(s.keypoints[4], 32 + 2 * (22 - 32), 16 + 2 * (32 - 16)); // wrist: shoulder' + 2·(wrist - shoulder)
    expectPoint(s.keypoints[16], 32 + 2 * (28 - 32), 16 + 2 * (9 - 16));
  });

  it('walks from the hip centre on request, and spans cyclic skeletons (COCO-17)', () => {
    const s = scaleLimbs(stand, 2, { root: 'hip-center' });
    const about = transformPose(stand, { scale: 2, center: [32, 34] });
    s.keypoints.forEach((k, j) => expectPoint(k, about.keypoints[j]!.x, about.keypoints[j]!.y));
    // COCO-17 from COCO-18 by name
    const c17: Pose = { skeleton: 'coco17', keypoints: COCO17.joints.map((n) => pt(stand, COCO18.joints.indexOf(n))) };
    const s17 = scaleLimbs(c17, 0.5);
    const about17 = transformPose(c17, { scale: 0.5, center: [32, 34] });
    s17.keypoints.forEach((k, j) => expectPoint(k, about17.keypoints[j]!.x, about17.keypoints[j]!.y));
  });

  it('rejects bad factors, roots and poses with coded errors', () => {
    expectDGPoseError(() => scaleLimbs(stand, 0), 'E_ARG');
    expectDGPoseError(() => scaleLimbs(stand, NaN), 'E_ARG');
    expectDGPoseError(() => scaleLimbs(stand, [1, 2]), 'E_JOINTS');
    expectDGPoseError(() => scaleLimbs(stand, { 'nose-l_ankle': 2 }), 'E_ARG');
    expectDGPoseError(() => scaleLimbs(stand, 2, { root: 'tail' }), 'E_ARG');
    expectDGPoseError(() => scaleLimbs(withMissing(stand, [1]), 2), 'E_JOINTS');
    expectDGPoseError(() => scaleLimbs(withMissing(stand, [8]), 2, { root: 'hip-center' }), 'E_JOINTS');
    expectDGPoseError(() => scaleLimbs({ skeleton: 'coco18', keypoints: stand.keypoints.slice(2) }, 2), 'E_JOINTS');
  });
});

describe('changeHeight', () => {
  it('stretches torso and legs vertically, keeps arms and head, feet on the ground (hand-worked)', () => {
    const t = changeHeight(stand, 1.2);
    // from the neck: hips at 16 + 1.2·18 = 37.6, knees 49.6, ankles 61.6; then shifted by 54 - 61.6 = -7.6
    const want: Record<number, [number, number]> = {
      1: [32, 8.4],
      8: [28, 30],
      9: [28, 42],
      10: [28, 54],
      11: [36, 30],
      12: [36, 42],
      13: [36, 54],
      2: [26, 8.4],
      3: [24, 16.4],
      4: [22, 24.4],
      0: [32, 2.4],
      14: [30, 0.4],
      16: [28, 1.4],
    };
    for (const [j, [x, y]] of Object.entries(want)) expectPoint(t.keypoints[Number(j)], x, y);
    // vertical leg bones grow by exactly the factor; arm bones are unchanged
    expect(bone(t, 9, 10)[1]).toBeCloseTo(1.2 * bone(stand, 9, 10)[1], 9);
    expect(bone(t, 3, 4)).toEqual(bone(stand, 3, 4));
    // every x is unchanged
    t.keypoints.forEach((k, j) => expect(k!.x).toBe(XY[j][0]));
  });

  it('anchors at the top or the root on request and keeps missing joints missing', () => {
    const top = changeHeight(withMissing(stand, [12]), 0.5, { anchor: 'top' });
    expect(top.keypoints[12]).toBeNull();
    expectPoint(top.keypoints[14], 30, 8); // the highest joint (eyes, y = 8) stays
    const root = changeHeight(stand, 0.5, { anchor: 'root' });
    expectPoint(root.keypoints[1], 32, 16);
    expectPoint(root.keypoints[10], 28, 16 + 0.5 * 38);
    expectDGPoseError(() => changeHeight(stand, -1), 'E_ARG');
    expectDGPoseError(() => changeHeight(stand, 1.1, { anchor: 'middle' as never }), 'E_ARG');
  });
});
