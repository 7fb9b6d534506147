/*
 * End-to-end runs of the programmatic train() on tiny settings (cpu, 32x32 synthetic people). The
 * training itself runs in child processes (testing/train-child.ts: tfjs is several times slower inside
 * Jest's VM); the checks read what it wrote. Refusals, which fail before training, run in-process.
 */
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { loadWeights } from '@dgpose/core/node';
import { createSyntheticDataset, labelledMask } from '@dgpose/datasets';
import type { SemiDGPoseModel } from '@dgpose/models';
import { loadModel } from '@dgpose/models/node';
import { useBackend } from '@dgpose/test-utils';
import { listCheckpoints, readLatest } from './checkpoints';
import { readLog } from './log';
import { train, type TrainOptions, type TrainResult } from './train';
import { trainInChild } from './testing/spawn-cli';

/** Runs train() in a child process; resolves its result, or rejects with its error code and message. */
async function run(
  options: TrainOptions,
  extra: Omit<Parameters<typeof trainInChild>[0], 'options'> = {},
): Promise<TrainResult & { tensors: [number, number]; batches: { indices: number[]; labelled: number[] }[] }> {
  const r = await trainInChild({ options, ...extra });
  if (!r.ok) throw Object.assign(new Error(r.message), { code: r.code });
  return { ...r.result, tensors: r.tensors, batches: r.batches };
}

jest.setTimeout(120_000);

