/*
 * Analytic pose maps: per-joint Gaussian heatmaps (differentiable) and PG2-style solid disks.
 * Layout: [N,H,W,J] float32, NHWC, one channel per joint in the skeleton's order.
 */
import * as tf from '@tensorflow/tfjs-core';
import { DGPoseError, assertShape } from '@dgpose/core';
import {
  type CoordRows,
  type CoordSpace,
  type FrameSize,
  type VisibleRows,
  normalizedToPixel,
  packCoordRows,
  validateCoordSpace,
  validateFrameSize,
} from './coords';

/** Options of {@link gaussianHeatmaps}. */
export interface GaussianHeatmapOptions extends FrameSize {
  /** Standard deviation in pixels (> 0). Default {@link defaultSigma}(height): 6 px at 256 px, scaled. */
  sigma?: number;
  /** Space of the input coordinates. Default 'pixels'. See coords.ts for the conventions. */
  coords?: CoordSpace;
  /** Expected joint count J (E_JOINTS when the input disagrees). Default: taken from the input. */
  joints?: number;
  /** Plain inputs only: accept visible joints outside the frame instead of throwing E_ARG. Default false. */
  allowOutside?: boolean;
}

/**
 * σ of pose-gan / Pose-Transfer (6 px at 256 px height, `cords_to_map(..., sigma=6)`), scaled with
 * the image height: 1.5 px at 64, 3 px at 128.
 */
export function defaultSigma(height: number): number {
  return (6 * height) / 256;
}

/** Radius of PG2's solid disks (4 px at 256 px height, `_getSparsePose(radius=4)`), scaled: 1 at 64, 2 at 128. */
export function defaultDiskRadius(height: number): number {
  return (4 * height) / 256;
}

function checkSigma(sigma: number): void {
  if (!(typeof sigma === 'number' && Number.isFinite(sigma) && sigma > 0)) {
    throw new DGPoseError('E_ARG', 'sigma must be a finite number > 0 (pixels)', {
      argument: 'sigma',
      expected: '> 0',
      got: sigma,
    });
  }
}

/** Frame size and coordinate space of an options object, validated (E_ARG naming `opts`). */
function frameAndSpace(opts: FrameSize & { coords?: CoordSpace }): { size: FrameSize; space: CoordSpace } {
  const size = { width: opts?.width, height: opts?.height };
  validateFrameSize(size, 'opts');
  const space = opts.coords ?? 'pixels';
  validateCoordSpace(space, 'opts.coords');
  return { size, space };
}

/** Calls `fn(b, q, x, y)` for every visible joint q of row b of packed rows, (x, y) in pixels. */
function forEachVisibleJoint(
  p: { n: number; j: number; coords: Float32Array; visible: Float32Array },
  space: CoordSpace,
  size: FrameSize,
  fn: (b: number, q: number, x: number, y: number) => void,
): void {
  const { n, j } = p;
  for (let b = 0; b < n; b++) {
    for (let q = 0; q < j; q++) {
      if (p.visible[b * j + q] === 0) continue;
      const x = p.coords[(b * j + q) * 2];
      const y = p.coords[(b * j + q) * 2 + 1];
      if (space === 'normalized') fn(b, q, normalizedToPixel(x, size.width), normalizedToPixel(y, size.height));
      else fn(b, q, x, y);
    }
  }
}

/**
 * Coordinates and visibility as tensors [N,2J] / [N,J] (new tensors the caller owns), validated
 * (plain inputs fully, tensors by shape). Internal: shared with the learned mapper.
 */
