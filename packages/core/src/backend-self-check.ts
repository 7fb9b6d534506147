/*
 * The self-check a threaded wasm backend must pass before it is used: a conv small enough to check
 * by hand, big enough to be split across threads, against a naive loop in plain JS.
 */
import type { TF } from './kernels/types';
import type { WasmModuleLike } from './kernels/wasm-threads';

/** Null when `n` threads are in use and a threaded conv2d matches the reference; else why not. */
export async function threadsSelfCheck(tf: TF, wasm: WasmModuleLike, n: number): Promise<string | null> {
  const got = wasm.getThreadsCount();
  if (got !== n) return `getThreadsCount() is ${got}, expected ${n}`;
  const [B, H, W, C, K, O] = [2, 12, 12, 8, 3, 16];
  const xs = new Float32Array(B * H * W * C).map((_, i) => Math.sin(i * 0.37));
  const ws = new Float32Array(K * K * C * O).map((_, i) => Math.cos(i * 0.11));
  const y = tf.tidy(() => tf.conv2d(tf.tensor4d(xs, [B, H, W, C]), tf.tensor4d(ws, [K, K, C, O]), 1, 'same'));
  const got4 = await y.data();
  y.dispose();
  let worst = 0;
  for (let b = 0; b < B; b++)
    for (let i = 0; i < H; i++)
      for (let j = 0; j < W; j++)
        for (let o = 0; o < O; o++) {
          let s = 0;
          for (let di = 0; di < K; di++)
            for (let dj = 0; dj < K; dj++) {
              const yi = i + di - 1;
              const xj = j + dj - 1;
              if (yi < 0 || yi >= H || xj < 0 || xj >= W) continue;
              for (let c = 0; c < C; c++)
                s += xs[((b * H + yi) * W + xj) * C + c] * ws[((di * K + dj) * C + c) * O + o];
            }
          worst = Math.max(worst, Math.abs(s - got4[((b * H + i) * W + j) * O + o]));
        }
  return worst <= 1e-3 ? null : `threaded conv2d differs from the reference by ${worst}`;
}
