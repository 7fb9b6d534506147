import { createHash } from 'node:crypto';
import * as tf from '@tensorflow/tfjs-core';
import { seededFloats, useBackend } from '@dgpose/test-utils';
import {
  DEFAULT_SHARD_BYTES,
  checkArraysMatch,
  decodeWeights,
  encodeWeights,
  validateShardPath,
  validateWeightsManifest,
  type NamedArrays,
  type WeightsManifest,
} from './weights';
import { isDGPoseError } from './errors';

async function errorOf(fn: () => unknown): Promise<{ code: string; message: string }> {
  try {
    await fn();
  } catch (e) {
    return isDGPoseError(e)
      ? { code: e.code, message: e.message }
      : { code: `not a DGPoseError: ${String(e)}`, message: '' };
  }
  return { code: 'no error', message: '' };
}

function fixture(): NamedArrays {
  return {
    'enc/conv1/kernel': { dtype: 'float32', shape: [3, 3, 2, 4], data: seededFloats(72, 1) },
    'enc/conv1/bias': { dtype: 'float32', shape: [4], data: new Float32Array([1.5, -2, 0, 3.25]) },
    step: { dtype: 'int32', shape: [], data: new Int32Array([123456]) },
    empty: { dtype: 'float32', shape: [0, 5], data: new Float32Array(0) },
    'dec/idx': { dtype: 'int32', shape: [2, 3], data: new Int32Array([-1, 0, 1, 2 ** 31 - 1, -(2 ** 31), 7]) },
  };
}

const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

