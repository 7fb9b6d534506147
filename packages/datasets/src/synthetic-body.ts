/*
 * Kinematic model of the synthetic people: a body with joint angles (with limits), a whole-body
 * yaw ("turning") and forward kinematics to 3D joint positions. Units are body heights (a standing
 * figure is 1 tall, soles to head top); frame: X = the person's left, Y = up, Z = the person's
 * forward (towards the camera at yaw 0). Universal code: no Node imports.
 */
import type { Rng } from '@dgpose/core';

export type Vec3 = [number, number, number];

/** Pose families the sampler draws from (see {@link samplePoseParams}). */
export const POSE_FAMILIES = ['standing', 'walking', 'armsRaised', 'sitting', 'turning', 'random'] as const;
export type PoseFamily = (typeof POSE_FAMILIES)[number];

/** Body shape of one identity (dimensionless factors around 1). */
export interface BodyShape {
  /** Standing height relative to the population mean (0.9 .. 1.06): scales the figure in the frame. */
  height: number;
  /** Build: shoulder/hip width and limb thickness factor (0.82 .. 1.22). */
  build: number;
  /** Leg length factor (0.95 .. 1.05). */
  legs: number;
  /** Head size factor (0.92 .. 1.1). */
  head: number;
  /** Hip width relative to shoulder width (0.75 .. 1.05; wider hips read as a different body type). */
  hips: number;
}

/** Joint angles in radians (see {@link JOINT_LIMITS}); index 0 = right side, 1 = left side. */
export interface PoseParams {
  family: PoseFamily;
  /** Whole-body rotation about the vertical axis: 0 faces the camera, +pi/2 faces image right. */
  yaw: number;
  /** Upper-body pitch, + bends forward. */
  lean: number;
  /** Upper-body roll, + tilts towards the person's left. */
  sideBend: number;
  /** Upper-body yaw relative to the hips. */
  twist: number;
  /** Head yaw relative to the torso (+ turns towards the person's left). */
  headYaw: number;
  /** Head pitch, + looks up. */
  headPitch: number;
  /** Head roll. */
  headRoll: number;
  /** Arm abduction: 0 = hanging, pi/2 = horizontal sideways, pi = straight up. [right, left] */
  shoulderAbd: [number, number];
  /** Arm flexion: + swings the arm forward (pi/2 = pointing forward), - backward. */
  shoulderFlex: [number, number];
  /** Elbow flexion, 0 = straight. */
  elbow: [number, number];
  /** Direction of the elbow bend: 0 = forearm bends forward, +pi/2 = upward/outward plane, -pi/2 = inward. */
  elbowTwist: [number, number];
  /** Hip flexion: + lifts the thigh forward (pi/2 = thigh horizontal, sitting). */
  hipFlex: [number, number];
  /** Hip abduction: + spreads the leg sideways. */
  hipAbd: [number, number];
  /** Knee flexion, 0 = straight (the shin folds backwards). */
  knee: [number, number];
}

type AngleKey = Exclude<keyof PoseParams, 'family'>;

/** Joint limits [min, max] in radians; sampled poses always lie inside them. */
export const JOINT_LIMITS: Readonly<Record<AngleKey, readonly [number, number]>> = Object.freeze({
  yaw: [-1.75, 1.75],
  lean: [-0.2, 0.55],
  sideBend: [-0.3, 0.3],
  twist: [-0.6, 0.6],
  headYaw: [-1.1, 1.1],
  headPitch: [-0.45, 0.45],
  headRoll: [-0.3, 0.3],
  shoulderAbd: [-0.15, 3.0],
  shoulderFlex: [-0.9, 3.0],
  elbow: [0, 2.5],
  elbowTwist: [-1.57, 1.57],
  hipFlex: [-0.55, 2.0],
  hipAbd: [-0.15, 0.75],
  knee: [0, 2.45],
});

