/*
 * The generator in eval mode, prepared once per weights version for fast inference (issue 12). Same maths as
 * GeneratorNet with every network in eval mode; outputs agree within float rounding (frozen.test.ts). Measured
 * on the wasm backend at batch 1, 64 px (small preset), what the plain module calls spend their time on, and
 * what this does instead:
 *
 * - Transposed convs: the wasm kernel of @dgpose/core rearranges the filter into polyphase form on every call
 *   and, the filter being new each time, XNNPACK builds and packs a new operator: 1.9 ms for a 4x4x128 input.
 *   Here the polyphase filter is built once and the transposed conv is one stride-1 conv over it (0.19 ms:
 *   a stable filter keeps XNNPACK's operator cached), then depth-to-space and a crop.
 * - Batch norms (running statistics) folded into the conv before them, W' = W·s, b' = (b − μ)·s + β with
 *   s = γ/√(σ²+ε); bias and the next activation fused into the conv (tf.fused.conv2d / matMul): one kernel
 *   per block instead of seven.
 * - z broadcast over a skip's grid by a multiply with ones, not tf.tile: wasm's Tile costs ~0.1 µs per element
 *   (1.9 ms at 32x32x32, 8 ms at 64x64x32), a broadcast multiply 0.06 ms at 64x64x32.
 *
 * The prepared tensors are rebuilt when any weight changed: a tfjs Variable gets a new dataId on every assign
 * (training steps, loadArrays), so comparing dataIds finds stale weights without reading them.
 */
import * as tf from '@tensorflow/tfjs-core';
import { BatchNorm, Conv2d, Conv2dTranspose, DecoderBlock, type Dense, EncoderBlock } from '@dgpose/layers';
import type { ConditionalConfig } from './types';
import { type Gaussian, partChannels, partsOf, poolParts } from './networks';
import type { GeneratorNet } from './generator-net';

type Act = { kind: 'linear' } | { kind: 'relu' } | { kind: 'leakyrelu'; alpha: number };
type ExplicitPad = [[number, number], [number, number], [number, number], [number, number]];

/** A block's activation as tf.fused names it; null when fusing does not support it. */
function fusable(spec: unknown): Act | null {
  const s = (typeof spec === 'string' ? { kind: spec } : spec) as { kind?: string; alpha?: number } | null;
  if (s?.kind === 'relu') return { kind: 'relu' };
  if (s?.kind === 'leakyRelu') return { kind: 'leakyrelu', alpha: s.alpha ?? 0.2 };
  if (s?.kind === 'identity') return { kind: 'linear' };
  return null;
}

function applyAct(x: tf.Tensor, a: Act): tf.Tensor {
  if (a.kind === 'relu') return tf.relu(x);
  if (a.kind === 'leakyrelu') return tf.leakyRelu(x, a.alpha);
  return x;
}

function fusedArgs(a: Act): { activation: 'linear' | 'relu' | 'leakyrelu'; leakyreluAlpha?: number } {
  return a.kind === 'leakyrelu' ? { activation: 'leakyrelu', leakyreluAlpha: a.alpha } : { activation: a.kind };
}

/** Per-channel scale and shift of an eval-mode batch norm (null norm: identity). Call in a tidy. */
function normAffine(norm: BatchNorm | null, channels: number): { s: tf.Tensor1D; t: tf.Tensor1D } {
  if (!norm) return { s: tf.ones([channels]), t: tf.zeros([channels]) };
  let s = tf.rsqrt(tf.add(norm.runningVar, norm.eps)) as tf.Tensor1D;
  if (norm.gamma) s = tf.mul(s, norm.gamma);
  let t = tf.neg(tf.mul(norm.runningMean, s)) as tf.Tensor1D;
  if (norm.beta) t = tf.add(t, norm.beta);
  return { s, t };
}

/** conv → (folded norm) → fused activation. */
interface FrozenConv {
  filter: tf.Tensor4D;
  bias: tf.Tensor1D;
  strides: [number, number];
  pad: 'same' | 'valid' | ExplicitPad;
}

function freezeConv(conv: Conv2d, norm: BatchNorm | null): FrozenConv {
  const { s, t } = normAffine(norm, conv.filters);
  const filter = tf.mul(conv.kernel, tf.reshape(s, [1, 1, 1, conv.filters])) as tf.Tensor4D;
  const bias = (conv.bias ? tf.add(tf.mul(conv.bias, s), t) : t) as tf.Tensor1D;
  return { filter, bias, strides: [...conv.strides] as [number, number], pad: conv.padding as FrozenConv['pad'] };
}

