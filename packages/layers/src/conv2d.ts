import * as tf from '@tensorflow/tfjs-core';
import { DGPoseError, checkIntPair, checkNonNegativeInt, checkPositiveInt } from '@dgpose/core';
import { Module } from './module';
import { type Initializer, type RandomArgs, convFans, initTensor, resolveRng } from './init';

/**
 * Conv padding: `'same'` (tf: output = ceil(in / stride)), `'valid'` (no padding), a number p
 * (p on every side, PyTorch style: k4 s2 p1 halves an even size), or explicit `[[top, bottom], [left, right]]`.
 */
export type Conv2dPadding = 'same' | 'valid' | number | readonly [readonly [number, number], readonly [number, number]];

/** tfjs padding argument: 'same' | 'valid' | explicit NHWC pads. */
export type TfPadding = 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];

export function resolveConvPadding(where: string, padding: Conv2dPadding): TfPadding {
  if (padding === 'same' || padding === 'valid') return padding;
  if (typeof padding === 'number') {
    const p = checkNonNegativeInt('padding', padding, { where });
    return [
      [0, 0],
      [p, p],
      [p, p],
      [0, 0],
    ];
  }
  if (Array.isArray(padding) && padding.length === 2 && padding.every((q) => Array.isArray(q) && q.length === 2)) {
    const [[t, b], [l, r]] = padding;
    for (const v of [t, b, l, r]) checkNonNegativeInt('padding', v, { where });
    return [
      [0, 0],
      [t, b],
      [l, r],
      [0, 0],
    ];
  }
  throw new DGPoseError('E_CONFIG', `${where}: bad padding`, {
    argument: 'padding',
    expected: "'same' | 'valid' | p | [[top, bottom], [left, right]]",
    got: padding,
  });
}

/** Output size of one spatial dim of a convolution (tfjs / PyTorch arithmetic). */
export function convOutSize(inSize: number, k: number, s: number, pad: TfPadding, axis: 1 | 2): number {
  if (pad === 'same') return Math.ceil(inSize / s);
  const [a, b] = pad === 'valid' ? [0, 0] : pad[axis];
  return Math.floor((inSize + a + b - k) / s) + 1;
}

export interface Conv2dArgs extends RandomArgs {
  /** Input channels C_in (NHWC last axis). */
  inChannels: number;
  /** Output channels. */
  filters: number;
  /** Kernel size k or [kh, kw]. */
  kernelSize: number | [number, number];
  /** Stride s or [sh, sw]; default 1. */
  strides?: number | [number, number];
  /** Default 'same'. */
  padding?: Conv2dPadding;
  /** Add a per-channel bias; default true (turn off before a batch norm). */
  bias?: boolean;
  /** Kernel initialiser; default 'normal' = N(0, 0.02) (pix2pix / ClothNet). */
  kernelInit?: Initializer;
  /** Bias initialiser; default 'zeros'. */
  biasInit?: Initializer;
}

/**
 * 2-D convolution, NHWC, dilation 1. Parameters: `kernel` [kh, kw, C_in, filters], `bias` [filters].
 * Input [N, H, W, C_in] -> [N, H', W', filters].
 */
export class Conv2d extends Module {
  readonly inChannels: number;
  readonly filters: number;
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: TfPadding;
  readonly kernel: tf.Variable;
  readonly bias: tf.Variable | null;

  constructor(args: Conv2dArgs) {
    super('conv2d');
    const w = 'conv2d';
    this.inChannels = checkPositiveInt('inChannels', args.inChannels, { where: w });
    this.filters = checkPositiveInt('filters', args.filters, { where: w });
    this.kernelSize = checkIntPair('kernelSize', args.kernelSize, { where: w });
    this.strides = checkIntPair('strides', args.strides ?? 1, { where: w });
    this.padding = resolveConvPadding(w, args.padding ?? 'same');
    const rng = resolveRng(args, w);
    const [kh, kw] = this.kernelSize;
    const fans = convFans(kh, kw, this.inChannels, this.filters);
    this.kernel = this.addParameter(
      'kernel',
      initTensor(args.kernelInit ?? 'normal', [kh, kw, this.inChannels, this.filters], fans, rng, 'kernelInit'),
    );
    this.bias =
      (args.bias ?? true)
        ? this.addParameter('bias', initTensor(args.biasInit ?? 'zeros', [this.filters], fans, rng, 'biasInit'))
        : null;
  }

  /** [N, H, W] -> output shape; E_SHAPE when the input is smaller than the kernel. */
  outputShape(inShape: readonly number[]): [number, number, number, number] {
    const [n, h, w] = inShape;
    const oh = convOutSize(h, this.kernelSize[0], this.strides[0], this.padding, 1);
    const ow = convOutSize(w, this.kernelSize[1], this.strides[1], this.padding, 2);
    if (oh < 1 || ow < 1) {
      throw new DGPoseError('E_SHAPE', `${this.label} (${this.kind}): input too small for the kernel`, {
        argument: this.label,
        expected: `H, W large enough for kernel [${this.kernelSize}] with this padding`,
        got: [...inShape],
      });
    }
    return [n, oh, ow, this.filters];
  }

  call(x: tf.Tensor): tf.Tensor4D {
    this.assertLive();
    this.checkInput(x, [-1, -1, -1, this.inChannels]);
    this.outputShape(x.shape);
    const y = tf.conv2d(x as tf.Tensor4D, this.kernel as tf.Tensor4D, this.strides, this.padding);
    return this.bias ? tf.add(y, this.bias) : y;
  }
}

/** Factory for {@link Conv2d}. */
export function conv2d(args: Conv2dArgs): Conv2d {
  return new Conv2d(args);
}