const TINY: TrainOptions = {
  preset: 'tiny',
  batchSize: 4,
  syntheticIdentities: 4,
  syntheticPoses: 4,
  sampleRows: 2,
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

/** sha256 of every file of a folder, by name. */
async function folderHashes(dir: string): Promise<Record<string, string>> {
  const names = (await fsp.readdir(dir)).sort();
  return Object.fromEntries(
    await Promise.all(
      names.map(async (n) => [
        n,
        createHash('sha256')
          .update(await fsp.readFile(path.join(dir, n)))
          .digest('hex'),
      ]),
    ),
  );
}

/** The losses of the log's step lines, by step (a resumed run's own lines win over the replayed ones). */
function stepLosses(out: string): Record<number, unknown> {
  const by: Record<number, unknown> = {};
  for (const l of readLog(path.join(out, 'log.jsonl'))) if (l.type === 'step') by[l.step as number] = l.losses;
  return by;
}

describe('train (conditional, tiny)', () => {
  it('writes config, log, checkpoints (newest K + latest), sample grids and final weights', async () => {
    const out = path.join(tmp, 'basic');
    const r = await run({
      ...TINY,
      model: 'conditional',
      steps: 3,
      checkpointEvery: 2,
      sampleEvery: 2,
      logEvery: 1,
      keep: 1,
      out,
    });
    expect(r.tensors[1]).toBe(r.tensors[0]); // the model and every batch are freed
    expect(r.status).toBe('completed');
    expect(r.step).toBe(3);
    expect(Number.isFinite(r.losses?.total)).toBe(true);

    const cfg = JSON.parse(await fsp.readFile(path.join(out, 'config.json'), 'utf8'));
    expect(cfg.format).toBe('dgpose-train-config');
    expect(cfg.options).toMatchObject({ model: 'conditional', preset: 'tiny', steps: 3, seed: 7 });
    expect(cfg.model.kind).toBe('conditional');
    expect(cfg.model.config.imageSize).toBe(32);
    expect(cfg.data).toMatchObject({ name: 'synthetic', imageSize: 32 });

    const log = readLog(path.join(out, 'log.jsonl'));
    expect(log.filter((l) => l.type === 'step').map((l) => l.step)).toEqual([1, 2, 3]);
    const events = log.filter((l) => l.type === 'event').map((l) => `${l.event}@${l.step}`);
    expect(events).toEqual(['start@0', 'samples@2', 'checkpoint@2', 'samples@3', 'checkpoint@3', 'end@3']);
    const stepLine = log.find((l) => l.type === 'step') as { losses: Record<string, number>; imagesPerSec: number };
    expect(stepLine.losses).toHaveProperty('l1');
    expect(stepLine.imagesPerSec).toBeGreaterThan(0);

    expect((await listCheckpoints(out)).map((c) => c.name)).toEqual(['step-000003']);
    expect(await readLatest(out)).toBe('step-000003');

    // grid: 2 rows x 5 columns of 32 px with 2 px gaps
    for (const s of ['step-000002', 'step-000003']) {
      const meta = await sharp(path.join(out, 'samples', `${s}.png`)).metadata();
      expect([meta.width, meta.height, meta.format]).toEqual([5 * 32 + 6 * 2, 2 * 32 + 3 * 2, 'png']);
    }
    const model = await loadModel(path.join(out, 'final'));
    try {
      expect(model.kind).toBe('conditional');
    } finally {
      model.dispose();
    }
  });

  it('a run interrupted at a checkpoint that is also a grid step, then resumed, is bit for bit the straight run', async () => {
    // checkpoint and grid at step 2 (the grid's seeds must not come from state saved with the checkpoint),
    // and resumed Adam state (its running β products must be restored exactly, not recomputed)
    const opts: TrainOptions = {
      ...TINY,
      model: 'conditional',
      steps: 4,
      checkpointEvery: 2,
      sampleEvery: 2,
      logEvery: 1,
    };
    const straight = path.join(tmp, 'straight');
    await run({ ...opts, out: straight });

    const split = path.join(tmp, 'split');
    const first = await run({ ...opts, out: split }, { abortAtStep: 2 });
    expect(first.status).toBe('interrupted');
    expect(first.step).toBe(2);
    expect((await listCheckpoints(split)).map((c) => c.step)).toEqual([2]);
    const b = await run({ out: split, resume: true, backend: 'cpu' });
    expect(b.status).toBe('completed');
    expect(b.resumedFrom).toBe(2);
    expect(b.step).toBe(4);

    expect(await folderHashes(path.join(split, 'final'))).toEqual(await folderHashes(path.join(straight, 'final')));
    expect(await folderHashes(path.join(split, 'samples'))).toEqual(await folderHashes(path.join(straight, 'samples')));
    expect(stepLosses(split)).toEqual(stepLosses(straight));
    expect(Object.keys(stepLosses(split))).toEqual(['1', '2', '3', '4']);

    const events = readLog(path.join(split, 'log.jsonl'))
      .filter((l) => l.type === 'event')
      .map((l) => `${l.event}@${l.step}`);
    expect(events).toEqual([
      'start@0',
      'samples@2',
      'checkpoint@2',
      'stop@2',
      'resume@2',
      'samples@4',
      'checkpoint@4',
      'end@4',
    ]);
  });

  it('an abort from a timer stops within one step with a checkpoint (with --checkpoint-every 0); a full disk at a checkpoint is E_IO; no readable checkpoint is E_CHECKPOINT', async () => {
    const out = path.join(tmp, 'abort-later');
    const a = await run(
      { ...TINY, model: 'conditional', steps: 40, checkpointEvery: 0, sampleEvery: 0, out },
      { abortLaterAtStep: 1 },
    );
    expect(a.status).toBe('interrupted');
    expect(a.step).toBeLessThanOrEqual(2); // the step under way when the timer fired finishes
    expect((await listCheckpoints(out)).map((c) => c.step)).toEqual([a.step]);
    expect(readLog(path.join(out, 'log.jsonl')).find((l) => l.event === 'stop')).toMatchObject({ step: a.step });

    // the disk fills up: the next checkpoint fails with E_IO naming it and ENOSPC; the previous one stays
    const ckpts = path.join(out, 'checkpoints');
    const fail = await trainInChild({
      options: { out, resume: true, backend: 'cpu', steps: a.step + 2, checkpointEvery: 1 },
      fault: { under: ckpts, code: 'ENOSPC', fromStep: a.step + 1 },
    });
    expect(fail).toMatchObject({ ok: false, code: 'E_IO' });
    expect((fail as { message: string }).message).toMatch(new RegExp(`checkpoints/step-0+${a.step + 1}.*ENOSPC`));
    expect((await listCheckpoints(out)).map((c) => c.step)).toEqual([a.step]);

    // every checkpoint unreadable: a coded refusal listing why, not a silent restart from step 0
    const ckpt = (await listCheckpoints(out))[0].dir;
    await fsp.writeFile(path.join(ckpt, 'weights', 'group1-shard1of1.bin'), 'truncated');
    const err = await train({ out, resume: true, steps: 50, progress: 'none', backend: 'cpu' }).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: 'E_CHECKPOINT' });
    expect((err as Error).message).toMatch(
      /nothing to resume in .*abort-later: none of the 1 checkpoints in .*checkpoints reads back \(step-0+\d+: .*E_WEIGHTS_CORRUPT/,
    );
    // the partial folder of the failed write was cleared by that resume
    expect(await fsp.readdir(ckpts)).toEqual(expect.not.arrayContaining([expect.stringMatching(/\.tmp-/)]));
  });
});

