import * as tf from '@tensorflow/tfjs-core';
import { Module } from './module';
import { type Initializer, type LayerRng, type RandomArgs, resolveRng } from './init';
import { Conv2d, type Conv2dPadding } from './conv2d';
import { Conv2dTranspose } from './conv2d-transpose';
import { UpsampleConv } from './upsample';
import { BatchNorm } from './batch-norm';
import { InstanceNorm } from './instance-norm';
import { Dropout } from './dropout';
import { type ActivationSpec, applyActivation, resolveActivation } from './activation';
import { DGPoseError, checkNumberIn, checkOneOf, checkPositiveInt } from '@dgpose/core';

export type NormKind = 'batch' | 'instance' | 'none';

/** Options passed to the block's norm layer. */
export interface NormOptions {
  /** Batch norm running-stat decay (TF convention); default 0.9. */
  decay?: number;
  /** Default 1e-5. */
  eps?: number;
  /** Learn gamma/beta; default true for batch norm, false for instance norm. */
  affine?: boolean;
  /** gamma initialiser; default 'ones'. */
  gammaInit?: Initializer;
}

/** A norm layer of `kind` for `channels` channels, or null for 'none'. */
export function makeNorm(
  kind: NormKind,
  channels: number,
  opts: NormOptions,
  rng: LayerRng,
  where: string,
): BatchNorm | InstanceNorm | null {
  const k = checkOneOf('norm', kind, ['batch', 'instance', 'none'] as const, { where });
  if (k === 'batch')
    return new BatchNorm({
      channels,
      decay: opts.decay,
      eps: opts.eps,
      affine: opts.affine,
      gammaInit: opts.gammaInit,
      rng,
    });
  if (k === 'instance')
    return new InstanceNorm({ channels, eps: opts.eps, affine: opts.affine, gammaInit: opts.gammaInit, rng });
  return null;
}

interface ConvBlockCommon extends RandomArgs {
  /** Input channels. */
  inChannels: number;
  /** Output channels. */
  filters: number;
  /** Default 'batch'. Use 'none' for the first encoder block (pix2pix/ClothNet). */
  norm?: NormKind;
  /** Passed to the norm layer. */
  normOptions?: NormOptions;
  /** Conv bias; default true only without a norm (a bias before a norm is redundant). */
  bias?: boolean;
  /** Conv kernel initialiser; default 'normal' = N(0, 0.02). */
  kernelInit?: Initializer;
}

export interface EncoderBlockArgs extends ConvBlockCommon {
  /** Default 4. */
  kernelSize?: number | [number, number];
  /** Default 2. */
  strides?: number | [number, number];
  /** Default 1 (k4 s2 p1 halves an even size). */
  padding?: Conv2dPadding;
  /** Default `{ kind: 'leakyRelu', alpha: 0.2 }`. */
  activation?: ActivationSpec;
}

/**
 * Encoder block of the pose/appearance encoders (docs/paper-notes.md §4.3, ClothNet `y_encoder_*`):
 * conv k4 s2 p1 → norm → LeakyReLU 0.2. [N, H, W, C_in] -> [N, H/2, W/2, filters].
 * Children `conv`, `norm` (absent with norm 'none').
 */
export class EncoderBlock extends Module {
  readonly conv: Conv2d;
  readonly norm: BatchNorm | InstanceNorm | null;
  readonly activation: ActivationSpec;

  constructor(args: EncoderBlockArgs) {
    super('encoderBlock');
    const rng = resolveRng(args, 'encoderBlock');
    const norm = args.norm ?? 'batch';
    this.activation = resolveActivation(args.activation ?? { kind: 'leakyRelu', alpha: 0.2 });
    this.conv = this.addModule(
      'conv',
      new Conv2d({
        inChannels: args.inChannels,
        filters: args.filters,
        kernelSize: args.kernelSize ?? 4,
        strides: args.strides ?? 2,
        padding: args.padding ?? 1,
        bias: args.bias ?? norm === 'none',
        kernelInit: args.kernelInit,
        rng,
      }),
    );
    const n = makeNorm(norm, args.filters, args.normOptions ?? {}, rng, 'encoderBlock');
    this.norm = n ? this.addModule('norm', n) : null;
  }

  call(x: tf.Tensor): tf.Tensor4D {
    this.assertLive();
    let y: tf.Tensor = this.conv.call(x);
    if (this.norm) y = this.norm.call(y);
    return applyActivation(y, this.activation) as tf.Tensor4D;
  }
}

/** Factory for {@link EncoderBlock}. */
export function encoderBlock(args: EncoderBlockArgs): EncoderBlock {
  return new EncoderBlock(args);
}

export type DecoderUpsample = 'transpose' | 'nearest' | 'bilinear';

export interface DecoderBlockArgs extends ConvBlockCommon {
  /** 'transpose' (conv2dTranspose, default) or upsampling ('nearest' | 'bilinear') + stride-1 conv. */
  upsample?: DecoderUpsample;
  /** Default 4 for 'transpose' (k4 s2 p1), 3 for the upsample + conv variants. */
  kernelSize?: number;
  /** Applied first; default 'relu' (pix2pix decoder). */
  activation?: ActivationSpec;
  /** Dropout rate after the norm, training mode only; default 0 (pix2pix: 0.5 in the first 3 blocks). */
  dropout?: number;
}

/**
 * Decoder block (docs/paper-notes.md §4.3, pix2pix/ClothNet decoder): activation (ReLU) → 2× upsampling
 * (conv2dTranspose k4 s2 p1, or upsample + conv k3) → norm → optional dropout.
 * [N, H, W, C_in] -> [N, 2H, 2W, filters]. Children `conv`, `norm`, `dropout` (when present).
 * Dropout draws from the same RNG as the initialisers, after them.
 */
