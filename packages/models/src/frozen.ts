/*
 * The generator in eval mode, prepared once per weights version for fast inference (issue 12). Same maths as
 * GeneratorNet with every network in eval mode; outputs agree within float rounding (frozen.test.ts). Measured
 * on the wasm backend at batch 1, 64 px (small preset), what the plain module calls spend their time on, and
 * what this does instead:
 *
 * - Transposed convs as one stride-1 conv over a polyphase filter built once, and batch norms folded into the conv
 *   before them with the activation fused (@dgpose/layers' frozen-ops.ts, where the measurements are).
 * - z at every scale is never tiled: a block's conv over the tiled z channels is, exactly, a per-position sum of
 *   per-tap vectors (layers' splitDeconvConstant), two small matmuls. The tiled channels were half the input of
 *   the 64 px block, and wasm's Tile costs ~0.1 µs per element (8 ms at 64x64x32).
 *
 * The prepared tensors are rebuilt when any weight changed (layers' PreparedCache: a Variable's dataId changes
 * on every assign, training steps and loadArrays included).
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  type Act,
  BatchNorm,
  Conv2d,
  Conv2dTranspose,
  DecoderBlock,
  EncoderBlock,
  type FrozenConv,
  type FrozenDeconv,
  type FrozenDense,
  applyAct,
  freezeConv,
  freezeDeconv,
  freezeDense,
  fusable,
  runConv,
  runDeconv,
  PreparedCache,
  runDense,
  splitDeconvConstant,
} from '@dgpose/layers';
import type { ConditionalConfig } from './types';
import { type Gaussian, partChannels, partsOf, poolParts } from './networks';
import type { GeneratorNet } from './generator-net';

/** Whether every block has the form this class folds (else the model keeps the module calls). */
function supported(net: GeneratorNet): boolean {
  const enc = (b: unknown): boolean =>
    b instanceof EncoderBlock &&
    b.conv instanceof Conv2d &&
    (b.norm === null || b.norm instanceof BatchNorm) &&
    fusable(b.activation) !== null;
  const dec = (b: unknown): boolean =>
    b instanceof DecoderBlock &&
    b.conv instanceof Conv2dTranspose &&
    Array.isArray(b.conv.padding) &&
    (b.norm === null || b.norm instanceof BatchNorm) &&
    fusable(b.activation) !== null;
  const d = net.decoder;
  return (
    net.poseEncoder.stack.blocks.every(enc) &&
    net.appearanceEncoder.stack.blocks.every(enc) &&
    d.blocks.every(dec) &&
    d.blocks.every((b) => (fusable(b.activation) as Act).kind === (fusable(d.blocks[0].activation) as Act).kind)
  );
}

interface Prepared {
  poseEncoder: { conv: FrozenConv; act: Act }[];
  appearanceEncoder: { conv: FrozenConv; act: Act }[];
  appearanceHead: FrozenDense;
  prior: FrozenDense | null;
  fc: FrozenDense;
  /** Decoder blocks; with every-scale, those after the first take z as a vector (FrozenDeconvConstant). */
  blocks: FrozenDeconv[];
  zWeights: (tf.Tensor2D | null)[];
  partColours: FrozenDense | null;
  out: FrozenConv | null;
}

/** Eval-mode generator with prepared weights; get it from {@link FrozenGenerator.create} (null when unsupported). */
export class FrozenGenerator {
  private readonly cache: PreparedCache<Prepared>;
  /** The decoder blocks' input activation (ReLU in the presets); fused into whatever produces their input. */
  private readonly decAct: Act;

  private constructor(
    net: GeneratorNet,
    private readonly config: ConditionalConfig,
  ) {
    this.decAct = fusable(net.decoder.blocks[0].activation) as Act;
    this.cache = new PreparedCache(
      () => [...net.parameters(), ...net.buffers()],
      () => {
        const value = prepare(net, config);
        return { value, tensors: collect(value) };
      },
    );
  }

  /**
   * A frozen view of `net`, prepared now; null when a block has a form it does not fold, or on the cpu
   * backend: there the preparation (~10 ms for the tiny preset: cpu's broadcasting multiply is slow) costs
   * more than it saves, and cpu is the fallback and test backend (a fuzz test builds hundreds of models).
   */
  static create(net: GeneratorNet, config: ConditionalConfig): FrozenGenerator | null {
    if (!supported(net) || tf.getBackend() === 'cpu') return null;
    const f = new FrozenGenerator(net, config);
    f.refresh();
    return f;
  }

  /** Rebuilds the prepared weights when any weight changed since the last build. Call outside or inside a tidy. */
  refresh(): void {
    this.cache.get();
  }

  private get p(): Prepared {
    return this.cache.get();
  }

  /** E_y: the features of every scale [f_1..f_L] (post-activation, as PoseEncoder.call). Call in a tidy. */
  poseFeatures(heat: tf.Tensor): tf.Tensor4D[] {
    const out: tf.Tensor4D[] = [];
    let h: tf.Tensor = heat;
    for (const b of this.p.poseEncoder) out.push((h = runConv(b.conv, h, b.act)) as tf.Tensor4D);
    return out;
  }

  /** q(z|x,y) as AppearanceEncoder.call. Call in a tidy. */
  encode(x: tf.Tensor, heat: tf.Tensor): Gaussian {
    const p = this.p;
    let h: tf.Tensor = tf.concat([x, heat], 3);
    for (const b of p.appearanceEncoder) h = runConv(b.conv, h, b.act);
    let input: tf.Tensor = tf.reshape(h, [h.shape[0], -1]);
    const P = partChannels(this.config);
    if (P > 0) input = tf.concat([input, poolParts(x, partsOf(heat, P))], 1);
    const [mu, logvar] = tf.split(runDense(p.appearanceHead, input, { kind: 'linear' }), 2, 1) as [
      tf.Tensor2D,
      tf.Tensor2D,
    ];
    return { mu, logvar };
  }

