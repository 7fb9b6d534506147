import {
  convertPose,
  listPoseConversions,
  poseFromArrays,
  poseToArrays,
  validatePose,
  type Keypoint,
  type Pose,
} from './pose';
import { SKELETONS, SKELETON_NAMES, type SkeletonName } from './skeletons';
import { isDGPoseError, type DGPoseErrorCode } from './errors';

function codeOf(fn: () => unknown): DGPoseErrorCode | string {
  try {
    fn();
  } catch (e) {
    return isDGPoseError(e) ? e.code : `not a DGPoseError: ${String(e)}`;
  }
  return 'no error';
}

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return String((e as Error).message);
  }
  return '';
}

/** joint i at (i*10, i*10+1) */
function ramp(skeleton: SkeletonName): Pose {
  const J = SKELETONS[skeleton].joints.length;
  return { skeleton, keypoints: Array.from({ length: J }, (_, i) => ({ x: i * 10, y: i * 10 + 1 })) };
}

const P = (x: number, y: number): Keypoint => ({ x, y });

describe('validatePose', () => {
  it('accepts well-formed poses, with missing joints and scores', () => {
    const p = ramp('coco18');
    (p.keypoints as (Keypoint | null)[])[3] = null;
    (p.keypoints as (Keypoint | null)[])[4] = { x: -5, y: 300.5, score: 0.2 };
    expect(() => validatePose(p)).not.toThrow();
  });

  it('names expected and got on a wrong joint count', () => {
    const p: Pose = { skeleton: 'coco18', keypoints: ramp('coco17').keypoints };
    expect(codeOf(() => validatePose(p, 'source'))).toBe('E_JOINTS');
    const m = messageOf(() => validatePose(p, 'source'));
    expect(m).toContain('expected 18');
    expect(m).toContain('got 17');
    expect(m).toContain('source');
  });

  it('rejects NaN and Infinity with E_NAN naming the joint', () => {
    const p = ramp('lsp14');
    (p.keypoints as Keypoint[])[13] = { x: 1, y: NaN };
    expect(codeOf(() => validatePose(p))).toBe('E_NAN');
    expect(messageOf(() => validatePose(p))).toContain('head_top');
    (p.keypoints as Keypoint[])[13] = { x: Infinity, y: 0 };
    expect(codeOf(() => validatePose(p))).toBe('E_NAN');
    (p.keypoints as Keypoint[])[13] = { x: 0, y: 0, score: NaN };
    expect(codeOf(() => validatePose(p))).toBe('E_NAN');
  });

  it('rejects unknown skeletons and malformed keypoints', () => {
    expect(codeOf(() => validatePose({ skeleton: 'body25' as SkeletonName, keypoints: [] }))).toBe('E_SKELETON');
    const p = ramp('mpii16');
    (p.keypoints as unknown[])[2] = undefined;
    expect(codeOf(() => validatePose(p))).toBe('E_JOINTS');
    (p.keypoints as unknown[])[2] = { x: '3', y: 4 };
    expect(codeOf(() => validatePose(p))).toBe('E_JOINTS');
    (p.keypoints as unknown[])[2] = [3, 4];
    expect(codeOf(() => validatePose(p))).toBe('E_JOINTS');
    expect(codeOf(() => validatePose({ skeleton: 'mpii16', keypoints: 'x' as unknown as Keypoint[] }))).toBe(
      'E_JOINTS',
    );
    expect(codeOf(() => validatePose(null as unknown as Pose))).toBe('E_ARG');
  });
});