describe('encodeWeights / decodeWeights', () => {
  it('round-trips float32 and int32 arrays with metadata', async () => {
    const arrays = fixture();
    const config = { preset: 'tiny', dims: [8, 16], nested: { sigma: 6 } };
    const { manifest, shards } = await encodeWeights(arrays, {
      kind: 'mapper/learned',
      config,
      packageVersion: '0.1.0',
    });
    expect(manifest.formatVersion).toBe(1);
    expect(manifest.kind).toBe('mapper/learned');
    expect(manifest.config).toEqual(config);
    expect(manifest.packageVersion).toBe('0.1.0');
    expect(shards.length).toBe(1);
    expect(manifest.weightsManifest).toEqual([
      {
        paths: ['group1-shard1of1.bin'],
        weights: [
          { name: 'enc/conv1/kernel', shape: [3, 3, 2, 4], dtype: 'float32' },
          { name: 'enc/conv1/bias', shape: [4], dtype: 'float32' },
          { name: 'step', shape: [], dtype: 'int32' },
          { name: 'empty', shape: [0, 5], dtype: 'float32' },
          { name: 'dec/idx', shape: [2, 3], dtype: 'int32' },
        ],
      },
    ]);
    expect(manifest.shards).toEqual([
      {
        path: 'group1-shard1of1.bin',
        byteLength: (72 + 4 + 1 + 6) * 4,
        sha256: createHash('sha256').update(shards[0]).digest('hex'),
      },
    ]);
    // Little-endian layout: bias[0] = 1.5 = 0x3fc00000 at byte offset 72*4.
    expect(Array.from(shards[0].subarray(288, 292))).toEqual([0x00, 0x00, 0xc0, 0x3f]);
    const back = await decodeWeights(clone(manifest), shards, { kind: 'mapper/learned' });
    expect(back).toEqual(arrays);
    expect(Object.keys(back)).toEqual(Object.keys(arrays));
    expect(back.step.data).toBeInstanceOf(Int32Array);
    expect(back['enc/conv1/kernel'].data).toBeInstanceOf(Float32Array);
    // Outputs do not alias the shard bytes.
    expect(back['enc/conv1/kernel'].data.buffer).not.toBe(shards[0].buffer);
  });

  it('splits into shards of at most shardBytes, arrays spanning shards', async () => {
    const arrays = fixture();
    const { manifest, shards } = await encodeWeights(arrays, {}, { shardBytes: 50 });
    const total = (72 + 4 + 1 + 6) * 4; // 332 bytes
    expect(shards.map((s) => s.byteLength)).toEqual([50, 50, 50, 50, 50, 50, 32]);
    expect(shards.every((s) => s.byteOffset === 0 && s.buffer.byteLength === s.byteLength)).toBe(true);
    expect(manifest.weightsManifest[0].paths).toEqual(
      Array.from({ length: 7 }, (_, i) => `group1-shard${i + 1}of7.bin`),
    );
    expect(manifest.shards.reduce((s, x) => s + x.byteLength, 0)).toBe(total);
    expect(await decodeWeights(manifest, shards)).toEqual(arrays);
    expect(DEFAULT_SHARD_BYTES).toBe(4 * 1024 * 1024);
    const big = { w: { dtype: 'float32' as const, shape: [1024 * 1024 + 1], data: new Float32Array(1024 * 1024 + 1) } };
    expect((await encodeWeights(big)).shards.map((s) => s.byteLength)).toEqual([4 * 1024 * 1024, 4]);
  });

  it('encodes no arrays as no shards', async () => {
    const { manifest, shards } = await encodeWeights({});
    expect(shards).toEqual([]);
    expect(manifest.weightsManifest[0].paths).toEqual([]);
    expect(await decodeWeights(manifest, [])).toEqual({});
  });

  it('is readable by tfjs, and reads tfjs-encoded weights', async () => {
    await useBackend('cpu'); // plain data here: one backend is enough
    const arrays = fixture();
    const { manifest, shards } = await encodeWeights(arrays, {}, { shardBytes: 64 });
    const all = new Uint8Array(shards.reduce((s, x) => s + x.byteLength, 0));
    let off = 0;
    for (const s of shards) {
      all.set(s, off);
      off += s.byteLength;
    }
    const specs = manifest.weightsManifest[0].weights as tf.io.WeightsManifestEntry[];
    const tensors = tf.io.decodeWeights(all.buffer, specs);
    for (const [name, a] of Object.entries(arrays)) {
      expect(tensors[name].shape).toEqual(a.shape);
      expect(tensors[name].dtype).toBe(a.dtype);
      expect(Array.from(await tensors[name].data())).toEqual(Array.from(a.data));
    }
    tf.dispose(Object.values(tensors));

    const named = {
      a: tf.tensor2d([
        [1, 2.5],
        [-3, 4],
      ]),
      b: tf.tensor1d([7, -8], 'int32'),
    };
    const enc = await tf.io.encodeWeights(named);
    tf.dispose(Object.values(named));
    const bytes = new Uint8Array(enc.data as ArrayBuffer);
    const fromTf: WeightsManifest = {
      formatVersion: 1,
      weightsManifest: [{ paths: ['w.bin'], weights: enc.specs as WeightsManifest['weightsManifest'][0]['weights'] }],
      shards: [
        { path: 'w.bin', byteLength: bytes.byteLength, sha256: createHash('sha256').update(bytes).digest('hex') },
      ],
    };
    expect(await decodeWeights(fromTf, [bytes.buffer as ArrayBuffer])).toEqual({
      a: { dtype: 'float32', shape: [2, 2], data: new Float32Array([1, 2.5, -3, 4]) },
      b: { dtype: 'int32', shape: [2], data: new Int32Array([7, -8]) },
    });
  });

  it('rejects malformed arrays and options', async () => {
    const f = fixture();
    expect(
      (await errorOf(() => encodeWeights({ x: { dtype: 'float32', shape: [2], data: new Int32Array(2) } }))).code,
    ).toBe('E_ARG');
    expect(
      (await errorOf(() => encodeWeights({ x: { dtype: 'float32', shape: [2, 2], data: new Float32Array(3) } }))).code,
    ).toBe('E_SHAPE');
    expect(
      (await errorOf(() => encodeWeights({ x: { dtype: 'float32', shape: [-1], data: new Float32Array(0) } }))).code,
    ).toBe('E_SHAPE');
    expect(
      (await errorOf(() => encodeWeights({ x: { dtype: 'bool' as 'int32', shape: [1], data: new Int32Array(1) } })))
        .code,
    ).toBe('E_ARG');
    expect((await errorOf(() => encodeWeights(f, {}, { shardBytes: 0 }))).code).toBe('E_ARG');
    expect((await errorOf(() => encodeWeights(f, {}, { shardBytes: 1.5 }))).code).toBe('E_ARG');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect((await errorOf(() => encodeWeights(f, { config: cyclic }))).code).toBe('E_ARG');
  });
});

