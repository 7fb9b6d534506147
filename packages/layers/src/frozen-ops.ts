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

/**
 * A transposed conv whose last `channels` input channels hold one vector per image broadcast over the grid (z
 * tiled over every decoder scale, models' latentInjection 'every-scale'). In the polyphase conv their share at
 * output (q, p) is Σ over the taps (mh, mw) that land inside the input of W_z[mh,mw]ᵀ·v, which depends only on
 * the border class of (q, p). So it is v·W_z once (a [n, channels] × [channels, Mh·Mw·sh·sw·C] matmul), spread
 * over the grid by a 0/1 tap-validity matrix [Qh·Qw, Mh·Mw]: two small matmuls in place of the conv FLOPs of
 * the tiled channels (half of a 64 px decoder block's input) and the tile and concat that fed them. Exact.
 */
export interface FrozenDeconvConstant {
  /** The deconv over the other input channels (the folded bias included). */
  main: FrozenDeconv;
  /** W_z as [channels, Mh·Mw·sh·sw·C] (tap-major). */
  constant: tf.Tensor2D;
}

/** Splits the last `channels` input channels off a frozen deconv (new tensors: call in the caller's tidy). */
export function splitDeconvConstant(d: FrozenDeconv, channels: number): FrozenDeconvConstant {
  const [Mh, Mw, O, P] = d.filter.shape;
  const main = tf.slice(d.filter, [0, 0, 0, 0], [Mh, Mw, O - channels, P]) as tf.Tensor4D;
  const wz = tf.slice(d.filter, [0, 0, O - channels, 0], [Mh, Mw, channels, P]);
  const constant = tf.reshape(tf.transpose(wz, [2, 0, 1, 3]), [channels, Mh * Mw * P]) as tf.Tensor2D;
  return { main: { ...d, filter: main }, constant };
}

/** Output rows (or columns) of the stride-1 polyphase conv and its padding, for an input of n rows. */
function phaseGrid(n: number, k: number, s: number, p: number, op: number) {
  const out = (n - 1) * s - 2 * p + k + op;
  const q = Math.ceil((out + p) / s);
  return { out, q, padEnd: Math.max(0, q - n), rows: Math.max(n, q) };
}

/** [rows·cols, Mh·Mw]: 1 where tap (mh, mw) of output (r, c) reads inside the H×W input (padding Mh−1 before). */
function tapValidity(H: number, W: number, rows: number, cols: number, Mh: number, Mw: number): tf.Tensor2D {
  const m = new Float32Array(rows * cols * Mh * Mw);
  let i = 0;
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++)
      for (let mh = 0; mh < Mh; mh++)
        for (let mw = 0; mw < Mw; mw++) {
          const a = r - (Mh - 1) + mh;
          const b = c - (Mw - 1) + mw;
          m[i++] = a >= 0 && a < H && b >= 0 && b < W ? 1 : 0;
        }
  return tf.tensor2d(m, [rows * cols, Mh * Mw]);
}

/**
 * The transposed conv, then `act`. With `constant`, the input's last channels are `constant.v` [n, channels]
 * broadcast over the grid, given as the vector only (`x` holds the other channels; see FrozenDeconvConstant).
 */
export function runDeconv(
  d: FrozenDeconv,
  x: tf.Tensor,
  act: Act,
  constant?: { weights: tf.Tensor2D; v: tf.Tensor2D },
): tf.Tensor4D {
  const [B, H, W] = x.shape as [number, number, number, number];
  const [sh, sw] = d.s;
  const [Mh, Mw] = d.M;
  const gh = phaseGrid(H, d.k[0], sh, d.p[0], d.op[0]);
  const gw = phaseGrid(W, d.k[1], sw, d.p[1], d.op[1]);
  const pad: ExplicitPad = [
    [0, 0],
    [Mh - 1, gh.padEnd],
    [Mw - 1, gw.padEnd],
    [0, 0],
  ];
  let y: tf.Tensor4D;
  if (!constant) {
    y = tf.fused.conv2d({ x: x as tf.Tensor4D, filter: d.filter, strides: 1, pad, bias: d.bias, ...fusedArgs(act) });
  } else {
    const P = d.filter.shape[3];
    const perTap = tf.reshape(tf.matMul(constant.v, constant.weights), [B, Mh * Mw, P]);
    const valid = tapValidity(H, W, gh.rows, gw.rows, Mh, Mw);
    const spread =
      B === 1
        ? tf.matMul(valid, tf.reshape(perTap, [Mh * Mw, P]))
        : tf.matMul(tf.broadcastTo(tf.expandDims(valid, 0), [B, gh.rows * gw.rows, Mh * Mw]), perTap);
    const conv = tf.fused.conv2d({ x: x as tf.Tensor4D, filter: d.filter, strides: 1, pad, bias: d.bias });
    y = applyAct(tf.add(conv, tf.reshape(spread, [B, gh.rows, gw.rows, P])), act) as tf.Tensor4D;
  }
  const [, q, p] = y.shape;
  // depth-to-space by reshape + transpose (wasm's DepthToSpace kernel is 20x slower)
  const z = tf.reshape(tf.transpose(tf.reshape(y, [B * q, p, sh, sw * d.C]), [0, 2, 1, 3]), [B, q * sh, p * sw, d.C]);
  return (
    q * sh === gh.out && p * sw === gw.out && d.p[0] === 0 && d.p[1] === 0
      ? z
      : tf.slice(z, [0, d.p[0], d.p[1], 0], [B, gh.out, gw.out, d.C])
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