describe('train (semi, tiny)', () => {
  it('fits the pose prior on the labelled subset, trains, resumes exactly; a checkpoint of the other model is refused', async () => {
    const out = path.join(tmp, 'semi');
    const r = await run({
      ...TINY,
      model: 'semi',
      supervision: 0.5,
      steps: 2,
      checkpointEvery: 0,
      sampleEvery: 0,
      out,
    });
    expect(r.status).toBe('completed');
    expect(Object.keys(r.losses ?? {})).toEqual(expect.arrayContaining(['l1', 'kl']));
    const prior = readLog(path.join(out, 'log.jsonl')).find((l) => l.event === 'prior');
    const { data } = JSON.parse(await fsp.readFile(path.join(out, 'config.json'), 'utf8'));
    expect(data.size).toBe(12); // 3 training identities (one of 4 held out) x 4 poses
    expect(prior).toMatchObject({ labelled: 6 }); // round(0.5 * 12)

    // interrupted after step 1 and resumed: the same as straight (prior refitted on the same subset)
    const split = path.join(tmp, 'semi-split');
    const first = await run(
      { ...TINY, model: 'semi', supervision: 0.5, steps: 2, checkpointEvery: 0, sampleEvery: 0, out: split },
      { abortAtStep: 1 },
    );
    expect(first.status).toBe('interrupted');
    const b = await run({ out: split, resume: true, backend: 'cpu' });
    expect(b.step).toBe(2);
    expect(b.losses).toEqual(r.losses);
    expect(await folderHashes(path.join(split, 'final'))).toEqual(await folderHashes(path.join(out, 'final')));

    // a conditional run whose folder gets a (newer) semi checkpoint refuses to resume from it
    const cond = path.join(tmp, 'cond-for-refusal');
    await run({ ...TINY, model: 'conditional', steps: 1, checkpointEvery: 0, sampleEvery: 0, out: cond });
    await fsp.cp(path.join(out, 'checkpoints', 'step-000002'), path.join(cond, 'checkpoints', 'step-000002'), {
      recursive: true,
    });
    await expect(train({ out: cond, resume: true, steps: 3, progress: 'none', backend: 'cpu' })).rejects.toThrow(
      /refusing checkpoint .*step-000002: it holds a semi model, this run trains conditional/,
    );
    // and asking to resume a conditional run as semi is refused with the reason
    await expect(train({ out: cond, resume: true, model: 'semi', progress: 'none', backend: 'cpu' })).rejects.toThrow(
      /its checkpoints are of the conditional model, not semi/,
    );
  });
});

