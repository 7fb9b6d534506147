/*
 * The networks of Conditional-DGPose and Semi-DGPose (docs/paper-notes.md §4.3, §5.4), built from
 * @dgpose/layers. S = imageSize, L = log2(S / bottleneckSize) stride-2 scales, C_i = channels of scale i.
 *
 *   E_y  pose encoder      heatmaps [B,S,S,J] → f_1..f_L (f_i [B,S/2^i,S/2^i,C_i]); conv k4 s2 p1, BN (not on
 *                          the first), LeakyReLU 0.2 (ClothNet `y_encoder_*`)
 *   q(z|x,y)               concat(x, heatmaps) → the same stack → flatten → Dense → μ, log σ² (d_z each)
 *   p(z|y) (optional)      Dense on flatten(f_L) → μ, log σ²
 *   p(x|z,y) decoder       Dense(z) → [b,b,C_L]; for i = L..1: concat(h, f_i) → ReLU → deconv k4 s2 p1 → BN
 *                          (none on the last) → tanh at the end. Skips come from E_y only, never from the
 *                          image encoder, so appearance has to pass through z (ClothNet `cvae_noconn`).
 *   D    PatchGAN          concat(image, heatmaps) → conv k4 s2 ×downLayers → conv k4 s1 (BN) → conv k4 s1 → 1
 *                          logit map (pix2pix/ClothNet `create_discriminator`)
 *   q(y|x) pose estimator  x → the encoder stack → flatten → Dense → μ_y, log σ²_y (2J each, standardised)
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LayerRng } from '@dgpose/layers';
import { DGPoseError } from '@dgpose/core';
import { Conv2d, Dense, EncoderBlock, DecoderBlock, Module } from '@dgpose/layers';
import { LIMB_PARTS } from '@dgpose/mapper';
import type { ConditionalConfig, DiscriminatorConfig } from './types';
import { numScales, scaleChannels } from './config';

type NetConfig = Pick<
  ConditionalConfig,
  'imageSize' | 'bottleneckSize' | 'baseChannels' | 'maxChannels' | 'latentDim' | 'latentInjection' | 'partAppearance'
>;

/** Body parts drawn as extra pose channels (after the J heatmaps) when partAppearance is on. */
export function partChannels(c: Pick<ConditionalConfig, 'partAppearance'>): number {
  return c.partAppearance ? LIMB_PARTS.length : 0;
}

/**
 * Mean colour of x under each part mask: x [N,H,W,3], masks [N,H,W,P] → [N,3P] (a part with no pixels gives ~0).
 * Σ_hw m·x / (Σ_hw m + ε): one batched matMul.
 */
export function poolParts(x: tf.Tensor, masks: tf.Tensor): tf.Tensor2D {
  const [n, h, w, p] = masks.shape as [number, number, number, number];
  const m = tf.reshape(masks, [n, h * w, p]);
  const sum = tf.matMul(m, tf.reshape(x, [n, h * w, 3]), true, false); // [n,P,3]
  const area = tf.add(tf.reshape(tf.sum(m, 1), [n, p, 1]), 1e-3);
  return tf.reshape(tf.div(sum, area), [n, 3 * p]) as tf.Tensor2D;
}

/** The last P channels of the pose maps (the part masks). */
export function partsOf(heat: tf.Tensor, p: number): tf.Tensor4D {
  const [n, h, w, c] = heat.shape as [number, number, number, number];
  return tf.slice(heat, [0, 0, 0, c - p], [n, h, w, p]) as tf.Tensor4D;
}

/** Gaussian parameters [B,d] each. */
export type Gaussian = {
  mu: tf.Tensor2D;
  logvar: tf.Tensor2D;
};

/** A conv stack of L stride-2 encoder blocks (first without norm). */
class ConvStack extends Module<tf.Tensor, tf.Tensor4D[]> {
  readonly blocks: EncoderBlock[] = [];
  constructor(inChannels: number, c: NetConfig, rng: LayerRng) {
    super('convStack');
    const L = numScales(c);
    let cin = inChannels;
    for (let i = 1; i <= L; i++) {
      const cout = scaleChannels(c, i);
      this.blocks.push(
        this.addModule(
          `block${i}`,
          new EncoderBlock({ inChannels: cin, filters: cout, norm: i === 1 ? 'none' : 'batch', rng }),
        ),
      );
      cin = cout;
    }
  }
  /** Features of every scale, [f_1, ..., f_L]. */
  call(x: tf.Tensor): tf.Tensor4D[] {
    const out: tf.Tensor4D[] = [];
    let h: tf.Tensor = x;
    for (const b of this.blocks) {
      h = b.call(h);
      out.push(h as tf.Tensor4D);
    }
    return out;
  }
}

function flat(x: tf.Tensor): tf.Tensor2D {
  return tf.reshape(x, [x.shape[0], -1]) as tf.Tensor2D;
}

