import { expectDGPoseError } from '@dgpose/test-utils';
import { convertPose, type Pose } from '@dgpose/core';
import { PCKH_FASHION, type JointArray, pck, pckCurve, type PoseLike } from './pck';

type P = [number, number] | null;
const coco = (pts: Record<number, [number, number]>): PoseLike => ({
  skeleton: 'coco18',
  keypoints: Array.from({ length: 18 }, (_, j) => (pts[j] ? { x: pts[j][0], y: pts[j][1] } : null)),
});
const arr = (n: number, pts: Record<number, [number, number]>): JointArray =>
  Array.from({ length: n }, (_, j): P => pts[j] ?? null);

describe('pck, head box (Pose-Transfer calPCKH_fashion.py)', () => {
  // head joints nose, neck, r_eye, l_eye: x in [8,12] -> w = 4, y in [8,30] -> h = 22; alpha 0.5 -> |dx| < 2, |dy| < 11
  const gt = coco({ 0: [10, 10], 1: [10, 30], 2: [0, 40], 14: [8, 8], 15: [12, 8] });
  const pred = coco({
    0: [11.9, 10], // dx 1.9 < 2: correct
    1: [12, 30], // dx 2, not < 2 (strict): wrong
    2: [0, 50.9], // dy 10.9 < 11: correct
    3: [5, 5], // joint absent from the ground truth: not counted
    15: [12, 19], // dy 11, not < 11: wrong
    // 14 (r_eye) missing in the prediction: wrong
  });

  it('scores a hand-worked image: 2 of 5', () => {
    const r = pck([pred], [gt], PCKH_FASHION);
    expect([r.correct, r.total, r.pck]).toEqual([2, 5, 0.4]);
    expect(r.perJointTotal).toEqual([1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0]);
    expect(r.perJoint.slice(0, 4)).toEqual([1, 0, 1, null]);
    expect(r.perJoint.slice(14, 16)).toEqual([0, 0]);
    expect([r.images, r.skipped]).toEqual([1, []]);
  });

  it('skips an image with fewer than 2 head joints and micro-averages the rest', () => {
    const lone = coco({ 0: [5, 5], 2: [0, 0], 3: [1, 1] });
    const r = pck([pred, lone, gt], [gt, lone, gt], PCKH_FASHION);
    // image 0: 2/5; image 1 skipped; image 2 (gt vs itself, w=4 and h=22 > 0): 5/5
    expect([r.correct, r.total, r.images, r.skipped]).toEqual([7, 10, 2, [1]]);
  });

  it('keeps a zero-height head box, where every joint is wrong (as the script)', () => {
    const flat = coco({ 0: [10, 10], 14: [8, 10], 15: [12, 10], 4: [30, 30] });
    const r = pck([flat], [flat], PCKH_FASHION);
    expect([r.correct, r.total, r.images]).toEqual([0, 4, 1]);
  });

  it('accepts arrays with opts.skeleton, and other alphas', () => {
    const g = arr(18, { 0: [10, 10], 1: [10, 30], 2: [0, 40], 14: [8, 8], 15: [12, 8] });
    const p = arr(18, { 0: [11.9, 10], 1: [12, 30], 2: [0, 50.9], 15: [12, 19] });
    expect(pck([p], [g], { normaliser: 'headBox', alpha: 0.5, skeleton: 'coco18' }).pck).toBe(0.4);
    // alpha 1: |dx| < 4 and |dy| < 22: nose, neck, r_shoulder, l_eye correct; r_eye missing
    expect(pck([p], [g], { normaliser: 'headBox', alpha: 1, skeleton: 'coco18' }).correct).toBe(4);
  });
});

