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

/** The wasm backend's extra allocation entry point. */
export interface WasmBackend extends KernelBackend {
  makeOutput(shape: number[], dtype: string, memoryOffset?: number, values?: ArrayLike<number>): TensorInfo;
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