describe('decodeWeights refuses bad input', () => {
  let manifest: WeightsManifest;
  let shards: Uint8Array[];
  beforeAll(async () => {
    ({ manifest, shards } = await encodeWeights(fixture(), { kind: 'k' }, { shardBytes: 128 }));
  });

  it('unknown or missing formatVersion -> E_WEIGHTS_VERSION', async () => {
    const m = clone(manifest);
    m.formatVersion = 2;
    const e = await errorOf(() => decodeWeights(m, shards));
    expect(e.code).toBe('E_WEIGHTS_VERSION');
    expect(e.message).toContain('expected 1, got 2');
    delete (m as Partial<WeightsManifest>).formatVersion;
    expect((await errorOf(() => decodeWeights(m, shards))).code).toBe('E_WEIGHTS_VERSION');
  });

  it('another kind -> E_WEIGHTS_MISMATCH', async () => {
    const e = await errorOf(() => decodeWeights(manifest, shards, { kind: 'conditional-dgpose' }));
    expect(e.code).toBe('E_WEIGHTS_MISMATCH');
    expect(e.message).toContain('conditional-dgpose');
  });

  it('truncated or tampered shards -> E_WEIGHTS_CORRUPT naming the shard', async () => {
    const truncated = shards.map((s, i) => (i === 1 ? s.subarray(0, s.byteLength - 1) : s));
    let e = await errorOf(() => decodeWeights(manifest, truncated));
    expect(e.code).toBe('E_WEIGHTS_CORRUPT');
    expect(e.message).toContain('group1-shard2of3.bin');
    const flipped = shards.map((s) => s.slice());
    flipped[2][5] ^= 0x01;
    e = await errorOf(() => decodeWeights(manifest, flipped));
    expect(e.code).toBe('E_WEIGHTS_CORRUPT');
    expect(e.message).toContain('group1-shard3of3.bin');
    expect(e.message).toContain('sha256');
    e = await errorOf(() => decodeWeights(manifest, shards.slice(0, 2)));
    expect(e.code).toBe('E_WEIGHTS_CORRUPT');
    expect(e.message).toContain('expected 3, got 2');
  });

  it('intact weights holding NaN or Infinity (sha256 matching) -> E_WEIGHTS_NAN naming weight, index and shard', async () => {
    const nan = fixture();
    nan['enc/conv1/bias'].data[1] = NaN;
    nan['enc/conv1/bias'].data[3] = NaN;
    const a = await encodeWeights(nan, {}, { shardBytes: 128 });
    let e = await errorOf(() => decodeWeights(a.manifest, a.shards));
    expect(e.code).toBe('E_WEIGHTS_NAN');
    expect(e.message).toBe(
      "[E_WEIGHTS_NAN] weight 'enc/conv1/bias' holds 2 non-finite values (of 4), the first at index 1, expected finite numbers, got NaN, (path: group1-shard3of3.bin)",
    );
    const inf = fixture();
    inf['enc/conv1/kernel'].data[40] = -Infinity; // byte 160: the second shard
    const b = await encodeWeights(inf, {}, { shardBytes: 128 });
    e = await errorOf(() => decodeWeights(b.manifest, b.shards));
    expect(e.code).toBe('E_WEIGHTS_NAN');
    expect(e.message).toMatch(
      /weight 'enc\/conv1\/kernel' holds 1 non-finite value \(of 72\), the first at index 40, expected finite numbers, got -Infinity, \(path: group1-shard2of3.bin\)/,
    );
  });

  it("a weight named '__proto__' decodes as an entry, not as the record's prototype", async () => {
    const arrays: NamedArrays = JSON.parse('{"__proto__": {"dtype": "float32", "shape": [1], "data": null}}');
    arrays['__proto__'].data = new Float32Array([2]);
    const { manifest, shards } = await encodeWeights(arrays);
    const out = await decodeWeights(manifest, shards);
    expect(Object.keys(out)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Array.from(Object.getOwnPropertyDescriptor(out, '__proto__')?.value.data)).toEqual([2]);
  });

  it('weights whose sizes disagree with the bytes -> E_WEIGHTS_CORRUPT', async () => {
    const m = clone(manifest);
    m.weightsManifest[0].weights[1].shape = [5]; // one float more than stored
    const e = await errorOf(() => decodeWeights(m, shards));
    expect(e.code).toBe('E_WEIGHTS_CORRUPT');
    expect(e.message).toMatch(/hold 332 bytes but their weights need 336/);
  });

  it.each([
    ['unknown dtype', (m: WeightsManifest) => void (m.weightsManifest[0].weights[0].dtype = 'float16')],
    ['negative dim', (m: WeightsManifest) => void (m.weightsManifest[0].weights[0].shape = [-1, 72])],
    ['fractional dim', (m: WeightsManifest) => void (m.weightsManifest[0].weights[0].shape = [1.5])],
    ['string dim', (m: WeightsManifest) => void (m.weightsManifest[0].weights[0].shape = ['3'] as unknown as number[])],
    ['duplicate name', (m: WeightsManifest) => void (m.weightsManifest[0].weights[1].name = 'enc/conv1/kernel')],
    ['empty name', (m: WeightsManifest) => void (m.weightsManifest[0].weights[1].name = '')],
    [
      'quantized uint8',
      (m: WeightsManifest) => void Object.assign(m.weightsManifest[0].weights[0], { quantization: { dtype: 'uint8' } }),
    ],
    ['bad sha256', (m: WeightsManifest) => void (m.shards[0].sha256 = 'abc')],
    ['negative byteLength', (m: WeightsManifest) => void (m.shards[0].byteLength = -1)],
    ['shards[] path disagrees', (m: WeightsManifest) => void (m.shards[0].path = 'other.bin')],
    ['shards[] too short', (m: WeightsManifest) => void m.shards.pop()],
    ['no groups array', (m: WeightsManifest) => void ((m as unknown as Record<string, unknown>).weightsManifest = {})],
    ['non-string kind', (m: WeightsManifest) => void ((m as unknown as Record<string, unknown>).kind = 3)],
  ])('%s -> E_WEIGHTS_CORRUPT', async (_name, edit) => {
    const m = clone(manifest);
    edit(m);
    expect((await errorOf(() => decodeWeights(m, shards))).code).toBe('E_WEIGHTS_CORRUPT');
  });

  it.each([
    '../x.bin',
    'a/../../x.bin',
    '/etc/passwd',
    'a\\b.bin',
    '..\\x.bin',
    'C:x.bin',
    'c:/x.bin',
    'file:///etc/passwd',
    '%2e%2e/x.bin',
    'a//b.bin',
    'a/',
    '',
    'x.bin?y',
    'x\u0000.bin',
  ])('shard path %j -> E_WEIGHTS_PATH', async (p) => {
    const m = clone(manifest);
    m.weightsManifest[0].paths[0] = p;
    m.shards[0].path = p;
    const e = await errorOf(() => decodeWeights(m, shards));
    expect(e.code).toBe('E_WEIGHTS_PATH');
    expect((await errorOf(() => validateShardPath(p))).code).toBe('E_WEIGHTS_PATH');
  });

  it('accepts ordinary relative paths', () => {
    for (const p of ['group1-shard1of1.bin', 'shards/a.bin', './a.bin', 'a..b.bin', '..a/b.bin'])
      expect(() => validateShardPath(p)).not.toThrow();
    expect(() => validateWeightsManifest(manifest)).not.toThrow();
  });
});