function runConv(c: FrozenConv, x: tf.Tensor, act: Act): tf.Tensor4D {
  return tf.fused.conv2d({
    x: x as tf.Tensor4D,
    filter: c.filter,
    strides: c.strides,
    pad: c.pad,
    bias: c.bias,
    ...fusedArgs(act),
  });
}

/**
 * A transposed conv (numeric padding) → (folded norm) as ONE stride-1 conv over the polyphase filter
 * W'[mh, mw, o, (rh·sw + rw)·C + c] = w[(Mh−1−mh)·sh + rh, (Mw−1−mw)·sw + rw, c, o] (zero past the kernel),
 * M = ceil(k/s), then depth-to-space and a crop of the padding (@dgpose/core's wasm Conv2DBackpropInput
 * does the same per call; see its doc for the derivation).
 */
interface FrozenDeconv {
  filter: tf.Tensor4D;
  /** The folded bias repeated for the sh·sw phases. */
  bias: tf.Tensor1D;
  k: [number, number];
  s: [number, number];
  p: [number, number];
  op: [number, number];
  M: [number, number];
  C: number;
}

function freezeDeconv(conv: Conv2dTranspose, norm: BatchNorm | null): FrozenDeconv {
  const [kh, kw] = conv.kernelSize;
  const [sh, sw] = conv.strides;
  const C = conv.filters;
  const O = conv.inChannels;
  const Mh = Math.ceil(kh / sh);
  const Mw = Math.ceil(kw / sw);
  const { s, t } = normAffine(norm, C);
  // kernel [kh,kw,C(out),O(in)]: the norm scales the output channel, axis 2. One gather rearranges it (few ops:
  // a model prepares this at construction), index K picking the zero appended for taps past the kernel.
  const K = kh * kw * C * O;
  const idx = new Int32Array(Mh * Mw * O * sh * sw * C);
  let n = 0;
  for (let mh = 0; mh < Mh; mh++)
    for (let mw = 0; mw < Mw; mw++)
      for (let o = 0; o < O; o++)
        for (let rh = 0; rh < sh; rh++)
          for (let rw = 0; rw < sw; rw++) {
            const i = (Mh - 1 - mh) * sh + rh;
            const j = (Mw - 1 - mw) * sw + rw;
            for (let c = 0; c < C; c++) idx[n++] = i < kh && j < kw ? ((i * kw + j) * C + c) * O + o : K;
          }
  const w = tf.concat([tf.reshape(tf.mul(conv.kernel, tf.reshape(s, [1, 1, C, 1])), [K]), tf.zeros([1])]);
  const filter = tf.reshape(tf.gather(w, tf.tensor1d(idx, 'int32')), [Mh, Mw, O, sh * sw * C]) as tf.Tensor4D;
  const b = conv.bias ? tf.add(tf.mul(conv.bias, s), t) : t;
  return {
    filter,
    bias: tf.tile(b, [sh * sw]) as tf.Tensor1D,
    k: [kh, kw],
    s: [sh, sw],
    p: conv.padding as [number, number],
    op: [...conv.outputPadding] as [number, number],
    M: [Mh, Mw],
    C,
  };
}

function runDeconv(d: FrozenDeconv, x: tf.Tensor, act: Act): tf.Tensor4D {
  const [B, H, W] = x.shape as [number, number, number, number];
  const [sh, sw] = d.s;
  const [Mh, Mw] = d.M;
  const Ho = (H - 1) * sh - 2 * d.p[0] + d.k[0] + d.op[0];
  const Wo = (W - 1) * sw - 2 * d.p[1] + d.k[1] + d.op[1];
  const Qh = Math.ceil((Ho + d.p[0]) / sh);
  const Qw = Math.ceil((Wo + d.p[1]) / sw);
  const pad: ExplicitPad = [
    [0, 0],
    [Mh - 1, Math.max(0, Qh - H)],
    [Mw - 1, Math.max(0, Qw - W)],
    [0, 0],
  ];
  const y = tf.fused.conv2d({
    x: x as tf.Tensor4D,
    filter: d.filter,
    strides: 1,
    pad,
    bias: d.bias,
    ...fusedArgs(act),
  });
  const [, q, p] = y.shape;
  // depth-to-space by reshape + transpose (wasm's DepthToSpace kernel is 20x slower)
  const z = tf.reshape(tf.transpose(tf.reshape(y, [B * q, p, sh, sw * d.C]), [0, 2, 1, 3]), [B, q * sh, p * sw, d.C]);
  return (
    q * sh === Ho && p * sw === Wo && d.p[0] === 0 && d.p[1] === 0
      ? z
      : tf.slice(z, [0, d.p[0], d.p[1], 0], [B, Ho, Wo, d.C])
  ) as tf.Tensor4D;
}

