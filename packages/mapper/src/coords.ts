/*
 * Coordinate conventions shared by heatmaps, decoding and editing.
 *
 * Pixels follow @dgpose/core's Keypoint: x = column, y = row, 0 = the centre of the top-left pixel,
 * so the image spans [-0.5, W-0.5] and pixel centres are the integers 0..W-1.
 *
 * Normalised coordinates map pixel centres to [-1, 1] with the "aligned corners" convention:
 *   x' = 2x/(W-1) - 1,   x = (x'+1)(W-1)/2
 * so -1 is the centre of the first pixel and +1 the centre of the last. This is the convention of
 * every function here (heatmaps, decoding, editing, the learned mapper), so a normalised pose means
 * the same thing at 64 and at 128 px.
 *
 * Valid range. A visible joint must lie on a pixel centre range: [0, W-1] x [0, H-1] in pixels,
 * [-1, 1] in normalised form. Anything else is an error (E_ARG), never clamped; pass
 * `allowOutside: true` to render joints that fall outside the frame.
 */
import { DGPoseError, assertFinite } from '@dgpose/core';

/** Image size in pixels. */
export interface FrameSize {
  /** Width in pixels (>= 2). */
  width: number;
  /** Height in pixels (>= 2). */
  height: number;
}

/** Which coordinate space a coordinate vector is in: pixels, or normalised to [-1, 1] (aligned corners). */
export type CoordSpace = 'pixels' | 'normalized';

/** Throws E_ARG unless `size` is two integers >= 2. */
export function validateFrameSize(size: FrameSize, argument = 'size'): void {
  for (const k of ['width', 'height'] as const) {
    const v = size?.[k];
    if (!Number.isInteger(v) || v < 2) {
      throw new DGPoseError('E_ARG', `${argument}.${k} must be an integer >= 2`, {
        argument: `${argument}.${k}`,
        expected: 'integer >= 2',
        got: v,
      });
    }
  }
}

/** Throws E_ARG unless `space` is 'pixels' or 'normalized'. */
export function validateCoordSpace(space: unknown, argument = 'coords'): asserts space is CoordSpace {
  if (space !== 'pixels' && space !== 'normalized') {
    throw new DGPoseError('E_ARG', `${argument} must be 'pixels' or 'normalized'`, {
      argument,
      expected: ['pixels', 'normalized'],
      got: space,
    });
  }
}

/** Pixel -> normalised along an axis of `n` pixels: 2p/(n-1) - 1. */
export function pixelToNormalized(p: number, n: number): number {
  return (2 * p) / (n - 1) - 1;
}

/** Normalised -> pixel along an axis of `n` pixels: (q+1)(n-1)/2. */
export function normalizedToPixel(q: number, n: number): number {
  return ((q + 1) * (n - 1)) / 2;
}

/**
 * Converts a flat coordinate vector x0,y0,x1,y1,... between spaces (returns a new Float32Array).
 * Values are converted whether or not the joint is visible.
 */
export function convertCoords(
  coords: ArrayLike<number>,
  size: FrameSize,
  from: CoordSpace,
  to: CoordSpace,
): Float32Array {
  validateFrameSize(size);
  validateCoordSpace(from, 'from');
  validateCoordSpace(to, 'to');
  const out = Float32Array.from(coords);
  if (from === to) return out;
  for (let i = 0; i < out.length; i++) {
    const n = i % 2 === 0 ? size.width : size.height;
    out[i] = from === 'pixels' ? pixelToNormalized(out[i], n) : normalizedToPixel(out[i], n);
  }
  return out;
}

/** Coordinate rows as accepted by the plain-array functions: N rows of 2J numbers (x0,y0,x1,y1,...). */
export type CoordRows = readonly ArrayLike<number>[];
/** Visibility rows: N rows of J numbers, 1 = visible, 0 = missing. */
export type VisibleRows = readonly ArrayLike<number>[];

