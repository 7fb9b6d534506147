import * as tf from '@tensorflow/tfjs-core';

/**
 * Central finite-difference gradient of a scalar function of one tensor, in float32:
 * g_i ≈ (f(x + h·e_i) − f(x − h·e_i)) / 2h. Test-only (reads data synchronously); keep inputs small.
 * Expect float32 rounding: compare with a tolerance of about 1e-2 relative for h = 1e-2 … 1e-3.
 */
export function numericGradient(f: (x: tf.Tensor) => tf.Tensor, x: tf.Tensor, h = 1e-3): Float32Array {
  const base = x.dataSync().slice() as Float32Array;
  const g = new Float32Array(base.length);
  const evalAt = (v: Float32Array): number => {
    const y = tf.tidy(() => f(tf.tensor(v, x.shape, 'float32')));
    const out = y.dataSync()[0];
    y.dispose();
    return out;
  };
  for (let i = 0; i < base.length; i++) {
    const p = base.slice();
    const m = base.slice();
    p[i] += h;
    m[i] -= h;
    g[i] = (evalAt(p) - evalAt(m)) / (2 * h);
  }
  return g;
}

/** Analytic gradient of a scalar function of one tensor, via tf.grad (needs the gradient registry). */
export function analyticGradient(f: (x: tf.Tensor) => tf.Tensor, x: tf.Tensor): Float32Array {
  const g = tf.tidy(() => tf.grad((t: tf.Tensor) => f(t) as tf.Scalar)(x));
  const out = Float32Array.from(g.dataSync());
  g.dispose();
  return out;
}