function split(t: tf.Tensor2D, d: number): Gaussian {
  const [mu, logvar] = tf.split(t, [d, d], 1) as [tf.Tensor2D, tf.Tensor2D];
  return { mu, logvar };
}

/** E_y: pose heatmaps → skip features at every scale. */
export class PoseEncoder extends Module<tf.Tensor, tf.Tensor4D[]> {
  readonly stack: ConvStack;
  constructor(joints: number, c: NetConfig, rng: LayerRng) {
    super('poseEncoder');
    this.stack = this.addModule('stack', new ConvStack(joints, c, rng));
  }
  call(heat: tf.Tensor): tf.Tensor4D[] {
    return this.stack.call(heat);
  }
}

/** q(z|x,y): concat(x, heatmaps) → μ, log σ². */
export class AppearanceEncoder extends Module<{ x: tf.Tensor; heat: tf.Tensor }, Gaussian> {
  readonly stack: ConvStack;
  readonly head: Dense;
  readonly latentDim: number;
  private readonly parts: number;
  /** `joints` = pose channels (J heatmaps + P part masks with partAppearance). */
  constructor(joints: number, c: NetConfig, rng: LayerRng) {
    super('appearanceEncoder');
    const L = numScales(c);
    this.latentDim = c.latentDim;
    this.parts = partChannels(c);
    this.stack = this.addModule('stack', new ConvStack(3 + joints, c, rng));
    this.head = this.addModule(
      'head',
      new Dense({
        inFeatures: c.bottleneckSize ** 2 * scaleChannels(c, L) + 3 * this.parts,
        units: 2 * c.latentDim,
        rng,
      }),
    );
  }
  call({ x, heat }: { x: tf.Tensor; heat: tf.Tensor }): Gaussian {
    const f = this.stack.call(tf.concat([x, heat], 3));
    const feats = flat(f[f.length - 1]);
    // partAppearance: each part's mean colour under the source pose's mask goes straight to the head
    const input = this.parts > 0 ? tf.concat([feats, poolParts(x, partsOf(heat, this.parts))], 1) : feats;
    return split(this.head.call(input), this.latentDim);
  }
}

/** Learned conditional prior p(z|y) from the pose encoder's bottleneck (optional; default N(0, I)). */
export class LearnedPrior extends Module<tf.Tensor4D, Gaussian> {
  readonly head: Dense;
  readonly latentDim: number;
  constructor(c: NetConfig, rng: LayerRng) {
    super('learnedPrior');
    this.latentDim = c.latentDim;
    this.head = this.addModule(
      'head',
      new Dense({ inFeatures: c.bottleneckSize ** 2 * scaleChannels(c, numScales(c)), units: 2 * c.latentDim, rng }),
    );
  }
  call(fL: tf.Tensor4D): Gaussian {
    return split(this.head.call(flat(fL)), this.latentDim);
  }
}

/** p(x|z,y): z and the pose encoder's features → image in [-1,1]. */
export class Decoder extends Module<{ z: tf.Tensor; skips: tf.Tensor4D[]; parts?: tf.Tensor4D }, tf.Tensor4D> {
  readonly fc: Dense;
  readonly blocks: DecoderBlock[] = [];
  /** partAppearance: z → one colour per part, and the full-resolution output conv. */
  readonly partColours: Dense | null;
  readonly out: Conv2d | null;
  private readonly b: number;
  private readonly cL: number;
  private readonly everyScale: boolean;
  private readonly parts: number;
  constructor(c: NetConfig, rng: LayerRng) {
    super('decoder');
    const L = numScales(c);
    this.b = c.bottleneckSize;
    this.cL = scaleChannels(c, L);
    this.everyScale = c.latentInjection === 'every-scale';
    this.parts = partChannels(c);
    this.fc = this.addModule('fc', new Dense({ inFeatures: c.latentDim, units: this.b * this.b * this.cL, rng }));
    this.partColours =
      this.parts > 0
        ? this.addModule('partColours', new Dense({ inFeatures: c.latentDim, units: 3 * this.parts, rng }))
        : null;
    // with parts the last block yields C_1 features at full size; `out` mixes them with the painted parts
    const c0 = this.parts > 0 ? scaleChannels(c, 1) : 3;
    this.out =
      this.parts > 0
        ? this.addModule(
            'out',
            new Conv2d({ inChannels: c0 + 4, filters: 3, kernelSize: 3, strides: 1, padding: 'same', bias: true, rng }),
          )
        : null;
    // block i takes concat(h, f_i) (2·C_i channels; + d_z tiled z below the bottleneck with every-scale) to scale i−1
    for (let i = L; i >= 1; i--) {
      const last = i === 1;
      const zIn = this.everyScale && i < L ? c.latentDim : 0;
      this.blocks.push(
        this.addModule(
          `up${i}`,
          new DecoderBlock({
            inChannels: 2 * scaleChannels(c, i) + zIn,
            filters: last ? c0 : scaleChannels(c, i - 1),
            norm: last && this.parts === 0 ? 'none' : 'batch',
            rng,
          }),
        ),
      );
    }
  }
  call({ z, skips, parts }: { z: tf.Tensor; skips: tf.Tensor4D[]; parts?: tf.Tensor4D }): tf.Tensor4D {
    const n = z.shape[0];
    let h: tf.Tensor = tf.reshape(this.fc.call(z), [n, this.b, this.b, this.cL]);
    const L = skips.length;
    const z4 = this.everyScale ? tf.reshape(z, [n, 1, 1, z.shape[1] as number]) : null;
    this.blocks.forEach((blk, k) => {
      const f = skips[L - 1 - k];
      // every-scale: z tiled over the skip's grid, so colour meets the pose mask at full resolution
      const inputs = z4 && k > 0 ? [h, f, tf.tile(z4, [1, f.shape[1], f.shape[2], 1])] : [h, f];
      h = blk.call(tf.concat(inputs, 3));
    });
    if (this.out && this.partColours) {
      if (!parts)
        throw new DGPoseError('E_ARG', 'internal: the decoder needs the part masks of the target pose', {
          argument: 'parts',
        });
      // paint: each pixel gets the colours of the parts covering it, weighted by their masks
      const [, H, W, P] = parts.shape;
      const m = tf.reshape(parts, [n, H * W, P]);
      const colours = tf.reshape(this.partColours.call(z), [n, P, 3]);
      const cover = tf.sum(m, 2, true); // [n,HW,1]
      const painted = tf.reshape(tf.div(tf.matMul(m, colours), tf.add(cover, 1e-3)), [n, H, W, 3]);
      const alpha = tf.reshape(tf.clipByValue(cover, 0, 1), [n, H, W, 1]);
      h = this.out.call(tf.concat([tf.relu(h), painted, alpha], 3));
    }
    return tf.tanh(h) as tf.Tensor4D;
  }
}