describe('checkArraysMatch', () => {
  const expected = {
    'a/kernel': { shape: [3, 3, 1, 2], dtype: 'float32' },
    'a/bias': { shape: [2], dtype: 'float32' },
    count: { shape: [], dtype: 'int32' },
  };
  const good = (): NamedArrays => ({
    'a/kernel': { dtype: 'float32', shape: [3, 3, 1, 2], data: new Float32Array(18) },
    'a/bias': { dtype: 'float32', shape: [2], data: new Float32Array(2) },
    count: { dtype: 'int32', shape: [], data: new Int32Array(1) },
  });

  it('passes on an exact match (any key order)', () => {
    const g = good();
    expect(() =>
      checkArraysMatch(expected, { count: g.count, 'a/bias': g['a/bias'], 'a/kernel': g['a/kernel'] }),
    ).not.toThrow();
  });

  it('names the first difference: missing, dtype, shape, extra', async () => {
    let g = good();
    delete g['a/bias'];
    let e = await errorOf(() => checkArraysMatch(expected, g));
    expect(e.code).toBe('E_WEIGHTS_MISMATCH');
    expect(e.message).toContain("missing parameter 'a/bias'");

    g = good();
    g.count = { dtype: 'float32', shape: [], data: new Float32Array(1) };
    e = await errorOf(() => checkArraysMatch(expected, g));
    expect(e.message).toContain("parameter 'count' has the wrong dtype, expected int32, got float32");

    g = good();
    g['a/kernel'] = { dtype: 'float32', shape: [3, 3, 2, 1], data: new Float32Array(18) };
    e = await errorOf(() => checkArraysMatch(expected, g));
    expect(e.message).toContain("parameter 'a/kernel' has the wrong shape, expected [3,3,1,2], got [3,3,2,1]");

    g = good();
    g['b/kernel'] = { dtype: 'float32', shape: [1], data: new Float32Array(1) };
    e = await errorOf(() => checkArraysMatch(expected, g));
    expect(e.message).toContain("unexpected parameter 'b/kernel'");

    g = good();
    delete g.count;
    g.extra = g['a/bias'];
    e = await errorOf(() => checkArraysMatch(expected, g));
    expect(e.message).toContain("missing parameter 'count' (1 more difference)");
    expect((await errorOf(() => checkArraysMatch(expected, { ['__proto__']: g['a/bias'] } as NamedArrays))).code).toBe(
      'E_WEIGHTS_MISMATCH',
    );
  });
});
