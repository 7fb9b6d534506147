/*
 * A small seeded sampler of plausible COCO-18 poses for training the learned mapper (a script, not
 * part of the library). Poses the project may ship: nothing here comes from a dataset. @dgpose/datasets
 * has a richer procedural generator, but mapper may not depend on datasets, and the mapper only needs
 * joint layouts that cover the frame the way people do.
 *
 * Model, in units of body height (y down): neck at the origin; a torso leaning up to ±0.25 rad; shoulder
 * and hip widths scaled by a yaw factor (side views are narrow); arms and legs as two-bone chains with
 * joint-angle ranges and foreshortening; head with a face yaw that moves eyes/ears and hides the far
 * ear. Then a random mirror (with left/right swap = another frontal pose), a back view (mirror without
 * swap, face joints hidden), a small rotation, a scale of 45-95 % of the frame height, a translation
 * inside the frame (or, 10 % of the time, a crop that cuts the body: joints outside become missing),
 * and 5 % of the joints dropped at random.
 */
import { COCO18, type Keypoint, type Pose, createRng, type Rng } from '@dgpose/core';

type P = [number, number];

const uni = (rng: Rng, lo: number, hi: number): number => lo + (hi - lo) * rng.next();
const add = (a: P, b: P): P => [a[0] + b[0], a[1] + b[1]];
const mul = (a: P, s: number): P => [a[0] * s, a[1] * s];
/** Unit vector at angle φ from "down", turned towards `side` (-1 image left, +1 image right). */
const dir = (phi: number, side: number): P => [side * Math.sin(phi), Math.cos(phi)];

function limbChain(
  rng: Rng,
  root: P,
  side: number,
  l1: number,
  l2: number,
  a1: [number, number],
  bend: [number, number],
): [P, P] {
  const phi1 = uni(rng, a1[0], a1[1]);
  const phi2 = phi1 + uni(rng, bend[0], bend[1]);
  const mid = add(root, mul(dir(phi1, side), l1 * uni(rng, 0.6, 1)));
  const end = add(mid, mul(dir(phi2, side), l2 * uni(rng, 0.6, 1)));
  return [mid, end];
}

/** One pose in body units (null = hidden), COCO-18 order. */
function bodyPose(rng: Rng): (P | null)[] {
  const out: (P | null)[] = new Array(18).fill(null);
  const tilt = uni(rng, -0.25, 0.25);
  const down: P = [Math.sin(tilt), Math.cos(tilt)];
  const perp: P = [Math.cos(tilt), -Math.sin(tilt)]; // towards image right
  const yaw = uni(rng, 0.25, 1);
  const neck: P = [0, 0];
  const hipC = add(neck, mul(down, 0.3 * uni(rng, 0.85, 1.05)));
  out[1] = neck;
  out[2] = add(neck, mul(perp, -0.11 * yaw));
  out[5] = add(neck, mul(perp, 0.11 * yaw));
  out[8] = add(hipC, mul(perp, -0.075 * yaw));
  out[11] = add(hipC, mul(perp, 0.075 * yaw));
  // arms: 0 = hanging, pi/2 = horizontal outwards, up to raised; the forearm bends inwards mostly
  [out[3], out[4]] = limbChain(rng, out[2]!, -1, 0.16, 0.14, [-0.3, 2.6], [-2.3, 0.5]);
  [out[6], out[7]] = limbChain(rng, out[5]!, 1, 0.16, 0.14, [-0.3, 2.6], [-2.3, 0.5]);
  // legs
  [out[9], out[10]] = limbChain(rng, out[8]!, -1, 0.245, 0.235, [-0.3, 0.6], [-0.5, 0.3]);
  [out[12], out[13]] = limbChain(rng, out[11]!, 1, 0.245, 0.235, [-0.3, 0.6], [-0.5, 0.3]);
  // head: nose above the neck, face yaw xi in [-1, 1] (negative = turned to image left)
  const th = tilt + uni(rng, -0.3, 0.3);
  const nose = add(neck, mul([-Math.sin(th), -Math.cos(th)], 0.1 * uni(rng, 0.85, 1.1)));
  const xi = uni(rng, -1, 1);
  out[0] = nose;
  out[14] = add(nose, [-0.022 + 0.012 * xi, -0.022]);
  out[15] = add(nose, [0.022 + 0.012 * xi, -0.022]);
  out[16] = xi > 0.6 ? null : add(nose, [-0.055 + 0.03 * xi, -0.012]);
  out[17] = xi < -0.6 ? null : add(nose, [0.055 + 0.03 * xi, -0.012]);
  return out;
}

/** `n` seeded COCO-18 poses in pixels of a `width` x `height` frame. */
export function samplePoses(n: number, opts: { seed: number; width: number; height: number }): Pose[] {
  const rng = createRng(opts.seed);
  const { width: W, height: H } = opts;
  const poses: Pose[] = [];
  while (poses.length < n) {
    let pts = bodyPose(rng);
    if (rng.next() < 0.5) {
      // mirror with left/right swap: the same kind of frontal pose, other way round
      const m = pts.map((p) => (p === null ? null : ([-p[0], p[1]] as P)));
      pts = [...m];
      for (const [a, b] of COCO18.flipPairs) [pts[a], pts[b]] = [m[b], m[a]];
    }
    if (rng.next() < 0.2) {
      // back view: mirrored without the swap; the face is hidden
      pts = pts.map((p) => (p === null ? null : ([-p[0], p[1]] as P)));
      for (const j of [0, 14, 15]) pts[j] = null;
    }
    const rot = uni(rng, -0.15, 0.15);
    const c = Math.cos(rot);
    const s = Math.sin(rot);
    pts = pts.map((p) => (p === null ? null : ([c * p[0] - s * p[1], s * p[0] + c * p[1]] as P)));
    const vis = pts.filter((p): p is P => p !== null);
    const xs = vis.map((p) => p[0]);
    const ys = vis.map((p) => p[1]);
    const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
    let scale = (uni(rng, 0.45, 0.95) * (H - 1)) / Math.max(1e-6, y1 - y0);
    const crop = rng.next() < 0.1;
    if (!crop) scale = Math.min(scale, (W - 1) / Math.max(1e-6, x1 - x0), (H - 1) / Math.max(1e-6, y1 - y0));
    const bw = (x1 - x0) * scale;
    const bh = (y1 - y0) * scale;
    // translation: inside the frame, or anywhere that keeps the bbox overlapping it by half (crop)
    const tx = crop ? uni(rng, -bw / 2, W - 1 - bw / 2) : uni(rng, 0, Math.max(0, W - 1 - bw));
    const ty = crop ? uni(rng, -bh / 4, H - 1 - (3 * bh) / 4) : uni(rng, 0, Math.max(0, H - 1 - bh));
    const keypoints: (Keypoint | null)[] = pts.map((p) => {
      if (p === null || rng.next() < 0.05) return null;
      const x = (p[0] - x0) * scale + tx;
      const y = (p[1] - y0) * scale + ty;
      return x >= 0 && x <= W - 1 && y >= 0 && y <= H - 1 ? { x, y } : null;
    });
    if (keypoints.filter((k) => k !== null).length < 4) continue;
    poses.push({ skeleton: 'coco18', keypoints });
  }
  return poses;
}
