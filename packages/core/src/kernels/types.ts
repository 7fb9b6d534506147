/* Minimal structural types for writing kernels against tfjs backends without importing them. */
import type * as tfc from '@tensorflow/tfjs-core';

/** The tfjs-core module, passed in at run time (core never imports tfjs statically). */
export type TF = typeof tfc;

/** A tensor as kernels see it: a data id on some backend plus its shape and dtype. */
export interface TensorInfo {
  dataId: object;
  shape: number[];
  dtype: string;
}

/** What our kernels use of a backend instance (both cpu and wasm have these). */
export interface KernelBackend {
  readSync(dataId: object): ArrayLike<number> | Uint8Array[];
  disposeData(dataId: object, force?: boolean): boolean;
  numDataIds(): number;
}

/** The wasm backend's allocation entry point and its zero-copy view of a tensor in the wasm heap. */
export interface WasmBackend extends KernelBackend {
  makeOutput(shape: number[], dtype: string, memoryOffset?: number, values?: ArrayLike<number>): TensorInfo;
  /** A view (not a copy) into the heap; invalid after any allocation, which may grow the heap. */
  typedArrayFromHeap(t: TensorInfo): Float32Array | Int32Array | Uint8Array;
}

/** The cpu backend's allocation entry point. */
export interface CpuBackend extends KernelBackend {
  makeTensorInfo(shape: number[], dtype: string, values?: ArrayLike<number>): TensorInfo;
}

export type Attrs = Record<string, unknown>;
export interface KernelArgs {
  inputs: Record<string, TensorInfo>;
  backend: unknown;
  attrs?: Attrs;
}
export type KernelFn = (args: KernelArgs) => TensorInfo | TensorInfo[];

/** Looks up a registered kernel function of `backendName`, failing loudly when absent. */
export function kernelOf(tf: TF, kernelName: string, backendName: string): KernelFn {
  const k = tf.getKernel(kernelName, backendName);
  if (!k) throw new Error(`kernel ${kernelName} is not registered for backend ${backendName}`);
  return k.kernelFunc as unknown as KernelFn;
}

/** Calls a kernel that returns exactly one tensor. */
export function run1(k: KernelFn, args: KernelArgs): TensorInfo {
  const out = k(args);
  return Array.isArray(out) ? out[0] : out;
}

const OURS = Symbol.for('dgpose.kernel');
/** Tags a kernel function as dgpose's, so re-registration replaces only our own kernels. */
export function markOurs<F extends object>(f: F): import('@tensorflow/tfjs-core').KernelFunc {
  (f as Record<symbol, unknown>)[OURS] = true;
  return f as unknown as import('@tensorflow/tfjs-core').KernelFunc;
}
export function isOurs(f: unknown): boolean {
  return typeof f === 'function' && (f as unknown as Record<symbol, unknown>)[OURS] === true;
}

const ORIGINAL = Symbol.for('dgpose.originalKernel');

/**
 * Replaces a registered kernel by `make(stock)` (idempotent: the stock kernel is remembered across
 * re-registrations and kept as the fallback). Keeps the stock setup/dispose functions, which bind
 * the C++ entry points the fallback needs. Returns false when there is no kernel to replace.
 */
export function replaceKernel(
  tf: TF,
  kernelName: string,
  backendName: string,
  make: (stock: KernelFn) => KernelFn,
): boolean {
  const existing = tf.getKernel(kernelName, backendName);
  if (!existing) return false;
  const original = isOurs(existing.kernelFunc)
    ? ((existing.kernelFunc as unknown as Record<symbol, unknown>)[ORIGINAL] as typeof existing)
    : existing;
  const fn = make(original.kernelFunc as unknown as KernelFn);
  (fn as unknown as Record<symbol, unknown>)[ORIGINAL] = original;
  tf.unregisterKernel(kernelName, backendName);
  tf.registerKernel({
    kernelName,
    backendName,
    kernelFunc: markOurs(fn),
    setupFunc: original.setupFunc,
    disposeFunc: original.disposeFunc,
  });
  return true;
}
