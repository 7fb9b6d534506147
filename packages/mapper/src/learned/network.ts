/*
 * The learned mapper network, docs/paper-notes.md §5.3 proposal B: a pose vector y (2J normalised
 * coordinates) -> J heatmaps. The paper's own architecture was not found; this follows the proposal:
 *
 *   Dense(2J -> h0·w0·C) -> reshape [h0,w0,C] -> BN -> ReLU
 *   -> [deconv k4 s2 p1 (no bias), BN, ReLU] x upsamples   (channels C/2, C/4, ... >= minChannels)
 *   -> conv k (1 or 3) 'same' -> J channels -> sigmoid -> × visible
 *
 * (the BN + ReLU after the reshape is the DCGAN projection; the deconvs are ClothNet's k4 s2 p1.)
 * With `perJoint` the same stack takes one joint (x_j, y_j) and renders one channel, shared by all
 * joints (a deviation from the proposal's Dense(2J -> ...) that learns far faster; see config.ts).
 * The last multiply makes a missing joint's channel exactly zero, as in the analytic maps: the
 * network itself only sees the coordinates, where a missing joint holds 0 (core's convention).
 */
import * as tf from '@tensorflow/tfjs-core';
import { createRng, getSkeleton } from '@dgpose/core';
import {
  BatchNorm,
  Conv2d,
  Conv2dTranspose,
  Dense,
  type FrozenConv,
  type FrozenDeconv,
  type FrozenDense,
  Module,
  PreparedCache,
  constantInit,
  freezeConv,
  freezeDeconv,
  normAffine,
  runConv,
  runDeconv,
  runDense,
} from '@dgpose/layers';
import type { MapperConfig } from './config';

/** Network input: normalised coordinates [N,2J] (missing joints 0) and visibility [N,J] (1/0). */
export interface MapperInput {
  coords: tf.Tensor2D;
  visible: tf.Tensor2D;
}

/** Channel counts of the stages: C/2, C/4, ..., floored at minChannels. */
export function stageChannels(config: MapperConfig): number[] {
  return Array.from({ length: config.upsamples }, (_, i) =>
    Math.max(config.minChannels, Math.floor(config.baseChannels / 2 ** (i + 1))),
  );
}

/** The eval-mode network with its batch norms folded (frozen-ops of @dgpose/layers). */
interface Prepared {
  fc: FrozenDense;
  ups: FrozenDeconv[];
  out: FrozenConv;
}

/**
 * The mapper as a @dgpose/layers Module (weights named fc.*, bn0.*, up1.*, bn1.*, ..., out.*). In eval mode (a
 * frozen mapper inside Semi-DGPose, at training and inference) off the cpu backend, it runs a prepared form:
 * bn0 folded into fc, each BN into its deconv (one stride-1 conv over a polyphase filter), activations fused;
 * 17.3 -> 12 ms of Semi's 64 px decode on wasm, where the 18 joints are a batch of 18. Rebuilt when a weight
 * changes (layers' PreparedCache); outputs agree with the modules' within float rounding.
 */
export class MapperNetwork extends Module<MapperInput, tf.Tensor4D> {
  readonly config: MapperConfig;
  readonly joints: number;
  private readonly grid: [number, number];
  private readonly fc: Dense;
  private readonly bn0: BatchNorm;
  private readonly ups: Conv2dTranspose[] = [];
  private readonly bns: BatchNorm[] = [];
  private readonly out: Conv2d;
  /** Made at the first eval-mode call; it lists the variables once (the module tree is fixed after construction). */
  private prepared: PreparedCache<Prepared> | null = null;

  /** `config` must already be validated (validateMapperConfig). `seed` draws the initial weights. */
  constructor(config: MapperConfig, opts: { seed?: number } = {}) {
    super('mapper');
    this.config = config;
    this.joints = getSkeleton(config.skeleton).joints.length;
    const f = 2 ** config.upsamples;
    this.grid = [config.height / f, config.width / f];
    const rng = createRng(opts.seed ?? 0);
    const C = config.baseChannels;
    const inF = config.perJoint ? 2 : 2 * this.joints;
    const outC = config.perJoint ? 1 : this.joints;
    this.fc = this.addModule(
      'fc',
      new Dense({ inFeatures: inF, units: this.grid[0] * this.grid[1] * C, rng, kernelInit: 'heNormal' }),
    );
    this.bn0 = this.addModule('bn0', new BatchNorm({ channels: C, rng }));
    let cin = C;
    stageChannels(config).forEach((cout, i) => {
      this.ups.push(
        this.addModule(
          `up${i + 1}`,
          new Conv2dTranspose({
            inChannels: cin,
            filters: cout,
            kernelSize: 4,
            strides: 2,
            padding: 1,
            bias: false,
            rng,
            kernelInit: 'heNormal',
          }),
        ),
      );
      this.bns.push(this.addModule(`bn${i + 1}`, new BatchNorm({ channels: cout, rng })));
      cin = cout;
    });
    this.out = this.addModule(
      'out',
      new Conv2d({
        inChannels: cin,
        filters: outC,
        kernelSize: config.outKernel,
        padding: 'same',
        rng,
        kernelInit: 'glorotUniform',
        biasInit: constantInit(config.outBiasInit),
      }),
    );
  }

