/*
 * Is a COCO-18 2D pose a plausible body? Checks derived from the synthetic body model
 * (synthetic-body.ts: segment lengths SEG, body-shape ranges of sampleBodyShape, JOINT_LIMITS and the
 * pose samplers) and calibrated on its ground truth. Universal code: no Node imports.
 *
 * Why these checks survive the 2D projection
 * ------------------------------------------
 * The synthetic camera is orthographic with no roll (synthetic-render.ts renderPerson:
 * px = cx + S·X, py = cy − S·Y), and the only whole-body rotation is the yaw about the vertical axis.
 * Hence:
 *   - a projected bone is never longer than S·(its 3D length); it may be arbitrarily shorter
 *     (foreshortening), so bone lengths only have UPPER bounds, and left/right limb lengths cannot be
 *     compared by a ratio (measured min(L,R)/max(L,R) over 100k ground-truth poses: 0.002 for the
 *     forearms, 0.018 for the thighs). Left/right symmetry is checked in the form a projection keeps:
 *     both sides share the same upper bound, and midpoints are preserved (an affine map keeps them), so
 *     the neck stays between the shoulders and the nose between the eyes;
 *   - vertical offsets are preserved exactly (yaw is about Y), so the torso's vertical extent
 *       T = y(hips) − y(neck)        (pixels, y down; both hips lie at the same height, SEG.hipDrop)
 *     is nearly rotation-free: T ∈ [0.280, 0.305] body heights over the samplers, T ≥ 0.252 at the
 *     corners of JOINT_LIMITS (lean 0.55, sideBend 0.3). T is the scale every threshold is relative to.
 *     Without the neck, y(neck) = mean y of both shoulders − 0.041·T (SEG.shoulderDrop / SEG.torso).
 *
 * Thresholds (ratios to T; "GT max" = the extreme over 100,000 poses drawn by samplePoseParams with
 * sampleBodyShape, all families; the threshold adds about 8 % to a bound, more to the small head bones)
 *
 *   check            rule                                          GT range       threshold   model reason
 *   torsoUpright     T > 0                                          [0.280, 0.305]  > 0         lean ≤ 0.55
 *   torsoTilt        |x(neck) − x(mid-hips)| ≤ k·T                  ≤ 0.41          0.47        lean, sideBend limits
 *   bone (upper)     neck–shoulder    ≤ k·T                         ≤ 0.506         0.56        SEG.shoulderHalf·build ≤ 1.22
 *                    upper arm        ≤ k·T                         ≤ 0.587         0.63        SEG.upperArm 0.165
 *                    forearm          ≤ k·T                         ≤ 0.515         0.56        SEG.forearm 0.145
 *                    thigh            ≤ k·T                         ≤ 0.874         0.94        SEG.thigh 0.235·legs ≤ 1.05
 *                    shin             ≤ k·T                         ≤ 0.888         0.95        SEG.shin 0.24·legs
 *                    neck–nose        in [k₁, k₂]·T                 [0.134, 0.462]  [0.08, 0.50] SEG.neck + head, pitch limits
 *                    nose–eye         ≤ k·T                         ≤ 0.111         0.15        head radii·head ≤ 1.1
 *                    eye–ear          ≤ k·T                         ≤ 0.269         0.32
 *                    shoulder width   ≤ k·T                         ≤ 1.006         1.08        2·SEG.shoulderHalf·build
 *                    hip width        ≤ k·T                         ≤ 0.717         0.78        2·SEG.hipHalf·build·hips
 *   hipsLevel        |y(r_hip) − y(l_hip)| ≤ k·T                    0 exactly       0.08        hips are not rotated but by yaw
 *   neckCentred      |neck − mid(shoulders)| ≤ k·T                  [0.039, 0.043]  0.08        shoulders symmetric about the neck
 *   noseCentred      |nose − mid(eyes)| ≤ k·T                       [0.031, 0.076]  0.12        eyes symmetric about the nose
 *   headAboveNeck    y(neck) − y(nose) ≥ k·T                        ≥ 0.107         0.05        headPitch ±0.45, lean ≤ 0.55
 *   eyesAboveNose    y(nose) − y(eye) ≥ k·T                         ≥ 0.004         −0.03       head pitch limits
 *   shoulderLevel    y(shoulder) − y(neck) in [k₁, k₂]·T            [−0.075, 0.154] [−0.15, 0.25] sideBend ±0.3
 *   kneeBelowHip     y(knee) − y(hip) ≥ k·T                         ≥ −0.106        −0.2        hipFlex ≤ 1.7 (sitting)
 *   ankleBelowKnee   y(ankle) − y(knee) ≥ k·T                       ≥ −0.310        −0.4        knee folds backwards
 *   ankleBelowHip    y(ankle) − y(hip) ≥ k·T                        ≥ 0.390         0.2         a supporting leg
 *
 * A check runs only when its joints are present (tight crops drop joints: they are skipped, never
 * guessed); checks that need T are skipped when T cannot be measured (no neck and not both shoulders, or
 * no hip), unless `requireScale`. Measured pass rate on rendered ground truth (createSyntheticDataset,
 * seeds 0-4, all families, crops included): see pose-plausibility.test.ts.
 */