/** 3D body after forward kinematics (body frame rotated by the yaw; Y up, Z towards the camera). */
export interface Body3D {
  /** COCO-18 joint positions (OpenPose order). */
  joints: Vec3[];
  /** Head centre, head rotation (columns = head-frame axes in camera space) and radii. */
  head: { centre: Vec3; rot: [Vec3, Vec3, Vec3]; rx: number; ry: number };
  hands: [Vec3, Vec3];
  toes: [Vec3, Vec3];
  /** Waist points (right, left): bottom of the shirt, top of the trousers. */
  waist: [Vec3, Vec3];
  /** Torso axes in camera space: forward (for thickness) and up. */
  torsoFwd: Vec3;
  torsoUp: Vec3;
  /** Half depth of the torso (front to back). */
  torsoDepth: number;
  /** Limb radii: [upper arm, forearm, thigh, shin] at the proximal end. */
  radius: { upperArm: number; forearm: number; thigh: number; shin: number; neck: number; hand: number; foot: number };
}

// ---------------------------------------------------------------------------------------------
// small vector helpers (tuples; the body has ~40 points so allocation is not a concern)

const add = (a: Vec3, b: Vec3): Vec3 => [a[0] + b[0], a[1] + b[1], a[2] + b[2]];
const scale = (a: Vec3, s: number): Vec3 => [a[0] * s, a[1] * s, a[2] * s];
const lin = (a: Vec3, b: Vec3, sa: number, sb: number): Vec3 => [
  a[0] * sa + b[0] * sb,
  a[1] * sa + b[1] * sb,
  a[2] * sa + b[2] * sb,
];
type Mat3 = [Vec3, Vec3, Vec3]; // columns
const mulMV = (m: Mat3, v: Vec3): Vec3 => [
  m[0][0] * v[0] + m[1][0] * v[1] + m[2][0] * v[2],
  m[0][1] * v[0] + m[1][1] * v[1] + m[2][1] * v[2],
  m[0][2] * v[0] + m[1][2] * v[1] + m[2][2] * v[2],
];
const mulMM = (a: Mat3, b: Mat3): Mat3 => [mulMV(a, b[0]), mulMV(a, b[1]), mulMV(a, b[2])];
/** Rotation about Y (yaw): +angle turns the forward axis (+Z) towards +X. */
const rotY = (t: number): Mat3 => {
  const c = Math.cos(t);
  const s = Math.sin(t);
  return [
    [c, 0, -s],
    [0, 1, 0],
    [s, 0, c],
  ];
};
/** Rotation about X (pitch): +angle turns up (+Y) towards forward (+Z). */
const rotX = (t: number): Mat3 => {
  const c = Math.cos(t);
  const s = Math.sin(t);
  return [
    [1, 0, 0],
    [0, c, s],
    [0, -s, c],
  ];
};
/** Rotation about Z (roll): +angle turns up (+Y) towards the left (+X)... i.e. tilts towards +X. */
const rotZ = (t: number): Mat3 => {
  const c = Math.cos(t);
  const s = Math.sin(t);
  return [
    [c, -s, 0],
    [s, c, 0],
    [0, 0, 1],
  ];
};

/**
 * Direction of a limb hanging from a ball joint with abduction `a` and flexion `f`
 * (`side` = -1 right, +1 left): v = (side·cos f·sin a, -cos f·cos a, sin f). Also returns the unit
 * tangents along f (forward swing) and along a (outward/upward swing), which span the bend plane.
 */
function limbDir(a: number, f: number, side: number): { v: Vec3; df: Vec3; da: Vec3 } {
  const ca = Math.cos(a);
  const sa = Math.sin(a);
  const cf = Math.cos(f);
  const sf = Math.sin(f);
  const v: Vec3 = [side * cf * sa, -cf * ca, sf];
  const df: Vec3 = [-side * sf * sa, sf * ca, cf];
  // d v / d a = (side·cf·ca, cf·sa, 0), normalised; degenerate when cos f = 0 (limb along Z)
  const da: Vec3 = Math.abs(cf) > 1e-6 ? [side * ca, sa, 0] : [side, 0, 0];
  return { v, df, da };
}

/** Standard segment lengths (body heights) before the identity's factors. */
const SEG = {
  ankleHeight: 0.045,
  shin: 0.24,
  thigh: 0.235,
  hipDrop: 0.02, // hip joints below the pelvis centre
  hipHalf: 0.082,
  torso: 0.285, // pelvis centre to neck
  shoulderHalf: 0.118,
  shoulderDrop: 0.012,
  neck: 0.045, // neck joint to the base of the head
  headRy: 0.068,
  headRx: 0.058,
  upperArm: 0.165,
  forearm: 0.145,
  hand: 0.045,
  foot: 0.07,
  torsoDepth: 0.062,
};

