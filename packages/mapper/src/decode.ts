/*
 * Heatmaps -> keypoints: argmax with sub-pixel refinement, soft-argmax (differentiable), and a
 * confidence threshold that turns weak channels into missing joints.
 */
import * as tf from '@tensorflow/tfjs-core';
import { DGPoseError } from '@dgpose/core';
import { type CoordSpace, pixelToNormalized, validateCoordSpace } from './coords';

/** Sub-pixel refinement of an argmax peak (per axis, from the peak and its two neighbours). */
export type PeakRefinement =
  /**
   * Parabola through the log of the three values (the "DARK" / Taylor refinement of Zhang et al.
   * 2020). The log of a Gaussian is a parabola, so this is exact for analytic maps away from the border.
   * The offset is clamped to [-0.5, 0.5] (the true peak of a unimodal map lies within half a pixel of
   * its argmax).
   */
  | 'log-quadratic'
  /** A quarter pixel towards the higher neighbour (common HRNet / SimpleBaseline practice); error up to 0.25 px. */
  | 'quarter'
  /** The integer argmax. */
  | 'none';

/** Options of the decoders. */
export interface DecodeOptions {
  /** 'argmax' (with `refine`) or 'soft-argmax' (the expectation under softmax weights). Default 'argmax'. */
  method?: 'argmax' | 'soft-argmax';
  /** Sub-pixel refinement for 'argmax'. Default 'log-quadratic'. */
  refine?: PeakRefinement;
  /** Soft-argmax temperature (> 0). Default 1. See {@link softArgmax}. */
  temperature?: number;
  /** Soft-argmax input: 'heatmap' values in [0,1] (log-weights) or raw 'logits'. Default 'heatmap'. */
  input?: 'heatmap' | 'logits';
  /** A joint whose channel peak (max value) is below this is reported missing. Default 0.2; -Infinity keeps every joint. */
  threshold?: number;
  /** Output coordinate space. Default 'pixels'. */
  coords?: CoordSpace;
}

/** Decoded keypoints: N rows of 2J coordinates, J visibility flags and J confidences (the channel peaks). */
export interface DecodedKeypoints {
  /** N rows of x0,y0,x1,y1,...; missing joints hold 0 (core's convention). */
  coords: Float32Array[];
  /** N rows of J flags, 1 visible / 0 missing (peak < threshold). */
  visible: Uint8Array[];
  /** N rows of J channel maxima. */
  confidence: Float32Array[];
}

const LOG_FLOOR = 1e-10;

function checkTemperature(t: number): void {
  if (!(Number.isFinite(t) && t > 0)) {
    throw new DGPoseError('E_ARG', 'temperature must be a finite number > 0', {
      argument: 'temperature',
      expected: '> 0',
      got: t,
    });
  }
}

function checkHeatmapShape(shape: readonly number[], argument = 'heatmaps'): [number, number, number, number] {
  if (shape.length !== 4 || shape.some((d) => !Number.isInteger(d) || d < 1) || shape[1] < 2 || shape[2] < 2) {
    throw new DGPoseError('E_SHAPE', `${argument} must be [N,H,W,J] with H, W >= 2`, {
      argument,
      expected: '[N,H,W,J]',
      got: [...shape],
    });
  }
  return shape as [number, number, number, number];
}

/**
 * Differentiable soft-argmax over each channel of [N,H,W,J] heatmaps -> [N,2J] (x0,y0,...).
 *
 * Weights w = softmax(ℓ / T) over the H·W pixels, coordinates = Σ w·(u, v) (integral regression,
 * Sun et al. 2018). With `input: 'heatmap'` (default) ℓ = log(max(h, 1e-10)), i.e. w ∝ h^{1/T}: T = 1 is
 * the normalised heatmap's centre of mass, smaller T sharpens towards the argmax. Working on the log
 * matters for maps in [0,1]: softmax(h/T) gives the flat zero background a weight of e^0 per pixel,
 * which drags the estimate towards the image centre. With `input: 'logits'`, ℓ = h (raw network
 * outputs). Unbiased for symmetric peaks away from the border; an all-zero channel returns the centre.
 *
 * @returns [N,2J] float32 in pixels (default) or normalised coordinates (the caller owns it).
 */
export function softArgmax(
  heatmaps: tf.Tensor4D,
  opts: { temperature?: number; input?: 'heatmap' | 'logits'; coords?: CoordSpace } = {},
): tf.Tensor2D {
  const [n, H, W, j] = checkHeatmapShape(heatmaps.shape);
  const t = opts.temperature ?? 1;
  checkTemperature(t);
  const space = opts.coords ?? 'pixels';
  validateCoordSpace(space, 'opts.coords');
  const input = opts.input ?? 'heatmap';
  if (input !== 'heatmap' && input !== 'logits') {
    throw new DGPoseError('E_ARG', "input must be 'heatmap' or 'logits'", {
      argument: 'input',
      expected: ['heatmap', 'logits'],
      got: input,
    });
  }
  return tf.tidy(() => {
    const flat = tf.reshape(tf.transpose(tf.cast(heatmaps, 'float32'), [0, 3, 1, 2]), [n, j, H * W]);
    const logits = input === 'heatmap' ? tf.log(tf.maximum(flat, LOG_FLOOR)) : flat;
    const w = tf.softmax(tf.div(logits, t)); // over the last axis
    const us = new Float32Array(H * W);
    const vs = new Float32Array(H * W);
    for (let r = 0; r < H; r++) {
      for (let u = 0; u < W; u++) {
        us[r * W + u] = space === 'pixels' ? u : pixelToNormalized(u, W);
        vs[r * W + u] = space === 'pixels' ? r : pixelToNormalized(r, H);
      }
    }
    const x = tf.sum(tf.mul(w, tf.tensor1d(us)), -1); // [N,J]
    const y = tf.sum(tf.mul(w, tf.tensor1d(vs)), -1);
    return tf.reshape(tf.stack([x, y], 2), [n, 2 * j]) as tf.Tensor2D;
  });
}

