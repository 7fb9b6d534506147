/*
 * Appearance of a synthetic identity and the renderer that turns (identity, pose) into an RGB
 * image and COCO-18 keypoints. Universal code: no Node imports.
 */
import type { Rng } from '@dgpose/core';
import { type BodyShape, type PoseParams, type Vec3, forwardKinematics, sampleBodyShape } from './synthetic-body';
import {
  type Canvas,
  type Paint,
  type RGB,
  convexHull,
  fillCapsule,
  fillEllipse,
  fillRoundedPolygon,
  shadowEllipse,
} from './synthetic-raster';

export const HAIR_STYLES = ['short', 'long', 'bun', 'buzz', 'bob'] as const;
export type HairStyle = (typeof HAIR_STYLES)[number];
export const PATTERNS = ['solid', 'stripes', 'checks', 'dots'] as const;
export type Pattern = (typeof PATTERNS)[number];
export const BACKGROUND_STYLES = ['solid', 'gradient', 'floor', 'texture'] as const;
export type BackgroundStyle = (typeof BACKGROUND_STYLES)[number];

/** Everything that makes an identity look like itself (colours are linear-ish RGB in [0, 1]). */
export interface SyntheticAppearance {
  shape: BodyShape;
  skin: RGB;
  hair: RGB;
  hairStyle: HairStyle;
  eyes: RGB;
  shirt: RGB;
  shirtAlt: RGB;
  shirtPattern: Pattern;
  sleeves: 'none' | 'short' | 'long';
  trousers: RGB;
  trouserStyle: 'long' | 'shorts' | 'skirt';
  shoes: RGB;
  /** The background belongs to the identity (same in all its poses), so pose-transfer targets are exact. */
  background: {
    style: BackgroundStyle;
    a: RGB;
    b: RGB;
    horizon: number;
    fx: number;
    fy: number;
    px: number;
    py: number;
  };
  seatColor: RGB;
}

const SKIN: RGB[] = [
  [0.98, 0.84, 0.74],
  [0.95, 0.78, 0.65],
  [0.89, 0.69, 0.55],
  [0.8, 0.58, 0.43],
  [0.67, 0.46, 0.32],
  [0.52, 0.35, 0.24],
  [0.4, 0.26, 0.18],
];
const HAIR: RGB[] = [
  [0.06, 0.05, 0.05],
  [0.18, 0.11, 0.07],
  [0.33, 0.21, 0.12],
  [0.6, 0.45, 0.25],
  [0.85, 0.72, 0.45],
  [0.6, 0.25, 0.1],
  [0.7, 0.7, 0.7],
];
const TROUSERS: RGB[] = [
  [0.16, 0.24, 0.45], // denim
  [0.25, 0.35, 0.55],
  [0.1, 0.1, 0.12],
  [0.35, 0.35, 0.38],
  [0.66, 0.58, 0.42], // khaki
  [0.4, 0.28, 0.2],
];

function hsv(h: number, s: number, v: number): RGB {
  const i = Math.floor(h * 6);
  const f = h * 6 - i;
  const p = v * (1 - s);
  const q = v * (1 - f * s);
  const t = v * (1 - (1 - f) * s);
  switch (((i % 6) + 6) % 6) {
    case 0:
      return [v, t, p];
    case 1:
      return [q, v, p];
    case 2:
      return [p, v, t];
    case 3:
      return [p, q, v];
    case 4:
      return [t, p, v];
    default:
      return [v, p, q];
  }
}

const uni = (rng: Rng, lo: number, hi: number): number => lo + (hi - lo) * rng.next();
const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[rng.int(xs.length)];
const jitter = (rng: Rng, c: RGB, a: number): RGB => [
  Math.min(1, Math.max(0, c[0] + (rng.next() - 0.5) * a)),
  Math.min(1, Math.max(0, c[1] + (rng.next() - 0.5) * a)),
  Math.min(1, Math.max(0, c[2] + (rng.next() - 0.5) * a)),
];