export function coordTensors(
  coords: tf.Tensor | CoordRows,
  visible: tf.Tensor | VisibleRows | null | undefined,
  opts: { size: FrameSize; space: CoordSpace; joints?: number; allowOutside?: boolean },
): { c: tf.Tensor2D; v: tf.Tensor2D; n: number; j: number } {
  if (coords instanceof tf.Tensor) {
    if (coords.rank !== 2 || (coords.shape[1] as number) % 2 !== 0) {
      throw new DGPoseError('E_SHAPE', 'coords must be a [N,2J] tensor', {
        argument: 'coords',
        expected: '[N,2J]',
        got: coords.shape,
      });
    }
    const [n, twoJ] = coords.shape;
    const j = twoJ / 2;
    if (opts.joints !== undefined && opts.joints !== j) {
      throw new DGPoseError('E_JOINTS', 'coords has the wrong joint count', {
        argument: 'coords',
        expected: `[N,${2 * opts.joints}]`,
        got: coords.shape,
      });
    }
    let v: tf.Tensor2D;
    if (visible == null) v = tf.ones([n, j]);
    else if (visible instanceof tf.Tensor) {
      if (visible.rank === 2 && visible.shape[0] === n && visible.shape[1] !== j) {
        throw new DGPoseError('E_JOINTS', 'visible has a different joint count from coords', {
          argument: 'visible',
          expected: [n, j],
          got: visible.shape,
        });
      }
      assertShape('visible', visible.shape, [n, j]);
      v = tf.cast(visible, 'float32') as tf.Tensor2D;
    } else {
      const packed = packCoordRows(
        Array.from({ length: n }, () => new Float32Array(2 * j)),
        visible,
        { ...opts, joints: j, argument: 'coords' },
      );
      v = tf.tensor2d(packed.visible, [n, j]);
    }
    return { c: tf.cast(coords, 'float32') as tf.Tensor2D, v, n, j };
  }
  if (visible instanceof tf.Tensor) {
    throw new DGPoseError('E_ARG', 'visible must be plain rows when coords are plain rows', {
      argument: 'visible',
      expected: 'number[][] or null',
      got: 'a tensor',
    });
  }
  const p = packCoordRows(coords, visible, opts);
  return { c: tf.tensor2d(p.coords, [p.n, 2 * p.j]), v: tf.tensor2d(p.visible, [p.n, p.j]), n: p.n, j: p.j };
}

/**
 * Per-joint Gaussian heatmaps, H_j(u,v) = exp(-((u-x_j)² + (v-y_j)²) / (2σ²)), with u the column and
 * v the row of a pixel centre (pose-gan `cords_to_map`, docs/paper-notes.md §4.3 / §5.3 proposal A).
 * A missing joint (visible 0) gives an all-zero channel.
 *
 * Differentiable with respect to `coords` (built from range, broadcasting and exp; the Gaussian is
 * separable, so exp runs on N·(H+W)·J values). Plain-array inputs are validated fully (finite, in the
 * frame, joint counts); tensor inputs only by shape, since reading them would need a sync download:
 * call {@link checkCoords} first when tensor values are untrusted.
 *
 * @param coords [N,2J] x0,y0,x1,y1,... in pixels (default) or normalised (`opts.coords`).
 * @param visible [N,J] 1/0, or null/undefined for all visible.
 * @returns [N,H,W,J] float32 in [0,1] (the caller owns it).
 */