/**
 * Forward kinematics: joint angles + body shape -> 3D points, with the lowest foot on the ground
 * (Y = 0) and the pelvis centred on X = Z = 0 before the yaw.
 */
export function forwardKinematics(p: PoseParams, shape: BodyShape): Body3D {
  const b = shape.build;
  const L = shape.legs;
  const hs = shape.head;
  const pelvis: Vec3 = [0, 0, 0];
  const hipHalf = SEG.hipHalf * b * shape.hips;
  const hips: Vec3[] = [
    [-hipHalf, -SEG.hipDrop, 0],
    [hipHalf, -SEG.hipDrop, 0],
  ];
  const knees: Vec3[] = [];
  const ankles: Vec3[] = [];
  const toes: Vec3[] = [];
  for (let k = 0; k < 2; k++) {
    const side = k === 0 ? -1 : 1;
    const { v, df } = limbDir(p.hipAbd[k], p.hipFlex[k], side);
    const knee = add(hips[k], scale(v, SEG.thigh * L));
    // the shin folds backwards: rotate v away from the forward tangent
    const kc = Math.cos(p.knee[k]);
    const ks = Math.sin(p.knee[k]);
    const shinDir = lin(v, df, kc, -ks);
    const ankle = add(knee, scale(shinDir, SEG.shin * L));
    // feet point forward, slightly outward, and stay roughly level
    const toe = add(ankle, [side * 0.012, -0.025, SEG.foot]);
    knees.push(knee);
    ankles.push(ankle);
    toes.push(toe);
  }
  // upper body: pitch, roll, then the twist about the hips' vertical axis
  const Rt = mulMM(rotY(p.twist), mulMM(rotX(p.lean), rotZ(p.sideBend)));
  const neck = mulMV(Rt, [0, SEG.torso, 0]);
  const shoulderHalf = SEG.shoulderHalf * b;
  const shoulders = [
    add(neck, mulMV(Rt, [-shoulderHalf, -SEG.shoulderDrop, 0])),
    add(neck, mulMV(Rt, [shoulderHalf, -SEG.shoulderDrop, 0])),
  ];
  const elbows: Vec3[] = [];
  const wrists: Vec3[] = [];
  const hands: Vec3[] = [];
  for (let k = 0; k < 2; k++) {
    const side = k === 0 ? -1 : 1;
    const { v, df, da } = limbDir(p.shoulderAbd[k], p.shoulderFlex[k], side);
    const tw = p.elbowTwist[k];
    const bend = lin(df, da, Math.cos(tw), Math.sin(tw));
    const ec = Math.cos(p.elbow[k]);
    const es = Math.sin(p.elbow[k]);
    const fore = lin(v, bend, ec, es);
    const elbow = add(shoulders[k], mulMV(Rt, scale(v, SEG.upperArm)));
    const wrist = add(elbow, mulMV(Rt, scale(fore, SEG.forearm)));
    elbows.push(elbow);
    wrists.push(wrist);
    hands.push(add(wrist, mulMV(Rt, scale(fore, SEG.hand))));
  }
  const Rh = mulMM(Rt, mulMM(rotY(p.headYaw), mulMM(rotX(-p.headPitch), rotZ(-p.headRoll))));
  const headRy = SEG.headRy * hs;
  const headRx = SEG.headRx * hs;
  const headCentre = add(add(neck, mulMV(Rt, [0, SEG.neck, 0])), mulMV(Rh, [0, headRy * 0.85, 0.008]));
  const hp = (x: number, y: number, z: number): Vec3 =>
    add(headCentre, mulMV(Rh, [x * headRx, y * headRy, z * headRx]));
  const nose = hp(0, -0.12, 1.12);
  const eyes = [hp(-0.36, 0.12, 0.93), hp(0.36, 0.12, 0.93)];
  const ears = [hp(-1.0, 0.0, -0.08), hp(1.0, 0.0, -0.08)];
  const waistY = 0.06;
  const waist: [Vec3, Vec3] = [mulMV(Rt, [-(hipHalf + 0.012), waistY, 0]), mulMV(Rt, [hipHalf + 0.012, waistY, 0])];

  // COCO-18, OpenPose order
  const joints: Vec3[] = [
    nose,
    neck,
    shoulders[0],
    elbows[0],
    wrists[0],
    shoulders[1],
    elbows[1],
    wrists[1],
    hips[0],
    knees[0],
    ankles[0],
    hips[1],
    knees[1],
    ankles[1],
    eyes[0],
    eyes[1],
    ears[0],
    ears[1],
  ];
  void pelvis;
  // put the lowest foot point on the ground
  let minY = Infinity;
  for (const a of [ankles[0], ankles[1]]) minY = Math.min(minY, a[1] - SEG.ankleHeight);
  for (const t of toes) minY = Math.min(minY, t[1] - 0.02);
  const Ry = rotY(p.yaw);
  const place = (v: Vec3): Vec3 => mulMV(Ry, [v[0], v[1] - minY, v[2]]);
  return {
    joints: joints.map(place),
    head: { centre: place(headCentre), rot: mulMM(Ry, Rh), rx: headRx, ry: headRy },
    hands: [place(hands[0]), place(hands[1])],
    toes: [place(toes[0]), place(toes[1])],
    waist: [place(waist[0]), place(waist[1])],
    torsoFwd: mulMV(Ry, mulMV(Rt, [0, 0, 1])),
    torsoUp: mulMV(Ry, mulMV(Rt, [0, 1, 0])),
    torsoDepth: SEG.torsoDepth * b,
    radius: {
      upperArm: 0.034 * b,
      forearm: 0.027 * b,
      thigh: 0.052 * b * Math.sqrt(shape.hips),
      shin: 0.038 * b,
      neck: 0.03 * b,
      hand: 0.024 * b,
      foot: 0.024 * b,
    },
  };
}

