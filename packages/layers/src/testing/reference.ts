/* Independent reference computations for the tests (plain loops over Float32Arrays; NHWC). */
import * as tf from '@tensorflow/tfjs-core';

export interface Arr4 {
  data: Float32Array;
  shape: [number, number, number, number];
}

/** Direct convolution: out[n,oy,ox,co] = Σ x[n, oy·s−pt+ky, ox·s−pl+kx, ci] · k[ky,kx,ci,co] (+ bias). */
export function naiveConv2d(
  x: Arr4,
  k: Arr4,
  strides: [number, number],
  pads: [number, number, number, number], // top, bottom, left, right
  bias?: Float32Array,
): Arr4 {
  const [n, h, w, ci] = x.shape;
  const [kh, kw, kci, co] = k.shape;
  if (kci !== ci) throw new Error('channel mismatch');
  const [pt, pb, pl, pr] = pads;
  const oh = Math.floor((h + pt + pb - kh) / strides[0]) + 1;
  const ow = Math.floor((w + pl + pr - kw) / strides[1]) + 1;
  const out = new Float32Array(n * oh * ow * co);
  for (let b = 0; b < n; b++)
    for (let oy = 0; oy < oh; oy++)
      for (let ox = 0; ox < ow; ox++)
        for (let c = 0; c < co; c++) {
          let s = bias ? bias[c] : 0;
          for (let ky = 0; ky < kh; ky++) {
            const iy = oy * strides[0] - pt + ky;
            if (iy < 0 || iy >= h) continue;
            for (let kx = 0; kx < kw; kx++) {
              const ix = ox * strides[1] - pl + kx;
              if (ix < 0 || ix >= w) continue;
              for (let q = 0; q < ci; q++)
                s += x.data[((b * h + iy) * w + ix) * ci + q] * k.data[((ky * kw + kx) * ci + q) * co + c];
            }
          }
          out[((b * oh + oy) * ow + ox) * co + c] = s;
        }
  return { data: out, shape: [n, oh, ow, co] };
}

/**
 * Transposed convolution, PyTorch ConvTranspose2d semantics: every input pixel scatters
 * x[n,iy,ix,ci]·k[ky,kx,co,ci] to out[iy·s−p+ky, ix·s−p+kx]; out = (in−1)·s − 2p + k + outputPadding.
 * Kernel layout [kh, kw, out, in] (tfjs conv2dTranspose).
 */
export function naiveConv2dTranspose(
  x: Arr4,
  k: Arr4,
  stride: number,
  pad: number,
  outputPadding: number,
  bias?: Float32Array,
): Arr4 {
  const [n, h, w, ci] = x.shape;
  const [kh, kw, co, kci] = k.shape;
  if (kci !== ci) throw new Error('channel mismatch');
  const oh = (h - 1) * stride - 2 * pad + kh + outputPadding;
  const ow = (w - 1) * stride - 2 * pad + kw + outputPadding;
  const out = new Float32Array(n * oh * ow * co);
  for (let b = 0; b < n; b++)
    for (let iy = 0; iy < h; iy++)
      for (let ix = 0; ix < w; ix++)
        for (let ky = 0; ky < kh; ky++) {
          const oy = iy * stride - pad + ky;
          if (oy < 0 || oy >= oh) continue;
          for (let kx = 0; kx < kw; kx++) {
            const ox = ix * stride - pad + kx;
            if (ox < 0 || ox >= ow) continue;
            for (let c = 0; c < co; c++) {
              let s = 0;
              for (let q = 0; q < ci; q++)
                s += x.data[((b * h + iy) * w + ix) * ci + q] * k.data[((ky * kw + kx) * co + c) * ci + q];
              out[((b * oh + oy) * ow + ox) * co + c] += s;
            }
          }
        }
  if (bias) for (let i = 0; i < out.length; i++) out[i] += bias[i % co];
  return { data: out, shape: [n, oh, ow, co] };
}

