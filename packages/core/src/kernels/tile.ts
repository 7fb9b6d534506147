/*
 * Tile, forward (wasm) and gradient (every backend).
 *
 * The gradient tfjs 4.22.0 registers adds one slice of dy per repetition: tiling z [8,1,1,32] over a
 * 32x32 grid (the decoder's every-scale latent injection) costs 1,024 Slice and 1,024 Add kernels in the
 * backward pass, and a `small` DGPose training step runs about 2,700 of them. The sum over the
 * repetitions is one reduction of dy viewed as [reps0, x0, reps1, x1, ...] over the reps axes (axes of
 * size 1 dropped), the same sum in a different order. wasm's Tile forward is slow C++ (about 10 ms for
 * [8,32,32,32]); this one copies x's rows into the heap once and doubles them with copyWithin.
 */
import type { KernelArgs, KernelFn, TF, TensorInfo, WasmBackend } from './types';
import { replaceKernel } from './types';

/**
 * dx of y = tile(x, reps): sum of dy over the repetitions. Builds tensors with `tf` ops (recorded like
 * any gradient, so higher-order gradients work too).
 */
export function tileGradient(
  tf: TF,
  dy: import('@tensorflow/tfjs-core').Tensor,
  xShape: readonly number[],
  reps: readonly number[],
) {
  const dims: number[] = [];
  const axes: number[] = [];
  xShape.forEach((n, i) => {
    const r = reps[i] ?? 1;
    if (r > 1) {
      axes.push(dims.length);
      dims.push(r);
    }
    if (n > 1) dims.push(n);
  });
  if (axes.length === 0) return tf.reshape(dy, [...xShape]);
  return tf.reshape(tf.sum(tf.reshape(dy, dims), axes), [...xShape]);
}

/** Replaces the Tile gradient (global: gradients are not per backend). Call after tfjs-layers is imported. */
export function registerTileGradient(tf: TF): boolean {
  tf.registerGradient({
    kernelName: 'Tile',
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved;
      const reps = (attrs as unknown as { reps: number[] }).reps;
      return { x: () => tileGradient(tf, dy as import('@tensorflow/tfjs-core').Tensor, x.shape, reps) };
    },
  });
  return true;
}

type Arr = Float32Array | Int32Array | Uint8Array;

/**
 * out = tile(src, reps) into `dst` (row-major). Axis d, for each index of the axes before it: fill the
 * first repetition (x_d sub-blocks, recursively), then copy that block reps_d − 1 times (copyWithin).
 */
export function tileInto(dst: Arr, src: Arr, shape: readonly number[], reps: readonly number[]): void {
  const rank = shape.length;
  const srcStride = new Array<number>(rank);
  const dstStride = new Array<number>(rank);
  for (let d = rank - 1, s = 1, o = 1; d >= 0; d--) {
    srcStride[d] = s;
    dstStride[d] = o;
    s *= shape[d];
    o *= shape[d] * reps[d];
  }
  const fill = (d: number, si: number, di: number): void => {
    const n = shape[d];
    if (d === rank - 1) {
      if (n >= 16) dst.set(src.subarray(si, si + n), di);
      else for (let k = 0; k < n; k++) dst[di + k] = src[si + k];
    } else {
      for (let i = 0; i < n; i++) fill(d + 1, si + i * srcStride[d], di + i * dstStride[d]);
    }
    const block = n * dstStride[d];
    for (let r = 1; r < reps[d]; r++) dst.copyWithin(di + r * block, di, di + block);
  };
  if (rank === 0) dst[0] = src[0];
  else fill(0, 0, 0);
}

export function makeWasmTile(stock: KernelFn): KernelFn {
  return (args: KernelArgs) => {
    const { inputs, backend: b, attrs = {} } = args;
    const x = inputs.x;
    if (x.dtype === 'string') return stock(args);
    const backend = b as WasmBackend;
    const reps = attrs.reps as number[];
    if (!Array.isArray(reps) || reps.length !== x.shape.length || x.shape.length === 0) return stock(args);
    const outShape = x.shape.map((n, i) => n * reps[i]);
    const out: TensorInfo = backend.makeOutput(outShape, x.dtype);
    if (outShape.some((n) => n === 0)) return out;
    // views after the allocation, which may have grown the heap
    tileInto(backend.typedArrayFromHeap(out), backend.typedArrayFromHeap(x), x.shape, reps);
    return out;
  };
}

/** Replaces wasm's Tile (idempotent). */
export function registerWasmTile(tf: TF): boolean {
  return replaceKernel(tf, 'Tile', 'wasm', (stock) => makeWasmTile(stock));
}