describe('poseToArrays / poseFromArrays', () => {
  it('flattens as x0,y0,x1,y1 with zeros for missing joints', () => {
    const p: Pose = { skeleton: 'lsp14', keypoints: ramp('lsp14').keypoints.map((k, i) => (i === 1 ? null : k)) };
    const { coords, visible } = poseToArrays(p);
    expect(coords.length).toBe(28);
    expect(Array.from(coords.slice(0, 6))).toEqual([0, 1, 0, 0, 20, 21]);
    expect(Array.from(visible)).toEqual([1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
  });

  it('round-trips', () => {
    const p: Pose = {
      skeleton: 'coco17',
      keypoints: ramp('coco17').keypoints.map((k, i) => (i % 4 === 0 ? null : { x: k!.x + 0.5, y: k!.y })),
    };
    const { coords, visible } = poseToArrays(p);
    expect(poseFromArrays('coco17', coords, visible)).toEqual(p);
  });

  it('defaults to all visible and ignores coords of invisible joints', () => {
    const coords = new Float64Array(36).map((_, i) => i);
    const all = poseFromArrays('coco18', coords);
    expect(all.keypoints.every((k) => k !== null)).toBe(true);
    expect(all.keypoints[2]).toEqual({ x: 4, y: 5 });
    coords[0] = NaN;
    const vis = new Array(18).fill(1);
    vis[0] = 0;
    expect(poseFromArrays('coco18', coords, vis).keypoints[0]).toBeNull();
  });

  it('validates lengths, flags and finiteness', () => {
    expect(codeOf(() => poseFromArrays('coco18', new Float32Array(35)))).toBe('E_JOINTS');
    expect(messageOf(() => poseFromArrays('coco18', new Float32Array(35)))).toContain('expected 36');
    expect(codeOf(() => poseFromArrays('coco18', new Float32Array(36), new Uint8Array(17)))).toBe('E_JOINTS');
    expect(codeOf(() => poseFromArrays('coco18', new Float32Array(36), new Array(18).fill(2)))).toBe('E_ARG');
    expect(codeOf(() => poseFromArrays('coco18', new Float32Array(36).fill(NaN)))).toBe('E_NAN');
    expect(codeOf(() => poseFromArrays('nope' as SkeletonName, []))).toBe('E_SKELETON');
  });
});

describe('convertPose', () => {
  it('coco17 -> coco18 (hand-worked)', () => {
    const out = convertPose(ramp('coco17'), 'coco18');
    expect(out.skeleton).toBe('coco18');
    expect(out.keypoints).toEqual([
      P(0, 1), // nose <- nose
      P(55, 56), // neck = midpoint of r_shoulder (6) and l_shoulder (5)
      P(60, 61), // r_shoulder <- 6
      P(80, 81), // r_elbow <- 8
      P(100, 101), // r_wrist <- 10
      P(50, 51), // l_shoulder <- 5
      P(70, 71), // l_elbow <- 7
      P(90, 91), // l_wrist <- 9
      P(120, 121), // r_hip <- 12
      P(140, 141), // r_knee <- 14
      P(160, 161), // r_ankle <- 16
      P(110, 111), // l_hip <- 11
      P(130, 131), // l_knee <- 13
      P(150, 151), // l_ankle <- 15
      P(20, 21), // r_eye <- 2
      P(10, 11), // l_eye <- 1
      P(40, 41), // r_ear <- 4
      P(30, 31), // l_ear <- 3
    ]);
  });

  it('coco17 -> coco18 follows the shared README table exactly', () => {
    const table = [0, -1, 6, 8, 10, 5, 7, 9, 12, 14, 16, 11, 13, 15, 2, 1, 4, 3];
    const src = ramp('coco17');
    const out = convertPose(src, 'coco18');
    table.forEach((s, j) => {
      if (s >= 0) expect(out.keypoints[j]).toEqual(src.keypoints[s]);
    });
  });

  it('neck is missing when either shoulder is, and takes the smaller shoulder score', () => {
    const src = ramp('coco17');
    const kps = src.keypoints as (Keypoint | null)[];
    kps[5] = { x: 10, y: 20, score: 0.9 };
    kps[6] = { x: 30, y: 40, score: 0.4 };
    expect(convertPose(src, 'coco18').keypoints[1]).toEqual({ x: 20, y: 30, score: 0.4 });
    kps[6] = null;
    const out = convertPose(src, 'coco18');
    expect(out.keypoints[1]).toBeNull();
    expect(out.keypoints[2]).toBeNull();
    expect(out.keypoints[5]).toEqual({ x: 10, y: 20, score: 0.9 });
  });

  it('h36m17 -> coco18 (hand-worked)', () => {
    const J = 17;
    const src: Pose = { skeleton: 'h36m17', keypoints: Array.from({ length: J }, (_, i) => P(i, 100 + i)) };
    const out = convertPose(src, 'coco18');
    expect(out.keypoints).toEqual([
      P(9, 109), // nose <- 9 neck/nose
      P(12.5, 112.5), // neck = midpoint of r_shoulder 14, l_shoulder 11
      P(14, 114),
      P(15, 115),
      P(16, 116),
      P(11, 111),
      P(12, 112),
      P(13, 113),
      P(1, 101), // r_hip
      P(2, 102),
      P(3, 103), // r_ankle <- r_foot
      P(4, 104),
      P(5, 105),
      P(6, 106),
      null,
      null,
      null,
      null,
    ]);
  });

  it('lsp14 -> coco18 and mpii16 -> coco18 (hand-worked)', () => {
    const lsp = convertPose(ramp('lsp14'), 'coco18').keypoints;
    // r_ankle 0, r_knee 1, r_hip 2, l_hip 3, l_knee 4, l_ankle 5, r_wrist 6, r_elbow 7, r_shoulder 8, l_shoulder 9, ...
    expect(lsp[0]).toBeNull(); // head_top is not a nose
    expect(lsp[1]).toEqual(P(85, 86)); // (80 + 90) / 2
    expect(lsp.slice(2, 14)).toEqual([
      P(80, 81),
      P(70, 71),
      P(60, 61),
      P(90, 91),
      P(100, 101),
      P(110, 111),
      P(20, 21),
      P(10, 11),
      P(0, 1),
      P(30, 31),
      P(40, 41),
      P(50, 51),
    ]);
    expect(lsp.slice(14)).toEqual([null, null, null, null]);

    const mpii = convertPose(ramp('mpii16'), 'coco18').keypoints;
    // r_wrist 10, r_elbow 11, r_shoulder 12, l_shoulder 13, l_elbow 14, l_wrist 15
    expect(mpii[0]).toBeNull();
    expect(mpii[1]).toEqual(P(125, 126));
    expect(mpii.slice(2, 8)).toEqual([P(120, 121), P(110, 111), P(100, 101), P(130, 131), P(140, 141), P(150, 151)]);
    expect(mpii.slice(8, 14)).toEqual([P(20, 21), P(10, 11), P(0, 1), P(30, 31), P(40, 41), P(50, 51)]);
  });

  it('every mapped joint keeps its meaning (checked by name)', () => {
    const alias: Record<string, string> = { r_foot: 'r_ankle', l_foot: 'l_ankle', neck_nose: 'nose' };
    for (const { from, to } of listPoseConversions()) {
      const fromSk = SKELETONS[from];
      const toSk = SKELETONS[to];
      // Encode each source joint's index in x to find where it lands.
      const src: Pose = { skeleton: from, keypoints: fromSk.joints.map((_, i) => P(i, 0)) };
      const out = convertPose(src, to);
      out.keypoints.forEach((k, j) => {
        if (k === null || toSk.joints[j] === 'neck') return;
        expect(Number.isInteger(k.x)).toBe(true);
        const srcName = fromSk.joints[k.x];
        expect(`${from}->${to} ${alias[srcName] ?? srcName}`).toBe(`${from}->${to} ${toSk.joints[j]}`);
      });
    }
  });

  it('coco18 -> coco17 inverts coco17 -> coco18 and copies keypoints', () => {
    const src = ramp('coco17');
    (src.keypoints as (Keypoint | null)[])[3] = null;
    (src.keypoints as (Keypoint | null)[])[8] = { x: 1, y: 2, score: 0.5 };
    const back = convertPose(convertPose(src, 'coco18'), 'coco17');
    expect(back).toEqual(src);
    expect(back.keypoints[0]).not.toBe(src.keypoints[0]);
  });

  it('identity conversions copy; undefined ones throw E_SKELETON listing what exists', () => {
    for (const s of SKELETON_NAMES) {
      const p = ramp(s);
      const q = convertPose(p, s);
      expect(q).toEqual(p);
      expect(q.keypoints).not.toBe(p.keypoints);
    }
    expect(codeOf(() => convertPose(ramp('coco18'), 'lsp14'))).toBe('E_SKELETON');
    expect(messageOf(() => convertPose(ramp('coco18'), 'lsp14'))).toContain('coco17->coco18');
    expect(codeOf(() => convertPose(ramp('coco18'), 'smpl24' as SkeletonName))).toBe('E_SKELETON');
    expect(codeOf(() => convertPose({ skeleton: 'coco17', keypoints: [] }, 'coco18'))).toBe('E_JOINTS');
  });
});
