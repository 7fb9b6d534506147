/*
 * One Adam update of one variable as ONE kernel, `DGPoseAdam` (wasm and cpu), instead of the 14 kernels
 * (and 14 allocations) tfjs 4.22.0's AdamOptimizer runs per variable. @dgpose/objectives' fusedAdam
 * calls it. Every operation is the stock one in the stock order, each rounded to float32
 * (Math.fround: a float32 +, −, ×, ÷ or √ done in a double and rounded once equals the float32
 * operation), so the results are bit for bit those of tf.train.adam:
 *
 *   m' = m·β1 + g·(1−β1)            v' = v·β2 + g²·(1−β2)
 *   w' = (m'/c1) / (√(v'/c2) + ε) · (−lr) + w,     c1 = 1 − β1^(t+1), c2 = 1 − β2^(t+1) (float32)
 *
 * Inputs {value, m, v, g}; attrs {beta1, beta2, epsilon, learningRate, c1, c2} (numbers, rounded here);
 * outputs [w', m', v'] (new tensors: never written in place, since tensors may share data).
 */
import type { CpuBackend, KernelArgs, TF, TensorInfo, WasmBackend } from './types';
import { markOurs } from './types';

export const ADAM_KERNEL = 'DGPoseAdam';

export interface AdamAttrs {
  beta1: number;
  beta2: number;
  epsilon: number;
  learningRate: number;
  /** 1 − β1^(t+1) as the float32 `sub(1, accBeta1)` gives it. */
  c1: number;
  /** 1 − β2^(t+1), likewise. */
  c2: number;
}

const f = Math.fround;

/** The update into w2, m2, v2 (may not alias the inputs). */
export function adamInto(
  w2: Float32Array,
  m2: Float32Array,
  v2: Float32Array,
  w: ArrayLike<number>,
  m: ArrayLike<number>,
  v: ArrayLike<number>,
  g: ArrayLike<number>,
  a: AdamAttrs,
): void {
  const b1 = f(a.beta1);
  const omb1 = f(1 - a.beta1); // the scalar tensor tfjs makes of the JS number 1 − β1
  const b2 = f(a.beta2);
  const omb2 = f(1 - a.beta2);
  const eps = f(a.epsilon);
  const nlr = f(-a.learningRate);
  const c1 = f(a.c1);
  const c2 = f(a.c2);
  for (let i = 0; i < w2.length; i++) {
    const gi = g[i];
    const mi = f(f(m[i] * b1) + f(gi * omb1));
    const vi = f(f(v[i] * b2) + f(f(gi * gi) * omb2));
    m2[i] = mi;
    v2[i] = vi;
    const denom = f(f(Math.sqrt(f(vi / c2))) + eps);
    w2[i] = f(f(f(f(mi / c1) / denom) * nlr) + w[i]);
  }
}

function checkAttrs(attrs: Record<string, unknown>): AdamAttrs {
  const keys = ['beta1', 'beta2', 'epsilon', 'learningRate', 'c1', 'c2'] as const;
  for (const k of keys) {
    if (typeof attrs[k] !== 'number')
      throw new Error(`${ADAM_KERNEL}: attribute ${k} must be a number, got ${typeof attrs[k]}`);
  }
  return attrs as unknown as AdamAttrs;
}

export function makeAdamKernel(backendName: 'wasm' | 'cpu') {
  return ({ inputs, backend, attrs = {} }: KernelArgs): TensorInfo[] => {
    const { value, m, v, g } = inputs;
    const a = checkAttrs(attrs);
    for (const t of [value, m, v, g]) {
      if (t.dtype !== 'float32' || t.shape.join() !== value.shape.join()) {
        throw new Error(
          `${ADAM_KERNEL}: value, m, v and g must be float32 of one shape, got ${t.dtype} [${t.shape}] for value [${value.shape}]`,
        );
      }
    }
    const shape = [...value.shape];
    if (backendName === 'wasm') {
      const b = backend as WasmBackend;
      const outs = [b.makeOutput(shape, 'float32'), b.makeOutput(shape, 'float32'), b.makeOutput(shape, 'float32')];
      // views after every allocation (an allocation may grow the heap and detach older views)
      const [w2, m2, v2] = outs.map((o) => b.typedArrayFromHeap(o) as Float32Array);
      adamInto(
        w2,
        m2,
        v2,
        b.typedArrayFromHeap(value),
        b.typedArrayFromHeap(m),
        b.typedArrayFromHeap(v),
        b.typedArrayFromHeap(g),
        a,
      );
      return outs;
    }
    const b = backend as CpuBackend;
    const n = shape.reduce((s, d) => s * d, 1);
    const w2 = new Float32Array(n);
    const m2 = new Float32Array(n);
    const v2 = new Float32Array(n);
    const read = (t: TensorInfo) => b.readSync(t.dataId) as ArrayLike<number>;
    adamInto(w2, m2, v2, read(value), read(m), read(v), read(g), a);
    return [
      b.makeTensorInfo(shape, 'float32', w2),
      b.makeTensorInfo(shape, 'float32', m2),
      b.makeTensorInfo(shape, 'float32', v2),
    ];
  };
}

/** Registers DGPoseAdam on `backendName` (idempotent). */
export function registerAdamKernel(tf: TF, backendName: 'wasm' | 'cpu'): boolean {
  if (tf.getKernel(ADAM_KERNEL, backendName)) tf.unregisterKernel(ADAM_KERNEL, backendName);
  tf.registerKernel({ kernelName: ADAM_KERNEL, backendName, kernelFunc: markOurs(makeAdamKernel(backendName)) });
  return true;
}