export function gaussianHeatmaps(
  coords: tf.Tensor | CoordRows,
  visible: tf.Tensor | VisibleRows | null | undefined,
  opts: GaussianHeatmapOptions,
): tf.Tensor4D {
  const { size, space } = frameAndSpace(opts);
  const sigma = opts.sigma ?? defaultSigma(size.height);
  checkSigma(sigma);
  const { width: W, height: H } = size;
  return tf.tidy(() => {
    const { c, v, n, j } = coordTensors(coords, visible, {
      size,
      space,
      joints: opts.joints,
      allowOutside: opts.allowOutside,
    });
    // Missing joints may hold anything (NaN too) in a tensor: replace them before exp so 0·NaN never happens.
    const v2 = tf.reshape(tf.tile(tf.reshape(v, [n, j, 1]), [1, 1, 2]), [n, 2 * j]);
    let xy: tf.Tensor = tf.where(tf.greater(v2, 0), c, tf.zerosLike(c));
    if (space === 'normalized') {
      // x = (x'+1)(W-1)/2, y = (y'+1)(H-1)/2 (aligned corners, coords.ts)
      const half = tf.tile(tf.tensor1d([(W - 1) / 2, (H - 1) / 2]), [j]);
      xy = tf.mul(tf.add(xy, 1), half);
    }
    const pts = tf.reshape(xy, [n, j, 2]);
    const x = tf.reshape(tf.slice(pts, [0, 0, 0], [n, j, 1]), [n, 1, 1, j]);
    const y = tf.reshape(tf.slice(pts, [0, 0, 1], [n, j, 1]), [n, 1, 1, j]);
    const u = tf.reshape(tf.range(0, W, 1, 'float32'), [1, 1, W, 1]);
    const r = tf.reshape(tf.range(0, H, 1, 'float32'), [1, H, 1, 1]);
    const k = -1 / (2 * sigma * sigma);
    const gx = tf.exp(tf.mul(tf.square(tf.sub(u, x)), k)); // [N,1,W,J]
    const gy = tf.exp(tf.mul(tf.square(tf.sub(r, y)), k)); // [N,H,1,J]
    return tf.mul(tf.mul(gy, gx), tf.reshape(v, [n, 1, 1, j])) as tf.Tensor4D;
  });
}

/**
 * Plain-array twin of {@link gaussianHeatmaps}: the same maps as a Float32Array laid out [N,H,W,J].
 * Inputs are validated fully (finite, in the frame, joint counts).
 */
export function gaussianHeatmapsArray(
  coords: CoordRows,
  visible: VisibleRows | null | undefined,
  opts: GaussianHeatmapOptions,
): { data: Float32Array; shape: [number, number, number, number] } {
  const { size, space } = frameAndSpace(opts);
  const sigma = opts.sigma ?? defaultSigma(size.height);
  checkSigma(sigma);
  const { width: W, height: H } = size;
  const p = packCoordRows(coords, visible, { size, space, joints: opts.joints, allowOutside: opts.allowOutside });
  const { n, j } = p;
  const data = new Float32Array(n * H * W * j);
  const gx = new Float64Array(W);
  const gy = new Float64Array(H);
  const k = -1 / (2 * sigma * sigma);
  forEachVisibleJoint(p, space, size, (b, q, x, y) => {
    for (let u = 0; u < W; u++) gx[u] = Math.exp(k * (u - x) * (u - x));
    for (let r = 0; r < H; r++) gy[r] = Math.exp(k * (r - y) * (r - y));
    for (let r = 0; r < H; r++) {
      const base = (b * H + r) * W * j + q;
      for (let u = 0; u < W; u++) data[base + u * j] = gy[r] * gx[u];
    }
  });
  return { data, shape: [n, H, W, j] };
}

/** Options of {@link diskHeatmaps}. */
export interface DiskHeatmapOptions extends FrameSize {
  /** Disk radius in pixels (>= 0). Default {@link defaultDiskRadius}(height): 4 px at 256 px, scaled. */
  radius?: number;
  /** '01': 1 inside the disk, 0 elsewhere (PG2's sparse map); 'pm1': mapped to [-1,1] as PG2 feeds it (`pose*2-1`). Default '01'. */
  range?: '01' | 'pm1';
  /** Space of the input coordinates. Default 'pixels'. */
  coords?: CoordSpace;
  /** Expected joint count J. */
  joints?: number;
  /** Accept visible joints outside the frame (their disks are cut at the border). Default false. */
  allowOutside?: boolean;
}

/**
 * PG2 solid disk maps (charliememory/Pose-Guided-Person-Image-Generation `datasets/convert_DF.py`
 * `_getSparsePose(radius=4, mode='Solid')`): channel j is 1 on every pixel whose integer offset (i, k)
 * from the joint's pixel satisfies i² + k² <= radius², else 0. PG2 truncates the coordinates with
 * int(); we round to the nearest pixel centre, which is what a coordinate means here (coords.ts).
 * Missing joints give empty channels (-1 everywhere with range 'pm1'). Not differentiable.
 * Returns [N,H,W,J] float32 in [0,1] ('01') or {-1,1} ('pm1').
 */
