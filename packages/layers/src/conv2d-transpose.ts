import * as tf from '@tensorflow/tfjs-core';
import { DGPoseError, checkIntPair, checkNonNegativeInt, checkPositiveInt } from '@dgpose/core';
import { Module } from './module';
import { type Initializer, type RandomArgs, convFans, initTensor, resolveRng } from './init';
import type { TfPadding } from './conv2d';

export interface Conv2dTransposeArgs extends RandomArgs {
  /** Input channels (NHWC last axis). */
  inChannels: number;
  /** Output channels. */
  filters: number;
  /** Kernel size k or [kh, kw]. */
  kernelSize: number | [number, number];
  /** Stride s or [sh, sw]; default 1. */
  strides?: number | [number, number];
  /**
   * PyTorch-style padding p (number or [ph, pw]): output = (in − 1)·s − 2p + k + outputPadding, so
   * k4 s2 p1 doubles the size (pix2pix / ClothNet decoder). `'same'` (tf style): output = in·s.
   * Default 0.
   */
  padding?: number | [number, number] | 'same';
  /** Extra rows/columns at the bottom/right (PyTorch `output_padding`), ≤ padding and < stride; default 0. */
  outputPadding?: number | [number, number];
  /** Add a per-channel bias; default true (turn off before a batch norm). */
  bias?: boolean;
  /** Kernel initialiser; default 'normal' = N(0, 0.02). */
  kernelInit?: Initializer;
  /** Bias initialiser; default 'zeros'. */
  biasInit?: Initializer;
}

/**
 * Transposed 2-D convolution (the gradient of a conv2d with respect to its input), NHWC.
 * Parameters: `kernel` [kh, kw, filters, C_in] (tfjs `conv2dTranspose` layout; PyTorch's
 * ConvTranspose2d weight [C_in, filters, kh, kw] permuted), `bias` [filters].
 * Input [N, H, W, C_in] -> [N, H', W', filters] with H' = (H − 1)·s − 2p + k + outputPadding.
 */
export class Conv2dTranspose extends Module {
  readonly inChannels: number;
  readonly filters: number;
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  /** [ph, pw], or 'same'. */
  readonly padding: [number, number] | 'same';
  readonly outputPadding: [number, number];
  readonly kernel: tf.Variable;
  readonly bias: tf.Variable | null;

  constructor(args: Conv2dTransposeArgs) {
    super('conv2dTranspose');
    const w = 'conv2dTranspose';
    this.inChannels = checkPositiveInt('inChannels', args.inChannels, { where: w });
    this.filters = checkPositiveInt('filters', args.filters, { where: w });
    this.kernelSize = checkIntPair('kernelSize', args.kernelSize, { where: w });
    this.strides = checkIntPair('strides', args.strides ?? 1, { where: w });
    const p = args.padding ?? 0;
    if (p === 'same') {
      this.padding = 'same';
    } else {
      const pp = Array.isArray(p) ? p : [p, p];
      if (pp.length !== 2)
        throw new DGPoseError('E_CONFIG', `${w}: bad padding`, {
          argument: 'padding',
          expected: "p | [ph, pw] | 'same'",
          got: p,
        });
      this.padding = [
        checkNonNegativeInt('padding', pp[0], { where: w }),
        checkNonNegativeInt('padding', pp[1], { where: w }),
      ];
    }
    const op = args.outputPadding ?? 0;
    const opp = Array.isArray(op) ? op : [op, op];
    this.outputPadding = [
      checkNonNegativeInt('outputPadding', opp[0], { where: w }),
      checkNonNegativeInt('outputPadding', opp[1], { where: w }),
    ];
    for (let a = 0; a < 2; a++) {
      const limit = this.padding === 'same' ? 0 : Math.min(this.padding[a], this.strides[a] - 1);
      if (this.outputPadding[a] > limit) {
        throw new DGPoseError('E_CONFIG', `${w}: outputPadding must be <= padding and < strides (0 with 'same')`, {
          argument: 'outputPadding',
          expected: `<= ${limit}`,
          got: this.outputPadding[a],
        });
      }
    }
    const rng = resolveRng(args, w);
    const [kh, kw] = this.kernelSize;
    // Keras/PyTorch fans for a transposed kernel: fanIn counts the output channels.
    const fans = convFans(kh, kw, this.filters, this.inChannels);
    this.kernel = this.addParameter(
      'kernel',
      initTensor(args.kernelInit ?? 'normal', [kh, kw, this.filters, this.inChannels], fans, rng, 'kernelInit'),
    );
    this.bias =
      (args.bias ?? true)
        ? this.addParameter('bias', initTensor(args.biasInit ?? 'zeros', [this.filters], fans, rng, 'biasInit'))
        : null;
  }

  /** [N, H, W, ...] -> output shape. */
  outputShape(inShape: readonly number[]): [number, number, number, number] {
    const [n, h, w] = inShape;
    const size = (x: number, a: 0 | 1): number =>
      this.padding === 'same'
        ? x * this.strides[a]
        : (x - 1) * this.strides[a] - 2 * this.padding[a] + this.kernelSize[a] + this.outputPadding[a];
    const oh = size(h, 0);
    const ow = size(w, 1);
    if (oh < 1 || ow < 1) {
      throw new DGPoseError('E_SHAPE', `${this.label} (${this.kind}): padding too large for this input`, {
        argument: this.label,
        expected: 'a positive output size',
        got: [...inShape],
      });
    }
    return [n, oh, ow, this.filters];
  }

  call(x: tf.Tensor): tf.Tensor4D {
    this.assertLive();
    this.checkInput(x, [-1, -1, -1, this.inChannels]);
    const out = this.outputShape(x.shape);
    // As the input-gradient of a conv2d over the output with padding [p, p − outputPadding]:
    // that conv maps the output size back to the input size exactly (see the class doc).
    const pad: TfPadding =
      this.padding === 'same'
        ? 'same'
        : [
            [0, 0],
            [this.padding[0], this.padding[0] - this.outputPadding[0]],
            [this.padding[1], this.padding[1] - this.outputPadding[1]],
            [0, 0],
          ];
    const y = tf.conv2dTranspose(x as tf.Tensor4D, this.kernel as tf.Tensor4D, out, this.strides, pad);
    return this.bias ? tf.add(y, this.bias) : y;
  }
}

/** Factory for {@link Conv2dTranspose}. */
export function conv2dTranspose(args: Conv2dTransposeArgs): Conv2dTranspose {
  return new Conv2dTranspose(args);
}
