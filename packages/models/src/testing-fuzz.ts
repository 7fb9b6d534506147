/*
 * Fuzz target of @dgpose/models: loadModelFromWeights over mutated exported weights (manifest, model
 * config, shard bytes with their sha256 updated). Run by fuzz.test.ts (FUZZ_RUNS cases) and
 * fuzz.slow.test.ts (FUZZ_RUNS_SLOW).
 */
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { initBackend, sha256Hex, type WeightsManifest } from '@dgpose/core';
import { fuzz, fuzzTimeout, mutatedBytes, mutatedJson } from '@dgpose/test-utils';
import { createConditionalDGPose, loadModelFromWeights } from './factory';

export function modelsFuzzSuite(numRuns: number): void {
  describe(`models fuzz target (${numRuns} cases)`, () => {
    let valid: { manifest: WeightsManifest; shards: Uint8Array[] };
    beforeAll(async () => {
      await initBackend({ prefer: ['cpu'], log: () => undefined });
      const m = await createConditionalDGPose({ preset: 'tiny', seed: 2 });
      valid = await m.exportWeights();
      m.dispose();
    });

    it(
      'loadModelFromWeights gives a model or a DGPoseError, and leaks no tensor either way',
      async () => {
        const shard = fc
          .nat({ max: valid.shards.length - 1 })
          .chain((i) => mutatedBytes(valid.shards[i], 16).map((b) => [i, b] as const));
        const input = fc.oneof(
          // the manifest (model config included), shards intact
          mutatedJson(valid.manifest).map((manifest) => ({
            manifest: manifest as WeightsManifest,
            shards: valid.shards,
          })),
          // shard bytes edited, their sizes and sha256 updated so decoding gets past the hash check
          shard.map(([i, bytes]) => ({
            manifest: valid.manifest,
            shards: valid.shards.map((s, k) => (k === i ? bytes : s)),
            rehash: true,
          })),
        );
        await fuzz(
          input,
          async (src) => {
            let manifest = src.manifest;
            if ('rehash' in src) {
              manifest = structuredClone(manifest);
              manifest.shards = await Promise.all(
                manifest.shards.map(async (s, k) => ({
                  ...s,
                  byteLength: src.shards[k].byteLength,
                  sha256: await sha256Hex(src.shards[k]),
                })),
              );
            }
            const before = tf.memory().numTensors;
            try {
              (await loadModelFromWeights({ manifest, shards: src.shards })).dispose();
            } finally {
              if (tf.memory().numTensors !== before)
                // eslint-disable-next-line no-unsafe-finally -- a leak fails the case even when loading threw (most mutated inputs throw)
                throw new Error(`${tf.memory().numTensors - before} tensors leaked`);
            }
          },
          numRuns,
        );
      },
      fuzzTimeout(numRuns, 100),
    );
  });
}