/** Samples an identity's appearance. */
export function sampleAppearance(rng: Rng): SyntheticAppearance {
  const shape = sampleBodyShape(rng);
  const skin = jitter(rng, pick(rng, SKIN), 0.05);
  const hair = jitter(rng, pick(rng, HAIR), 0.05);
  const shirt = hsv(rng.next(), uni(rng, 0.15, 0.85), uni(rng, 0.35, 0.95));
  const patternR = rng.next();
  const shirtPattern: Pattern =
    patternR < 0.45 ? 'solid' : patternR < 0.7 ? 'stripes' : patternR < 0.88 ? 'checks' : 'dots';
  const shirtAlt: RGB = rng.next() < 0.5 ? [0.95, 0.95, 0.93] : hsv(rng.next(), uni(rng, 0.2, 0.9), uni(rng, 0.2, 0.9));
  const trouserStyleR = rng.next();
  const trouserStyle = trouserStyleR < 0.62 ? 'long' : trouserStyleR < 0.82 ? 'shorts' : 'skirt';
  const trousers =
    rng.next() < 0.7 ? jitter(rng, pick(rng, TROUSERS), 0.06) : hsv(rng.next(), uni(rng, 0.2, 0.8), uni(rng, 0.2, 0.8));
  const sleevesR = rng.next();
  const bgStyle = pick(rng, BACKGROUND_STYLES);
  const bgA = hsv(rng.next(), uni(rng, 0.0, 0.45), uni(rng, 0.45, 0.98));
  const bgB = hsv(rng.next(), uni(rng, 0.0, 0.45), uni(rng, 0.3, 0.9));
  return {
    shape,
    skin,
    hair,
    hairStyle: pick(rng, HAIR_STYLES),
    eyes: jitter(rng, [0.12, 0.09, 0.07], 0.06),
    shirt,
    shirtAlt,
    shirtPattern,
    sleeves: sleevesR < 0.15 ? 'none' : sleevesR < 0.6 ? 'short' : 'long',
    trousers,
    trouserStyle,
    shoes:
      rng.next() < 0.6 ? jitter(rng, [0.1, 0.08, 0.07], 0.05) : hsv(rng.next(), uni(rng, 0, 0.6), uni(rng, 0.3, 0.95)),
    background: {
      style: bgStyle,
      a: bgA,
      b: bgB,
      horizon: uni(rng, 0.62, 0.82),
      fx: uni(rng, 2, 7),
      fy: uni(rng, 2, 7),
      px: uni(rng, 0, 6.283),
      py: uni(rng, 0, 6.283),
    },
    seatColor: hsv(rng.next(), uni(rng, 0.1, 0.5), uni(rng, 0.2, 0.55)),
  };
}

/** Fills the canvas with the identity's background (depends on the canvas size only through scaling). */
export function drawBackground(cv: Canvas, bg: SyntheticAppearance['background']): void {
  const { width: W, height: H, rgb } = cv;
  const [ar, ag, ab] = bg.a;
  const [br, bgc, bb] = bg.b;
  if (bg.style === 'solid') {
    for (let i = 0; i < W * H * 3; i += 3) {
      rgb[i] = ar;
      rgb[i + 1] = ag;
      rgb[i + 2] = ab;
    }
    return;
  }
  if (bg.style === 'gradient' || bg.style === 'floor') {
    const hy = bg.horizon * H;
    for (let y = 0; y < H; y++) {
      let r: number;
      let g: number;
      let b: number;
      if (bg.style === 'gradient') {
        const t = y / (H - 1);
        r = ar + (br - ar) * t;
        g = ag + (bgc - ag) * t;
        b = ab + (bb - ab) * t;
      } else if (y < hy) {
        // wall, slightly lighter at the top
        const t = 1.05 - 0.12 * (y / hy);
        r = ar * t;
        g = ag * t;
        b = ab * t;
      } else {
        // floor, darker towards the viewer
        const t = 0.95 - 0.25 * ((y - hy) / Math.max(1, H - hy));
        r = br * t;
        g = bgc * t;
        b = bb * t;
      }
      r = Math.min(1, r);
      g = Math.min(1, g);
      b = Math.min(1, b);
      for (let x = 0, i = y * W * 3; x < W; x++, i += 3) {
        rgb[i] = r;
        rgb[i + 1] = g;
        rgb[i + 2] = b;
      }
    }
    return;
  }
  // texture: separable low-frequency waves, resolution independent
  const cx = new Float32Array(W);
  const sx = new Float32Array(W);
  const cy = new Float32Array(H);
  const sy = new Float32Array(H);
  for (let x = 0; x < W; x++) {
    cx[x] = Math.sin((x / W) * bg.fx * 6.283 + bg.px);
    sx[x] = Math.cos((x / W) * bg.fy * 3.1 + bg.py);
  }
  for (let y = 0; y < H; y++) {
    cy[y] = Math.sin((y / H) * bg.fy * 6.283 + bg.py);
    sy[y] = Math.cos((y / H) * bg.fx * 3.7 + bg.px);
  }
  for (let y = 0; y < H; y++) {
    for (let x = 0, i = y * W * 3; x < W; x++, i += 3) {
      const t = 0.5 + 0.25 * (cx[x] * cy[y] + sx[x] * sy[y]);
      rgb[i] = ar + (br - ar) * t;
      rgb[i + 1] = ag + (bgc - ag) * t;
      rgb[i + 2] = ab + (bb - ab) * t;
    }
  }
}

