import * as tf from '@tensorflow/tfjs-core';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadWeights, saveWeights } from '@dgpose/core/node';
import { createRng, isDGPoseError, type NamedArrays } from '@dgpose/core';
import { TEST_BACKENDS, expectNoLeak, seededFloats, useBackend } from '@dgpose/test-utils';
import {
  Module,
  batchNorm,
  checkNamedArrays,
  decodeModuleWeights,
  encodeModuleWeights,
  conv2d,
  dense,
  loadNamedArrays,
  toNamedArrays,
  type BatchNorm,
  type Conv2d,
  type Dense,
} from './index';

class Small extends Module {
  readonly conv: Conv2d;
  readonly norm: BatchNorm;
  readonly head: Dense;
  constructor(seed: number) {
    super('small');
    const rng = createRng(seed);
    this.conv = this.addModule('conv', conv2d({ inChannels: 2, filters: 3, kernelSize: 3, strides: 2, rng }));
    this.norm = this.addModule('norm', batchNorm({ channels: 3 }));
    this.head = this.addModule('head', dense({ inFeatures: 12, units: 2, rng }));
  }
  call(x: tf.Tensor): tf.Tensor {
    const h = tf.relu(this.norm.call(this.conv.call(x)));
    return this.head.call(tf.reshape(h, [h.shape[0], -1]));
  }
}

function errorOf(fn: () => void): Error & { code?: string; details?: { argument?: string } } {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a throw');
}

describe.each(TEST_BACKENDS)('named arrays on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it('toNamedArrays reads parameters and buffers by dotted name; loadNamedArrays restores them', async () => {
    const a = new Small(1);
    const x = tf.tensor(seededFloats(2 * 4 * 4 * 2, 3), [2, 4, 4, 2]);
    a.apply(x).dispose(); // move the running stats away from 0/1
    const arrays = await expectNoLeak(() => toNamedArrays(a));
    expect(Object.keys(arrays)).toEqual([
      'conv.kernel',
      'conv.bias',
      'norm.gamma',
      'norm.beta',
      'head.kernel',
      'head.bias',
      'norm.runningMean',
      'norm.runningVar',
    ]);
    expect(arrays['conv.kernel'].shape).toEqual([3, 3, 2, 3]);
    expect(arrays['conv.kernel'].dtype).toBe('float32');
    expect(arrays['norm.runningMean'].data.some((v) => v !== 0)).toBe(true);

    const b = new Small(2);
    await expectNoLeak(() => loadNamedArrays(b, arrays));
    a.eval();
    b.eval();
    const ya = a.apply(x);
    const yb = b.apply(x);
    expect(Array.from(await yb.data())).toEqual(Array.from(await ya.data()));
    const again = await toNamedArrays(b);
    for (const k of Object.keys(arrays)) expect(Array.from(again[k].data)).toEqual(Array.from(arrays[k].data));
    tf.dispose([x, ya, yb]);
    a.dispose();
    b.dispose();
  });

  it('toNamedArrays returns copies (mutating them does not touch the module)', async () => {
    const a = new Small(3);
    const arrays = await toNamedArrays(a);
    const first = (await a.head.bias!.data())[0];
    arrays['head.bias'].data[0] = 123;
    expect((await a.head.bias!.data())[0]).toBe(first);
    a.dispose();
  });
});