/**
 * Validates plain coordinate rows and returns them packed as [N*2J] and [N*J] arrays.
 * - every row has 2J numbers and J visibility flags (E_JOINTS otherwise; J = `joints` when given);
 * - visible coordinates are finite (E_NAN) and inside the frame (E_ARG) unless `allowOutside`;
 * - missing joints' coordinates are ignored (stored as 0 in the packed copy).
 */
export function packCoordRows(
  coords: CoordRows,
  visible: VisibleRows | null | undefined,
  opts: { size: FrameSize; space: CoordSpace; joints?: number; allowOutside?: boolean; argument?: string },
): { n: number; j: number; coords: Float32Array; visible: Float32Array } {
  const arg = opts.argument ?? 'coords';
  if (!Array.isArray(coords) || coords.length === 0) {
    throw new DGPoseError('E_EMPTY', `${arg} must be a non-empty array of rows`, {
      argument: arg,
      expected: 'N >= 1 rows',
      got: coords,
    });
  }
  const n = coords.length;
  const first = coords[0]?.length;
  if (typeof first !== 'number' || first % 2 !== 0 || first === 0) {
    throw new DGPoseError('E_JOINTS', `${arg}[0] must hold 2J numbers (x0,y0,x1,y1,...)`, {
      argument: `${arg}[0]`,
      expected: 'an even length',
      got: first,
    });
  }
  const j = opts.joints ?? first / 2;
  if (visible != null && visible.length !== n) {
    throw new DGPoseError('E_SHAPE', 'visible must have one row per coords row', {
      argument: 'visible',
      expected: n,
      got: visible.length,
    });
  }
  const out = new Float32Array(n * 2 * j);
  const vis = new Float32Array(n * j);
  for (let b = 0; b < n; b++) {
    const row = coords[b];
    if (row?.length !== 2 * j) {
      throw new DGPoseError('E_JOINTS', `${arg}[${b}] has the wrong joint count`, {
        argument: `${arg}[${b}]`,
        expected: `${2 * j} numbers (J=${j})`,
        got: row?.length,
      });
    }
    const vrow = visible?.[b];
    if (visible != null && vrow?.length !== j) {
      throw new DGPoseError('E_JOINTS', `visible[${b}] has the wrong joint count`, {
        argument: `visible[${b}]`,
        expected: j,
        got: vrow?.length,
      });
    }
    for (let k = 0; k < j; k++) {
      const v = vrow === undefined ? 1 : vrow[k];
      if (v !== 0 && v !== 1) {
        throw new DGPoseError('E_ARG', `visible[${b}][${k}] must be 0 or 1`, {
          argument: `visible[${b}][${k}]`,
          expected: '0 or 1',
          got: v,
        });
      }
      vis[b * j + k] = v;
      if (v === 0) continue;
      const x = row[2 * k];
      const y = row[2 * k + 1];
      assertFinite(`${arg}[${b}][${2 * k}..${2 * k + 1}]`, [x, y]);
      if (!opts.allowOutside) assertInFrame(x, y, opts.size, opts.space, `${arg}[${b}] joint ${k}`);
      out[(b * j + k) * 2] = x;
      out[(b * j + k) * 2 + 1] = y;
    }
  }
  return { n, j, coords: out, visible: vis };
}

/** Throws E_ARG unless (x, y) lies on the pixel-centre range of the frame in the given space. */
export function assertInFrame(x: number, y: number, size: FrameSize, space: CoordSpace, argument: string): void {
  const [lx, hx, ly, hy] = space === 'pixels' ? [0, size.width - 1, 0, size.height - 1] : [-1, 1, -1, 1];
  // A hair of tolerance for float32 round trips of exact edge values (e.g. 1 -> pixels -> 1).
  const eps = 1e-5 * (space === 'pixels' ? Math.max(size.width, size.height) : 1);
  if (x < lx - eps || x > hx + eps || y < ly - eps || y > hy + eps) {
    throw new DGPoseError('E_ARG', `${argument} lies outside the frame`, {
      argument,
      expected: space === 'pixels' ? `x in [0, ${hx}], y in [0, ${hy}] (pixels)` : 'x, y in [-1, 1] (normalized)',
      got: [x, y],
    });
  }
}
