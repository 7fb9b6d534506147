import * as tf from '@tensorflow/tfjs-core';
import { type Pose, convertPose, initBackend, isDGPoseError } from '@dgpose/core';
import { expectNoLeak, rejectsWithDGPoseError } from '@dgpose/test-utils';
import type { Sample } from '@dgpose/datasets';
import { CONDITIONAL_PRESETS, validateConditionalConfig } from './config';
import { type ConditionalDGPose, createConditionalDGPose } from './conditional';
import { createSemiDGPose, loadModelFromWeights } from './factory';
import { disposeBatch, syntheticSamples, toBatch } from './testing';
import type { RgbImage, TrainBatch } from './types';

const S = 32;

function l1(a: RgbImage, b: RgbImage): number {
  let s = 0;
  for (let i = 0; i < a.data.length; i++) s += Math.abs(a.data[i] - b.data[i]);
  return s / a.data.length;
}

/** 2 poses × 2 appearances (the second a channel-permuted copy), so the pose alone cannot tell the appearance. */
function twoByTwo(): Sample[] {
  const s0 = syntheticSamples(2, S, 5);
  const recolour = (x: Sample): Sample => {
    const d = x.image.data;
    const data = d.map((v, i) => (i % 3 === 0 ? d[i + 2] : i % 3 === 2 ? d[i - 2] : 255 - v));
    return { ...x, image: { ...x.image, data } };
  };
  return [...s0, ...s0.map(recolour)];
}