describe('loadNamedArrays mismatches', () => {
  beforeAll(() => useBackend('cpu'));
  let m: Small;
  let good: NamedArrays;
  beforeAll(async () => {
    m = new Small(4);
    good = await toNamedArrays(m);
  });
  afterAll(() => m.dispose());

  const cases: [string, (a: NamedArrays) => void, RegExp, string][] = [
    ['missing', (a) => delete a['norm.runningVar'], /missing parameter 'norm\.runningVar'/, 'norm.runningVar'],
    [
      'extra',
      (a) => (a['head.extra'] = { dtype: 'float32', shape: [1], data: new Float32Array(1) }),
      /unexpected parameter 'head\.extra'/,
      'head.extra',
    ],
    [
      'shape',
      (a) => (a['conv.kernel'] = { dtype: 'float32', shape: [3, 3, 3, 2], data: new Float32Array(54) }),
      /'conv\.kernel' has the wrong shape.*expected \[3,3,2,3\], got \[3,3,3,2\]/,
      'conv.kernel',
    ],
    [
      'dtype',
      (a) => (a['head.bias'] = { dtype: 'int32', shape: [2], data: new Int32Array(2) }),
      /'head\.bias' has the wrong dtype/,
      'head.bias',
    ],
    [
      'length',
      (a) => (a['norm.gamma'] = { dtype: 'float32', shape: [3], data: new Float32Array(2) }),
      /'norm\.gamma' do not fit its shape/,
      'norm.gamma',
    ],
  ];
  it.each(cases)(
    '%s -> E_WEIGHTS_MISMATCH naming the parameter, module unchanged',
    async (_name, mutate, message, argument) => {
      const arrays: NamedArrays = { ...good };
      // Perturb every other value so a partial load would be visible.
      for (const k of Object.keys(arrays))
        arrays[k] = { ...arrays[k], data: arrays[k].data.map((v) => v + 1) as Float32Array };
      mutate(arrays);
      const before = await toNamedArrays(m);
      const err = errorOf(() => loadNamedArrays(m, arrays));
      expect(isDGPoseError(err, 'E_WEIGHTS_MISMATCH')).toBe(true);
      expect(err.message).toMatch(message);
      expect(err.details?.argument).toBe(argument);
      const after = await toNamedArrays(m);
      for (const k of Object.keys(before)) expect(Array.from(after[k].data)).toEqual(Array.from(before[k].data));
      expect(() => checkNamedArrays(m, arrays)).toThrow(message);
    },
  );

  it('the first mismatch in module order is the one reported', () => {
    const arrays: NamedArrays = { ...good };
    delete arrays['head.kernel'];
    delete arrays['conv.bias'];
    expect(errorOf(() => loadNamedArrays(m, arrays)).details?.argument).toBe('conv.bias');
  });
});

describe('encode/decode round trip (core weights format)', () => {
  beforeAll(() => useBackend('cpu'));

  it('a module, running statistics included, round-trips through manifest + shards', async () => {
    const a = new Small(7);
    const x = tf.tensor(seededFloats(2 * 4 * 4 * 2, 5), [2, 4, 4, 2]);
    a.apply(x).dispose();
    const { manifest, shards } = await encodeModuleWeights(
      a,
      { kind: 'test/small', config: { seed: 7 } },
      { shardBytes: 64 },
    );
    expect(shards.length).toBeGreaterThan(1);
    expect(manifest.kind).toBe('test/small');
    expect(manifest.weightsManifest[0].weights.map((w) => w.name)).toContain('norm.runningVar');
    const b = new Small(8);
    await expectNoLeak(() => decodeModuleWeights(b, manifest, shards, { kind: 'test/small' }));
    a.eval();
    b.eval();
    const ya = a.apply(x);
    const yb = b.apply(x);
    expect(Array.from(await yb.data())).toEqual(Array.from(await ya.data()));
    // Wrong kind, tampered bytes: refused before anything is loaded.
    await expect(decodeModuleWeights(b, manifest, shards, { kind: 'other' })).rejects.toThrow(/E_WEIGHTS_MISMATCH/);
    const bad = shards.map((s) => s.slice());
    bad[0][0] ^= 1;
    await expect(decodeModuleWeights(b, manifest, bad)).rejects.toThrow(/E_WEIGHTS_CORRUPT/);
    tf.dispose([x, ya, yb]);
    a.dispose();
    b.dispose();
  });
});

describe('disk round trip through core/node saveWeights/loadWeights', () => {
  beforeAll(() => useBackend('wasm'));
  it('save on wasm, load into a fresh module: identical weights, stats and outputs', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dgpose-layers-'));
    try {
      const a = new Small(11);
      const x = tf.tensor(seededFloats(2 * 4 * 4 * 2, 6), [2, 4, 4, 2]);
      a.apply(x).dispose();
      await saveWeights(dir, await toNamedArrays(a), { kind: 'test/small' });
      expect(fs.existsSync(path.join(dir, 'model.json'))).toBe(true);
      const { arrays, manifest } = await loadWeights(dir, { kind: 'test/small' });
      expect(manifest.kind).toBe('test/small');
      const b = new Small(12);
      loadNamedArrays(b, arrays);
      const before = await toNamedArrays(a);
      const after = await toNamedArrays(b);
      for (const k of Object.keys(before)) expect(Array.from(after[k].data)).toEqual(Array.from(before[k].data));
      a.eval();
      b.eval();
      const ya = a.apply(x);
      const yb = b.apply(x);
      expect(Array.from(await yb.data())).toEqual(Array.from(await ya.data()));
      tf.dispose([x, ya, yb]);
      a.dispose();
      b.dispose();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
