/* End-to-end runs of the programmatic train() on tiny settings (cpu, 32x32 synthetic people). */
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import sharp from 'sharp';
import { isDGPoseError } from '@dgpose/core';
import { loadWeights } from '@dgpose/core/node';
import { loadModel } from '@dgpose/models/node';
import { useBackend } from '@dgpose/test-utils';
import { listCheckpoints, readLatest } from './checkpoints';
import { readLog } from './log';
import { train, type TrainOptions } from './train';

jest.setTimeout(120_000);

const TINY: TrainOptions = {
  preset: 'tiny',
  batchSize: 4,
  syntheticIdentities: 4,
  syntheticPoses: 4,
  sampleRows: 3,
  seed: 7,
  backend: 'cpu',
  progress: 'none',
};

let tmp: string;
beforeAll(async () => {
  await useBackend('cpu');
  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'dgpose-train-'));
});
afterAll(() => fsp.rm(tmp, { recursive: true, force: true }));

async function finalWeights(out: string) {
  return (await loadWeights(path.join(out, 'final'))).arrays;
}

function maxDiff(a: Record<string, { data: ArrayLike<number> }>, b: Record<string, { data: ArrayLike<number> }>): number {
  expect(Object.keys(a).sort()).toEqual(Object.keys(b).sort());
  let m = 0;
  for (const k of Object.keys(a)) {
    const x = a[k].data;
    const y = b[k].data;
    expect(x.length).toBe(y.length);
    for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i] - y[i]));
  }
  return m;
}

describe('train (conditional, tiny)', () => {
  it('writes config, log, checkpoints (newest K + latest), sample grids and final weights', async () => {
    const out = path.join(tmp, 'basic');
    const tensorsBefore = tf.memory().numTensors;
    const r = await train({ ...TINY, model: 'conditional', steps: 4, checkpointEvery: 2, sampleEvery: 2, logEvery: 1, keep: 1, out });
    expect(tf.memory().numTensors).toBe(tensorsBefore); // the model and batches are freed
    expect(r.status).toBe('completed');
    expect(r.step).toBe(4);
    expect(Number.isFinite(r.losses?.total)).toBe(true);

    const cfg = JSON.parse(await fsp.readFile(path.join(out, 'config.json'), 'utf8'));
    expect(cfg.format).toBe('dgpose-train-config');
    expect(cfg.options).toMatchObject({ model: 'conditional', preset: 'tiny', steps: 4, seed: 7 });
    expect(cfg.model.kind).toBe('conditional');
    expect(cfg.model.config.imageSize).toBe(32);
    expect(cfg.data).toMatchObject({ name: 'synthetic', imageSize: 32 });

    const log = readLog(path.join(out, 'log.jsonl'));
    expect(log.filter((l) => l.type === 'step').map((l) => l.step)).toEqual([1, 2, 3, 4]);
    const events = log.filter((l) => l.type === 'event').map((l) => `${l.event}@${l.step}`);
    expect(events).toEqual(['start@0', 'checkpoint@2', 'samples@2', 'checkpoint@4', 'samples@4', 'end@4']);
    const stepLine = log.find((l) => l.type === 'step') as { losses: Record<string, number>; imagesPerSec: number };
    expect(stepLine.losses).toHaveProperty('l1');
    expect(stepLine.imagesPerSec).toBeGreaterThan(0);

    expect((await listCheckpoints(out)).map((c) => c.name)).toEqual(['step-000004']);
    expect(await readLatest(out)).toBe('step-000004');

    // grid: 3 rows x 5 columns of 32 px with 2 px gaps
    for (const s of ['step-000002', 'step-000004']) {
      const meta = await sharp(path.join(out, 'samples', `${s}.png`)).metadata();
      expect([meta.width, meta.height, meta.format]).toEqual([5 * 32 + 6 * 2, 3 * 32 + 4 * 2, 'png']);
    }
    const model = await loadModel(path.join(out, 'final'));
    try {
      expect(model.kind).toBe('conditional');
    } finally {
      model.dispose();
    }
  });

  it('a run interrupted half way and resumed equals a straight run (data order, RNG, optimizer)', async () => {
    const straight = path.join(tmp, 'straight');
    const a = await train({ ...TINY, model: 'conditional', steps: 6, checkpointEvery: 0, sampleEvery: 0, out: straight });

    const split = path.join(tmp, 'split');
    const ctl = new AbortController();
    const first = await train({
      ...TINY,
      model: 'conditional',
      steps: 6,
      checkpointEvery: 0,
      sampleEvery: 0,
      out: split,
      signal: ctl.signal,
      hooks: { onStep: ({ step }) => step === 3 && ctl.abort() },
    });
    expect(first.status).toBe('interrupted');
    expect(first.step).toBe(3);
    expect((await listCheckpoints(split)).map((c) => c.step)).toEqual([3]);
    const b = await train({ out: split, resume: true, progress: 'none', backend: 'cpu' });
    expect(b.status).toBe('completed');
    expect(b.resumedFrom).toBe(3);
    expect(b.step).toBe(6);
    for (const k of Object.keys(a.losses ?? {})) expect(b.losses?.[k]).toBeCloseTo(a.losses?.[k] as number, 4);
    expect(maxDiff(await finalWeights(straight), await finalWeights(split))).toBeLessThan(1e-5);

    const events = readLog(path.join(split, 'log.jsonl')).filter((l) => l.type === 'event').map((l) => `${l.event}@${l.step}`);
    expect(events).toEqual(['start@0', 'checkpoint@3', 'stop@3', 'resume@3', 'checkpoint@6', 'samples@6', 'end@6']);
  });

  it('a NaN loss stops with the term and step, keeping the last good checkpoint', async () => {
    const out = path.join(tmp, 'nan');
    const poisoned: tf.Tensor[] = [];
    let err: unknown;
    try {
      await train({
        ...TINY,
        model: 'conditional',
        steps: 10,
        checkpointEvery: 2,
        sampleEvery: 0,
        out,
        hooks: {
          // a corrupted batch at step 4: NaN pixels
          beforeStep: (step, batch) => {
            if (step !== 4) return;
            const bad = tf.mul(batch.images, NaN) as tf.Tensor4D;
            poisoned.push(bad);
            (batch as { images: tf.Tensor4D }).images = bad;
          },
        },
      });
    } catch (e) {
      err = e;
    } finally {
      tf.dispose(poisoned);
    }
    expect(isDGPoseError(err, 'E_LOSS_NAN')).toBe(true);
    expect((err as Error).message).toMatch(/training stopped at step 4: loss term '\w+' became NaN or Infinity; the last good checkpoint checkpoints[/\\]step-000002 \(step 2\) is kept/);
    expect((await listCheckpoints(out)).map((c) => c.step)).toEqual([2]);
    await expect(fsp.stat(path.join(out, 'final'))).rejects.toThrow();
    const nan = readLog(path.join(out, 'log.jsonl')).find((l) => l.event === 'nan');
    expect(nan).toMatchObject({ step: 4 });
    expect(typeof nan?.term).toBe('string');
  });
});