// ---------------------------------------------------------------------------------------------
// pose sampling

const uni = (rng: Rng, lo: number, hi: number): number => lo + (hi - lo) * rng.next();
const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[rng.int(xs.length)];

function neutral(family: PoseFamily): PoseParams {
  return {
    family,
    yaw: 0,
    lean: 0,
    sideBend: 0,
    twist: 0,
    headYaw: 0,
    headPitch: 0,
    headRoll: 0,
    shoulderAbd: [0.15, 0.15],
    shoulderFlex: [0, 0],
    elbow: [0.15, 0.15],
    elbowTwist: [0, 0],
    hipFlex: [0, 0],
    hipAbd: [0.05, 0.05],
    knee: [0.05, 0.05],
  };
}

/** Relaxed arm at the side, or (sometimes) a hand on the hip. */
function relaxedArm(p: PoseParams, k: number, rng: Rng): void {
  const r = rng.next();
  if (r < 0.2) {
    // hand on the hip: arm out-down, forearm folded inward
    p.shoulderAbd[k] = uni(rng, 0.45, 0.7);
    p.shoulderFlex[k] = uni(rng, -0.2, 0.1);
    p.elbow[k] = uni(rng, 1.5, 1.9);
    p.elbowTwist[k] = uni(rng, -1.5, -1.2);
  } else if (r < 0.35) {
    // forearm raised in front (holding something)
    p.shoulderAbd[k] = uni(rng, 0.05, 0.3);
    p.shoulderFlex[k] = uni(rng, 0.0, 0.5);
    p.elbow[k] = uni(rng, 1.2, 1.9);
    p.elbowTwist[k] = uni(rng, -0.9, 0.2);
  } else {
    p.shoulderAbd[k] = uni(rng, 0.06, 0.35);
    p.shoulderFlex[k] = uni(rng, -0.2, 0.3);
    p.elbow[k] = uni(rng, 0.05, 0.5);
    p.elbowTwist[k] = uni(rng, -0.8, 0.4);
  }
}

