import * as tf from '@tensorflow/tfjs-core';
import { registerFastKernels } from '@dgpose/core';
import { TEST_BACKENDS, useBackend, expectNoLeak, maxAbsDiff, expectDGPoseError } from '@dgpose/test-utils';
import { MAPPER_PRESETS, validateMapperConfig, mapperPreset } from './config';
import { MapperNetwork, stageChannels } from './network';
import { createMapper, evaluateMapper, mapperFromNetwork, MAPPER_WEIGHTS_KIND } from './mapper';
import { trainMapper } from './train';
import { samplePoses } from '../../scripts/pose-sampler';

const tiny = validateMapperConfig({}, 'tiny');
const poses16 = samplePoses(96, { seed: 3, width: 16, height: 16 });

describe('mapper config', () => {
  it('has the presets and fills defaults', () => {
    expect(MAPPER_PRESETS['coco18-64'].height).toBe(64);
    expect(MAPPER_PRESETS['coco18-128'].sigma).toBe(3);
    expect(validateMapperConfig({ sigma: 2 }).sigma).toBe(2);
    expect(mapperPreset('tiny')).toEqual(tiny);
    expect(stageChannels(validateMapperConfig({}, 'coco18-64'))).toEqual([32, 16, 8, 4]);
  });

  it('rejects bad values with E_CONFIG', () => {
    expectDGPoseError(() => validateMapperConfig({ height: 60 }), 'E_CONFIG');
    expectDGPoseError(() => validateMapperConfig({ sigma: 0 }), 'E_CONFIG');
    expectDGPoseError(() => validateMapperConfig({ outKernel: 2 }), 'E_CONFIG');
    expectDGPoseError(() => validateMapperConfig({ upsamples: 0 }), 'E_CONFIG');
    expectDGPoseError(() => validateMapperConfig({ sigmaa: 2 } as never), 'E_CONFIG');
    expectDGPoseError(() => validateMapperConfig({ skeleton: 'xx' as never }), 'E_SKELETON');
    expectDGPoseError(() => mapperPreset('huge'), 'E_CONFIG');
  });
});

