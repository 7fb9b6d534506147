/*
 * Fuzz targets of @dgpose/core: the weights manifest, weights shards and the weights folder loader.
 * Run by fuzz.test.ts (FUZZ_RUNS cases per target) and fuzz.slow.test.ts (FUZZ_RUNS_SLOW).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { fuzz, fuzzTimeout, mutatedBytes, mutatedJson } from '@dgpose/test-utils';
import {
  decodeWeights,
  encodeWeights,
  validateWeightsManifest,
  type NamedArray,
  type NamedArrays,
  type WeightsManifest,
} from '../weights';
import { loadWeights, WEIGHTS_MANIFEST_FILE } from '../node';
import { sha256Hex } from '../sha256';

/** Valid weights to mutate: a float32 and an int32 array over three 16-byte shards. */
async function validWeights(): Promise<{ manifest: WeightsManifest; shards: Uint8Array[] }> {
  return encodeWeights(
    {
      'enc.kernel': { dtype: 'float32', shape: [2, 3], data: Float32Array.from([0.5, -1, 2, 0, 1e-3, 7]) },
      step: { dtype: 'int32', shape: [3], data: Int32Array.from([1, -2, 3]) },
    },
    { kind: 'fuzz', config: { a: 1 } },
    { shardBytes: 16 },
  );
}

/** A manifest describing `shards` exactly (byteLength and sha256 recomputed), so decoding gets past the hash check. */
async function rehash(manifest: WeightsManifest, shards: Uint8Array[]): Promise<WeightsManifest> {
  const m = structuredClone(manifest);
  m.shards = await Promise.all(
    m.shards.map(async (s, i) => ({ ...s, byteLength: shards[i].byteLength, sha256: await sha256Hex(shards[i]) })),
  );
  return m;
}

/** Names a parser could trip on: prototype keys, separators, empty-looking ones. */
const weightName = fc.oneof(
  fc.string({ minLength: 1, maxLength: 12 }),
  fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', 'a.b', 'a/b', ' '),
);

const namedArray: fc.Arbitrary<NamedArray> = fc.oneof(
  fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 3 }).chain((shape) => {
    const n = shape.reduce((a, b) => a * b, 1);
    return fc
      .float32Array({ minLength: n, maxLength: n, noNaN: true, noDefaultInfinity: true })
      .map((d): NamedArray => ({ dtype: 'float32', shape, data: d }));
  }),
  fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 3 }).chain((shape) => {
    const n = shape.reduce((a, b) => a * b, 1);
    return fc.int32Array({ minLength: n, maxLength: n }).map((d): NamedArray => ({ dtype: 'int32', shape, data: d }));
  }),
);

/** Records built with defineProperty so that a '__proto__' name is an own entry, as in decoded JSON. */
const namedArrays: fc.Arbitrary<NamedArrays> = fc
  .uniqueArray(fc.tuple(weightName, namedArray), { selector: ([k]) => k, maxLength: 4 })
  .map((entries) => {
    const out: NamedArrays = {};
    for (const [k, v] of entries)
      Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
    return out;
  });

function expectFinite(arrays: NamedArrays): void {
  for (const [name, a] of Object.entries(arrays)) {
    if (a.dtype === 'float32' && !a.data.every(Number.isFinite))
      throw new Error(`decoded weight '${name}' holds a non-finite value`);
  }
}

export function coreFuzzSuite(numRuns: number): void {
  const timeout = fuzzTimeout(numRuns);
  describe(`core fuzz targets (${numRuns} cases each)`, () => {
    let valid: { manifest: WeightsManifest; shards: Uint8Array[] };
    let tmp: string;
    beforeAll(async () => {
      valid = await validWeights();
      tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dgpose-core-fuzz-'));
    });
    afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

    it(
      'weights manifest: validateWeightsManifest and decodeWeights over mutated manifests',
      async () => {
        await fuzz(
          mutatedJson(valid.manifest),
          async (m) => {
            validateWeightsManifest(m);
            return decodeWeights(m, valid.shards);
          },
          numRuns,
        );
      },
      timeout,
    );

    it(
      'weights shards: mutated bytes with matching sha256 decode to finite values or a coded error',
      async () => {
        const arb = fc
          .tuple(fc.nat({ max: valid.shards.length - 1 }), fc.nat())
          .chain(([i]) => mutatedBytes(valid.shards[i], 24).map((b) => [i, b] as const));
        await fuzz(
          arb,
          async ([i, bytes]) => {
            const shards = valid.shards.map((s, k) => (k === i ? bytes : s));
            return decodeWeights(await rehash(valid.manifest, shards), shards);
          },
          numRuns,
          (out) => {
            if (out.ok) expectFinite(out.value);
            else if (!['E_WEIGHTS_CORRUPT', 'E_WEIGHTS_NAN'].includes(out.code))
              throw new Error(`unexpected ${out.message}`);
          },
        );
      },
      timeout,
    );

    it(
      'weights round trip: any finite arrays, any names, decode to what was encoded',
      async () => {
        await fuzz(
          fc.tuple(namedArrays, fc.integer({ min: 1, max: 64 })),
          async ([arrays, shardBytes]) => {
            const { manifest, shards } = await encodeWeights(arrays, {}, { shardBytes });
            return decodeWeights(JSON.parse(JSON.stringify(manifest)) as WeightsManifest, shards);
          },
          numRuns,
          (out, [arrays]) => {
            if (!out.ok) {
              if (out.code === 'E_ARG' && Object.keys(arrays).includes('')) return;
              throw new Error(`valid arrays were refused: ${out.message}`);
            }
            expect(Object.keys(out.value)).toEqual(Object.keys(arrays));
            for (const k of Object.keys(arrays)) expect(out.value[k]).toEqual(arrays[k]);
          },
        );
      },
      timeout,
    );

    it(
      'weights folder: loadWeights over mutated model.json text and shard files',
      async () => {
        const text = JSON.stringify(valid.manifest);
        const manifestText = fc.oneof(
          fc.constant(text),
          mutatedJson(valid.manifest).map((m) => JSON.stringify(m) ?? ''),
          fc
            .tuple(fc.nat({ max: text.length }), fc.nat({ max: text.length }), fc.string({ maxLength: 8 }))
            .map(([i, j, s]) => text.slice(0, Math.min(i, j)) + s + text.slice(Math.max(i, j))),
        );
        const shard0 = mutatedBytes(valid.shards[0], 8);
        let k = 0;
        await fuzz(
          fc.tuple(manifestText, shard0, fc.boolean()),
          async ([m, s0, dropShard]) => {
            const dir = path.join(tmp, `w${k++}`);
            fs.mkdirSync(dir);
            fs.writeFileSync(path.join(dir, WEIGHTS_MANIFEST_FILE), m);
            valid.manifest.shards.forEach((s, i) => {
              if (!(dropShard && i === 1)) fs.writeFileSync(path.join(dir, s.path), i === 0 ? s0 : valid.shards[i]);
            });
            try {
              return await loadWeights(dir, { kind: 'fuzz' });
            } finally {
              fs.rmSync(dir, { recursive: true, force: true });
            }
          },
          numRuns,
        );
      },
      timeout,
    );
  });
}