function standing(p: PoseParams, rng: Rng): void {
  p.yaw = rng.normal() * 0.3;
  p.lean = uni(rng, -0.05, 0.12);
  p.sideBend = rng.normal() * 0.05;
  p.twist = rng.normal() * 0.08;
  relaxedArm(p, 0, rng);
  relaxedArm(p, 1, rng);
  // weight on one leg now and then
  const w = rng.int(3);
  for (let k = 0; k < 2; k++) {
    p.hipAbd[k] = uni(rng, 0.0, 0.18);
    p.hipFlex[k] = uni(rng, -0.06, 0.08);
    p.knee[k] = uni(rng, 0.0, 0.1);
  }
  if (w < 2) {
    p.hipFlex[w] = uni(rng, 0.1, 0.3);
    p.knee[w] = uni(rng, 0.15, 0.45);
  }
}

function walking(p: PoseParams, rng: Rng): void {
  const phase = uni(rng, 0, 2 * Math.PI);
  const amp = uni(rng, 0.3, 0.5);
  const s = Math.sin(phase);
  p.yaw = pick(rng, [-1, 1]) * uni(rng, 0, 1.5);
  p.lean = uni(rng, 0.0, 0.12);
  p.twist = -0.12 * s;
  for (let k = 0; k < 2; k++) {
    const sg = k === 0 ? 1 : -1;
    p.hipFlex[k] = sg * amp * s;
    p.hipAbd[k] = uni(rng, 0.0, 0.08);
    // the swinging (forward-moving) leg bends; the stance leg is almost straight
    const swing = Math.max(0, Math.sin(phase + (k === 0 ? 0.9 : 0.9 + Math.PI)));
    p.knee[k] = 0.08 + 0.75 * swing;
    p.shoulderFlex[k] = -sg * amp * 0.9 * s;
    p.shoulderAbd[k] = uni(rng, 0.05, 0.2);
    p.elbow[k] = uni(rng, 0.2, 0.5) + Math.max(0, -sg * s) * 0.5;
    p.elbowTwist[k] = uni(rng, -0.3, 0.1);
  }
}

function armsRaised(p: PoseParams, rng: Rng): void {
  standing(p, rng);
  const mode = rng.int(4);
  const raise = (k: number): void => {
    const m = rng.int(3);
    if (m === 0) {
      // up sideways
      p.shoulderAbd[k] = uni(rng, 2.2, 2.95);
      p.shoulderFlex[k] = uni(rng, -0.2, 0.3);
      p.elbow[k] = uni(rng, 0.0, 0.5);
      p.elbowTwist[k] = uni(rng, 0.5, 1.5);
    } else if (m === 1) {
      // "goal post": upper arm horizontal, forearm up
      p.shoulderAbd[k] = uni(rng, 1.35, 1.75);
      p.shoulderFlex[k] = uni(rng, -0.1, 0.3);
      p.elbow[k] = uni(rng, 1.2, 1.7);
      p.elbowTwist[k] = uni(rng, 1.3, 1.57);
    } else {
      // horizontal sideways (T), or reaching up front
      p.shoulderAbd[k] = uni(rng, 1.3, 1.8);
      p.shoulderFlex[k] = uni(rng, -0.1, 0.6);
      p.elbow[k] = uni(rng, 0.0, 0.3);
      p.elbowTwist[k] = uni(rng, -0.2, 0.8);
    }
  };
  if (mode === 0 || mode === 3) {
    raise(0);
    raise(1);
  } else {
    raise(mode === 1 ? 0 : 1);
  }
  p.headPitch = uni(rng, -0.1, 0.25);
}

function sitting(p: PoseParams, rng: Rng): void {
  p.yaw = rng.normal() * 0.5;
  p.lean = uni(rng, 0.0, 0.3);
  p.sideBend = rng.normal() * 0.05;
  for (let k = 0; k < 2; k++) {
    p.hipFlex[k] = uni(rng, 1.35, 1.7);
    p.hipAbd[k] = uni(rng, 0.05, 0.3);
    p.knee[k] = uni(rng, 1.3, 1.8);
    // hands on the lap, or one relaxed
    if (rng.next() < 0.7) {
      p.shoulderAbd[k] = uni(rng, 0.05, 0.25);
      p.shoulderFlex[k] = uni(rng, 0.25, 0.6);
      p.elbow[k] = uni(rng, 0.9, 1.5);
      p.elbowTwist[k] = uni(rng, -0.6, 0.0);
    } else relaxedArm(p, k, rng);
  }
  if (rng.next() < 0.3) {
    // crossed-ish: one knee more bent
    p.knee[rng.int(2)] = uni(rng, 1.9, 2.3);
  }
}