/** Where the figure sits in the frame: pixels per body height, and the pixel position of the origin. */
export interface Placement {
  scale: number;
  cx: number;
  cy: number;
}

/**
 * Body-part labels of the part map that {@link renderPerson} returns (index = code; 0 = background).
 * 'top' is the shirt with its sleeves, 'bottom' the trousers, shorts or skirt, 'head' the face and hair
 * sphere, 'hair' long hair and buns behind it; a seat belongs to the background.
 */
export const PART_NAMES = ['background', 'skin', 'head', 'hair', 'top', 'bottom', 'shoes'] as const;
export type PartName = (typeof PART_NAMES)[number];
const PART = Object.freeze(Object.fromEntries(PART_NAMES.map((n, i) => [n, i]))) as Readonly<Record<PartName, number>>;

interface Prim {
  /** Part code written into the part map where this shape wins a pixel. */
  part: number;
  depth: number;
  draw: () => void;
  /** Joints this shape is attached to (a limb never hides its own end joints). */
  joints?: readonly number[];
  /** Half-thickness (body heights) of a torso-like shape: it hides joints behind its middle layer only. */
  thick?: number;
}

const solidPaint = (c: RGB): Paint => ({ color: c, alt: c, pattern: 0, period: 1 });

/**
 * Draws the head: an ellipse shaded as a sphere; hair, eyes and mouth are regions of the sphere in
 * the head's own frame, so they turn with the head (a back view shows only hair).
 */
function drawHead(
  cv: Canvas,
  cx: number,
  cy: number,
  rx: number,
  ry: number,
  rot: [Vec3, Vec3, Vec3],
  app: SyntheticAppearance,
  hairOnly: boolean,
): void {
  const W = cv.width;
  const H = cv.height;
  const x0 = Math.max(0, Math.floor(cx - rx - 1));
  const x1 = Math.min(W - 1, Math.ceil(cx + rx + 1));
  const y0 = Math.max(0, Math.floor(cy - ry - 1));
  const y1 = Math.min(H - 1, Math.ceil(cy + ry + 1));
  const rmin = Math.min(rx, ry);
  const [a0, a1, a2] = rot; // head axes (x = head's left, y = up, z = face forward) in camera space
  const style = app.hairStyle;
  const d = cv.rgb;
  const mouthOk = rmin > 5;
  for (let y = y0; y <= y1; y++) {
    const ny = (y - cy) / ry;
    for (let x = x0; x <= x1; x++) {
      const nx = (x - cx) / rx;
      const rr2 = nx * nx + ny * ny;
      const rr = Math.sqrt(rr2);
      const dist = (rr - 1) * rmin;
      if (dist >= 0.5) continue;
      const cov = dist <= -0.5 ? 1 : 0.5 - dist;
      // sphere normal in camera space (x right, y up, z to the viewer)
      const nz = rr2 >= 1 ? 0 : Math.sqrt(1 - rr2);
      const cxn = rr2 >= 1 ? nx / rr : nx;
      const cyn = rr2 >= 1 ? -ny / rr : -ny;
      // into the head frame: dot with each head axis
      const hx = cxn * a0[0] + cyn * a0[1] + nz * a0[2];
      const hy = cxn * a1[0] + cyn * a1[1] + nz * a1[2];
      const hz = cxn * a2[0] + cyn * a2[1] + nz * a2[2];
      let isHair: boolean;
      switch (style) {
        case 'long':
        case 'bob':
          isHair = hz > 0.55 ? hy > 0.42 - 0.1 * (hx * hx) : hy > (style === 'long' ? -0.75 : -0.45);
          break;
        case 'buzz':
          isHair = hy > 0.05 + 0.45 * hz;
          break;
        default:
          isHair = hy > -0.12 + 0.5 * hz;
      }
      if (hairOnly && !isHair) continue;
      let c: RGB = isHair ? app.hair : app.skin;
      if (style === 'buzz' && isHair)
        c = [(app.hair[0] + app.skin[0]) / 2, (app.hair[1] + app.skin[1]) / 2, (app.hair[2] + app.skin[2]) / 2];
      if (!isHair && hz > 0.6) {
        // eyes at (±0.36, 0.12, 0.93), mouth at (0, -0.45, 0.89) on the unit sphere
        const ex = Math.abs(hx) - 0.36;
        const ey = hy - 0.12;
        if (ex * ex + ey * ey < 0.018) c = app.eyes;
        else if (mouthOk && Math.abs(hx) < 0.2 && Math.abs(hy + 0.45) < 0.05)
          c = [app.skin[0] * 0.7, app.skin[1] * 0.45, app.skin[2] * 0.45];
      }
      const ndl = cxn * -0.45 + cyn * 0.55 + nz * 0.7;
      const shade = 0.5 + 0.62 * (ndl > 0 ? ndl : 0);
      const i = (y * W + x) * 3;
      if (cv.owner !== null && cov >= 0.5) cv.owner[(i / 3) | 0] = cv.current;
      let r = c[0] * shade;
      let g = c[1] * shade;
      let b = c[2] * shade;
      if (r > 1) r = 1;
      if (g > 1) g = 1;
      if (b > 1) b = 1;
      d[i] += (r - d[i]) * cov;
      d[i + 1] += (g - d[i + 1]) * cov;
      d[i + 2] += (b - d[i + 2]) * cov;
    }
  }
}