import { DGPoseError, type Keypoint, type Pose, validatePose } from '@dgpose/core';

/** Names of the checks of {@link posePlausibility}. */
export type PlausibilityCheck =
  | 'torsoUpright'
  | 'torsoTilt'
  | 'boneLength'
  | 'hipsLevel'
  | 'neckCentred'
  | 'noseCentred'
  | 'headAboveNeck'
  | 'eyesAboveNose'
  | 'shoulderLevel'
  | 'kneeBelowHip'
  | 'ankleBelowKnee'
  | 'ankleBelowHip'
  | 'scale';

/** Thresholds of {@link posePlausibility}, as multiples of the torso's vertical extent T. */
export interface PlausibilityThresholds {
  torsoTilt: number;
  /** Upper bounds of projected bone lengths (and the neck–nose lower bound `neckNoseMin`). */
  neckShoulder: number;
  upperArm: number;
  forearm: number;
  thigh: number;
  shin: number;
  neckNoseMin: number;
  neckNose: number;
  noseEye: number;
  eyeEar: number;
  shoulderWidth: number;
  hipWidth: number;
  hipsLevel: number;
  neckCentred: number;
  noseCentred: number;
  headAboveNeck: number;
  eyesAboveNose: number;
  shoulderLevelMin: number;
  shoulderLevelMax: number;
  kneeBelowHip: number;
  ankleBelowKnee: number;
  ankleBelowHip: number;
}

/** The calibrated thresholds (see the table at the top of pose-plausibility.ts). */
export const PLAUSIBILITY_THRESHOLDS: Readonly<PlausibilityThresholds> = Object.freeze({
  torsoTilt: 0.47,
  neckShoulder: 0.56,
  upperArm: 0.63,
  forearm: 0.56,
  thigh: 0.94,
  shin: 0.95,
  neckNoseMin: 0.08,
  neckNose: 0.5,
  noseEye: 0.15,
  eyeEar: 0.32,
  shoulderWidth: 1.08,
  hipWidth: 0.78,
  hipsLevel: 0.08,
  neckCentred: 0.08,
  noseCentred: 0.12,
  headAboveNeck: 0.05,
  eyesAboveNose: -0.03,
  shoulderLevelMin: -0.15,
  shoulderLevelMax: 0.25,
  kneeBelowHip: -0.2,
  ankleBelowKnee: -0.4,
  ankleBelowHip: 0.2,
});

/** Options of {@link posePlausibility}. */
export interface PosePlausibilityOptions {
  /**
   * When true, a pose whose scale T cannot be measured (no neck and not both shoulders, or no hip) is
   * implausible (check 'scale'); default false: the scale-relative checks are skipped and the pose is
   * judged on what remains. Use true for generated poses, where dropping joints must not help.
   */
  requireScale?: boolean;
  /** Overrides of {@link PLAUSIBILITY_THRESHOLDS}. */
  thresholds?: Partial<PlausibilityThresholds>;
}

/** What {@link posePlausibility} found. */
export interface PosePlausibilityResult {
  /** True when every check that could run passed. */
  plausible: boolean;
  /** One line per failed check, e.g. `'r_forearm too long: 0.81·T > 0.56·T'`. */
  reasons: string[];
  /** The failed checks (a check may appear more than once, e.g. both thighs). */
  failed: PlausibilityCheck[];
  /** How many checks ran, and how many were skipped for missing joints (or a missing scale). */
  checked: number;
  skipped: number;
  /** The torso's vertical extent T in the pose's pixel units, or null when it could not be measured. */
  torso: number | null;
}

