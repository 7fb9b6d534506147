import { type Keypoint, type Pose, createRng } from '@dgpose/core';
import { expectDGPoseError } from '@dgpose/test-utils';
import {
  PLAUSIBILITY_THRESHOLDS,
  POSE_FAMILIES,
  createSyntheticDataset,
  plausibleFraction,
  posePlausibility,
} from './index';

type Kp = { x: number; y: number };
const pose = (kps: (Kp | null)[]): Pose => ({ skeleton: 'coco18', keypoints: kps });
const copy = (p: Pose): (Kp | null)[] => p.keypoints.map((k) => (k ? { x: k.x, y: k.y } : null));

// Ground truth: several seeds, all families (the default mix, and each family alone), two sizes, crops on.
const gtSets: { name: string; poses: Pose[] }[] = [];
for (const seed of [0, 1, 2, 3, 4]) {
  const ds = createSyntheticDataset({
    seed,
    size: seed % 2 ? 128 : 64,
    identities: 40,
    posesPerIdentity: 8,
    split: 'all',
    cropProbability: 0.5,
  });
  gtSets.push({
    name: `seed ${seed}, all families`,
    poses: Array.from({ length: ds.size }, (_, i) => ds.getSync(i).pose),
  });
}
for (const family of POSE_FAMILIES) {
  const ds = createSyntheticDataset({
    seed: 9,
    size: 64,
    identities: 20,
    posesPerIdentity: 5,
    split: 'all',
    families: [family],
    cropProbability: 0.5,
  });
  gtSets.push({ name: family, poses: Array.from({ length: ds.size }, (_, i) => ds.getSync(i).pose) });
}
const allGt = gtSets.flatMap((s) => s.poses);
/** Ground-truth poses with every joint in frame (the broken variants need all joints). */
const complete = allGt.filter((p) => p.keypoints.every((k) => k !== null));

describe('posePlausibility on ground truth', () => {
  it('passes >= 99 % of rendered ground-truth poses (measured: 100 % of 2,200, crops included)', () => {
    const cropped = allGt.filter((p) => p.keypoints.some((k) => k === null)).length;
    expect(cropped).toBeGreaterThan(100); // tight crops really drop joints, and those poses are judged too
    for (const { name, poses } of gtSets) {
      const r = plausibleFraction(poses);
      if (r.fraction < 0.99)
        throw new Error(`${name}: ${r.fraction} plausible, failures ${JSON.stringify(r.failures)}`);
    }
    const all = plausibleFraction(allGt);
    expect(all.total).toBe(2200);
    expect(all.fraction).toBeGreaterThanOrEqual(0.99);
    expect(all.fraction).toBe(1); // measured; the margins above the model's extremes are ~8 %
  });

  it('a complete pose runs every check, a cropped one skips the checks of its missing joints', () => {
    const r = posePlausibility(complete[0]);
    expect(r).toMatchObject({ plausible: true, reasons: [], failed: [], skipped: 0 });
    expect(r.checked).toBe(33);
    expect(r.torso).toBeGreaterThan(0);
    const k = copy(complete[0]);
    k[10] = null; // r_ankle
    k[13] = null; // l_ankle
    const c = posePlausibility(pose(k));
    expect(c.plausible).toBe(true);
    expect(c.skipped).toBe(6); // 2 shins, ankle below knee ×2, ankle below hip ×2
    expect(c.checked + c.skipped).toBe(33);
  });

  it('without the neck the torso is measured from the shoulders; without a scale nothing is judged unless requireScale', () => {
    const k = copy(complete[1]);
    const full = posePlausibility(complete[1]).torso as number;
    k[1] = null;
    const r = posePlausibility(pose(k));
    expect(r.plausible).toBe(true);
    expect(Math.abs((r.torso as number) - full) / full).toBeLessThan(0.03);
    k[8] = null;
    k[11] = null; // no hip: no scale
    expect(posePlausibility(pose(k))).toMatchObject({ plausible: true, torso: null, checked: 0, skipped: 33 });
    const strict = posePlausibility(pose(k), { requireScale: true });
    expect(strict.plausible).toBe(false);
    expect(strict.failed).toEqual(['scale']);
  });
});