describe.each(TEST_BACKENDS)('learned mapper on %s', (backend) => {
  beforeAll(async () => {
    await useBackend(backend);
    await registerFastKernels(); // wasm lacks Conv2DBackpropFilter (tfjs-backends.md §2)
  });

  it('maps to [N,H,W,J] in [0,1] with zero channels for missing joints; dispose frees the variables', async () => {
    await expectNoLeak(() => {
      const m = mapperFromNetwork(new MapperNetwork(tiny, { seed: 1 }));
      expect(m.network.parameters()).toEqual([]); // frozen
      expect(m.network.training).toBe(false);
      const out = m.map([[1, 2, 3, 4, ...new Array(32).fill(8)]], [[1, 0, ...new Array(16).fill(1)]]);
      expect(out.shape).toEqual([1, 16, 16, 18]);
      const d = out.dataSync();
      expect(Math.min(...d)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...d)).toBeLessThanOrEqual(1);
      for (let i = 1; i < d.length; i += 18) expect(d[i]).toBe(0);
      out.dispose();
      m.dispose();
    });
  });

  it('gives the same maps for pixel and normalised input, and gradients to the coordinates only', async () => {
    const m = mapperFromNetwork(new MapperNetwork(tiny, { seed: 2 }));
    await expectNoLeak(() => {
      const px = Array.from({ length: 36 }, (_, i) => 2 + ((i * 5) % 12));
      const nx = px.map((v) => (2 * v) / 15 - 1);
      const a = m.map([px]);
      const c = tf.tensor2d([nx]);
      const b = m.map(c, null, { coords: 'normalized' });
      expect(maxAbsDiff(a, b)).toBeLessThan(1e-5);
      const w = tf.randomUniform([1, 16, 16, 18], 0, 1, 'float32', 5);
      const g = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(m.map(x, null, { coords: 'normalized' }), w)))(c);
      const gv = g.dataSync();
      expect(gv.every((v) => Number.isFinite(v))).toBe(true);
      expect(gv.some((v) => v !== 0)).toBe(true);
      tf.dispose([a, b, c, w, g]);
    });
    m.dispose();
  });

  it('per joint: channel j depends on joint j only, and its layout matches a one-joint run', async () => {
    const cfg = validateMapperConfig({ perJoint: true }, 'tiny');
    const m = mapperFromNetwork(new MapperNetwork(cfg, { seed: 5 }));
    await expectNoLeak(() => {
      const row = Array.from({ length: 36 }, (_, i) => 3 + ((i * 7) % 10));
      const moved = [...row];
      moved[0] = 12; // joint 0 only
      const a = m.map([row, moved]);
      const ch = (t: tf.Tensor, b: number, j: number): tf.Tensor => tf.slice(t, [b, 0, 0, j], [1, 16, 16, 1]);
      const outs = [ch(a, 0, 0), ch(a, 1, 0), ch(a, 0, 5), ch(a, 1, 5)];
      expect(maxAbsDiff(outs[0], outs[1])).toBeGreaterThan(1e-4);
      expect(maxAbsDiff(outs[2], outs[3])).toBe(0);
      // joint 5 of the first pose placed at every joint: every channel must show that same render
      const j5 = [(2 * row[10]) / 15 - 1, (2 * row[11]) / 15 - 1];
      const single = tf.tidy(() =>
        tf.slice(
          tf.sigmoid(m.network.logits(tf.tensor2d([new Array(18).fill(j5).flat()]))),
          [0, 0, 0, 11],
          [1, 16, 16, 1],
        ),
      );
      expect(maxAbsDiff(single, outs[2])).toBeLessThan(1e-5);
      tf.dispose([a, ...outs, single]);
    });
    m.dispose();
  });

  it('rejects NaN, wrong joint counts and out-of-range coordinates', () => {
    const m = mapperFromNetwork(new MapperNetwork(tiny, { seed: 3 }));
    const row = new Array(36).fill(0.5);
    expectDGPoseError(() => m.map([[...row.slice(0, 35), NaN]], null, { coords: 'normalized' }), 'E_NAN');
    expectDGPoseError(() => m.map([row.slice(0, 34)], null, { coords: 'normalized' }), 'E_JOINTS');
    expectDGPoseError(() => m.map([[...row.slice(0, 35), 1.5]], null, { coords: 'normalized' }), 'E_ARG');
    expectDGPoseError(() => m.map([[...row.slice(0, 35), 16]]), 'E_ARG');
    const t = tf.zeros([2, 34]);
    expectDGPoseError(() => m.map(t), 'E_JOINTS');
    t.dispose();
    expectDGPoseError(() => m.mapPoses([{ skeleton: 'coco17', keypoints: new Array(17).fill(null) }]), 'E_SKELETON');
    m.dispose();
  });

  it('round-trips through encoded weights and rejects mismatches', async () => {
    const m = mapperFromNetwork(new MapperNetwork(tiny, { seed: 4 }));
    const { manifest, shards } = await m.encodeWeights({ note: 'test' });
    expect(manifest.kind).toBe(MAPPER_WEIGHTS_KIND);
    expect((manifest.config as { mapper: unknown }).mapper).toEqual(tiny);
    await expectNoLeak(async () => {
      const m2 = await createMapper({ manifest, shards });
      const m3 = await createMapper({ weights: await m.namedArrays(), config: tiny });
      const a = m.mapPoses(poses16.slice(0, 2));
      const b = m2.mapPoses(poses16.slice(0, 2));
      const c = m3.mapPoses(poses16.slice(0, 2));
      expect(maxAbsDiff(a, b)).toBe(0);
      expect(maxAbsDiff(a, c)).toBe(0);
      tf.dispose([a, b, c]);
      m2.dispose();
      m3.dispose();
    });
    await expect(
      createMapper({ weights: await m.namedArrays(), config: { ...tiny, baseChannels: 32 } }),
    ).rejects.toMatchObject({ code: 'E_WEIGHTS_MISMATCH' });
    await expect(createMapper({ manifest: { ...manifest, config: {} }, shards })).rejects.toMatchObject({
      code: 'E_WEIGHTS_CORRUPT',
    });
    const tampered = shards.map((s) => Uint8Array.from(s));
    tampered[0][10] ^= 1;
    await expect(createMapper({ manifest, shards: tampered })).rejects.toMatchObject({ code: 'E_WEIGHTS_CORRUPT' });
    m.dispose();
  });
});

