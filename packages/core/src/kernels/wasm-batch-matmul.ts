/*
 * BatchMatMul for the wasm backend without its slow transpose flags. tfjs-wasm 4.22.0 is fast
 * (XNNPACK) only for C = A·B; with transposeA or transposeB it is many times slower, and a dense
 * layer's backward pass uses exactly those (dW = xᵀ·dy, dx = dy·Wᵀ): at batch 8,
 * [8,4096]ᵀ·[8,256] takes 26 ms with the flag and 3 ms as transpose + plain matmul.
 * This kernel materialises what it needs and picks the cheaper of
 *   (1) C = op(A)·op(B)               transposing A if transposeA, B if transposeB, or
 *   (2) C = (op(B)ᵀ·op(A)ᵀ)ᵀ           where op(B)ᵀ = B when transposeB (free), op(A)ᵀ = A when transposeA,
 * counting the elements each one moves. Both give the same sums (exactly the same products).
 */
import type { KernelArgs, KernelFn, TF, TensorInfo, WasmBackend } from './types';
import { kernelOf, replaceKernel, run1 } from './types';

const size = (t: TensorInfo) => t.shape.reduce((a, v) => a * v, 1);
const swapLast = (rank: number) => [...Array.from({ length: rank - 2 }, (_, i) => i), rank - 1, rank - 2];

export function makeWasmBatchMatMul(tf: TF, stock: KernelFn): KernelFn {
  const transpose = kernelOf(tf, 'Transpose', 'wasm');
  return (args: KernelArgs) => {
    const { inputs, backend: b, attrs = {} } = args;
    const ta = attrs.transposeA === true;
    const tb = attrs.transposeB === true;
    if (!ta && !tb) return stock(args);
    const backend = b as WasmBackend;
    const { a, b: B } = inputs;
    const rankA = a.shape.length;
    const rankB = B.shape.length;
    const m = a.shape[ta ? rankA - 1 : rankA - 2];
    const n = B.shape[tb ? rankB - 2 : rankB - 1];
    const batch = Math.max(
      size(a) / (a.shape[rankA - 1] * a.shape[rankA - 2]),
      size(B) / (B.shape[rankB - 1] * B.shape[rankB - 2]),
    );
    const cost1 = (ta ? size(a) : 0) + (tb ? size(B) : 0);
    const cost2 = (tb ? 0 : size(B)) + (ta ? 0 : size(a)) + batch * m * n;
    const temps: TensorInfo[] = [];
    const T = (t: TensorInfo) => {
      const out = run1(transpose, { inputs: { x: t }, backend, attrs: { perm: swapLast(t.shape.length) } });
      temps.push(out);
      return out;
    };
    const plain = { transposeA: false, transposeB: false };
    try {
      if (cost1 <= cost2) {
        return run1(stock, { inputs: { a: ta ? T(a) : a, b: tb ? T(B) : B }, backend, attrs: { ...attrs, ...plain } });
      }
      const ct = run1(stock, {
        inputs: { a: tb ? B : T(B), b: ta ? a : T(a) },
        backend,
        attrs: { ...attrs, ...plain },
      });
      temps.push(ct);
      return run1(transpose, { inputs: { x: ct }, backend, attrs: { perm: swapLast(ct.shape.length) } });
    } finally {
      for (const t of temps) backend.disposeData(t.dataId);
    }
  };
}

/** Replaces wasm's BatchMatMul (idempotent). Returns whether it was replaced. */
export function registerWasmBatchMatMul(tf: TF): boolean {
  return replaceKernel(tf, 'BatchMatMul', 'wasm', (stock) => makeWasmBatchMatMul(tf, stock));
}