describe('Conditional-DGPose (tiny, wasm)', () => {
  let model: ConditionalDGPose;
  let samples: Sample[];
  let batch: TrainBatch;
  const history: { l1: number; tensors: number }[] = [];

  beforeAll(async () => {
    await initBackend({ prefer: ['wasm'], log: () => undefined });
    samples = twoByTwo();
    batch = toBatch(samples, S);
    model = await createConditionalDGPose({ preset: 'tiny', config: { lr: 3e-3 } });
    for (let i = 0; i < 80; i++) {
      const { losses } = await model.trainStep(batch);
      history.push({ l1: losses.l1, tensors: tf.memory().numTensors });
    }
  }, 60000);

  afterAll(() => {
    model?.dispose();
    if (batch) disposeBatch(batch);
  });

  it('build and dispose free every tensor; param counts add up', async () => {
    const before = tf.memory().numTensors;
    const m = await createConditionalDGPose({ preset: 'tiny' });
    const counts = m.paramCounts();
    expect(m.paramCount()).toBe(Object.values(counts).reduce((a, b) => a + b, 0));
    expect(counts.discriminator).toBeGreaterThan(0);
    expect(counts.prior).toBe(0);
    m.dispose();
    expect(tf.memory().numTensors).toBe(before);
    const learned = await createConditionalDGPose({
      preset: 'tiny',
      config: { prior: 'learned', lossWeights: { adv: 0 } },
    });
    expect(learned.paramCounts().prior).toBeGreaterThan(0);
    expect(learned.paramCounts().discriminator).toBe(0);
    learned.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('trainStep returns { step, losses } in plain numbers and keeps numTensors flat', async () => {
    const stepBefore = model.step;
    const r = await model.trainStep(batch);
    expect(Object.keys(r).sort()).toEqual(['losses', 'step']);
    expect(r.step).toBe(stepBefore);
    expect(model.step).toBe(stepBefore + 1);
    expect(Object.keys(r.losses).sort()).toEqual([
      'advD',
      'advG',
      'beta',
      'gradNormD',
      'gradNormG',
      'kl',
      'l1',
      'total',
    ]);
    expect(Object.values(r.losses).every((v) => typeof v === 'number' && Number.isFinite(v))).toBe(true);
    const counts = history.slice(1).map((h) => h.tensors);
    expect(new Set(counts).size).toBe(1);
  });

  it('overfits 4 images: L1 falls by more than 2.5x', () => {
    const first = history[0].l1;
    const last = Math.min(...history.slice(-5).map((h) => h.l1));
    expect(last).toBeLessThan(first / 2.5);
  });

  it('reconstructions (z = mean of q) beat the pose-only baseline (z = 0) in L1 and PSNR', async () => {
    const [rec, base] = tf.tidy(() => {
      const q = model.encodeTensors(batch.images, batch.poses, batch.visible);
      const xr = model.decodeTensors(q.mu, batch.poses, batch.visible);
      const xb = model.decodeTensors(tf.zeros([4, model.config.latentDim]), batch.poses, batch.visible);
      const mae = (x: tf.Tensor) => tf.mean(tf.abs(tf.sub(x, batch.images)));
      const mse = (x: tf.Tensor) => tf.mean(tf.square(tf.sub(x, batch.images)));
      return [tf.stack([mae(xr), mse(xr)]), tf.stack([mae(xb), mse(xb)])];
    });
    const [r, b] = [await rec.data(), await base.data()];
    tf.dispose([rec, base]);
    const psnr = (m: number) => 10 * Math.log10(4 / m); // range 2 in [-1,1]
    expect(r[0]).toBeLessThan(0.85 * b[0]);
    expect(psnr(r[1])).toBeGreaterThan(psnr(b[1]) + 1);
  });

  it("swap test: A's appearance drawn in the other pose is closer to A in that pose than to B in it", async () => {
    // samples: [pose0·A, pose1·A, pose0·B, pose1·B], B a recoloured A
    const out = await model.transfer(
      [samples[0].image, samples[3].image],
      [samples[0].pose, samples[3].pose],
      [samples[1].pose, samples[2].pose],
    );
    expect(l1(out[0], samples[1].image)).toBeLessThan(0.8 * l1(out[0], samples[3].image));
    expect(l1(out[1], samples[2].image)).toBeLessThan(0.8 * l1(out[1], samples[0].image));
  });

  it('pose-mask L1 (lossWeights.l1Mask) is reported and needs partAppearance', async () => {
    const m = await createConditionalDGPose({ preset: 'tiny', config: { lossWeights: { l1Mask: 300 } } });
    const { losses } = await m.trainStep(batch);
    expect(losses.l1Mask).toBeGreaterThan(0);
    expect(losses.l1Mask).toBeLessThan(losses.l1);
    m.dispose();
    expect(() => validateConditionalConfig({ partAppearance: false, lossWeights: { l1Mask: 1 } }, 'tiny')).toThrow(
      expect.objectContaining({ code: 'E_CONFIG' }),
    );
  });

  it('every verb runs, returns uint8 images at model size and leaks nothing', async () => {
    const imgs = samples.map((s) => s.image);
    const poses = samples.map((s) => s.pose);
    const rec = await expectNoLeak(() => model.reconstruct(imgs, poses));
    expect(rec).toHaveLength(4);
    expect(rec[0]).toMatchObject({ width: S, height: S, channels: 3 });
    expect(l1(rec[0], imgs[0])).toBeLessThan(30);
    const tr = await expectNoLeak(() => model.transfer([imgs[2]], [poses[2]], [poses[1]]));
    // appearance of 2 (recoloured sample 0) in pose 1 ≈ image 3 (recoloured sample 1)
    expect(l1(tr[0], imgs[3])).toBeLessThan(l1(tr[0], imgs[1]));
    // a COCO-17 pose in a 64x64 frame: converted and rescaled
    const big = {
      skeleton: 'coco18' as const,
      keypoints: poses[1].keypoints.map((k) => (k ? { x: k.x * (63 / 31), y: k.y * (63 / 31) } : null)),
    };
    const p17: Pose = convertPose(big, 'coco17');
    const cd = await expectNoLeak(() =>
      model.crossDomainTransfer([imgs[0]], [poses[0]], [p17], { targetSize: { width: 64, height: 64 } }),
    );
    expect(cd[0].width).toBe(S);
    const gen = await expectNoLeak(() => model.generate(poses[0], 3, { seed: 7 }));
    expect(gen).toHaveLength(3);
    const again = await model.generate(poses[0], 3, { seed: 7 });
    expect(Buffer.from(again[1].data).equals(Buffer.from(gen[1].data))).toBe(true);
    expect(Buffer.from(gen[0].data).equals(Buffer.from(gen[1].data))).toBe(false);
    // larger input images are resized to the model size, their poses rescaled
    await expectNoLeak(() =>
      model.reconstruct(
        [{ data: new Uint8Array(64 * 48 * 3).fill(90), width: 64, height: 48, channels: 3 }],
        [{ skeleton: 'coco18', keypoints: big.keypoints.map((k) => (k ? { x: k.x, y: (k.y * 47) / 63 } : null)) }],
      ),
    );
    await expectNoLeak(async () => {
      const r = await model.evaluate(batch);
      expect(Object.keys(r).sort()).toEqual(['advD', 'advG', 'kl', 'l1', 'total']);
    });
    await expectNoLeak(async () => {
      const q = model.encodeTensors(batch.images, batch.poses, batch.visible);
      const x = model.decodeTensors(q.mu, batch.poses);
      expect(x.shape).toEqual([4, S, S, 3]);
      tf.dispose([q.mu, q.logvar, x]);
    });
    await expectNoLeak(() => model.exportWeights());
    await expectNoLeak(() => model.getState());
  });

  it('save → load round trip gives identical outputs; another kind, preset or version is refused', async () => {
    const imgs = samples.map((s) => s.image);
    const poses = samples.map((s) => s.pose);
    const exported = await model.exportWeights();
    expect(exported.manifest.kind).toBe('dgpose-conditional');
    expect((exported.manifest.config as { model: { preset: string } }).model.preset).toBe('tiny');
    const loaded = await loadModelFromWeights(exported);
    expect(loaded.kind).toBe('conditional');
    const a = await model.reconstruct(imgs, poses);
    const b = await loaded.reconstruct(imgs, poses);
    a.forEach((im, i) => expect(Buffer.from(im.data).equals(Buffer.from(b[i].data))).toBe(true));
    loaded.dispose();
    await rejectsWithDGPoseError(loadModelFromWeights(exported, { kind: 'semi' }), 'E_WEIGHTS_MISMATCH');
    await rejectsWithDGPoseError(loadModelFromWeights(exported, { preset: 'small' }), 'E_WEIGHTS_MISMATCH');
    const v2 = {
      ...exported,
      manifest: { ...exported.manifest, config: { ...(exported.manifest.config as object), modelFormatVersion: 99 } },
    };
    await rejectsWithDGPoseError(loadModelFromWeights(v2), 'E_WEIGHTS_VERSION');
    const mapperW = { ...exported, manifest: { ...exported.manifest, kind: 'mapper/learned' } };
    await rejectsWithDGPoseError(loadModelFromWeights(mapperW), 'E_WEIGHTS_MISMATCH');
    // weights of another preset (other shapes) into this model: refused, nothing changed
    const other = await createConditionalDGPose({ preset: 'tiny', config: { baseChannels: 4, latentDim: 4 } });
    const before = await model.reconstruct(imgs.slice(0, 1), poses.slice(0, 1));
    await rejectsWithDGPoseError(async () => model.loadArrays(await other.namedArrays()), 'E_WEIGHTS_MISMATCH');
    const after = await model.reconstruct(imgs.slice(0, 1), poses.slice(0, 1));
    expect(Buffer.from(after[0].data).equals(Buffer.from(before[0].data))).toBe(true);
    other.dispose();
    const semi = await createSemiDGPose({ preset: 'tiny' });
    await rejectsWithDGPoseError(async () => model.loadArrays(await semi.namedArrays()), 'E_WEIGHTS_MISMATCH');
    semi.dispose();
  });

  it('getState → setState on a fresh model continues training identically', async () => {
    const state = await model.getState();
    // same config (the noise seed is part of it); the weights and both Adam states come from the state
    const twin = await createConditionalDGPose({ preset: 'tiny', config: { lr: 3e-3 } });
    expect(await twin.evaluate(batch)).not.toEqual(await model.evaluate(batch));
    await twin.setState(state);
    expect(twin.step).toBe(model.step);
    const r1 = await model.trainStep(batch);
    const r2 = await twin.trainStep(batch);
    expect(r2.step).toBe(r1.step);
    expect(r2.losses.total).toBeCloseTo(r1.losses.total, 4);
    expect(r2.losses.advD).toBeCloseTo(r1.losses.advD, 4);
    twin.dispose();
  });

  it('bad inputs throw coded errors naming what was expected', async () => {
    const imgs = samples.map((s) => s.image);
    const poses = samples.map((s) => s.pose);
    await rejectsWithDGPoseError(model.reconstruct(imgs, poses.slice(0, 3)), 'E_SHAPE');
    await rejectsWithDGPoseError(
      model.reconstruct([{ ...imgs[0], data: imgs[0].data.subarray(0, 100) }], [poses[0]]),
      'E_SHAPE',
    );
    await rejectsWithDGPoseError(model.reconstruct([imgs[0]]), 'E_ARG');
    await rejectsWithDGPoseError(model.reconstruct([imgs[0]], [convertPose(poses[0], 'coco17')]), 'E_SKELETON');
    const nan: Pose = {
      skeleton: 'coco18',
      keypoints: poses[0].keypoints.map((k, j) => (j === 3 && k ? { x: NaN, y: k.y } : k)),
    };
    await rejectsWithDGPoseError(model.reconstruct([imgs[0]], [nan]), 'E_NAN');
    const outside: Pose = {
      skeleton: 'coco18',
      keypoints: poses[0].keypoints.map((k, j) => (j === 3 && k ? { x: 40, y: k.y } : k)),
    };
    await rejectsWithDGPoseError(model.reconstruct([imgs[0]], [outside]), 'E_ARG');
    // a joint at pixel 0 of a larger frame (DeepFashion rows) lands at -0.375 after a pixel-centre resize: on the frame
    const edge: Pose = {
      skeleton: 'coco18',
      keypoints: poses[0].keypoints.map((k, j) => (j === 3 && k ? { x: -0.375, y: k.y } : k)),
    };
    await expect(model.reconstruct([imgs[0]], [edge])).resolves.toHaveLength(1);
    const beyond: Pose = {
      skeleton: 'coco18',
      keypoints: poses[0].keypoints.map((k, j) => (j === 3 && k ? { x: -0.6, y: k.y } : k)),
    };
    await rejectsWithDGPoseError(model.reconstruct([imgs[0]], [beyond]), 'E_ARG', /\[-0\.5, 31\.5\]/);
    await rejectsWithDGPoseError(model.generate(undefined, 2), 'E_ARG');
    await rejectsWithDGPoseError(model.generate(poses[0], 0), 'E_ARG');
    const bad = tf.tidy(() => tf.tensor2d(new Float32Array(4 * 36).fill(NaN), [4, 36]));
    await rejectsWithDGPoseError(model.trainStep({ ...batch, poses: bad }), 'E_NAN');
    bad.dispose();
    await rejectsWithDGPoseError(
      () => model.encodeTensors(tf.zeros([1, 16, 16, 3]) as tf.Tensor4D, tf.zeros([1, 36]) as tf.Tensor2D),
      'E_SHAPE',
    );
    await rejectsWithDGPoseError(
      () => model.decodeTensors(tf.zeros([1, 8]) as tf.Tensor2D, tf.zeros([1, 34]) as tf.Tensor2D),
      'E_JOINTS',
    );
    await rejectsWithDGPoseError(() => validateConditionalConfig({ latentDim: 0 }), 'E_CONFIG');
    await rejectsWithDGPoseError(() => validateConditionalConfig({ imageSiz: 32 } as never), 'E_CONFIG');
    await rejectsWithDGPoseError(() => validateConditionalConfig({}, 'huge' as never), 'E_CONFIG');
    await rejectsWithDGPoseError(() => validateConditionalConfig({ lossWeights: { adv: -1 } }), 'E_CONFIG');
    expect(validateConditionalConfig({}, 'paper').imageSize).toBe(256);
    expect(CONDITIONAL_PRESETS.small.imageSize).toBe(64);
  });

  it('a non-finite loss term throws E_LOSS_NAN naming it and changes nothing', async () => {
    const before = await model.getState();
    const n0 = tf.memory().numTensors;
    const nanImages = tf.fill([4, S, S, 3], NaN) as tf.Tensor4D;
    let err: unknown = null;
    try {
      await model.trainStep({ ...batch, images: nanImages });
    } catch (e) {
      err = e;
    }
    nanImages.dispose();
    expect(isDGPoseError(err, 'E_LOSS_NAN')).toBe(true);
    expect((err as Error).message).toMatch(/l1|kl|advG|advD|total/);
    expect(tf.memory().numTensors).toBe(n0);
    const after = await model.getState();
    expect(after.step).toBe(before.step);
    for (const [k, v] of Object.entries(before.weights))
      expect(Array.from(after.weights[k].data)).toEqual(Array.from(v.data));
  });

  it('learned prior p(z|y) trains and samples (adv 0: the generator-only step)', async () => {
    const m = await createConditionalDGPose({ preset: 'tiny', config: { prior: 'learned', lossWeights: { adv: 0 } } });
    const first = await m.trainStep(batch); // creates the Adam slots
    expect(first.step).toBe(0);
    expect(Object.keys(first.losses).sort()).toEqual(['beta', 'gradNormG', 'kl', 'l1', 'total']);
    await expectNoLeak(async () => {
      for (let i = 0; i < 3; i++) await m.trainStep(batch);
    });
    // optimizer state without a discriminator: generator/* and trainer/step only; the two kinds do not mix
    const own = (await m.getState()).optimizer;
    expect(Object.keys(own).every((k) => k.startsWith('generator/') || k === 'trainer/step')).toBe(true);
    await rejectsWithDGPoseError(m.setOptimizerState((await model.getState()).optimizer), 'E_CHECKPOINT');
    await rejectsWithDGPoseError(model.setOptimizerState(own), 'E_CHECKPOINT');
    await m.setOptimizerState(own, 4);
    expect(m.step).toBe(4);
    const gen = await expectNoLeak(() => m.generate(samples[0].pose, 2, { seed: 3 }));
    expect(gen).toHaveLength(2);
    m.dispose();
  });
});