/** Projected 2D bounds of a body (body-height units, Y up) including limb thickness and hair. */
export function bodyBounds(pose: PoseParams, shape: BodyShape): { x0: number; x1: number; y0: number; y1: number } {
  const b = forwardKinematics(pose, shape);
  let x0 = Infinity;
  let x1 = -Infinity;
  let y0 = Infinity;
  let y1 = -Infinity;
  const pad = 0.06;
  for (const p of [...b.joints, ...b.hands, ...b.toes]) {
    x0 = Math.min(x0, p[0] - pad);
    x1 = Math.max(x1, p[0] + pad);
    y0 = Math.min(y0, p[1] - pad);
    y1 = Math.max(y1, p[1] + pad);
  }
  const h = b.head;
  x0 = Math.min(x0, h.centre[0] - h.rx * 1.3);
  x1 = Math.max(x1, h.centre[0] + h.rx * 1.3);
  y1 = Math.max(y1, h.centre[1] + h.ry * 1.25);
  y0 = Math.min(y0, 0);
  return { x0, x1, y0, y1 };
}

/**
 * Renders the person into `cv` (background first) and returns the 18 projected joints as pixel
 * coordinates [x0, y0, x1, y1, ...] (all joints, inside the frame or not), their depths (larger =
 * nearer the camera) and 1 where a joint is hidden behind another part of the body.
 */