  /** p(z|y) as GeneratorNet.priorParams. Call in a tidy. */
  priorParams(heat: tf.Tensor, n: number, d: number): Gaussian {
    const p = this.p;
    if (!p.prior) return { mu: tf.zeros([n, d]), logvar: tf.zeros([n, d]) };
    const f = this.poseFeatures(heat);
    const fL = f[f.length - 1];
    const [mu, logvar] = tf.split(runDense(p.prior, tf.reshape(fL, [fL.shape[0], -1]), { kind: 'linear' }), 2, 1) as [
      tf.Tensor2D,
      tf.Tensor2D,
    ];
    return { mu, logvar };
  }

  /** p(x|z,y) as GeneratorNet.call: image [B,S,S,3] in [-1,1]. Call in a tidy. */
  decode(z: tf.Tensor, heat: tf.Tensor): tf.Tensor4D {
    const p = this.p;
    const c = this.config;
    const n = z.shape[0];
    const skips = this.poseFeatures(heat);
    const L = skips.length;
    const b = c.bottleneckSize;
    const act = this.decAct;
    // every block's input is act(concat(h, f, z tiled)): act(h) is fused into whatever made h
    let h: tf.Tensor = tf.reshape(runDense(p.fc, z, act), [n, b, b, -1]);
    const zAct = c.latentInjection === 'every-scale' ? (applyAct(z, act) as tf.Tensor2D) : null;
    const P = partChannels(c);
    p.blocks.forEach((blk, k) => {
      const f = skips[L - 1 - k];
      // the last block feeds `out` through a ReLU (partAppearance) or tanh directly
      const next: Act = k < p.blocks.length - 1 ? act : p.out ? { kind: 'relu' } : { kind: 'linear' };
      const wz = p.zWeights[k];
      h = runDeconv(blk, tf.concat([h, applyAct(f, act)], 3), next, wz && zAct ? { weights: wz, v: zAct } : undefined);
    });
    if (p.out && p.partColours && P > 0) {
      // paint, as Decoder.call: each pixel gets the colours of the parts covering it, weighted by their masks
      const parts = partsOf(heat, P);
      const [, H, W] = parts.shape;
      const m = tf.reshape(parts, [n, H * W, P]);
      const colours = tf.reshape(runDense(p.partColours, z, { kind: 'linear' }), [n, P, 3]);
      const cover = tf.sum(m, 2, true);
      const painted = tf.reshape(tf.div(tf.matMul(m, colours), tf.add(cover, 1e-3)), [n, H, W, 3]);
      const alpha = tf.reshape(tf.clipByValue(cover, 0, 1), [n, H, W, 1]);
      h = runConv(p.out, tf.concat([h, painted, alpha], 3), { kind: 'linear' });
    }
    return tf.tanh(h) as tf.Tensor4D;
  }

  dispose(): void {
    this.cache.dispose();
  }
}

/** The prepared weights of `net` (run inside PreparedCache's tidy). */
function prepare(net: GeneratorNet, config: ConditionalConfig): Prepared {
  const stack = (blocks: EncoderBlock[]): { conv: FrozenConv; act: Act }[] =>
    blocks.map((b) => ({ conv: freezeConv(b.conv, b.norm as BatchNorm | null), act: fusable(b.activation) as Act }));
  const d = net.decoder;
  return {
    poseEncoder: stack(net.poseEncoder.stack.blocks),
    appearanceEncoder: stack(net.appearanceEncoder.stack.blocks),
    appearanceHead: freezeDense(net.appearanceEncoder.head),
    prior: net.prior ? freezeDense(net.prior.head) : null,
    fc: freezeDense(d.fc),
    ...decoderBlocks(d.blocks, config),
    partColours: d.partColours ? freezeDense(d.partColours) : null,
    out: d.out ? freezeConv(d.out, null) : null,
  };
}

/**
 * The decoder's deconvs, folded; with every-scale, blocks after the first have z's input channels split off
 * (layers' splitDeconvConstant): z enters as a vector, not tiled over the grid.
 */
function decoderBlocks(blocks: DecoderBlock[], c: ConditionalConfig): Pick<Prepared, 'blocks' | 'zWeights'> {
  const out: Pick<Prepared, 'blocks' | 'zWeights'> = { blocks: [], zWeights: [] };
  blocks.forEach((b, k) => {
    const d = freezeDeconv(b.conv as Conv2dTranspose, b.norm as BatchNorm | null);
    if (c.latentInjection === 'every-scale' && k > 0) {
      const { main, constant } = splitDeconvConstant(d, c.latentDim);
      out.blocks.push(main);
      out.zWeights.push(constant);
    } else {
      out.blocks.push(d);
      out.zWeights.push(null);
    }
  });
  return out;
}

/** The tensors a Prepared holds (the variables passed through are filtered out by PreparedCache). */
function collect(p: Prepared): tf.Tensor[] {
  const out: tf.Tensor[] = [];
  const conv = (c: FrozenConv | null): void => void (c && out.push(c.filter, c.bias));
  const dense = (d: FrozenDense | null): void => void (d && out.push(d.kernel, ...(d.bias ? [d.bias] : [])));
  p.poseEncoder.forEach((b) => conv(b.conv));
  p.appearanceEncoder.forEach((b) => conv(b.conv));
  [p.appearanceHead, p.prior, p.fc, p.partColours].forEach(dense);
  p.blocks.forEach((d) => out.push(d.filter, d.bias));
  p.zWeights.forEach((w) => void (w && out.push(w)));
  conv(p.out);
  return out;
}
