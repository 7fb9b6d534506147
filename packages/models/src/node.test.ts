import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { createRng, initBackend } from '@dgpose/core';
import {
  createConditionalDGPose,
  createSemiDGPose,
  loadCheckpoint,
  loadModel,
  saveCheckpoint,
  saveModel,
} from './node';
import { rejectsWithDGPoseError } from '@dgpose/test-utils';
import { disposeBatch, syntheticSamples, toBatch } from './testing';

describe('@dgpose/models/node (wasm)', () => {
  let dir: string;
  beforeAll(async () => {
    await initBackend({ prefer: ['wasm'], log: () => undefined });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dgpose-models-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('saveModel → loadModel gives identical outputs', async () => {
    const samples = syntheticSamples(2, 32, 2);
    const b = toBatch(samples, 32);
    const m = await createSemiDGPose({ preset: 'tiny' });
    m.fitPosePrior(await b.poses.array(), await b.visible.array());
    await m.trainStep(b);
    await saveModel(path.join(dir, 'semi'), m);
    expect(fs.existsSync(path.join(dir, 'semi', 'model.json'))).toBe(true);
    const l = await loadModel(path.join(dir, 'semi'), { kind: 'semi' });
    const imgs = samples.map((s) => s.image);
    const [x, y] = [await m.reconstruct(imgs), await l.reconstruct(imgs)];
    expect(Buffer.from(x[1].data).equals(Buffer.from(y[1].data))).toBe(true);
    await rejectsWithDGPoseError(loadModel(path.join(dir, 'semi'), { kind: 'conditional' }), 'E_WEIGHTS_MISMATCH');
    l.dispose();
    m.dispose();
    disposeBatch(b);
  });

  it('checkpoints are atomic, resume training exactly, and half-written ones are refused', async () => {
    const samples = syntheticSamples(4, 32, 4);
    const b = toBatch(samples, 32);
    const m = await createConditionalDGPose({ preset: 'tiny' });
    const rng = createRng(5);
    for (let i = 0; i < 3; i++) await m.trainStep(b);
    rng.next();
    const ck = path.join(dir, 'ckpt');
    await saveCheckpoint(ck, m, { rng: rng.getState(), data: { epoch: 1, cursor: 12 }, meta: { note: 'first' } });
    // overwrite: a second save replaces the first in one rename
    await m.trainStep(b);
    await saveCheckpoint(ck, m, { rng: rng.getState(), data: { epoch: 1, cursor: 16 } });
    expect(fs.readdirSync(dir).filter((f) => f.includes('.tmp-') || f.includes('.old-'))).toEqual([]);
    const { model: r, extra, step } = await loadCheckpoint(ck, { kind: 'conditional', preset: 'tiny' });
    expect(step).toBe(4);
    expect(r.step).toBe(4);
    expect(extra.data).toEqual({ epoch: 1, cursor: 16 });
    const rng2 = createRng(0);
    rng2.setState(extra.rng as never);
    expect(rng2.next()).toBe(rng.next());
    const a = await m.trainStep(b);
    const c = await r.trainStep(b);
    expect(c.step).toBe(a.step);
    expect(c.losses.total).toBeCloseTo(a.losses.total, 4);
    expect(c.losses.advD).toBeCloseTo(a.losses.advD, 4);
    await rejectsWithDGPoseError(loadCheckpoint(ck, { kind: 'semi' }), 'E_CHECKPOINT');
    await rejectsWithDGPoseError(loadCheckpoint(ck, { preset: 'small' }), 'E_CHECKPOINT');
    // a half-written checkpoint (no complete marker) is refused
    const half = path.join(dir, 'half');
    fs.cpSync(ck, half, { recursive: true });
    fs.rmSync(path.join(half, 'checkpoint.json'));
    await rejectsWithDGPoseError(loadCheckpoint(half), 'E_CHECKPOINT');
    const marker = JSON.parse(fs.readFileSync(path.join(ck, 'checkpoint.json'), 'utf8'));
    fs.writeFileSync(path.join(half, 'checkpoint.json'), JSON.stringify({ ...marker, formatVersion: 7 }));
    await rejectsWithDGPoseError(loadCheckpoint(half), 'E_CHECKPOINT');
    r.dispose();
    m.dispose();
    disposeBatch(b);
  });

  it('without a mapper source, the node factory loads the shipped learned mapper (E_IO while none is shipped)', async () => {
    const shipped = path.resolve(__dirname, '../../mapper/weights/coco18-64/model.json');
    if (!fs.existsSync(shipped)) {
      await rejectsWithDGPoseError(createSemiDGPose({ preset: 'small' }), 'E_IO');
      return;
    }
    const before = tf.memory().numTensors;
    const m = await createSemiDGPose({ preset: 'small' });
    expect(m.mapper?.config.height).toBe(64);
    m.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
