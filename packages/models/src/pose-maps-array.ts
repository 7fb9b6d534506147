/*
 * The pose maps of Conditional-DGPose drawn in plain JS from plain coordinates, for the task-level verbs
 * (their poses arrive as plain data): the J Gaussian joint heatmaps of @dgpose/mapper's gaussianHeatmaps,
 * then the P body-part masks of its limbMaps, into ONE [N,S,S,J+P] array uploaded as one tensor. Same
 * formulas as those two (see them for the maths); the tensor forms stay for tensor inputs and gradients.
 *
 * Why: on the wasm backend at 64 px the tensor forms cost ~3.7 ms per pose batch (limbMaps' 21 segment
 * distance maps over every pixel: a dozen full-size broadcast ops, an exp over 86k values, ten slices and a
 * concat), this 0.8 ms, most of it allocating the array: a segment's mask is only evaluated in its bounding
 * box grown by the radius where exp(−d²/2σ²) falls below e⁻¹⁶ ≈ 1.1e-7, and is 0 beyond (the tensor form
 * gives values below 1.2e-7 there; frozen.test.ts compares the two).
 */
import { DGPoseError } from '@dgpose/core';
import { LIMB_PARTS } from '@dgpose/mapper';

/** exp(−d²/2σ²) below e^−CUT counts as 0. */
const CUT = 16;

/**
 * Joint heatmaps (σ `sigma` px) then part masks, [n,S,S,J+P] float32 in [0,1], from normalised coords
 * [n·2J] (aligned corners: x = (x'+1)(S−1)/2) and visibility [n·J] (0: missing; the maps are scaled by it).
 * `parts` false: the J heatmaps alone; `jointMaps` false (default true): the P part masks alone, [n,S,S,P] (Semi,
 * whose joint maps come from its learned mapper). `into`: an array of that size to draw into (zeroed here; the
 * DGPosePoseMaps kernel draws straight into its output tensor), else a new one.
 */
export function poseMapsArray(
  coords: ArrayLike<number>,
  visible: ArrayLike<number>,
  n: number,
  opts: { size: number; joints: number; sigma: number; parts: boolean; jointMaps?: boolean },
  into?: Float32Array,
): Float32Array {
  const { size: S, joints: J, sigma } = opts;
  const P = opts.parts ? LIMB_PARTS.length : 0;
  // channels of the joint maps drawn (J, or none); the parts follow them
  const JC = opts.jointMaps === false ? 0 : J;
  const C = JC + P;
  const out = into ? into.fill(0) : new Float32Array(n * S * S * C);
  if (out.length !== n * S * S * C)
    throw new DGPoseError('E_SHAPE', 'poseMapsArray: `into` has the wrong size', {
      argument: 'into',
      expected: n * S * S * C,
      got: out.length,
    });
  const half = (S - 1) / 2;
  const gx = new Float64Array(S);
  const gy = new Float64Array(S);
  const k = -1 / (2 * sigma * sigma);
  for (let b = 0; b < n; b++) {
    const base = b * S * S * C;
    // joints: separable Gaussians, every pixel (as gaussianHeatmaps)
    for (let j = 0; j < JC; j++) {
      const v = visible[b * J + j];
      if (!(v > 0)) continue;
      const x = (coords[b * 2 * J + 2 * j] + 1) * half;
      const y = (coords[b * 2 * J + 2 * j + 1] + 1) * half;
      for (let u = 0; u < S; u++) gx[u] = Math.exp(k * (u - x) * (u - x));
      for (let r = 0; r < S; r++) gy[r] = v * Math.exp(k * (r - y) * (r - y));
      for (let r = 0; r < S; r++) {
        const g = gy[r];
        for (let u = 0, i = base + r * S * C + j; u < S; u++, i += C) out[i] = g * gx[u];
      }
    }
    // parts: max over a part's segments of v_a·v_b·exp(−d²/2σ_part²), d the distance to the segment (as limbMaps)
    const scale = S / 64;
    for (let p = 0; p < P; p++) {
      const part = LIMB_PARTS[p];
      const s = part.sigma64 * scale;
      const kp = -1 / (2 * s * s);
      const reach = Math.sqrt(CUT / -kp);
      const ch = base + JC + p;
      for (const [ja, jb] of part.segments) {
        const va = visible[b * J + ja];
        const vb = visible[b * J + jb];
        if (!(va > 0 && vb > 0)) continue;
        const w = va * vb;
        const ax = (coords[b * 2 * J + 2 * ja] + 1) * half;
        const ay = (coords[b * 2 * J + 2 * ja + 1] + 1) * half;
        const dx = (coords[b * 2 * J + 2 * jb] + 1) * half - ax;
        const dy = (coords[b * 2 * J + 2 * jb + 1] + 1) * half - ay;
        const len2 = dx * dx + dy * dy + 1e-6;
        const u0 = Math.max(0, Math.floor(Math.min(ax, ax + dx) - reach));
        const u1 = Math.min(S - 1, Math.ceil(Math.max(ax, ax + dx) + reach));
        const r0 = Math.max(0, Math.floor(Math.min(ay, ay + dy) - reach));
        const r1 = Math.min(S - 1, Math.ceil(Math.max(ay, ay + dy) + reach));
        for (let r = r0; r <= r1; r++) {
          const pv = r - ay;
          for (let u = u0, i = ch + (r * S + u0) * C; u <= u1; u++, i += C) {
            const pu = u - ax;
            let t = (pu * dx + pv * dy) / len2;
            t = t < 0 ? 0 : t > 1 ? 1 : t;
            const ex = pu - t * dx;
            const ey = pv - t * dy;
            const e = kp * (ex * ex + ey * ey);
            if (e < -CUT) continue;
            const m = w * Math.exp(e);
            if (m > out[i]) out[i] = m;
          }
        }
      }
    }
  }
  return out;
}
