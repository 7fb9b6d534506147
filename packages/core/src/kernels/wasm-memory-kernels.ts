/*
 * Faster Slice, SplitV, Concat and Identity for the wasm backend. Both are pure memory moves done in JS by tfjs-wasm
 * 4.22.0, and slowly: Slice first copies its WHOLE input out of the heap (readSync) and Concat
 * makes one `subarray` + `set` per innermost run, so concatenating pose maps along channels
 * ([8,64,64,32] ⊕ [8,64,64,18]) costs 65k tiny copies; a training step does many of both (the
 * gradient of concat is a SplitV, which calls wasm's Slice function directly, so it is replaced too). These versions read and write heap views directly and copy
 * short runs with a plain loop. Identity (tf.clone, and many gradients: ~400 calls per training step)
 * copies its input on wasm; tensors are immutable, so like cpu's Identity and wasm's own Reshape it
 * now shares the data and counts a reference. Strings fall back to the stock kernels.
 */
import type { KernelArgs, KernelFn, TF, TensorInfo, WasmBackend } from './types';
import { replaceKernel } from './types';

type Arr = Float32Array | Int32Array | Uint8Array;

/** Copies n elements; plain loop for short runs (a subarray per run costs more than the copy). */
function copy(dst: Arr, di: number, src: Arr, si: number, n: number): void {
  if (n >= 64) dst.set(src.subarray(si, si + n), di);
  else for (let k = 0; k < n; k++) dst[di + k] = src[si + k];
}

/** `rows` runs of n elements, src rows `srcStride` apart, dst rows `dstStride` apart. */
function copyRows(
  dst: Arr,
  di: number,
  dstStride: number,
  src: Arr,
  si: number,
  srcStride: number,
  n: number,
  rows: number,
): void {
  if (n >= 64) {
    for (let r = 0; r < rows; r++, si += srcStride, di += dstStride) dst.set(src.subarray(si, si + n), di);
  } else if (dst instanceof Float32Array && src instanceof Float32Array) {
    copyRowsF32(dst, di, dstStride, src, si, srcStride, n, rows); // monomorphic: the common case
  } else {
    for (let r = 0; r < rows; r++, si += srcStride, di += dstStride)
      for (let k = 0; k < n; k++) dst[di + k] = src[si + k];
  }
}
function copyRowsF32(
  dst: Float32Array,
  di: number,
  dstStride: number,
  src: Float32Array,
  si: number,
  srcStride: number,
  n: number,
  rows: number,
): void {
  for (let r = 0; r < rows; r++, si += srcStride, di += dstStride)
    for (let k = 0; k < n; k++) dst[di + k] = src[si + k];
}

export function makeWasmSlice(tf: TF, stock: KernelFn): KernelFn {
  return (args: KernelArgs) => {
    const { inputs, backend: b, attrs = {} } = args;
    const x = inputs.x;
    if (x.dtype === 'string') return stock(args);
    const backend = b as WasmBackend;
    const [begin, size] = tf.slice_util.parseSliceParams(x as never, attrs.begin as number[], attrs.size as number[]);
    const out = backend.makeOutput(size, x.dtype);
    const total = size.reduce((a, v) => a * v, 1);
    if (total === 0) return out;
    const rank = x.shape.length;
    const strides = new Array<number>(rank);
    for (let d = rank - 1, s = 1; d >= 0; d--) {
      strides[d] = s;
      s *= x.shape[d];
    }
    // innermost contiguous run: trailing full dims merge into the last partial one
    let p = rank - 1;
    while (p > 0 && begin[p] === 0 && size[p] === x.shape[p]) p--;
    const run = size[p] * strides[p];
    const src = backend.typedArrayFromHeap(x);
    const dst = backend.typedArrayFromHeap(out);
    // only the last kept-partial axis restricts the slice: evenly spaced runs (e.g. a channel split)
    let q = p - 1;
    while (q >= 0 && begin[q] === 0 && size[q] === x.shape[q]) q--;
    if (q < 0 && p > 0) {
      copyRows(dst, 0, run, src, begin[p] * strides[p], strides[p - 1], run, total / run);
      return out;
    }
    const idx = new Array<number>(p).fill(0);
    let base = 0;
    for (let d = 0; d <= p; d++) base += begin[d] * strides[d];
    for (let k = 0; k < total; k += run) {
      let off = base;
      for (let d = 0; d < p; d++) off += idx[d] * strides[d];
      copy(dst, k, src, off, run);
      for (let d = p - 1; d >= 0; d--) {
        if (++idx[d] < size[d]) break;
        idx[d] = 0;
      }
    }
    return out;
  };
}