describe('train (semi, tiny)', () => {
  it('fits the pose prior on the labelled subset and trains; a checkpoint of the other model is refused', async () => {
    const out = path.join(tmp, 'semi');
    const r = await train({ ...TINY, model: 'semi', supervision: 0.5, steps: 2, checkpointEvery: 0, sampleEvery: 0, out });
    expect(r.status).toBe('completed');
    expect(Object.keys(r.losses ?? {})).toEqual(expect.arrayContaining(['l1', 'kl']));
    const prior = readLog(path.join(out, 'log.jsonl')).find((l) => l.event === 'prior');
    const { data } = JSON.parse(await fsp.readFile(path.join(out, 'config.json'), 'utf8'));
    expect(data.size).toBe(12); // 3 training identities (one of 4 held out) x 4 poses
    expect(prior).toMatchObject({ labelled: 6 }); // round(0.5 * 12)

    // a conditional run whose folder gets a (newer) semi checkpoint refuses to resume from it
    const cond = path.join(tmp, 'cond-for-refusal');
    await train({ ...TINY, model: 'conditional', steps: 1, checkpointEvery: 0, sampleEvery: 0, out: cond });
    await fsp.cp(path.join(out, 'checkpoints', 'step-000002'), path.join(cond, 'checkpoints', 'step-000002'), { recursive: true });
    await expect(train({ out: cond, resume: true, steps: 3, progress: 'none', backend: 'cpu' })).rejects.toThrow(
      /refusing checkpoint .*step-000002: it holds a semi model, this run trains conditional/,
    );
    // and asking to resume a conditional run as semi is refused with the reason
    await expect(train({ out: cond, resume: true, model: 'semi', progress: 'none', backend: 'cpu' })).rejects.toThrow(
      /its checkpoints are of the conditional model, not semi/,
    );
  });
});