function refineOffset(lo: number, mid: number, hi: number, mode: PeakRefinement): number {
  if (mode === 'none') return 0;
  if (mode === 'quarter') return hi > lo ? 0.25 : hi < lo ? -0.25 : 0;
  const l0 = Math.log(Math.max(lo, LOG_FLOOR));
  const l1 = Math.log(Math.max(mid, LOG_FLOOR));
  const l2 = Math.log(Math.max(hi, LOG_FLOOR));
  const d = l0 - 2 * l1 + l2;
  if (!(d < 0)) return 0; // flat or not a maximum: keep the pixel
  return Math.min(0.5, Math.max(-0.5, (0.5 * (l0 - l2)) / d));
}

/**
 * Plain-array decoder: `data` laid out [N,H,W,J] (NHWC) -> keypoints. See {@link DecodeOptions}.
 * Non-finite heatmap values are an error (E_NAN).
 */
export function decodeHeatmapsArray(
  data: ArrayLike<number>,
  shape: readonly number[],
  opts: DecodeOptions = {},
): DecodedKeypoints {
  const [n, H, W, j] = checkHeatmapShape(shape);
  if (data.length !== n * H * W * j) {
    throw new DGPoseError('E_SHAPE', 'heatmap data length does not match its shape', {
      argument: 'data',
      expected: n * H * W * j,
      got: data.length,
    });
  }
  const method = opts.method ?? 'argmax';
  if (method !== 'argmax' && method !== 'soft-argmax') {
    throw new DGPoseError('E_ARG', "method must be 'argmax' or 'soft-argmax'", {
      argument: 'method',
      expected: ['argmax', 'soft-argmax'],
      got: method,
    });
  }
  const refine = opts.refine ?? 'log-quadratic';
  if (!['log-quadratic', 'quarter', 'none'].includes(refine)) {
    throw new DGPoseError('E_ARG', 'unknown refinement', {
      argument: 'refine',
      expected: ['log-quadratic', 'quarter', 'none'],
      got: refine,
    });
  }
  const t = opts.temperature ?? 1;
  checkTemperature(t);
  const input = opts.input ?? 'heatmap';
  const threshold = opts.threshold ?? 0.2;
  if (typeof threshold !== 'number' || Number.isNaN(threshold)) {
    throw new DGPoseError('E_ARG', 'threshold must be a number (-Infinity: never missing)', {
      argument: 'threshold',
      expected: 'a number',
      got: threshold,
    });
  }
  const space = opts.coords ?? 'pixels';
  validateCoordSpace(space, 'opts.coords');
  const at = (b: number, r: number, u: number, q: number): number => data[((b * H + r) * W + u) * j + q];
  const out: DecodedKeypoints = { coords: [], visible: [], confidence: [] };
  for (let b = 0; b < n; b++) {
    const cs = new Float32Array(2 * j);
    const vis = new Uint8Array(j);
    const conf = new Float32Array(j);
    for (let q = 0; q < j; q++) {
      let best = -Infinity;
      let br = 0;
      let bu = 0;
      for (let r = 0; r < H; r++) {
        for (let u = 0; u < W; u++) {
          const h = at(b, r, u, q);
          if (!Number.isFinite(h)) {
            throw new DGPoseError('E_NAN', 'heatmaps contain a non-finite value', {
              argument: 'heatmaps',
              expected: 'finite values',
              got: h,
            });
          }
          if (h > best) {
            best = h;
            br = r;
            bu = u;
          }
        }
      }
      conf[q] = best;
      if (best < threshold) continue;
      let x: number;
      let y: number;
      if (method === 'argmax') {
        x = bu + (bu > 0 && bu < W - 1 ? refineOffset(at(b, br, bu - 1, q), best, at(b, br, bu + 1, q), refine) : 0);
        y = br + (br > 0 && br < H - 1 ? refineOffset(at(b, br - 1, bu, q), best, at(b, br + 1, bu, q), refine) : 0);
      } else {
        // softmax(ℓ/T) with the max subtracted for stability (same weights as softArgmax)
        const lmax = (input === 'heatmap' ? Math.log(Math.max(best, LOG_FLOOR)) : best) / t;
        let sw = 0;
        let sx = 0;
        let sy = 0;
        for (let r = 0; r < H; r++) {
          for (let u = 0; u < W; u++) {
            const h = at(b, r, u, q);
            const l = (input === 'heatmap' ? Math.log(Math.max(h, LOG_FLOOR)) : h) / t;
            const w = Math.exp(l - lmax);
            sw += w;
            sx += w * u;
            sy += w * r;
          }
        }
        x = sx / sw;
        y = sy / sw;
      }
      vis[q] = 1;
      cs[2 * q] = space === 'pixels' ? x : pixelToNormalized(x, W);
      cs[2 * q + 1] = space === 'pixels' ? y : pixelToNormalized(y, H);
    }
    out.coords.push(cs);
    out.visible.push(vis);
    out.confidence.push(conf);
  }
  return out;
}

/**
 * Decodes [N,H,W,J] heatmaps to keypoints (argmax + refinement by default). Reads the tensor (an
 * async IO boundary); never disposes it.
 */
export async function decodeHeatmaps(heatmaps: tf.Tensor4D, opts: DecodeOptions = {}): Promise<DecodedKeypoints> {
  checkHeatmapShape(heatmaps.shape);
  const data = await heatmaps.data();
  return decodeHeatmapsArray(data, heatmaps.shape, opts);
}