describe('pck, Euclidean normalisers', () => {
  // coco18 torso = |l_shoulder(5) - r_hip(8)| = |(0,0)-(30,40)| = 50
  const gt = coco({ 5: [0, 0], 8: [30, 40], 4: [100, 100], 10: [50, 50] });
  it('torso: distance <= alpha * 50', () => {
    const pred = coco({ 5: [6, 8], 8: [30, 40], 4: [106, 108.01], 10: [40, 50] });
    // alpha 0.2 -> 10: joint 5 at exactly 10 (<=, correct), 8 exact, 4 at 10.006 wrong, 10 at 10 correct
    const r = pck([pred], [gt], { normaliser: 'torso', alpha: 0.2 });
    expect([r.correct, r.total]).toEqual([3, 4]);
    expect(r.perJoint[4]).toBe(0);
  });
  it('torso: skips an image without the torso joints', () => {
    const noHip = coco({ 5: [0, 0], 4: [1, 1] });
    const r = pck([gt, noHip], [gt, noHip], { normaliser: 'torso', alpha: 0.2 });
    expect([r.images, r.skipped, r.total]).toEqual([1, [1], 4]);
  });
  it('headSegment on lsp14 (neck 12 - head_top 13)', () => {
    const g = arr(14, { 12: [0, 0], 13: [0, 20], 0: [50, 50], 6: [10, 10] });
    const p = arr(14, { 12: [3, 4], 13: [0, 31], 0: [50, 60], 6: [10, 10.5] });
    // size 20, alpha 0.5 -> 10: neck d=5 ok, head_top d=11 wrong, r_ankle d=10 ok, r_wrist ok
    const r = pck([p], [g], { normaliser: 'headSegment', alpha: 0.5, skeleton: 'lsp14' });
    expect([r.correct, r.total]).toEqual([3, 4]);
  });
  it('headSegment on mpii16 uses upper_neck (8) - head_top (9)', () => {
    const g = arr(16, { 8: [0, 0], 9: [0, 10], 0: [0, 0] });
    const p = arr(16, { 8: [0, 0], 9: [0, 10], 0: [0, 5.01] });
    expect(pck([p], [g], { normaliser: 'headSegment', alpha: 0.5, skeleton: 'mpii16' }).correct).toBe(2);
  });
  it('bbox: max side of the ground-truth joints box', () => {
    const g = arr(14, { 0: [0, 0], 1: [40, 100], 2: [20, 20] }); // box 40 x 100 -> 100
    const p = arr(14, { 0: [0, 10], 1: [40, 111], 2: [20, 20] });
    const r = pck([p], [g], { normaliser: 'bbox', alpha: 0.1, skeleton: 'lsp14' });
    expect([r.correct, r.total]).toEqual([2, 3]);
  });
  it('custom sizes, one per image', () => {
    const g = arr(14, { 0: [0, 0] });
    const p = arr(14, { 0: [3, 4] });
    expect(pck([p, p], [g, g], { normaliser: { sizes: [10, 9.99] }, alpha: 0.5, skeleton: 'lsp14' }).correct).toBe(1);
  });
});

describe('pckCurve', () => {
  it('equals pck at every threshold and is non-decreasing', () => {
    const g = coco({ 0: [10, 10], 1: [10, 30], 14: [8, 8], 15: [12, 8], 5: [0, 0], 8: [30, 40] });
    const p = coco({ 0: [10.5, 11], 1: [13, 30], 14: [8, 9], 15: [12, 20], 5: [1, 1], 8: [30, 44] });
    const thresholds = [0.1, 0.2, 0.3, 0.5, 0.8, 1.2];
    for (const normaliser of ['headBox', 'torso', 'bbox'] as const) {
      const c = pckCurve([p], [g], { normaliser, thresholds });
      expect(c.thresholds).toEqual(thresholds);
      c.pck.forEach((v, i) => {
        expect(v).toBe(pck([p], [g], { normaliser, alpha: thresholds[i] }).pck);
        if (i > 0) expect(v).toBeGreaterThanOrEqual(c.pck[i - 1]);
      });
      expect(c.perJoint[3][0]).toBe(pck([p], [g], { normaliser, alpha: 0.5 }).perJoint[0]);
    }
  });
  it('rejects empty or bad thresholds', () => {
    const g = coco({ 0: [0, 0], 1: [0, 10] });
    expectDGPoseError(() => pckCurve([g], [g], { normaliser: 'headBox', thresholds: [] }), 'E_EMPTY', {
      argument: 'opts.thresholds',
    });
    expectDGPoseError(() => pckCurve([g], [g], { normaliser: 'headBox', thresholds: [0.1, -1] }), 'E_ARG', {
      argument: 'opts.thresholds[1]',
    });
  });
});

