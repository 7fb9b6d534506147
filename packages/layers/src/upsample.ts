import * as tf from '@tensorflow/tfjs-core';
import { Module } from './module';
import { Conv2d, type Conv2dArgs } from './conv2d';
import { checkIntPair, checkOneOf, checkPositiveInt } from '@dgpose/core';

export type UpsampleMode = 'nearest' | 'bilinear';

export interface UpsampleArgs {
  /** Integer scale factor f or [fh, fw]; default 2. */
  factor?: number | [number, number];
  /** Default 'nearest'. */
  mode?: UpsampleMode;
}

/**
 * Parameter-free upsampling of [N, H, W, C] to [N, H·fh, W·fw, C].
 * - `nearest`: each pixel repeated fh×fw times (PG2's nearest-neighbour upsampling). Built from
 *   reshape + tile rather than `resizeNearestNeighbor`, so the gradient is exact on every backend
 *   (tfjs-backend-cpu 4.22's ResizeNearestNeighborGrad is wrong for batch > 1, tfjs-backends.md).
 * - `bilinear`: half-pixel centres, i.e. PyTorch `F.interpolate(mode='bilinear', align_corners=False)`
 *   and `tf.image.resizeBilinear(x, size, false, true)`. Built from slices, concat and a per-phase
 *   blend rather than `resizeBilinear`, because tfjs 4.22's ResizeBilinearGrad ignores
 *   halfPixelCenters on cpu and wasm (wrong gradients) and on cpu returns a [N, W, H, C] gradient
 *   for non-square inputs (throws).
 */
export class Upsample extends Module {
  readonly factor: [number, number];
  readonly mode: UpsampleMode;

  constructor(args: UpsampleArgs = {}) {
    super('upsample');
    this.factor = checkIntPair('factor', args.factor ?? 2, { where: 'upsample' });
    this.mode = checkOneOf('mode', args.mode ?? 'nearest', ['nearest', 'bilinear'] as const, { where: 'upsample' });
  }

  outputShape(inShape: readonly number[]): [number, number, number, number] {
    const [n, h, w, c] = inShape;
    return [n, h * this.factor[0], w * this.factor[1], c];
  }

  call(x: tf.Tensor): tf.Tensor4D {
    this.assertLive();
    this.checkInput(x, [-1, -1, -1, -1]);
    const [n, h, w, c] = x.shape;
    const [fh, fw] = this.factor;
    if (this.mode === 'bilinear') return bilinearAxis(bilinearAxis(x, 1, fh), 2, fw) as tf.Tensor4D;
    let y: tf.Tensor = x;
    // Rows: [N·H, 1, W·C] tiled fh times along axis 1; then columns: [N·H·fh·W, 1, C] tiled fw times.
    if (fh > 1) y = tf.tile(tf.reshape(y, [n * h, 1, w * c]), [1, fh, 1]);
    if (fw > 1) y = tf.tile(tf.reshape(y, [n * h * fh * w, 1, c]), [1, fw, 1]);
    return tf.reshape(y, [n, h * fh, w * fw, c]);
  }
}

/**
 * Bilinear ×f along `axis` (1 = H, 2 = W) with half-pixel centres and edge clamping. Output index
 * i·f + j samples source position i + d_j, d_j = (2j + 1 − f) / (2f) ∈ (−½, ½): a blend of x[i] with
 * x[i+1] (d_j ≥ 0) or x[i−1] (d_j < 0), the neighbours replicated at the edges.
 */
function bilinearAxis(x: tf.Tensor, axis: 1 | 2, f: number): tf.Tensor {
  if (f === 1) return x;
  const size = x.shape[axis] as number;
  const begin = (i: number): number[] => (axis === 1 ? [0, i, 0, 0] : [0, 0, i, 0]);
  const len = (n: number): number[] => (axis === 1 ? [-1, n, -1, -1] : [-1, -1, n, -1]);
  const first = tf.slice(x, begin(0), len(1));
  const last = tf.slice(x, begin(size - 1), len(1));
  const prev = size > 1 ? tf.concat([first, tf.slice(x, begin(0), len(size - 1))], axis) : x;
  const next = size > 1 ? tf.concat([tf.slice(x, begin(1), len(size - 1)), last], axis) : x;
  const phases: tf.Tensor[] = [];
  for (let j = 0; j < f; j++) {
    const d = (2 * j + 1 - f) / (2 * f);
    phases.push(d >= 0 ? tf.add(tf.mul(x, 1 - d), tf.mul(next, d)) : tf.add(tf.mul(x, 1 + d), tf.mul(prev, -d)));
  }
  const [n, h, w, c] = x.shape;
  const stacked = tf.stack(phases, axis + 1);
  return tf.reshape(stacked, axis === 1 ? [n, h * f, w, c] : [n, h, w * f, c]);
}

/** Factory for {@link Upsample}. */
export function upsample(args: UpsampleArgs = {}): Upsample {
  return new Upsample(args);
}

export interface UpsampleConvArgs extends Omit<Conv2dArgs, 'strides' | 'kernelSize'> {
  /** Kernel of the convolution after upsampling; default 3. */
  kernelSize?: number | [number, number];
  /** Scale factor; default 2. */
  factor?: number | [number, number];
  /** Default 'nearest'. */
  mode?: UpsampleMode;
}

/**
 * Upsampling followed by a stride-1 convolution (kernel default 3, padding 'same'): the
 * checkerboard-free alternative to a transposed conv (Odena et al. 2016). Children `up`, `conv`.
 */
export class UpsampleConv extends Module {
  readonly up: Upsample;
  readonly conv: Conv2d;

  constructor(args: UpsampleConvArgs) {
    super('upsampleConv');
    checkPositiveInt('inChannels', args.inChannels, { where: 'upsampleConv' });
    this.up = this.addModule('up', new Upsample({ factor: args.factor, mode: args.mode }));
    const { factor: _f, mode: _m, ...convArgs } = args;
    this.conv = this.addModule(
      'conv',
      new Conv2d({ ...convArgs, kernelSize: args.kernelSize ?? 3, strides: 1, padding: args.padding ?? 'same' }),
    );
  }

  call(x: tf.Tensor): tf.Tensor4D {
    this.assertLive();
    return this.conv.call(this.up.call(x));
  }
}

/** Factory for {@link UpsampleConv}. */
export function upsampleConv(args: UpsampleConvArgs): UpsampleConv {
  return new UpsampleConv(args);
}