export class DecoderBlock extends Module {
  readonly conv: Conv2dTranspose | UpsampleConv;
  readonly norm: BatchNorm | InstanceNorm | null;
  readonly dropout: Dropout | null;
  readonly activation: ActivationSpec;

  constructor(args: DecoderBlockArgs) {
    super('decoderBlock');
    const w = 'decoderBlock';
    const rng = resolveRng(args, w);
    const norm = args.norm ?? 'batch';
    const mode = checkOneOf('upsample', args.upsample ?? 'transpose', ['transpose', 'nearest', 'bilinear'] as const, {
      where: w,
    });
    this.activation = resolveActivation(args.activation ?? 'relu');
    const bias = args.bias ?? norm === 'none';
    if (mode === 'transpose') {
      const k = checkPositiveInt('kernelSize', args.kernelSize ?? 4, { where: w });
      if (k < 2)
        throw new DGPoseError('E_CONFIG', `${w}: a transposed 2× block needs kernelSize >= 2`, {
          argument: 'kernelSize',
          expected: '>= 2',
          got: k,
        });
      // Exact doubling: (H − 1)·2 − 2p + k + op = 2H  ⇔  op = 2 + 2p − k, with p = floor((k − 1)/2).
      const p = Math.floor((k - 1) / 2);
      this.conv = this.addModule(
        'conv',
        new Conv2dTranspose({
          inChannels: args.inChannels,
          filters: args.filters,
          kernelSize: k,
          strides: 2,
          padding: p,
          outputPadding: 2 + 2 * p - k,
          bias,
          kernelInit: args.kernelInit,
          rng,
        }),
      );
    } else {
      this.conv = this.addModule(
        'conv',
        new UpsampleConv({
          inChannels: args.inChannels,
          filters: args.filters,
          kernelSize: args.kernelSize ?? 3,
          factor: 2,
          mode,
          bias,
          kernelInit: args.kernelInit,
          rng,
        }),
      );
    }
    const n = makeNorm(norm, args.filters, args.normOptions ?? {}, rng, w);
    this.norm = n ? this.addModule('norm', n) : null;
    const rate = checkNumberIn('dropout', args.dropout ?? 0, 0, 1, { hiOpen: true }, { where: w });
    this.dropout = rate > 0 ? this.addModule('dropout', new Dropout({ rate, rng })) : null;
  }

  call(x: tf.Tensor): tf.Tensor4D {
    this.assertLive();
    let y: tf.Tensor = this.conv.call(applyActivation(x, this.activation));
    if (this.norm) y = this.norm.call(y);
    if (this.dropout) y = this.dropout.call(y);
    return y as tf.Tensor4D;
  }
}

/** Factory for {@link DecoderBlock}. */
export function decoderBlock(args: DecoderBlockArgs): DecoderBlock {
  return new DecoderBlock(args);
}

export interface ResidualBlockArgs extends RandomArgs {
  /** Channels in and out. */
  channels: number;
  /** Default 3 (padding 'same'). */
  kernelSize?: number;
  /** Default 'batch'. */
  norm?: NormKind;
  normOptions?: NormOptions;
  /** Between the two convs; default 'relu'. */
  activation?: ActivationSpec;
  /** Conv bias; default true only without a norm. */
  bias?: boolean;
  /** Default 'normal' = N(0, 0.02). */
  kernelInit?: Initializer;
}

/**
 * Residual block (He et al. 2016; the CycleGAN/pix2pix ResnetBlock form, no activation after the sum):
 * `y = x + norm2(conv2(act(norm1(conv1(x)))))`, shape-preserving. Children `conv1`, `norm1`, `conv2`, `norm2`.
 */
export class ResidualBlock extends Module {
  readonly conv1: Conv2d;
  readonly norm1: BatchNorm | InstanceNorm | null;
  readonly conv2: Conv2d;
  readonly norm2: BatchNorm | InstanceNorm | null;
  readonly activation: ActivationSpec;

  constructor(args: ResidualBlockArgs) {
    super('residualBlock');
    const w = 'residualBlock';
    const rng = resolveRng(args, w);
    const c = checkPositiveInt('channels', args.channels, { where: w });
    const norm = args.norm ?? 'batch';
    const bias = args.bias ?? norm === 'none';
    const k = args.kernelSize ?? 3;
    this.activation = resolveActivation(args.activation ?? 'relu');
    this.conv1 = this.addModule(
      'conv1',
      new Conv2d({ inChannels: c, filters: c, kernelSize: k, padding: 'same', bias, kernelInit: args.kernelInit, rng }),
    );
    const n1 = makeNorm(norm, c, args.normOptions ?? {}, rng, w);
    this.norm1 = n1 ? this.addModule('norm1', n1) : null;
    this.conv2 = this.addModule(
      'conv2',
      new Conv2d({ inChannels: c, filters: c, kernelSize: k, padding: 'same', bias, kernelInit: args.kernelInit, rng }),
    );
    const n2 = makeNorm(norm, c, args.normOptions ?? {}, rng, w);
    this.norm2 = n2 ? this.addModule('norm2', n2) : null;
  }

  call(x: tf.Tensor): tf.Tensor4D {
    this.assertLive();
    let y: tf.Tensor = this.conv1.call(x);
    if (this.norm1) y = this.norm1.call(y);
    y = this.conv2.call(applyActivation(y, this.activation));
    if (this.norm2) y = this.norm2.call(y);
    return tf.add(x, y) as tf.Tensor4D;
  }
}

/** Factory for {@link ResidualBlock}. */
export function residualBlock(args: ResidualBlockArgs): ResidualBlock {
  return new ResidualBlock(args);
}