describe('core poses', () => {
  it("accepts @dgpose/core's Pose and its converted poses", () => {
    const p17: Pose = {
      skeleton: 'coco17',
      keypoints: Array.from({ length: 17 }, (_, i) => ({ x: 100 + 4 * i, y: 50 + 9 * i, score: 0.9 })),
    };
    const p18 = convertPose(p17, 'coco18');
    const r = pck([p18], [p18], PCKH_FASHION);
    expect(r.pck).toBe(1);
    expect(r.total).toBe(p18.keypoints.filter((k) => k !== null).length);
    expect(pck([p17], [p17], { normaliser: 'torso', alpha: 0.2 }).pck).toBe(1);
  });
});

describe('pck input errors', () => {
  const g = coco({ 0: [0, 0], 1: [0, 10], 14: [2, 2] });
  it('wrong joint counts -> E_JOINTS', () => {
    expectDGPoseError(() => pck([{ skeleton: 'coco18', keypoints: [null] }], [g], PCKH_FASHION), 'E_JOINTS', {
      argument: 'pred[0]',
    });
    expectDGPoseError(() => pck([arr(17, {})], [arr(18, {})], PCKH_FASHION), 'E_JOINTS', { argument: 'pred[0]' });
  });
  it('unknown or mixed skeletons -> E_SKELETON', () => {
    expectDGPoseError(() => pck([{ skeleton: 'coco99', keypoints: [] }], [g], PCKH_FASHION), 'E_SKELETON', {
      argument: 'pred[0].skeleton',
    });
    expectDGPoseError(
      () => pck([g], [g], { normaliser: 'headBox', alpha: 0.5, skeleton: 'lsp99' as 'lsp14' }),
      'E_SKELETON',
      { argument: 'opts.skeleton' },
    );
    const lsp = { skeleton: 'lsp14', keypoints: Array.from({ length: 14 }, () => null) };
    expectDGPoseError(() => pck([lsp], [g], { normaliser: 'headBox', alpha: 0.5 }), 'E_SKELETON');
    expectDGPoseError(() => pck([g], [g], { normaliser: 'headSegment', alpha: 0.5 }), 'E_SKELETON', {
      argument: 'opts.normaliser',
    });
  });
  it('arrays without opts.skeleton -> E_ARG', () => {
    expectDGPoseError(() => pck([arr(18, {})], [arr(18, {})], { normaliser: 'headBox', alpha: 0.5 }), 'E_ARG', {
      argument: 'opts.skeleton',
    });
  });
  it('non-finite coordinates -> E_NAN', () => {
    const bad = coco({ 0: [NaN, 0] });
    expectDGPoseError(() => pck([bad], [g], PCKH_FASHION), 'E_NAN', { argument: 'pred[0][0]' });
    expectDGPoseError(() => pck([g], [coco({ 3: [0, Infinity] })], PCKH_FASHION), 'E_NAN', { argument: 'gt[0][3]' });
  });
  it('length mismatch -> E_SHAPE, empty -> E_EMPTY, nothing scorable -> E_EMPTY', () => {
    expectDGPoseError(() => pck([g, g], [g], PCKH_FASHION), 'E_SHAPE', { argument: 'pred' });
    expectDGPoseError(() => pck([], [], PCKH_FASHION), 'E_EMPTY', { argument: 'gt' });
    expectDGPoseError(() => pck([coco({})], [coco({})], PCKH_FASHION), 'E_EMPTY', { argument: 'gt' });
  });
  it('bad alpha and normaliser -> E_ARG; sizes of the wrong length -> E_SHAPE', () => {
    expectDGPoseError(() => pck([g], [g], { normaliser: 'headBox', alpha: 0 }), 'E_ARG', { argument: 'opts.alpha' });
    expectDGPoseError(() => pck([g], [g], { normaliser: 'headBox' } as never), 'E_ARG', { argument: 'opts.alpha' });
    expectDGPoseError(() => pck([g], [g], { normaliser: 'head', alpha: 0.5 } as never), 'E_ARG', {
      argument: 'opts.normaliser',
    });
    expectDGPoseError(() => pck([g], [g], { normaliser: { sizes: [1, 2] }, alpha: 0.5 }), 'E_SHAPE', {
      argument: 'opts.normaliser.sizes',
    });
    expectDGPoseError(() => pck([g], [g], { normaliser: { sizes: [0] }, alpha: 0.5 }), 'E_ARG', {
      argument: 'opts.normaliser.sizes[0]',
    });
  });
});