export function renderPerson(
  cv: Canvas,
  app: SyntheticAppearance,
  pose: PoseParams,
  place: Placement,
): { coords: Float64Array; depth: Float64Array; occluded: Uint8Array; parts: Uint8Array } {
  drawBackground(cv, app.background);
  const body = forwardKinematics(pose, app.shape);
  const S = place.scale;
  const px = (v: Vec3): number => place.cx + S * v[0];
  const py = (v: Vec3): number => place.cy - S * v[1];
  const J = body.joints;
  const coords = new Float64Array(36);
  const depth = new Float64Array(18);
  for (let j = 0; j < 18; j++) {
    coords[2 * j] = px(J[j]);
    coords[2 * j + 1] = py(J[j]);
    depth[j] = J[j][2];
  }
  const R = body.radius;
  const shirtPaint: Paint = {
    color: app.shirt,
    alt: app.shirtAlt,
    pattern: PATTERNS.indexOf(app.shirtPattern),
    period: Math.max(2, 0.035 * S),
  };
  const skinPaint = solidPaint(app.skin);
  const trouserPaint = solidPaint(app.trousers);
  const shoePaint = solidPaint(app.shoes);
  const hairPaint = solidPaint(app.hair);
  const prims: Prim[] = [];
  const partOf = new Map<Paint, number>([
    [shirtPaint, PART.top],
    [skinPaint, PART.skin],
    [trouserPaint, PART.bottom],
    [shoePaint, PART.shoes],
    [hairPaint, PART.hair],
  ]);
  const capsule = (
    a: Vec3,
    b: Vec3,
    ra: number,
    rb: number,
    paint: Paint,
    bias: number,
    joints: readonly number[],
  ): void => {
    prims.push({
      part: partOf.get(paint) ?? PART.skin,
      joints,
      depth: (a[2] + b[2]) / 2 + bias,
      draw: () => fillCapsule(cv, px(a), py(a), px(b), py(b), ra * S, rb * S, paint),
    });
  };

  // ground shadow and the seat (sitting)
  const ankR = J[10];
  const ankL = J[13];
  shadowEllipse(cv, (px(ankR) + px(ankL)) / 2, place.cy, 0.17 * S, 0.035 * S, 0.35);
  if (pose.family === 'sitting') {
    const hipY = Math.min(J[8][1], J[11][1]) - R.thigh * 0.9;
    const mid: Vec3 = [(J[8][0] + J[11][0]) / 2, 0, (J[8][2] + J[11][2]) / 2];
    const hw = 0.14 * app.shape.build;
    const seatPts = [
      px([mid[0] - hw, 0, 0]),
      py([0, hipY, 0]),
      px([mid[0] + hw, 0, 0]),
      py([0, hipY, 0]),
      px([mid[0] + hw, 0, 0]),
      py([0, 0, 0]),
      px([mid[0] - hw, 0, 0]),
      py([0, 0, 0]),
    ];
    fillRoundedPolygon(cv, seatPts, 0.01 * S, solidPaint(app.seatColor), px(mid), py([0, hipY, 0]), 0, 1, hw * S);
  }

  // torso: hull of the shoulders and waist, thickened front/back by the torso depth
  const f = body.torsoFwd;
  const td = body.torsoDepth;
  const rT = 0.03 * app.shape.build;
  const torsoPts: number[] = [];
  const shoulderIn = (v: Vec3, toward: Vec3): Vec3 => [
    v[0] + (toward[0] - v[0]) * 0.12,
    v[1] - 0.01,
    v[2] + (toward[2] - v[2]) * 0.12,
  ];
  const neck = J[1];
  const torsoCorners = [shoulderIn(J[2], neck), shoulderIn(J[5], neck), body.waist[0], body.waist[1]];
  for (const c of torsoCorners) {
    for (const sgn of [-1, 1]) {
      const q: Vec3 = [c[0] + f[0] * td * sgn * 0.75, c[1] + f[1] * td * sgn * 0.75, c[2] + f[2] * td * sgn * 0.75];
      torsoPts.push(px(q), py(q));
    }
  }
  const torsoHull = convexHull(torsoPts);
  const midS: Vec3 = [(J[2][0] + J[5][0]) / 2, (J[2][1] + J[5][1]) / 2, (J[2][2] + J[5][2]) / 2];
  const midW: Vec3 = [
    (body.waist[0][0] + body.waist[1][0]) / 2,
    (body.waist[0][1] + body.waist[1][1]) / 2,
    (body.waist[0][2] + body.waist[1][2]) / 2,
  ];
  const torsoDepth = (midS[2] + midW[2]) / 2;
  {
    const ox = px(midS);
    const oy = py(midS);
    let ux = px(midW) - ox;
    let uy = py(midW) - oy;
    const l = Math.hypot(ux, uy) || 1;
    ux /= l;
    uy /= l;
    // visible half-width: the torso cross-section is an ellipse (shoulder half-width, depth)
    const sw = Math.hypot(J[5][0] - J[2][0], J[5][2] - J[2][2]) / 2;
    const cosY = Math.abs(f[2]);
    const hw = Math.sqrt((sw * cosY) ** 2 + (td * Math.sqrt(Math.max(0, 1 - cosY * cosY))) ** 2) * S;
    prims.push({
      part: PART.top,
      depth: torsoDepth,
      thick: td,
      draw: () => fillRoundedPolygon(cv, torsoHull, rT * S, shirtPaint, ox, oy, ux, uy, hw),
    });
  }
  // pelvis (trousers) from the waist to the hips
  {
    const pts: number[] = [];
    for (const c of [body.waist[0], body.waist[1], J[8], J[11]]) {
      for (const sgn of [-1, 1]) {
        const q: Vec3 = [c[0] + f[0] * td * sgn * 0.7, c[1] + f[1] * td * sgn * 0.7, c[2] + f[2] * td * sgn * 0.7];
        pts.push(px(q), py(q));
      }
    }
    const hull = convexHull(pts);
    const ox = px(midW);
    const oy = py(midW);
    prims.push({
      part: PART.bottom,
      thick: td,
      depth: torsoDepth - 0.002,
      draw: () => fillRoundedPolygon(cv, hull, R.thigh * 0.8 * S, trouserPaint, ox, oy, 0, 1, 0.1 * S),
    });
  }
  // legs
  const skirt = app.trouserStyle === 'skirt';
  for (const [hip, knee, ankle, toe] of [
    [8, 9, 10, 0],
    [11, 12, 13, 1],
  ] as const) {
    const thighPaint = skirt ? skinPaint : trouserPaint;
    const shinPaint = app.trouserStyle === 'long' ? trouserPaint : skinPaint;
    capsule(J[hip], J[knee], R.thigh, R.shin * 1.05, thighPaint, 0, [hip, knee]);
    capsule(J[knee], J[ankle], R.shin, R.shin * 0.72, shinPaint, 0, [knee, ankle]);
    capsule(J[ankle], body.toes[toe], R.foot, R.foot * 0.9, shoePaint, 0.001, [ankle]);
  }
  if (skirt) {
    // a flared skirt: hull of the waist and points part-way down the thighs
    const pts: number[] = [];
    const down = (a: Vec3, b: Vec3, t: number, out: number): Vec3 => [
      a[0] + (b[0] - a[0]) * t + out,
      a[1] + (b[1] - a[1]) * t,
      a[2] + (b[2] - a[2]) * t,
    ];
    const side = (k: number): number => (k === 0 ? -1 : 1);
    const corners: Vec3[] = [body.waist[0], body.waist[1]];
    [
      [8, 9],
      [11, 12],
    ].forEach(([h, k], i) => corners.push(down(J[h], J[k], 0.75, side(i) * 0.04 * app.shape.build)));
    for (const c of corners) {
      for (const sgn of [-1, 1]) {
        const q: Vec3 = [c[0] + f[0] * td * sgn * 0.8, c[1] + f[1] * td * sgn * 0.8, c[2] + f[2] * td * sgn * 0.8];
        pts.push(px(q), py(q));
      }
    }
    const hull = convexHull(pts);
    // in front of both thighs (a skirt covers them), never behind the torso
    const thighDepth = (a: number, b: number): number => (J[a][2] + J[b][2]) / 2;
    const skirtDepth = Math.max(torsoDepth - 0.001, thighDepth(8, 9) + 0.004, thighDepth(11, 12) + 0.004);
    prims.push({
      part: PART.bottom,
      depth: skirtDepth,
      draw: () => fillRoundedPolygon(cv, hull, 0.012 * S, trouserPaint, px(midW), py(midW), 0, 1, 0.12 * S),
    });
  }
  // arms
  for (const [sh, el, wr, hand] of [
    [2, 3, 4, 0],
    [5, 6, 7, 1],
  ] as const) {
    const upper = app.sleeves === 'none' ? skinPaint : shirtPaint;
    const lower = app.sleeves === 'long' ? shirtPaint : skinPaint;
    if (app.sleeves === 'short') {
      // a short sleeve covers the upper half of the upper arm
      const m: Vec3 = [(J[sh][0] + J[el][0]) / 2, (J[sh][1] + J[el][1]) / 2, (J[sh][2] + J[el][2]) / 2];
      capsule(J[sh], J[el], R.upperArm * 0.92, R.forearm, skinPaint, 0.0004, [sh, el]);
      capsule(J[sh], m, R.upperArm * 1.05, R.upperArm, shirtPaint, 0.0006, [sh, el]);
    } else capsule(J[sh], J[el], R.upperArm, R.forearm * 1.05, upper, 0.0005, [sh, el]);
    capsule(J[el], J[wr], R.forearm, R.forearm * 0.75, lower, 0.0005, [el, wr]);
    capsule(J[wr], body.hands[hand], R.hand * 0.9, R.hand, skinPaint, 0.0007, [wr]);
  }
  // neck, head, hair
  const h = body.head;
  const hc = h.centre;
  const rot = h.rot;
  const headDepth = Math.max(hc[2], torsoDepth + 0.002);
  const neckTop: Vec3 = [
    hc[0] - rot[1][0] * h.ry * 0.4,
    hc[1] - rot[1][1] * h.ry * 0.4,
    hc[2] - rot[1][2] * h.ry * 0.4,
  ];
  prims.push({
    part: PART.skin,
    depth: torsoDepth + 0.001,
    draw: () =>
      fillCapsule(cv, px(neck), py(neck) - 0.01 * S, px(neckTop), py(neckTop), R.neck * S, R.neck * 0.9 * S, skinPaint),
  });
  const hx = px(hc);
  const hy = py(hc);
  const back = (u: number, v: number, w: number): Vec3 => [
    hc[0] + (rot[0][0] * u + rot[1][0] * v + rot[2][0] * w),
    hc[1] + (rot[0][1] * u + rot[1][1] * v + rot[2][1] * w),
    hc[2] + (rot[0][2] * u + rot[1][2] * v + rot[2][2] * w),
  ];
  if (app.hairStyle === 'long') {
    const top = back(0, 0.1 * h.ry, -0.5 * h.rx);
    const bottom: Vec3 = [top[0], Math.max(neck[1] - 0.1, top[1] - 0.26), top[2]];
    prims.push({
      part: PART.hair,
      depth: top[2] - 0.02,
      draw: () =>
        fillCapsule(cv, px(top), py(top), px(bottom), py(bottom), h.rx * 0.95 * S, h.rx * 0.75 * S, hairPaint),
    });
  }
  if (app.hairStyle === 'bun') {
    const bun = back(0, 0.75 * h.ry, -0.75 * h.rx);
    prims.push({
      part: PART.hair,
      depth: bun[2] < hc[2] ? headDepth - 0.0005 : headDepth + 0.0005,
      draw: () => fillEllipse(cv, px(bun), py(bun), h.rx * 0.5 * S, h.rx * 0.5 * S, hairPaint),
    });
  }
  // hair volume: a slightly larger hair-only sphere behind the head
  prims.push({
    part: PART.head,
    depth: headDepth - 0.0002,
    draw: () => drawHead(cv, hx, hy - 0.05 * h.ry * S, h.rx * 1.1 * S, h.ry * 1.08 * S, rot, app, true),
  });
  prims.push({
    part: PART.head,
    depth: headDepth,
    draw: () => drawHead(cv, hx, hy, h.rx * S, h.ry * S, rot, app, false),
  });

  prims.sort((a, b) => a.depth - b.depth);
  if (cv.owner === null || cv.owner.length !== cv.width * cv.height) cv.owner = new Uint16Array(cv.width * cv.height);
  else cv.owner.fill(0);
  prims.forEach((p, k) => {
    cv.current = k + 1;
    p.draw();
  });
  cv.current = 0;
  // self-occlusion: a joint is hidden when the shape covering its pixel lies clearly in front of it
  // (more than OCCLUSION_MARGIN body heights nearer the camera; the joint's own limbs are not)
  const occluded = new Uint8Array(18);
  for (let j = 0; j < 18; j++) {
    const x = Math.round(coords[2 * j]);
    const y = Math.round(coords[2 * j + 1]);
    if (x < 0 || y < 0 || x >= cv.width || y >= cv.height) continue;
    const o = cv.owner[y * cv.width + x];
    const p = o > 0 ? prims[o - 1] : null;
    if (p && p.depth - 0.5 * (p.thick ?? 0) > depth[j] + OCCLUSION_MARGIN && !p.joints?.includes(j)) occluded[j] = 1;
  }
  // part map: the part of the shape that won each pixel (coverage >= 1/2), 0 = background
  const parts = new Uint8Array(cv.width * cv.height);
  for (let i = 0; i < parts.length; i++) {
    const o = cv.owner[i];
    if (o > 0) parts[i] = prims[o - 1].part;
  }
  return { coords, depth, occluded, parts };
}

/** Depth (body heights) by which a covering shape must be nearer than a joint to hide it. */
const OCCLUSION_MARGIN = 0.045;
