import * as tf from '@tensorflow/tfjs-core';
import { seededFloats, useBackend } from '@dgpose/test-utils';
import { decodeWeights, encodeWeights, validateWeightsManifest, type NamedArrays } from './weights';
import { isDGPoseError } from './errors';

async function codeOf(fn: () => unknown): Promise<string> {
  try {
    await fn();
  } catch (e) {
    return isDGPoseError(e) ? e.code : `not a DGPoseError: ${String(e)}`;
  }
  return 'no error';
}

function fixture(): NamedArrays {
  const kernel = seededFloats(300, 3); // uniform in about [-1, 1]
  kernel[7] = 1e-6; // binary16 subnormal range
  kernel[8] = -0;
  return {
    kernel: { dtype: 'float32', shape: [3, 100], data: kernel },
    // beyond binary16's range: must stay float32, not become Infinity
    big: { dtype: 'float32', shape: [2], data: new Float32Array([70000, -1]) },
    step: { dtype: 'int32', shape: [1], data: new Int32Array([2 ** 31 - 1]) },
  };
}

describe("encodeWeights({ quantize: 'float16' })", () => {
  useBackend('cpu');

  it('halves float32 arrays, keeps int32 and out-of-range arrays exact, and dequantizes within 2^-11', async () => {
    const arrays = fixture();
    const { manifest, shards } = await encodeWeights(arrays, {}, { quantize: 'float16' });
    const specs = manifest.weightsManifest[0].weights;
    expect(specs.map((w) => w.quantization)).toEqual([{ dtype: 'float16' }, undefined, undefined]);
    expect(shards[0].byteLength).toBe(2 * 300 + 4 * 2 + 4);
    const back = await decodeWeights(manifest, shards);
    expect(back.kernel.dtype).toBe('float32');
    const k = arrays.kernel.data;
    for (let i = 0; i < k.length; i++) {
      // relative error 2^-11 for normal values; subnormals (below 6.1e-5) have an absolute step of 6e-8
      expect(Math.abs(back.kernel.data[i] - k[i])).toBeLessThanOrEqual(Math.abs(k[i]) * 2 ** -11 + 6e-8);
    }
    expect(Object.is(back.kernel.data[8], -0)).toBe(true);
    expect(Array.from(back.big.data)).toEqual([70000, -1]);
    expect(Array.from(back.step.data)).toEqual([2 ** 31 - 1]);
  });

  it('writes what tfjs itself reads (tf.io.decodeWeights dequantizes to the same values)', async () => {
    const arrays = fixture();
    const { manifest, shards } = await encodeWeights(arrays, {}, { quantize: 'float16' });
    const ours = await decodeWeights(manifest, shards);
    const theirs = tf.io.decodeWeights(
      shards[0].buffer as ArrayBuffer,
      manifest.weightsManifest[0].weights as tf.io.WeightsManifestEntry[],
    );
    for (const name of Object.keys(arrays)) {
      expect(Array.from(theirs[name].dataSync())).toEqual(Array.from(ours[name].data));
    }
    tf.dispose(Object.values(theirs));
  });

  it('is exact when not asked, and refuses an unknown quantize option with E_ARG', async () => {
    const arrays = fixture();
    const { manifest, shards } = await encodeWeights(arrays);
    expect(manifest.weightsManifest[0].weights.some((w) => w.quantization !== undefined)).toBe(false);
    expect(Array.from((await decodeWeights(manifest, shards)).kernel.data)).toEqual(Array.from(arrays.kernel.data));
    expect(await codeOf(() => encodeWeights(arrays, {}, { quantize: 'uint8' as 'float16' }))).toBe('E_ARG');
  });

  it('refuses other quantizations, and float16 on an int32 weight, with E_WEIGHTS_CORRUPT', async () => {
    const { manifest } = await encodeWeights(fixture(), {}, { quantize: 'float16' });
    for (const q of [{ dtype: 'uint8' }, { dtype: 'float16', scale: 2 }, null, 'float16']) {
      const m = structuredClone(manifest);
      Object.assign(m.weightsManifest[0].weights[0], { quantization: q });
      expect(await codeOf(() => validateWeightsManifest(m))).toBe('E_WEIGHTS_CORRUPT');
    }
    const m = structuredClone(manifest);
    Object.assign(m.weightsManifest[0].weights[2], { quantization: { dtype: 'float16' } });
    expect(await codeOf(() => validateWeightsManifest(m))).toBe('E_WEIGHTS_CORRUPT');
  });

  it('a float16 Infinity or NaN in intact (re-hashed) shards is E_WEIGHTS_NAN', async () => {
    const { manifest, shards } = await encodeWeights(fixture(), {}, { quantize: 'float16' });
    const bytes = shards[0].slice();
    bytes[2 * 5] = 0x00; // value 5 := 0x7c00, binary16 +Infinity (little-endian)
    bytes[2 * 5 + 1] = 0x7c;
    const m = structuredClone(manifest);
    const { createHash } = await import('node:crypto');
    m.shards[0].sha256 = createHash('sha256').update(bytes).digest('hex');
    expect(await codeOf(() => decodeWeights(m, [bytes]))).toBe('E_WEIGHTS_NAN');
  });

  it('a float16 shard cut short is E_WEIGHTS_CORRUPT (sizes count 2 bytes per quantized value)', async () => {
    const { manifest, shards } = await encodeWeights(fixture(), {}, { quantize: 'float16' });
    const m = structuredClone(manifest);
    m.weightsManifest[0].weights[0].shape = [3, 101];
    expect(await codeOf(() => decodeWeights(m, shards))).toBe('E_WEIGHTS_CORRUPT');
  });
});