export function diskHeatmapsArray(
  coords: CoordRows,
  visible: VisibleRows | null | undefined,
  opts: DiskHeatmapOptions,
): { data: Float32Array; shape: [number, number, number, number] } {
  const { size, space } = frameAndSpace(opts);
  const radius = opts.radius ?? defaultDiskRadius(size.height);
  if (!(Number.isFinite(radius) && radius >= 0)) {
    throw new DGPoseError('E_ARG', 'radius must be a finite number >= 0 (pixels)', {
      argument: 'radius',
      expected: '>= 0',
      got: radius,
    });
  }
  const range = opts.range ?? '01';
  if (range !== '01' && range !== 'pm1') {
    throw new DGPoseError('E_ARG', "range must be '01' or 'pm1'", {
      argument: 'range',
      expected: ['01', 'pm1'],
      got: range,
    });
  }
  const { width: W, height: H } = size;
  const p = packCoordRows(coords, visible, { size, space, joints: opts.joints, allowOutside: opts.allowOutside });
  const { n, j } = p;
  const data = new Float32Array(n * H * W * j);
  const rr = Math.floor(radius);
  forEachVisibleJoint(p, space, size, (b, q, x, y) => {
    const cx = Math.round(x);
    const cy = Math.round(y);
    for (let i = -rr; i <= rr; i++) {
      for (let k = -rr; k <= rr; k++) {
        const r = cy + i;
        const u = cx + k;
        if (i * i + k * k <= radius * radius && r >= 0 && r < H && u >= 0 && u < W)
          data[((b * H + r) * W + u) * j + q] = 1;
      }
    }
  });
  if (range === 'pm1') for (let i = 0; i < data.length; i++) data[i] = data[i] * 2 - 1;
  return { data, shape: [n, H, W, j] };
}

/** Tensor form of {@link diskHeatmapsArray}: [N,H,W,J] float32 (the caller owns it). */
export function diskHeatmaps(
  coords: CoordRows,
  visible: VisibleRows | null | undefined,
  opts: DiskHeatmapOptions,
): tf.Tensor4D {
  const { data, shape } = diskHeatmapsArray(coords, visible, opts);
  return tf.tensor4d(data, shape);
}

/**
 * Async value check for tensor inputs of {@link gaussianHeatmaps} and the learned mapper: reads the
 * tensors (an IO boundary) and throws what the plain-array path throws (E_NAN, E_ARG out of frame,
 * E_JOINTS, visibility not 0/1).
 */
export async function checkCoords(
  coords: tf.Tensor,
  visible: tf.Tensor | null | undefined,
  opts: FrameSize & { coords?: CoordSpace; joints?: number; allowOutside?: boolean },
): Promise<void> {
  if (coords.rank !== 2 || (coords.shape[1] as number) % 2 !== 0) {
    throw new DGPoseError('E_SHAPE', 'coords must be a [N,2J] tensor', {
      argument: 'coords',
      expected: '[N,2J]',
      got: coords.shape,
    });
  }
  const [n, twoJ] = coords.shape;
  const c = await coords.data();
  const v = visible == null ? null : await visible.data();
  if (visible != null) assertShape('visible', visible.shape, [n, twoJ / 2]);
  const rows = Array.from({ length: n }, (_, b) => c.subarray(b * twoJ, (b + 1) * twoJ) as ArrayLike<number>);
  const vrows =
    v == null
      ? null
      : Array.from({ length: n }, (_, b) => v.subarray((b * twoJ) / 2, ((b + 1) * twoJ) / 2) as ArrayLike<number>);
  packCoordRows(rows, vrows, {
    size: { width: opts.width, height: opts.height },
    space: opts.coords ?? 'pixels',
    joints: opts.joints,
    allowOutside: opts.allowOutside,
  });
}
