/*
 * float16 storage of float32 weights, as tfjs's weights format writes it: the manifest entry keeps
 * `dtype: 'float32'` and gains `quantization: { dtype: 'float16' }`; the shard holds IEEE 754
 * binary16 values, 2 bytes each, little-endian. Loaders dequantize to float32. Halving the bytes is
 * what lets the zoo fit issue 11's install budget; the accuracy cost is measured in the zoo README
 * (binary16 keeps 11 significant bits: a relative rounding error of at most 2^-11 ≈ 4.9e-4).
 * The conversion itself comes from @petamoriken/float16 (correct round-to-nearest-even and subnormals).
 */
import { getFloat16, setFloat16 } from '@petamoriken/float16';

/** The largest finite binary16 value. A float32 array with a larger magnitude is stored as float32. */
export const FLOAT16_MAX = 65504;

/** Whether every value of `data` is finite and fits binary16's range (so storing it as float16 is safe). */
export function fitsFloat16(data: Float32Array): boolean {
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (!(Math.abs(v) <= FLOAT16_MAX)) return false; // also false for NaN
  }
  return true;
}

/** Writes `data` as little-endian binary16 into `out` at byte `offset` (2 bytes per value). */
export function writeFloat16(data: Float32Array, out: Uint8Array, offset: number): void {
  const view = new DataView(out.buffer, out.byteOffset + offset, 2 * data.length);
  for (let i = 0; i < data.length; i++) setFloat16(view, 2 * i, data[i], true);
}

/** Reads `n` little-endian binary16 values from `bytes` at byte `offset` into a fresh Float32Array. */
export function readFloat16(bytes: Uint8Array, offset: number, n: number): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, 2 * n);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = getFloat16(view, 2 * i, true);
  return out;
}
