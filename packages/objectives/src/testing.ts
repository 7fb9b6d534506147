/* Test-only helpers shared by the objectives tests (not exported from the package). */
import * as tf from '@tensorflow/tfjs-core';
import { seededFloats } from '@dgpose/test-utils';

/** Plain-JS x[N,a] · w[a,b] (row-major) → [N,b]. */
export function jsMatMul(x: ArrayLike<number>, w: ArrayLike<number>, n: number, a: number, b: number): number[] {
  const out: number[] = new Array(n * b).fill(0);
  for (let i = 0; i < n; i++)
    for (let k = 0; k < a; k++) for (let j = 0; j < b; j++) out[i * b + j] += x[i * a + k] * w[k * b + j];
  return out;
}

/** Row-wise concatenation of [N,a] and [N,b]. */
export function jsConcat(x: ArrayLike<number>, y: ArrayLike<number>, n: number, a: number, b: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < a; k++) out.push(x[i * a + k]);
    for (let k = 0; k < b; k++) out.push(y[i * b + k]);
  }
  return out;
}

/** A fixed weight matrix: its values now, its constant tensor `t` once the backend is up (`materialize`). */
export interface Weight {
  v: Float32Array;
  shape: [number, number];
  t: tf.Tensor2D;
}
export function weight(a: number, b: number, seed: number, scale = 0.5): Weight {
  return { v: seededFloats(a * b, seed, -scale, scale), shape: [a, b], t: null as unknown as tf.Tensor2D };
}
/** Creates the tensors of `ws` (call in beforeAll, after the backend switch); returns a disposer. */
export function materialize(ws: Weight[]): () => void {
  for (const w of ws) w.t = tf.tensor2d(w.v, w.shape);
  return () => tf.dispose(ws.map((w) => w.t));
}

/** Per-sample KL(N(mu, e^lv) ‖ N(mp, e^lp)) summed over d, in double precision. */
export function jsKl(
  mu: number[],
  lv: number[],
  n: number,
  d: number,
  mp?: ArrayLike<number>,
  lp?: ArrayLike<number>,
): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k < d; k++) {
      const q = i * d + k;
      const pm = mp ? mp[k] : 0;
      const pl = lp ? lp[k] : 0;
      s += 0.5 * (pl - lv[q] + (Math.exp(lv[q]) + (mu[q] - pm) ** 2) / Math.exp(pl) - 1);
    }
    out.push(s);
  }
  return out;
}