/** Per-channel mean and biased variance over all but the last axis (`groups` = 1) or per sample. */
export function channelMoments(data: Float32Array, channels: number): { mean: Float64Array; variance: Float64Array } {
  const count = data.length / channels;
  const mean = new Float64Array(channels);
  const variance = new Float64Array(channels);
  for (let i = 0; i < data.length; i++) mean[i % channels] += data[i];
  for (let c = 0; c < channels; c++) mean[c] /= count;
  for (let i = 0; i < data.length; i++) variance[i % channels] += (data[i] - mean[i % channels]) ** 2;
  for (let c = 0; c < channels; c++) variance[c] /= count;
  return { mean, variance };
}

/**
 * Central finite differences of the scalar `loss()` with respect to `samples` seeded entries of each
 * variable, compared with tf.variableGrads. Returns the worst |analytic − numeric| / (atol + rtol·|numeric|)
 * (≤ 1 passes) so tests can assert on it. Variables are restored.
 */
export function gradientCheck(
  loss: () => tf.Scalar,
  vars: tf.Variable[],
  opts: { samples?: number; eps?: number; atol?: number; rtol?: number; seed?: number } = {},
): { worst: number; detail: string } {
  const { samples = 6, eps = 1e-2, atol = 2e-3, rtol = 2e-2 } = opts;
  let seed = opts.seed ?? 7;
  const rand = (): number => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return seed / 4294967296;
  };
  const { grads, value } = tf.variableGrads(loss, vars);
  value.dispose();
  let worst = 0;
  let detail = '';
  for (const v of vars) {
    const g = grads[v.name];
    const gv = g ? g.dataSync().slice() : new Float32Array(v.size);
    const base = v.dataSync().slice();
    const n = Math.min(samples, v.size);
    for (let s = 0; s < n; s++) {
      const i = v.size <= samples ? s : Math.floor(rand() * v.size);
      const eval1 = (delta: number): number => {
        const p = base.slice();
        p[i] += delta;
        tf.tidy(() => v.assign(tf.tensor(p, v.shape)));
        const l = tf.tidy(loss);
        const r = l.dataSync()[0];
        l.dispose();
        return r;
      };
      const numeric = (eval1(eps) - eval1(-eps)) / (2 * eps);
      const ratio = Math.abs(gv[i] - numeric) / (atol + rtol * Math.abs(numeric));
      if (ratio > worst) {
        worst = ratio;
        detail = `${v.name}[${i}]: analytic ${gv[i]} numeric ${numeric}`;
      }
    }
    tf.tidy(() => v.assign(tf.tensor(base, v.shape)));
  }
  tf.dispose(Object.values(grads));
  return { worst, detail };
}

/** Reads a tensor into an Arr4 (tests only). */
export function arr4(t: tf.Tensor): Arr4 {
  return { data: t.dataSync().slice() as Float32Array, shape: t.shape as [number, number, number, number] };
}

/** Bilinear resize with half-pixel centres (PyTorch align_corners=False), integer factor. */
export function naiveBilinear(x: Arr4, fh: number, fw: number): Arr4 {
  const [n, h, w, c] = x.shape;
  const oh = h * fh;
  const ow = w * fw;
  const out = new Float32Array(n * oh * ow * c);
  const src = (o: number, f: number, size: number): [number, number, number] => {
    const s = Math.max(0, (o + 0.5) / f - 0.5);
    const i0 = Math.min(Math.floor(s), size - 1);
    const i1 = Math.min(i0 + 1, size - 1);
    return [i0, i1, s - i0];
  };
  for (let b = 0; b < n; b++)
    for (let oy = 0; oy < oh; oy++) {
      const [y0, y1, ly] = src(oy, fh, h);
      for (let ox = 0; ox < ow; ox++) {
        const [x0, x1, lx] = src(ox, fw, w);
        for (let q = 0; q < c; q++) {
          const at = (yy: number, xx: number): number => x.data[((b * h + yy) * w + xx) * c + q];
          const top = at(y0, x0) * (1 - lx) + at(y0, x1) * lx;
          const bot = at(y1, x0) * (1 - lx) + at(y1, x1) * lx;
          out[((b * oh + oy) * ow + ox) * c + q] = top * (1 - ly) + bot * ly;
        }
      }
    }
  return { data: out, shape: [n, oh, ow, c] };
}