interface FrozenDense {
  kernel: tf.Tensor2D;
  bias: tf.Tensor1D | undefined;
}

function freezeDense(d: Dense): FrozenDense {
  // the variables themselves: nothing to fold, and a Variable is a Tensor
  return { kernel: d.kernel as tf.Tensor2D, bias: (d.bias ?? undefined) as tf.Tensor1D | undefined };
}

function runDense(d: FrozenDense, x: tf.Tensor, act: Act): tf.Tensor2D {
  return tf.fused.matMul({ a: x as tf.Tensor2D, b: d.kernel, bias: d.bias, ...fusedArgs(act) }) as tf.Tensor2D;
}

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
  blocks: FrozenDeconv[];
  partColours: FrozenDense | null;
  out: FrozenConv | null;
}

/** Eval-mode generator with prepared weights; get it from {@link FrozenGenerator.create} (null when unsupported). */
export class FrozenGenerator {
  private prepared: Prepared | null = null;
  private own: tf.Tensor[] = [];
  private ids: unknown[] = [];
  private readonly vars: tf.Variable[];
  /** The decoder blocks' input activation (ReLU in the presets); fused into whatever produces their input. */
  private readonly decAct: Act;

  private constructor(
    private readonly net: GeneratorNet,
    private readonly config: ConditionalConfig,
  ) {
    this.vars = [...net.parameters(), ...net.buffers()];
    this.decAct = fusable(net.decoder.blocks[0].activation) as Act;
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
    if (this.prepared && this.vars.every((v, i) => v.dataId === this.ids[i])) return;
    this.release();
    const net = this.net;
    let p!: Prepared;
    // tidy frees the intermediates and keeps what it returns: the tensors made here (not the variables passed through)
    const made = tf.tidy(() => {
      const stack = (blocks: EncoderBlock[]): { conv: FrozenConv; act: Act }[] =>
        blocks.map((b) => ({
          conv: freezeConv(b.conv, b.norm as BatchNorm | null),
          act: fusable(b.activation) as Act,
        }));
      const d = net.decoder;
      p = {
        poseEncoder: stack(net.poseEncoder.stack.blocks),
        appearanceEncoder: stack(net.appearanceEncoder.stack.blocks),
        appearanceHead: freezeDense(net.appearanceEncoder.head),
        prior: net.prior ? freezeDense(net.prior.head) : null,
        fc: freezeDense(d.fc),
        blocks: d.blocks.map((b) => freezeDeconv(b.conv as Conv2dTranspose, b.norm as BatchNorm | null)),
        partColours: d.partColours ? freezeDense(d.partColours) : null,
        out: d.out ? freezeConv(d.out, null) : null,
      };
      return collect(p).filter((t) => !(t instanceof tf.Variable));
    });
    this.own = made.map((t) => tf.keep(t));
    this.prepared = p;
    this.ids = this.vars.map((v) => v.dataId);
  }

  private get p(): Prepared {
    this.refresh();
    return this.prepared as Prepared;
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
    const z4 =
      c.latentInjection === 'every-scale' ? tf.reshape(applyAct(z, act), [n, 1, 1, z.shape[1] as number]) : null;
    const P = partChannels(c);
    p.blocks.forEach((blk, k) => {
      const f = skips[L - 1 - k];
      const [, fh, fw] = f.shape;
      const inputs = [h, applyAct(f, act)];
      if (z4 && k > 0) inputs.push(tf.mul(z4, tf.ones([1, fh, fw, 1])));
      // the last block feeds `out` through a ReLU (partAppearance) or tanh directly
      const next: Act = k < p.blocks.length - 1 ? act : p.out ? { kind: 'relu' } : { kind: 'linear' };
      h = runDeconv(blk, tf.concat(inputs, 3), next);
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

  private release(): void {
    tf.dispose(this.own);
    this.own = [];
    this.prepared = null;
  }

  dispose(): void {
    this.release();
  }
}

function collect(p: Prepared): tf.Tensor[] {
  const out: tf.Tensor[] = [];
  const conv = (c: FrozenConv | null): void => void (c && out.push(c.filter, c.bias));
  const dense = (d: FrozenDense | null): void => void (d && out.push(d.kernel, ...(d.bias ? [d.bias] : [])));
  p.poseEncoder.forEach((b) => conv(b.conv));
  p.appearanceEncoder.forEach((b) => conv(b.conv));
  [p.appearanceHead, p.prior, p.fc, p.partColours].forEach(dense);
  p.blocks.forEach((d) => out.push(d.filter, d.bias));
  conv(p.out);
  return out;
}