describe('train (semi --supervised-only, tiny)', () => {
  it('draws every batch from the labelled subset a Semi run labels, trains q(y|x) alone, writes final/ with supervisedOnly', async () => {
    const out = path.join(tmp, 'supervised-only');
    const steps = 4;
    const r = await run({
      ...TINY,
      model: 'semi',
      supervision: 0.5,
      supervisedOnly: true,
      steps,
      checkpointEvery: 0,
      sampleEvery: 0,
      logEvery: 1,
      out,
    });
    expect(r.status).toBe('completed');
    expect(r.step).toBe(steps);
    expect(r.tensors[1]).toBe(r.tensors[0]);
    expect(Number.isFinite(r.losses?.pose)).toBe(true);
    expect(r.losses).not.toHaveProperty('l1');
    expect(r.losses?.unlabelled).toBe(0);

    // the same labelled subset as Semi at supervision 0.5 and seed 7 (the batcher's mask over the training source)
    const source = createSyntheticDataset({ seed: 1, size: 32, identities: 4, posesPerIdentity: 4, split: 'train' });
    const mask = labelledMask(source.size, 0.5, 7);
    const labelledSet = [...mask.keys()].filter((i) => mask[i] === 1);
    expect(labelledSet.length).toBe(6); // round(0.5 * 12)
    expect(r.batches.length).toBe(steps);
    for (const b of r.batches) {
      expect(b.indices.length).toBe(4); // the same batch size as Semi
      expect(b.indices.every((i) => mask[i] === 1)).toBe(true);
      expect(b.labelled).toEqual([1, 1, 1, 1]);
    }
    expect(new Set(r.batches.flatMap((b) => b.indices))).toEqual(new Set(labelledSet)); // 16 draws cover the 6 labelled images

    const cfg = JSON.parse(await fsp.readFile(path.join(out, 'config.json'), 'utf8'));
    expect(cfg.options).toMatchObject({ model: 'semi', supervision: 0.5, supervisedOnly: true });
    expect(cfg.model.config).toMatchObject({ supervisedOnly: true, supervision: 0.5 });
    const log = readLog(path.join(out, 'log.jsonl'));
    expect(log.find((l) => l.event === 'start')).toMatchObject({ supervisedOnly: true });
    expect(log.find((l) => l.event === 'prior')).toMatchObject({ labelled: 6 });

    const model = (await loadModel(path.join(out, 'final'))) as unknown as SemiDGPoseModel;
    try {
      expect(model.kind).toBe('semi');
      expect(model.config.supervisedOnly).toBe(true);
    } finally {
      model.dispose();
    }
    // trained weights differ from a fresh model's only in q(y|x) (the prior is fitted the same way)
    const fresh = path.join(tmp, 'supervised-only-0');
    await run({
      ...TINY,
      model: 'semi',
      supervision: 0.5,
      supervisedOnly: true,
      steps: 1,
      checkpointEvery: 0,
      sampleEvery: 0,
      out: fresh,
    });
    const [a, b] = [await finalWeights(out), await finalWeights(fresh)];
    const moved = Object.keys(a).filter((k) => Array.from(a[k].data).some((v, i) => v !== b[k].data[i]));
    expect(moved.length).toBeGreaterThan(0);
    expect(moved.filter((k) => !k.startsWith('poseEstimator.'))).toEqual([]);
  });

  it('labelledPerBatch: every Semi batch has exactly that many labelled rows, from the labelled subset', async () => {
    const out = path.join(tmp, 'semi-lpb');
    const r = await run({
      ...TINY,
      model: 'semi',
      supervision: 0.25,
      labelledPerBatch: 2,
      steps: 3,
      checkpointEvery: 0,
      sampleEvery: 0,
      logEvery: 1,
      out,
    });
    expect(r.status).toBe('completed');
    const mask = labelledMask(12, 0.25, 7); // the batcher's mask over the 12 training samples
    for (const b of r.batches) {
      expect(b.labelled).toEqual([1, 1, 0, 0]);
      expect(b.indices.map((i) => mask[i])).toEqual([1, 1, 0, 0]);
    }
    expect(r.losses).toMatchObject({ labelled: 2, unlabelled: 2 });
    const cfg = JSON.parse(await fsp.readFile(path.join(out, 'config.json'), 'utf8'));
    expect(cfg.options).toMatchObject({ labelledPerBatch: 2 });
  });
});

describe('train --init (warm start)', () => {
  it("starts from a finished run's weights with a fresh optimizer at step 0; weights of another kind are refused", async () => {
    const base = { ...TINY, checkpointEvery: 0, sampleEvery: 0 };
    const first = path.join(tmp, 'init-first');
    await run({ ...base, model: 'conditional', steps: 2, out: first });
    // a vanishing learning rate: one step from the loaded weights leaves them where --init put them
    const warm = path.join(tmp, 'init-warm');
    const r = await run({
      ...base,
      model: 'conditional',
      steps: 1,
      lr: 1e-12,
      seed: 8,
      init: path.join(first, 'final'),
      out: warm,
    });
    expect(r.step).toBe(1);
    expect(r.tensors[1]).toBe(r.tensors[0]);
    const cold = path.join(tmp, 'init-cold');
    await run({ ...base, model: 'conditional', steps: 1, lr: 1e-12, seed: 8, out: cold });
    const [a, w, c] = [await finalWeights(first), await finalWeights(warm), await finalWeights(cold)];
    // batch-norm running statistics follow the new batch (momentum); the parameters are what --init sets
    const params = (x: typeof a) => Object.keys(x).filter((k) => !/running(Mean|Var)$/.test(k));
    const maxDiff = (x: typeof a, y: typeof a) =>
      Math.max(
        ...params(x).map((k) => Math.max(...Array.from(x[k].data, (v, i) => Math.abs(v - Number(y[k].data[i]))))),
      );
    expect(maxDiff(a, w)).toBeLessThan(1e-6);
    expect(maxDiff(a, c)).toBeGreaterThan(1e-2); // seed 8 without --init: another initialisation
    const cfg = JSON.parse(await fsp.readFile(path.join(warm, 'config.json'), 'utf8'));
    expect(cfg.options.init).toBe(path.join(first, 'final'));

    // Conditional weights into a Semi model: a coded refusal before any training
    await expect(
      run({ ...base, model: 'semi', steps: 1, init: path.join(first, 'final'), out: path.join(tmp, 'init-bad') }),
    ).rejects.toMatchObject({ code: 'E_WEIGHTS_MISMATCH' });
  });
});
