/*
 * Eval-mode building blocks for fast inference (issue 12), shared by models' FrozenGenerator and the learned
 * mapper: batch norms folded into the conv or dense before them, the activation fused into that kernel, and
 * transposed convs as one stride-1 conv over a polyphase filter built once. Measured on the wasm backend at
 * batch 1, 64 px:
 *
 * - Transposed convs: the wasm kernel of @dgpose/core rearranges the filter into polyphase form on every call
 *   and, the filter being new each time, XNNPACK builds and packs a new operator: 1.9 ms for a 4x4x128 input.
 *   Here the polyphase filter is built once and the transposed conv is one stride-1 conv over it (0.19 ms:
 *   a stable filter keeps XNNPACK's operator cached), then depth-to-space and a crop.
 * - Batch norms (running statistics): W' = W·s, b' = (b − μ)·s + β with s = γ/√(σ²+ε); bias and the next
 *   activation fused into the conv (tf.fused.conv2d / matMul): one kernel per block instead of seven.
 *
 * Every freeze* result holds new tensors (made in the caller's tidy) except freezeDense's, which passes the
 * variables through. Everything here is differentiable in its input x.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BatchNorm } from './batch-norm';
import type { Conv2d } from './conv2d';
import type { Conv2dTranspose } from './conv2d-transpose';
import type { Dense } from './dense';

export type Act = { kind: 'linear' } | { kind: 'relu' } | { kind: 'leakyrelu'; alpha: number };
export type ExplicitPad = [[number, number], [number, number], [number, number], [number, number]];

/** A block's activation as tf.fused names it; null when fusing does not support it. */
export function fusable(spec: unknown): Act | null {
  const s = (typeof spec === 'string' ? { kind: spec } : spec) as { kind?: string; alpha?: number } | null;
  if (s?.kind === 'relu') return { kind: 'relu' };
  if (s?.kind === 'leakyRelu') return { kind: 'leakyrelu', alpha: s.alpha ?? 0.2 };
  if (s?.kind === 'identity') return { kind: 'linear' };
  return null;
}

export function applyAct(x: tf.Tensor, a: Act): tf.Tensor {
  if (a.kind === 'relu') return tf.relu(x);
  if (a.kind === 'leakyrelu') return tf.leakyRelu(x, a.alpha);
  return x;
}

export function fusedArgs(a: Act): { activation: 'linear' | 'relu' | 'leakyrelu'; leakyreluAlpha?: number } {
  return a.kind === 'leakyrelu' ? { activation: 'leakyrelu', leakyreluAlpha: a.alpha } : { activation: a.kind };
}

/** Per-channel scale and shift of an eval-mode batch norm (null norm: identity). Call in a tidy. */
export function normAffine(norm: BatchNorm | null, channels: number): { s: tf.Tensor1D; t: tf.Tensor1D } {
  if (!norm) return { s: tf.ones([channels]), t: tf.zeros([channels]) };
  let s = tf.rsqrt(tf.add(norm.runningVar, norm.eps)) as tf.Tensor1D;
  if (norm.gamma) s = tf.mul(s, norm.gamma);
  let t = tf.neg(tf.mul(norm.runningMean, s)) as tf.Tensor1D;
  if (norm.beta) t = tf.add(t, norm.beta);
  return { s, t };
}

/** conv → (folded norm) → fused activation. */
export interface FrozenConv {
  filter: tf.Tensor4D;
  bias: tf.Tensor1D;
  strides: [number, number];
  pad: 'same' | 'valid' | ExplicitPad;
}

export function freezeConv(conv: Conv2d, norm: BatchNorm | null): FrozenConv {
  const { s, t } = normAffine(norm, conv.filters);
  const filter = tf.mul(conv.kernel, tf.reshape(s, [1, 1, 1, conv.filters])) as tf.Tensor4D;
  const bias = (conv.bias ? tf.add(tf.mul(conv.bias, s), t) : t) as tf.Tensor1D;
  return { filter, bias, strides: [...conv.strides] as [number, number], pad: conv.padding as FrozenConv['pad'] };
}

export function runConv(c: FrozenConv, x: tf.Tensor, act: Act): tf.Tensor4D {
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
export interface FrozenDeconv {
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

export function freezeDeconv(conv: Conv2dTranspose, norm: BatchNorm | null): FrozenDeconv {
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

export function runDeconv(d: FrozenDeconv, x: tf.Tensor, act: Act): tf.Tensor4D {
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

export interface FrozenDense {
  kernel: tf.Tensor2D;
  bias: tf.Tensor1D | undefined;
}

export function freezeDense(d: Dense): FrozenDense {
  // the variables themselves: nothing to fold, and a Variable is a Tensor
  return { kernel: d.kernel as tf.Tensor2D, bias: (d.bias ?? undefined) as tf.Tensor1D | undefined };
}

export function runDense(d: FrozenDense, x: tf.Tensor, act: Act): tf.Tensor2D {
  return tf.fused.matMul({ a: x as tf.Tensor2D, b: d.kernel, bias: d.bias, ...fusedArgs(act) }) as tf.Tensor2D;
}