describe('the prepared eval-mode mapper (wasm) against the module calls (cpu)', () => {
  it('same maps and coordinate gradients within float rounding; rebuilt when a weight changes; freed on dispose', async () => {
    const config = validateMapperConfig({}, 'coco18-64');
    const coords = Array.from({ length: 2 * 36 }, (_, i) => Math.sin(i * 1.7) * 0.8);
    const run = (net: MapperNetwork) =>
      tf.tidy(() => {
        const c = tf.tensor2d(coords, [2, 36]);
        const v = tf.ones([2, 18]) as tf.Tensor2D;
        const f = (x: tf.Tensor) => tf.sum(tf.square(net.call({ coords: x as tf.Tensor2D, visible: v })));
        const { value, grad } = tf.valueAndGrad(f)(c);
        return {
          maps: net.call({ coords: c, visible: v }).arraySync() as number[][][][],
          value: value.dataSync()[0],
          grad: grad.arraySync() as number[][],
        };
      });
    const build = () => {
      const net = new MapperNetwork(config, { seed: 5 });
      // running statistics away from (0, 1), so that folding them matters
      for (const [name, v] of net.namedBuffers()) {
        const value = name.endsWith('runningMean')
          ? tf.randomUniform(v.shape, -0.5, 0.5, 'float32', 1)
          : tf.randomUniform(v.shape, 0.5, 2, 'float32', 2);
        v.assign(value);
        value.dispose(); // assign shares the data; the tensor object is ours
      }
      net.eval();
      return net;
    };
    await useBackend('cpu');
    const ref = build();
    const a = run(ref);
    ref.dispose();
    await useBackend('wasm');
    await registerFastKernels();
    const before = tf.memory().numTensors;
    const net = build();
    net.prepare();
    const b = await expectNoLeak(() => run(net));
    expect(maxAbsDiff(b.maps.flat(3), a.maps.flat(3))).toBeLessThan(1e-5);
    expect(Math.abs(b.value - a.value)).toBeLessThan(1e-3 * Math.abs(a.value));
    expect(maxAbsDiff(b.grad.flat(), a.grad.flat())).toBeLessThan(1e-3 * Math.max(...a.grad.flat().map(Math.abs)));
    // a changed weight is seen at once (a Variable's new dataId), with no tensor left behind
    const k = net.namedParameters().find(([n]) => n.endsWith('out.kernel'))![1];
    const doubled = tf.mul(k, 2);
    k.assign(doubled);
    doubled.dispose();
    const c = await expectNoLeak(() => run(net));
    expect(maxAbsDiff(c.maps.flat(3), b.maps.flat(3))).toBeGreaterThan(1e-3);
    net.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('trainMapper (tiny preset, wasm)', () => {
  beforeAll(async () => {
    await useBackend('wasm');
    await registerFastKernels();
  });

  it('trains: the loss falls, tensors stay flat, the result is frozen and evaluable', async () => {
    const counts: number[] = [];
    const before = tf.memory().numTensors;
    const r = await trainMapper({
      config: 'tiny',
      poses: poses16,
      steps: 60,
      batchSize: 16,
      learningRate: 5e-3,
      seed: 7,
      onStep: () => {
        counts.push(tf.memory().numTensors);
      },
    });
    expect(r.losses).toHaveLength(60);
    const mean = (a: number[]): number => a.reduce((s, v) => s + v, 0) / a.length;
    expect(mean(r.losses.slice(-10))).toBeLessThan(0.9 * mean(r.losses.slice(0, 5)));
    // Adam creates its state at step 1; afterwards the count is flat
    expect(new Set(counts.slice(1)).size).toBe(1);
    expect(r.mapper.network.parameters()).toEqual([]);
    const ev = await expectNoLeak(() => evaluateMapper(r.mapper, poses16.slice(0, 8)));
    expect(ev.mse).toBeGreaterThan(0);
    expect(ev.poses).toBe(8);
    r.mapper.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('starts from given weights where names and shapes match', async () => {
    const src = mapperFromNetwork(new MapperNetwork(tiny, { seed: 11 }));
    const init = await src.namedArrays();
    src.dispose();
    const r = await trainMapper({
      config: 'tiny',
      poses: poses16,
      steps: 1,
      batchSize: 2,
      seed: 0,
      learningRate: 1e-12,
      init,
    });
    const got = await r.mapper.namedArrays();
    r.mapper.dispose();
    for (const name of Object.keys(init).filter((n) => !/running/.test(n)))
      expect(maxAbsDiff(got[name].data, init[name].data)).toBeLessThan(1e-6);
    const fresh = await trainMapper({
      config: 'tiny',
      poses: poses16,
      steps: 1,
      batchSize: 2,
      seed: 0,
      learningRate: 1e-12,
    });
    const f = await fresh.mapper.namedArrays();
    fresh.mapper.dispose();
    expect(maxAbsDiff(f['fc.kernel'].data, init['fc.kernel'].data)).toBeGreaterThan(1e-3);
  });

  it('is deterministic for a seed and validates its options', async () => {
    const a = await trainMapper({ config: 'tiny', poses: poses16, steps: 3, batchSize: 4, seed: 1 });
    const b = await trainMapper({ config: 'tiny', poses: poses16, steps: 3, batchSize: 4, seed: 1 });
    expect(a.losses).toEqual(b.losses);
    a.mapper.dispose();
    b.mapper.dispose();
    await expect(trainMapper({ config: 'tiny', poses: poses16, steps: 0 })).rejects.toMatchObject({ code: 'E_CONFIG' });
    await expect(trainMapper({ config: 'nope' as never, poses: poses16, steps: 1 })).rejects.toMatchObject({
      code: 'E_CONFIG',
    });
    await expect(
      trainMapper({ config: 'tiny', poses: samplePoses(2, { seed: 1, width: 64, height: 64 }), steps: 1 }),
    ).rejects.toMatchObject({ code: 'E_ARG' });
  });
});