export function makeWasmConcat(tf: TF, stock: KernelFn): KernelFn {
  return (args: KernelArgs) => {
    const { inputs, backend: b, attrs = {} } = args;
    const list = (Array.isArray(inputs) ? inputs : Object.values(inputs)) as TensorInfo[];
    if (list.length === 0 || list[0].dtype === 'string') return stock(args);
    const backend = b as WasmBackend;
    const axis = tf.util.parseAxisParam(attrs.axis as number, list[0].shape)[0];
    tf.backend_util.assertParamsConsistent(
      list.map((t) => t.shape),
      axis,
    );
    const outShape = tf.backend_util.computeOutShape(
      list.map((t) => t.shape),
      axis,
    );
    const parts = list.filter((t) => t.shape.reduce((a, v) => a * v, 1) > 0);
    if (parts.length <= 1) return stock(args); // identity / empty: nothing to speed up
    const out = backend.makeOutput(outShape, list[0].dtype);
    const outer = outShape.slice(0, axis).reduce((a, v) => a * v, 1);
    const inner = parts.map((t) => t.shape.slice(axis).reduce((a, v) => a * v, 1));
    const rowLen = inner.reduce((a, v) => a + v, 0);
    const srcs = parts.map((t) => backend.typedArrayFromHeap(t));
    const dst = backend.typedArrayFromHeap(out);
    for (let i = 0, o = 0; i < parts.length; o += inner[i], i++)
      copyRows(dst, o, rowLen, srcs[i], 0, inner[i], inner[i], outer);
    return out;
  };
}

export function makeWasmSplitV(tf: TF, stock: KernelFn, slice: KernelFn): KernelFn {
  return (args: KernelArgs) => {
    const { inputs, backend, attrs = {} } = args;
    const x = inputs.x;
    if (x.dtype === 'string') return stock(args);
    const axis = tf.util.parseAxisParam(attrs.axis as number, x.shape)[0];
    const sizes = tf.backend_util.prepareSplitSize(x as never, attrs.numOrSizeSplits as number | number[], axis);
    const begin = new Array<number>(x.shape.length).fill(0);
    return sizes.map((n) => {
      const size = [...x.shape];
      size[axis] = n;
      const out = slice({ inputs: { x }, backend, attrs: { begin: [...begin], size } }) as TensorInfo;
      begin[axis] += n;
      return out;
    });
  };
}

export function makeWasmIdentity(stock: KernelFn): KernelFn {
  return (args: KernelArgs) => {
    const x = args.inputs.x;
    if (x.dtype === 'string') return stock(args);
    (args.backend as { incRef(dataId: object): void }).incRef(x.dataId);
    return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
  };
}

/** Replaces wasm's Slice, SplitV, Concat and Identity (idempotent). Returns the names replaced. */
export function registerWasmMemoryKernels(tf: TF): string[] {
  const done: string[] = [];
  if (replaceKernel(tf, 'Slice', 'wasm', (stock) => makeWasmSlice(tf, stock))) done.push('Slice@wasm');
  const slice = tf.getKernel('Slice', 'wasm')?.kernelFunc as unknown as KernelFn | undefined;
  if (slice && replaceKernel(tf, 'SplitV', 'wasm', (stock) => makeWasmSplitV(tf, stock, slice)))
    done.push('SplitV@wasm');
  if (replaceKernel(tf, 'Concat', 'wasm', (stock) => makeWasmConcat(tf, stock))) done.push('Concat@wasm');
  if (replaceKernel(tf, 'Identity', 'wasm', (stock) => makeWasmIdentity(stock))) done.push('Identity@wasm');
  return done;
}