  /** Pre-sigmoid maps [N,H,W,J] (not masked). */
  logits(coords: tf.Tensor2D): tf.Tensor4D {
    this.assertLive();
    this.checkInput(coords, [-1, 2 * this.joints], 'coords');
    const n = coords.shape[0];
    const J = this.joints;
    // per joint: every joint is a sample of its own, [N,2J] -> [N·J,2]
    const input = this.config.perJoint ? tf.reshape(coords, [n * J, 2]) : coords;
    const m = input.shape[0];
    const grid = [m, this.grid[0], this.grid[1], this.config.baseChannels];
    const p = this.preparedForm();
    let y: tf.Tensor4D;
    if (p) {
      let x: tf.Tensor = tf.reshape(runDense(p.fc, input, { kind: 'relu' }), grid);
      for (const up of p.ups) x = runDeconv(up, x, { kind: 'relu' });
      y = runConv(p.out, x, { kind: 'linear' });
    } else {
      let x: tf.Tensor = tf.reshape(this.fc.call(input), grid);
      x = tf.relu(this.bn0.call(x));
      for (let i = 0; i < this.ups.length; i++) x = tf.relu(this.bns[i].call(this.ups[i].call(x)));
      y = this.out.call(x) as tf.Tensor4D;
    }
    if (!this.config.perJoint) return y;
    const { height: H, width: W } = this.config;
    return tf.transpose(tf.reshape(y, [n, J, H, W]), [0, 2, 3, 1]) as tf.Tensor4D;
  }

  /** The prepared eval-mode form, current with the weights; null in training mode or on the cpu backend. */
  private preparedForm(): Prepared | null {
    // cpu is the test and fallback backend, where preparing costs more than it saves (as models' frozen.ts)
    if (this.training || tf.getBackend() === 'cpu') return null;
    this.prepared ??= new PreparedCache(
      () => this.namedVariables().map(([, v]) => v),
      () => {
        const C = this.config.baseChannels;
        const cells = this.grid[0] * this.grid[1];
        // bn0 normalises the channels of fc's output reshaped to [h0, w0, C]: column j is channel j mod C
        const { s, t } = normAffine(this.bn0, C);
        const sCol = tf.tile(s, [cells]);
        const kernel = tf.mul(this.fc.kernel, sCol) as tf.Tensor2D;
        const bias = tf.add(this.fc.bias ? tf.mul(this.fc.bias, sCol) : tf.zeros([cells * C]), tf.tile(t, [cells]));
        const value: Prepared = {
          fc: { kernel, bias: bias as tf.Tensor1D },
          ups: this.ups.map((up, i) => freezeDeconv(up, this.bns[i])),
          out: freezeConv(this.out, null),
        };
        const tensors = [
          kernel,
          bias,
          ...value.ups.flatMap((u) => [u.filter, u.bias]),
          value.out.filter,
          value.out.bias,
        ];
        return { value, tensors };
      },
    );
    return this.prepared.get();
  }

  /**
   * Builds the prepared form now (a no-op in training mode or on cpu), so that the first call after it makes no
   * tensors that outlive it; mapperFromNetwork calls it. Later weight changes rebuild it in place (same count).
   */
  prepare(): void {
    this.preparedForm();
  }

  override dispose(): void {
    this.prepared?.dispose();
    super.dispose();
  }

  /** [N,H,W,J] maps in [0,1]; missing joints' channels are exactly 0. */
  call(input: MapperInput): tf.Tensor4D {
    const { coords, visible } = input;
    this.checkInput(visible, [coords.shape[0], this.joints], 'visible');
    const maps = tf.sigmoid(this.logits(coords));
    return tf.mul(maps, tf.reshape(visible, [coords.shape[0], 1, 1, this.joints])) as tf.Tensor4D;
  }
}