// COCO-18 indices (core's COCO18 order; do not reorder)
const NOSE = 0;
const NECK = 1;
const R_SH = 2;
const R_EL = 3;
const R_WR = 4;
const L_SH = 5;
const L_EL = 6;
const L_WR = 7;
const R_HIP = 8;
const R_KN = 9;
const R_AN = 10;
const L_HIP = 11;
const L_KN = 12;
const L_AN = 13;
const R_EYE = 14;
const L_EYE = 15;
const R_EAR = 16;
const L_EAR = 17;

type BoneKey =
  | 'neckShoulder'
  | 'upperArm'
  | 'forearm'
  | 'thigh'
  | 'shin'
  | 'neckNose'
  | 'noseEye'
  | 'eyeEar'
  | 'shoulderWidth'
  | 'hipWidth';
const BONES: ReadonlyArray<readonly [string, number, number, BoneKey]> = [
  ['r_neck_shoulder', NECK, R_SH, 'neckShoulder'],
  ['l_neck_shoulder', NECK, L_SH, 'neckShoulder'],
  ['r_upper_arm', R_SH, R_EL, 'upperArm'],
  ['l_upper_arm', L_SH, L_EL, 'upperArm'],
  ['r_forearm', R_EL, R_WR, 'forearm'],
  ['l_forearm', L_EL, L_WR, 'forearm'],
  ['r_thigh', R_HIP, R_KN, 'thigh'],
  ['l_thigh', L_HIP, L_KN, 'thigh'],
  ['r_shin', R_KN, R_AN, 'shin'],
  ['l_shin', L_KN, L_AN, 'shin'],
  ['neck_nose', NECK, NOSE, 'neckNose'],
  ['r_nose_eye', NOSE, R_EYE, 'noseEye'],
  ['l_nose_eye', NOSE, L_EYE, 'noseEye'],
  ['r_eye_ear', R_EYE, R_EAR, 'eyeEar'],
  ['l_eye_ear', L_EYE, L_EAR, 'eyeEar'],
  ['shoulder_width', R_SH, L_SH, 'shoulderWidth'],
  ['hip_width', R_HIP, L_HIP, 'hipWidth'],
];

/** Neck height above the shoulders' mean, as a fraction of T (SEG.shoulderDrop / (SEG.torso + SEG.hipDrop)). */
const SHOULDER_DROP = 0.041;
/** Number of checks a complete pose runs (see judge). */
const ALL_CHECKS = 1 + 17 + 2 + 2 + 3 + 2 + 6;

const dist = (a: Keypoint, b: Keypoint): number => Math.hypot(a.x - b.x, a.y - b.y);
const mid = (a: Keypoint, b: Keypoint): Keypoint => ({ x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 });
const f2 = (v: number): string => v.toFixed(2);

function checkThresholds(t: Partial<PlausibilityThresholds> | undefined): PlausibilityThresholds {
  if (t === undefined) return PLAUSIBILITY_THRESHOLDS;
  if (typeof t !== 'object' || t === null)
    throw new DGPoseError('E_ARG', 'thresholds must be an object', { argument: 'thresholds', got: t });
  for (const [k, v] of Object.entries(t)) {
    if (!(k in PLAUSIBILITY_THRESHOLDS)) {
      throw new DGPoseError('E_ARG', `unknown plausibility threshold ${k}`, {
        argument: `thresholds.${k}`,
        expected: Object.keys(PLAUSIBILITY_THRESHOLDS),
        got: k,
      });
    }
    if (typeof v !== 'number' || !Number.isFinite(v))
      throw new DGPoseError('E_ARG', `thresholds.${k} must be a finite number`, {
        argument: `thresholds.${k}`,
        got: v,
      });
  }
  return { ...PLAUSIBILITY_THRESHOLDS, ...t };
}

/**
 * Judges whether a COCO-18 2D pose (pixel coordinates, y down; `null` = missing joint) could be a body of
 * the synthetic body model: upper bounds on projected bone lengths relative to the torso's vertical
 * extent T, the symmetries a projection keeps (neck between the shoulders, nose between the eyes, hips
 * level), and the joint limits that show in 2D (torso upright and tilted at most 0.47·T sideways, head
 * above the neck, knees and ankles not lifted above the hips). Checks whose joints are missing are
 * skipped. Formulas, thresholds and their calibration: the comment block of pose-plausibility.ts.
 *
 * Assumes square pixels and an upright camera (no roll), as the data sets' images have. Throws
 * E_SKELETON for another skeleton (convert it with core's `convertPose`), E_JOINTS / E_NAN for a
 * malformed pose, E_ARG for bad options.
 */
export function posePlausibility(pose: Pose, opts: PosePlausibilityOptions = {}): PosePlausibilityResult {
  return judge(pose, checkOptions(opts), 'pose');
}

