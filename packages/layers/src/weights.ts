import * as tf from '@tensorflow/tfjs-core';
import { DGPoseError, checkArraysMatch, decodeWeights, encodeWeights } from '@dgpose/core';
import type {
  ArraySpec,
  EncodeWeightsOptions,
  NamedArray,
  NamedArrays,
  WeightsManifest,
  WeightsMeta,
} from '@dgpose/core';
import type { Module, ModuleOutput } from './module';

type AnyModule = Module<unknown, ModuleOutput>;

/**
 * Reads every parameter and buffer (batch-norm running stats included) of `module` into plain
 * arrays keyed by dotted name (`encoder.block2.conv.kernel`). Async: reads with `await v.data()`.
 * The arrays are copies; the module is untouched.
 */
export async function toNamedArrays(module: AnyModule): Promise<NamedArrays> {
  const out: NamedArrays = {};
  for (const [name, v] of module.namedVariables()) {
    const data = await v.data();
    const dtype = v.dtype === 'int32' ? 'int32' : 'float32';
    if (v.dtype !== 'float32' && v.dtype !== 'int32') {
      throw new DGPoseError('E_ARG', `toNamedArrays: unsupported dtype of ${name}`, {
        argument: name,
        expected: 'float32 | int32',
        got: v.dtype,
      });
    }
    out[name] = {
      dtype,
      shape: [...v.shape],
      data: dtype === 'int32' ? Int32Array.from(data as Int32Array) : Float32Array.from(data as Float32Array),
    } as NamedArray;
  }
  return out;
}

/**
 * Checks `arrays` against `module` without changing anything: throws E_WEIGHTS_MISMATCH (core's
 * `checkArraysMatch`) naming the first parameter or buffer, in the module's order, that is missing or
 * has another shape or dtype, then the first extra name; and one whose data length disagrees with
 * its shape.
 */
export function checkNamedArrays(module: AnyModule, arrays: NamedArrays): void {
  const vars = module.namedVariables();
  const expected: Record<string, ArraySpec> = {};
  for (const [name, v] of vars) expected[name] = { shape: v.shape, dtype: v.dtype };
  checkArraysMatch(expected, arrays);
  for (const [name, v] of vars) {
    const a = arrays[name];
    const okType = v.dtype === 'int32' ? a.data instanceof Int32Array : a.data instanceof Float32Array;
    if (!okType || a.data.length !== v.size) {
      throw new DGPoseError('E_WEIGHTS_MISMATCH', `weights data for '${name}' do not fit its shape`, {
        argument: name,
        expected: `${v.size} ${v.dtype} values`,
        got: `${a.data?.length} values in a ${a.data?.constructor?.name}`,
      });
    }
  }
}

/**
 * Loads `arrays` into `module` (parameters and buffers). Checks everything first (see
 * {@link checkNamedArrays}), so a mismatch leaves the module unchanged.
 */
export function loadNamedArrays(module: AnyModule, arrays: NamedArrays): void {
  checkNamedArrays(module, arrays);
  for (const [name, v] of module.namedVariables()) {
    const a = arrays[name];
    tf.tidy(() => v.assign(tf.tensor(a.data, [...a.shape], a.dtype)));
  }
}

/** `toNamedArrays` + core's `encodeWeights`: the tfjs weights format (manifest + shards), universal. */
export async function encodeModuleWeights(
  module: AnyModule,
  meta: WeightsMeta = {},
  options: EncodeWeightsOptions = {},
): Promise<{ manifest: WeightsManifest; shards: Uint8Array[] }> {
  return encodeWeights(await toNamedArrays(module), meta, options);
}

/** core's `decodeWeights` + `loadNamedArrays`; returns the decoded arrays. */
export async function decodeModuleWeights(
  module: AnyModule,
  manifest: WeightsManifest,
  shards: (Uint8Array | ArrayBuffer)[],
  expect: { kind?: string } = {},
): Promise<NamedArrays> {
  const arrays = await decodeWeights(manifest, shards, expect);
  loadNamedArrays(module, arrays);
  return arrays;
}