describe('posePlausibility on broken poses', () => {
  const rng = createRng(17);

  it('random coordinates fail (all of 1,000)', () => {
    const random = Array.from({ length: 1000 }, () =>
      pose(Array.from({ length: 18 }, () => ({ x: rng.next() * 64, y: rng.next() * 64 }))),
    );
    expect(plausibleFraction(random).plausible).toBe(0);
  });

  it('an arm swapped with a leg fails always; left/right forearms swapped fail mostly', () => {
    const armLeg = complete.map((p) => {
      const k = copy(p);
      [k[6], k[12]] = [k[12], k[6]]; // l_elbow <-> l_knee
      [k[7], k[13]] = [k[13], k[7]]; // l_wrist <-> l_ankle
      return pose(k);
    });
    expect(plausibleFraction(armLeg).plausible).toBe(0);
    const wrists = complete.map((p) => {
      const k = copy(p);
      [k[4], k[7]] = [k[7], k[4]];
      return pose(k);
    });
    // measured 0.08 plausible: wrists held close together (lap, crossed) swap without breaking a bone
    expect(plausibleFraction(wrists).fraction).toBeLessThan(0.15);
  });

  it('one bone stretched to 2x fails, except where the projection had shortened it to under half its length', () => {
    // move the distal joint (and the joint below it) so that the bone doubles
    const stretch = (p: Pose, a: number, b: number, below: number[]): Pose => {
      const k = copy(p) as Kp[];
      const dx = k[b].x - k[a].x;
      const dy = k[b].y - k[a].y;
      for (const j of [b, ...below]) k[j] = { x: k[j].x + dx, y: k[j].y + dy };
      return pose(k);
    };
    const cases: [string, number, number, number[], number][] = [
      // name, proximal, distal, joints below, the plausible fraction allowed (measured + slack)
      ['r_upper_arm', 2, 3, [4], 0.06], // measured 0.033
      ['r_forearm', 3, 4, [], 0.2], // 0.156: forearms are often foreshortened (bent towards the camera)
      ['r_thigh', 8, 9, [10], 0.15], // 0.113: sitting thighs point at the camera
      ['r_shin', 9, 10, [], 0.03], // 0.006
    ];
    for (const [name, a, b, below, allowed] of cases) {
      const r = plausibleFraction(complete.map((p) => stretch(p, a, b, below)));
      if (r.fraction > allowed) throw new Error(`${name} stretched 2x: ${r.fraction} plausible > ${allowed}`);
    }
    // a standing pose facing the camera: every stretched limb bone fails, naming the bone
    const ds = createSyntheticDataset({
      seed: 2,
      size: 64,
      identities: 10,
      posesPerIdentity: 4,
      split: 'all',
      families: ['standing'],
      cropProbability: 0,
    });
    const standing = ds.getSync(0).pose;
    expect(posePlausibility(standing).plausible).toBe(true);
    const r = posePlausibility(stretch(standing, 9, 10, []));
    expect(r.plausible).toBe(false);
    expect(r.reasons.join('\n')).toMatch(/r_shin too long/);
    expect(posePlausibility(stretch(standing, 6, 7, [])).reasons.join('\n')).toMatch(/l_forearm too long/);
  });

  it('a sample of a diagonal Gaussian fitted to the ground truth fails (all of 1,000)', () => {
    const d = 36;
    const mean = new Float64Array(d);
    const sq = new Float64Array(d);
    for (const p of complete) {
      p.keypoints.forEach((k, j) => {
        const { x, y } = k as Keypoint;
        mean[2 * j] += x / complete.length;
        mean[2 * j + 1] += y / complete.length;
        sq[2 * j] += (x * x) / complete.length;
        sq[2 * j + 1] += (y * y) / complete.length;
      });
    }
    const sd = Array.from(sq, (v, i) => Math.sqrt(v - mean[i] * mean[i]));
    const samples = Array.from({ length: 1000 }, () =>
      pose(
        Array.from({ length: 18 }, (_, j) => ({
          x: mean[2 * j] + sd[2 * j] * rng.normal(),
          y: mean[2 * j + 1] + sd[2 * j + 1] * rng.normal(),
        })),
      ),
    );
    const r = plausibleFraction(samples);
    expect(r.plausible).toBe(0);
    // the symmetry checks alone catch most of them: independent joints break the neck/nose midpoints
    expect(r.failures.neckCentred).toBeGreaterThan(800);
  });

  it('an upside-down body and a head below the neck fail with their reasons', () => {
    const flipped = pose(copy(complete[2]).map((k) => (k ? { x: k.x, y: 100 - k.y } : null)));
    const r = posePlausibility(flipped);
    expect(r.plausible).toBe(false);
    expect(r.failed).toEqual(['torsoUpright']);
    const k = copy(complete[2]) as Kp[];
    const neck = k[1];
    for (const j of [0, 14, 15, 16, 17]) k[j] = { x: k[j].x, y: neck.y + (neck.y - k[j].y) };
    expect(posePlausibility(pose(k)).failed).toContain('headAboveNeck');
  });
});

describe('posePlausibility input', () => {
  it('refuses other skeletons, malformed poses and bad options with coded errors', () => {
    expectDGPoseError(() => posePlausibility({ skeleton: 'coco17', keypoints: Array(17).fill(null) }), 'E_SKELETON');
    expectDGPoseError(() => posePlausibility(pose(Array(17).fill(null))), 'E_JOINTS');
    expectDGPoseError(() => posePlausibility(pose([{ x: NaN, y: 0 }, ...Array(17).fill(null)])), 'E_NAN');
    expectDGPoseError(() => posePlausibility(complete[0], { thresholds: { thigh: Number.NaN } }), 'E_ARG');
    expectDGPoseError(() => posePlausibility(complete[0], { thresholds: { tibia: 1 } as never }), 'E_ARG');
    expectDGPoseError(() => plausibleFraction([complete[0], pose([])]), 'E_JOINTS');
    expect(plausibleFraction([])).toEqual({ fraction: 0, plausible: 0, total: 0, failures: {} });
  });

  it('thresholds can be overridden (a tighter thigh bound fails sitting poses first)', () => {
    expect(PLAUSIBILITY_THRESHOLDS.thigh).toBe(0.94);
    const r = plausibleFraction(complete, { thresholds: { thigh: 0.5 } });
    expect(r.fraction).toBeLessThan(0.9);
    expect(Object.keys(r.failures)).toEqual(['boneLength']);
  });
});