function turning(p: PoseParams, rng: Rng): void {
  standing(p, rng);
  p.yaw = pick(rng, [-1, 1]) * uni(rng, 0.6, 1.7);
  p.twist = rng.normal() * 0.25;
  // the head often looks back towards the camera
  p.headYaw = -Math.sign(p.yaw) * uni(rng, 0, 0.9);
}

function randomMix(p: PoseParams, rng: Rng): void {
  // every angle uniform in the middle 80 % of its range, but keep the legs support-plausible
  const keys = Object.keys(JOINT_LIMITS) as AngleKey[];
  for (const key of keys) {
    const [lo, hi] = JOINT_LIMITS[key];
    const a = lo + 0.1 * (hi - lo);
    const b = hi - 0.1 * (hi - lo);
    const v = p[key];
    if (Array.isArray(v)) {
      v[0] = uni(rng, a, b);
      v[1] = uni(rng, a, b);
    } else (p as unknown as Record<string, number>)[key] = uni(rng, a, b);
  }
  p.lean = uni(rng, -0.1, 0.35);
  p.headPitch *= 0.5;
  p.headRoll *= 0.5;
  // one stance leg
  const st = rng.int(2);
  p.hipFlex[st] = uni(rng, -0.1, 0.2);
  p.knee[st] = uni(rng, 0, 0.3);
  p.hipFlex[1 - st] = uni(rng, -0.4, 1.2);
  p.knee[1 - st] = uni(rng, 0, 1.6);
  p.hipAbd[0] = uni(rng, 0, 0.4);
  p.hipAbd[1] = uni(rng, 0, 0.4);
}

const FAMILY_WEIGHTS: ReadonlyArray<[PoseFamily, number]> = [
  ['standing', 0.2],
  ['walking', 0.2],
  ['armsRaised', 0.17],
  ['sitting', 0.13],
  ['turning', 0.17],
  ['random', 0.13],
];

/** Draws a pose family (fixed weights: standing .2, walking .2, armsRaised .17, sitting .13, turning .17, random .13). */
export function sampleFamily(rng: Rng): PoseFamily {
  let r = rng.next();
  for (const [f, w] of FAMILY_WEIGHTS) {
    if (r < w) return f;
    r -= w;
  }
  return 'random';
}

/** Samples joint angles of the given family (or a drawn one) from `rng`; always inside JOINT_LIMITS. */
export function samplePoseParams(rng: Rng, family: PoseFamily = sampleFamily(rng)): PoseParams {
  const p = neutral(family);
  switch (family) {
    case 'standing':
      standing(p, rng);
      break;
    case 'walking':
      walking(p, rng);
      break;
    case 'armsRaised':
      armsRaised(p, rng);
      break;
    case 'sitting':
      sitting(p, rng);
      break;
    case 'turning':
      turning(p, rng);
      break;
    default:
      randomMix(p, rng);
  }
  if (family !== 'turning' && family !== 'random') {
    p.headYaw = rng.normal() * 0.3;
  }
  p.headPitch += rng.normal() * 0.08;
  p.headRoll += rng.normal() * 0.06;
  return clampToLimits(p);
}

/** Clamps every angle into JOINT_LIMITS (the samplers' own draws; user input is never clamped). */
export function clampToLimits(p: PoseParams): PoseParams {
  for (const key of Object.keys(JOINT_LIMITS) as AngleKey[]) {
    const [lo, hi] = JOINT_LIMITS[key];
    const v = p[key];
    if (Array.isArray(v)) {
      v[0] = Math.min(hi, Math.max(lo, v[0]));
      v[1] = Math.min(hi, Math.max(lo, v[1]));
    } else (p as unknown as Record<string, number>)[key] = Math.min(hi, Math.max(lo, v as number));
  }
  return p;
}

/** Samples a body shape. */
export function sampleBodyShape(rng: Rng): BodyShape {
  return {
    height: uni(rng, 0.9, 1.06),
    build: uni(rng, 0.82, 1.22),
    legs: uni(rng, 0.95, 1.05),
    head: uni(rng, 0.92, 1.1),
    hips: uni(rng, 0.75, 1.05),
  };
}