function checkOptions(opts: PosePlausibilityOptions): { requireScale: boolean; th: PlausibilityThresholds } {
  if (opts === null || typeof opts !== 'object')
    throw new DGPoseError('E_ARG', 'options must be an object', { argument: 'opts', got: opts });
  if (opts.requireScale !== undefined && typeof opts.requireScale !== 'boolean') {
    throw new DGPoseError('E_ARG', 'requireScale must be a boolean', {
      argument: 'requireScale',
      got: opts.requireScale,
    });
  }
  return { requireScale: opts.requireScale === true, th: checkThresholds(opts.thresholds) };
}

function judge(
  pose: Pose,
  opts: { requireScale: boolean; th: PlausibilityThresholds },
  argument: string,
): PosePlausibilityResult {
  validatePose(pose, argument);
  if (pose.skeleton !== 'coco18') {
    throw new DGPoseError('E_SKELETON', 'posePlausibility judges COCO-18 poses (convert with convertPose)', {
      argument: `${argument}.skeleton`,
      expected: 'coco18',
      got: pose.skeleton,
    });
  }
  const th = opts.th;
  const k = pose.keypoints;
  const reasons: string[] = [];
  const failed: PlausibilityCheck[] = [];
  let checked = 0;
  let skipped = 0;
  const run = (name: PlausibilityCheck, ok: boolean, reason: () => string): void => {
    checked++;
    if (!ok) {
      failed.push(name);
      reasons.push(reason());
    }
  };
  const done = (torso: number | null): PosePlausibilityResult => ({
    plausible: failed.length === 0,
    reasons,
    failed,
    checked,
    skipped,
    torso,
  });

  // the scale T: neck height (or the shoulders' mean, corrected by the shoulder drop) to hip height
  const neck = k[NECK];
  const rSh = k[R_SH];
  const lSh = k[L_SH];
  const hipsPresent = [k[R_HIP], k[L_HIP]].filter((h): h is Keypoint => h !== null);
  const neckRef: Keypoint | null = neck ?? (rSh && lSh ? mid(rSh, lSh) : null);
  // every check is relative to T: torsoUpright, 17 bones, tilt, hips level, 2 midpoints, head + 2 eyes,
  // 2 shoulders, 3 per leg
  if (neckRef === null || hipsPresent.length === 0) {
    if (opts.requireScale)
      run('scale', false, () => 'no scale: the torso needs the neck (or both shoulders) and a hip');
    skipped += ALL_CHECKS;
    return done(null);
  }
  const hipY = hipsPresent.reduce((s, h) => s + h.y, 0) / hipsPresent.length;
  const T = neck ? hipY - neck.y : (hipY - neckRef.y) / (1 - SHOULDER_DROP);
  const neckY = neck ? neck.y : neckRef.y - SHOULDER_DROP * T;
  run('torsoUpright', T > 0, () => `torso not upright: the neck is ${f2(-T)} px below the hips`);
  if (!(T > 0)) {
    skipped += ALL_CHECKS - 1;
    return done(T);
  }
  const rel = (v: number): string => `${f2(v / T)}·T`;

  // bones: upper bounds (neck–nose also a lower bound)
  for (const [name, a, b, key] of BONES) {
    const pa = k[a];
    const pb = k[b];
    if (!pa || !pb) {
      skipped++;
      continue;
    }
    const len = dist(pa, pb);
    const lo = key === 'neckNose' ? th.neckNoseMin : 0;
    run('boneLength', len <= th[key] * T && len >= lo * T, () =>
      len > th[key] * T
        ? `${name} too long: ${rel(len)} > ${f2(th[key])}·T`
        : `${name} too short: ${rel(len)} < ${f2(lo)}·T`,
    );
  }

  // torso tilt (needs both hips: their midpoint is the pelvis)
  if (k[R_HIP] && k[L_HIP]) {
    const mx = ((k[R_HIP] as Keypoint).x + (k[L_HIP] as Keypoint).x) / 2;
    const dx = Math.abs(neckRef.x - mx);
    run('torsoTilt', dx <= th.torsoTilt * T, () => `torso tilted: ${rel(dx)} sideways > ${f2(th.torsoTilt)}·T`);
    const dy = Math.abs((k[R_HIP] as Keypoint).y - (k[L_HIP] as Keypoint).y);
    run(
      'hipsLevel',
      dy <= th.hipsLevel * T,
      () => `hips not level: ${rel(dy)} apart vertically > ${f2(th.hipsLevel)}·T`,
    );
  } else skipped += 2;

  // symmetry kept by the projection: midpoints
  if (neck && rSh && lSh) {
    const d = dist(neck, mid(rSh, lSh));
    run(
      'neckCentred',
      d <= th.neckCentred * T,
      () => `neck off the shoulders' midpoint by ${rel(d)} > ${f2(th.neckCentred)}·T`,
    );
  } else skipped++;
  const nose = k[NOSE];
  const rEye = k[R_EYE];
  const lEye = k[L_EYE];
  if (nose && rEye && lEye) {
    const d = dist(nose, mid(rEye, lEye));
    run(
      'noseCentred',
      d <= th.noseCentred * T,
      () => `nose off the eyes' midpoint by ${rel(d)} > ${f2(th.noseCentred)}·T`,
    );
  } else skipped++;

  // joint limits visible in 2D (y grows downwards)
  if (nose) {
    const up = neckY - nose.y;
    run(
      'headAboveNeck',
      up >= th.headAboveNeck * T,
      () => `head not above the neck: nose ${rel(up)} above it < ${f2(th.headAboveNeck)}·T`,
    );
    for (const [side, eye] of [
      ['r', rEye],
      ['l', lEye],
    ] as const) {
      if (!eye) {
        skipped++;
        continue;
      }
      const e = nose.y - eye.y;
      run(
        'eyesAboveNose',
        e >= th.eyesAboveNose * T,
        () => `${side}_eye below the nose: ${rel(e)} < ${f2(th.eyesAboveNose)}·T`,
      );
    }
  } else skipped += 3;
  for (const [side, sh] of [
    ['r', rSh],
    ['l', lSh],
  ] as const) {
    if (!sh) {
      skipped++;
      continue;
    }
    const d = sh.y - neckY;
    run(
      'shoulderLevel',
      d >= th.shoulderLevelMin * T && d <= th.shoulderLevelMax * T,
      () =>
        `${side}_shoulder ${rel(d)} below the neck, outside [${f2(th.shoulderLevelMin)}, ${f2(th.shoulderLevelMax)}]·T`,
    );
  }
  for (const [side, hi, kn, an] of [
    ['r', R_HIP, R_KN, R_AN],
    ['l', L_HIP, L_KN, L_AN],
  ] as const) {
    const h = k[hi];
    const q = k[kn];
    const a = k[an];
    if (h && q) {
      const d = q.y - h.y;
      run(
        'kneeBelowHip',
        d >= th.kneeBelowHip * T,
        () => `${side}_knee lifted above the hip: ${rel(d)} < ${f2(th.kneeBelowHip)}·T`,
      );
    } else skipped++;
    if (q && a) {
      const d = a.y - q.y;
      run(
        'ankleBelowKnee',
        d >= th.ankleBelowKnee * T,
        () => `${side}_ankle above the knee: ${rel(d)} < ${f2(th.ankleBelowKnee)}·T`,
      );
    } else skipped++;
    if (h && a) {
      const d = a.y - h.y;
      run(
        'ankleBelowHip',
        d >= th.ankleBelowHip * T,
        () => `${side}_ankle too high: ${rel(d)} below the hip < ${f2(th.ankleBelowHip)}·T`,
      );
    } else skipped++;
  }
  return done(T);
}

/** What {@link plausibleFraction} returns. */
export interface PlausibleFractionResult {
  /** plausible / total (0 for no poses). */
  fraction: number;
  plausible: number;
  total: number;
  /** How many poses failed each check (a pose failing a check twice counts once). */
  failures: Partial<Record<PlausibilityCheck, number>>;
}

/** The fraction of `poses` that {@link posePlausibility} judges plausible, and which checks failed how often. */
export function plausibleFraction(poses: readonly Pose[], opts: PosePlausibilityOptions = {}): PlausibleFractionResult {
  if (!Array.isArray(poses))
    throw new DGPoseError('E_ARG', 'poses must be an array of poses', { argument: 'poses', got: typeof poses });
  const o = checkOptions(opts);
  let plausible = 0;
  const failures: Partial<Record<PlausibilityCheck, number>> = {};
  poses.forEach((p, i) => {
    const r = judge(p, o, `poses[${i}]`);
    if (r.plausible) plausible++;
    for (const c of new Set(r.failed)) failures[c] = (failures[c] ?? 0) + 1;
  });
  return { fraction: poses.length ? plausible / poses.length : 0, plausible, total: poses.length, failures };
}