/** PatchGAN discriminator on concat(image, heatmaps) → logits [B,h,w,1]. */
export class PatchDiscriminator extends Module<{ x: tf.Tensor; heat: tf.Tensor }, tf.Tensor4D> {
  readonly blocks: EncoderBlock[] = [];
  readonly out: Conv2d;
  constructor(joints: number, d: DiscriminatorConfig, rng: LayerRng) {
    super('discriminator');
    let cin = 3 + joints;
    for (let i = 1; i <= d.downLayers; i++) {
      const cout = Math.min(d.baseChannels * 2 ** (i - 1), d.maxChannels);
      this.blocks.push(
        this.addModule(
          `block${i}`,
          new EncoderBlock({ inChannels: cin, filters: cout, norm: i === 1 ? 'none' : 'batch', rng }),
        ),
      );
      cin = cout;
    }
    const cout = Math.min(d.baseChannels * 2 ** d.downLayers, d.maxChannels);
    this.blocks.push(
      this.addModule(
        'block_s1',
        new EncoderBlock({ inChannels: cin, filters: cout, strides: 1, padding: 1, norm: 'batch', rng }),
      ),
    );
    this.out = this.addModule(
      'out',
      new Conv2d({ inChannels: cout, filters: 1, kernelSize: 4, strides: 1, padding: 1, bias: true, rng }),
    );
  }
  call({ x, heat }: { x: tf.Tensor; heat: tf.Tensor }): tf.Tensor4D {
    let h: tf.Tensor = tf.concat([x, heat], 3);
    for (const b of this.blocks) h = b.call(h);
    return this.out.call(h) as tf.Tensor4D;
  }
}

/** q(y|x): image → μ_y, log σ²_y over standardised coordinates ([B,2J] each), log σ² ≥ logvarMin (soft). */
export class PoseEstimator extends Module<tf.Tensor, Gaussian> {
  readonly stack: ConvStack;
  readonly head: Dense;
  readonly dims: number;
  readonly logvarMin: number;
  constructor(joints: number, c: NetConfig, logvarMin: number, rng: LayerRng) {
    super('poseEstimator');
    this.dims = 2 * joints;
    this.logvarMin = logvarMin;
    this.stack = this.addModule('stack', new ConvStack(3, c, rng));
    this.head = this.addModule(
      'head',
      new Dense({ inFeatures: c.bottleneckSize ** 2 * scaleChannels(c, numScales(c)), units: 2 * this.dims, rng }),
    );
  }
  call(x: tf.Tensor): Gaussian {
    const f = this.stack.call(x);
    const { mu, logvar } = split(this.head.call(flat(f[f.length - 1])), this.dims);
    // min + softplus(raw − min): smooth lower bound keeps −log q(y*|x) bounded (no dead gradient as with max)
    return { mu, logvar: tf.add(tf.softplus(tf.sub(logvar, this.logvarMin)), this.logvarMin) as tf.Tensor2D };
  }
}
