import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isDGPoseError } from '@dgpose/core';
import { saveWeights } from '@dgpose/core/node';
import { createConditionalDGPose } from '@dgpose/models';
import { saveCheckpoint, saveModel } from '@dgpose/models/node';
import { createPoseRegressor } from '@dgpose/zoo';
import { useBackend } from '@dgpose/test-utils';
import { getZooEntry } from '@dgpose/zoo';
import {
  loadCeilingEstimators,
  loadCheckpointModel,
  loadEstimator,
  loadZooModel,
  movenetDirFor,
  zooModelNames,
} from './load';
import { validateBenchConfig } from './options';

let tmp: string;
beforeAll(async () => {
  await useBackend('cpu');
  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'bench-load-'));
});
afterAll(() => fsp.rm(tmp, { recursive: true, force: true }));

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}

describe('model folders', () => {
  it('refuses weights of another model with the reason (a pose regressor is not a DGPose model)', async () => {
    const reg = createPoseRegressor({ imageSize: 32, channels: [4] });
    const dir = path.join(tmp, 'regressor');
    const { manifest, shards } = await reg.exportWeights();
    reg.dispose();
    await fsp.mkdir(dir, { recursive: true });
    await fsp.writeFile(path.join(dir, 'model.json'), JSON.stringify(manifest));
    for (let i = 0; i < shards.length; i++) await fsp.writeFile(path.join(dir, manifest.shards[i].path), shards[i]);
    const e = await rejection(loadCheckpointModel(dir));
    expect(isDGPoseError(e, 'E_CHECKPOINT')).toBe(true);
    expect(e.message).toMatch(/refused: it holds 'zoo\/pose-regressor' weights, not a DGPose model/);
    expect(e.message).toMatch(/dgpose-conditional/);
  });

  it('refuses untyped weights and a folder without a model, saying what it looked for', async () => {
    const dir = path.join(tmp, 'untyped');
    await saveWeights(dir, { w: { dtype: 'float32', shape: [1], data: new Float32Array([1]) } });
    expect((await rejection(loadCheckpointModel(dir))).message).toMatch(/holds untyped weights, not a DGPose model/);
    const empty = path.join(tmp, 'empty');
    await fsp.mkdir(empty);
    await fsp.writeFile(path.join(empty, 'notes.txt'), 'hi');
    const e = await rejection(loadCheckpointModel(empty));
    expect(isDGPoseError(e, 'E_CHECKPOINT')).toBe(true);
    expect(e.message).toMatch(
      /no model in .*empty, expected model\.json \(saveModel output\), checkpoint\.json \+ weights\/ \(a checkpoint\), or a dgpose-train run folder/,
    );
    expect(e.message).toMatch(/notes\.txt/);
    expect((await rejection(loadCheckpointModel(path.join(tmp, 'missing')))).message).toMatch(/does not exist/);
  });

  it('refuses a malformed manifest', async () => {
    const dir = path.join(tmp, 'bad-json');
    await fsp.mkdir(dir);
    await fsp.writeFile(path.join(dir, 'model.json'), '{"kind": "dgpose-cond');
    const e = await rejection(loadCheckpointModel(dir));
    expect(isDGPoseError(e, 'E_CHECKPOINT')).toBe(true);
    expect(e.message).toMatch(/model\.json is not valid JSON/);
  });
});

describe('loading DGPose models', () => {
  it('reads saveModel folders, checkpoint folders and dgpose-train run folders (final/ first, else checkpoints/latest)', async () => {
    const m = await createConditionalDGPose({ preset: 'tiny', seed: 7 });
    const run = path.join(tmp, 'run-a');
    await saveCheckpoint(path.join(run, 'checkpoints', 'step-000002'), m, { meta: { note: 'test' } });
    await fsp.writeFile(path.join(run, 'checkpoints', 'latest'), 'step-000002\n');
    const fromRun = await loadCheckpointModel(run);
    expect(fromRun.label).toBe('run-a (checkpoint)');
    expect(fromRun.model.kind).toBe('conditional');
    expect(fromRun.weightsKind).toBe('dgpose-conditional');
    expect(fromRun.sha256.every((h) => /^[0-9a-f]{64}$/.test(h))).toBe(true);
    fromRun.model.dispose();
    const ck = await loadCheckpointModel(path.join(run, 'checkpoints', 'step-000002'));
    expect(ck.label).toBe('run-a/step-000002 (checkpoint)');
    expect(ck.steps).toBe(0); // the checkpoint's own step (a fresh model)
    ck.model.dispose();
    await saveModel(path.join(run, 'final'), m);
    // exported weights have no step: a run's final/ takes it from the run's log (its 'end' event)
    const bare = await loadCheckpointModel(path.join(run, 'final'));
    expect(bare.steps).toBeUndefined();
    bare.model.dispose();
    const log = [
      { type: 'event', event: 'start', time: 't', step: 0 },
      { type: 'step', step: 1200, losses: {} },
      { type: 'event', event: 'end', time: 't', step: 1234, final: 'final' },
    ];
    await fsp.writeFile(path.join(run, 'log.jsonl'), `${log.map((l) => JSON.stringify(l)).join('\n')}\n{"type":"eve`);
    const fin = await loadCheckpointModel(run);
    expect(fin.steps).toBe(1234);
    expect(fin.source).toEqual({ type: 'checkpoint', dir: run });
    expect(fin.label).toBe('run-a (checkpoint)');
    const fin2 = await loadCheckpointModel(path.join(run, 'final'));
    expect(fin2.label).toBe('run-a (checkpoint)');
    fin2.model.dispose();
    expect(fin.model.config).toEqual(m.config);
    fin.model.dispose();
    m.dispose();
  });
});

describe('zoo names', () => {
  it('an unknown name, or a zoo entry that is not a DGPose model, lists the valid names', async () => {
    const valid = zooModelNames();
    const e = await rejection(loadZooModel('conditional-huge-512', {}));
    expect(isDGPoseError(e, 'E_CONFIG')).toBe(true);
    expect(e.message).toContain(
      `unknown zoo model 'conditional-huge-512'; valid: ${valid.length ? valid.join(', ') : '(none'}`,
    );
    const reg = await rejection(loadZooModel('pose-regressor-64', {}));
    expect(reg.message).toMatch(/pose-regressor-64/);
  });

  it('a zoo model reports the training steps of its registry entry (exported weights alone say 0)', async () => {
    const name = zooModelNames()[0];
    if (name === undefined) return;
    const m = await loadZooModel(name, {});
    try {
      expect(m.model.step).toBe(0);
      expect(m.steps).toBe(getZooEntry(name).steps);
      expect(m.steps).toBeGreaterThan(0);
    } finally {
      m.model.dispose();
    }
  });
});

describe('estimator', () => {
  it("auto = the zoo's synthetic pose regressor on the built-in data; a missing zoo file stops the run with the reason", async () => {
    const e = await loadEstimator(validateBenchConfig({}));
    expect(e?.estimator.name).toBe('pose-regressor-64');
    expect(e?.kind).toBe('zoo pose-regressor-64');
    e?.estimator.dispose();
    expect(await loadEstimator(validateBenchConfig({ estimator: 'none' }))).toBeNull();
    const err = await rejection(loadEstimator(validateBenchConfig({ zooWeights: path.join(tmp, 'no-zoo') })));
    expect(isDGPoseError(err, 'E_CONFIG')).toBe(true);
    expect(err.message).toMatch(
      /the zoo has no usable pose-regressor-64 weights \(.*cannot read zoo weights manifest .*no-zoo\/pose-regressor-64\/model\.json.*\); pass --estimator-weights DIR or --estimator none/,
    );
  });

  it('ceiling estimators: auto adds the other kinds, skipping MoveNet with a notice when its files are missing; an explicit one must load', async () => {
    const c = validateBenchConfig({ movenetDir: path.join(tmp, 'no-movenet') });
    const main = await loadEstimator(c);
    try {
      const auto = await loadCeilingEstimators(c, main);
      expect(auto.estimators).toEqual([]);
      expect(auto.notices).toEqual([
        expect.stringMatching(
          /^movenet-lightning ceiling skipped: cannot read MoveNet model .*no-movenet\/movenet-lightning\.json/,
        ),
      ]);
      expect(await loadCeilingEstimators(validateBenchConfig({ ceilingEstimators: ['none'] }), main)).toEqual({
        estimators: [],
        notices: [],
      });
      expect(await loadCeilingEstimators(validateBenchConfig({ estimator: 'none' }), null)).toEqual({
        estimators: [],
        notices: [],
      });
      // the run's own estimator is not loaded twice
      expect(
        (await loadCeilingEstimators(validateBenchConfig({ ceilingEstimators: ['regressor'] }), main)).estimators,
      ).toEqual([]);
      const err = await rejection(
        loadCeilingEstimators(
          validateBenchConfig({ ceilingEstimators: ['movenet'], movenetDir: path.join(tmp, 'no-movenet') }),
          main,
        ),
      );
      expect(isDGPoseError(err, 'E_IO')).toBe(true);
    } finally {
      main?.estimator.dispose();
    }
  });
});

describe('where MoveNet comes from (the zoo ships no copy)', () => {
  it('--movenet-dir, else DGPOSE_MOVENET_DIR (left to createMoveNet), else ../shared/data beside the repository', async () => {
    const saved = process.env.DGPOSE_MOVENET_DIR;
    try {
      expect(movenetDirFor({ movenetDir: '/m' })).toBe('/m');
      process.env.DGPOSE_MOVENET_DIR = '/from-env';
      expect(movenetDirFor({})).toBeUndefined();
      delete process.env.DGPOSE_MOVENET_DIR;
      const shared = path.resolve(__dirname, '..', '..', '..', '..', 'shared', 'data', 'realdata', 'models');
      const there = await fsp.stat(path.join(shared, 'movenet-lightning.json')).then(
        () => true,
        () => false,
      );
      expect(movenetDirFor({})).toBe(there ? shared : undefined);
    } finally {
      if (saved === undefined) delete process.env.DGPOSE_MOVENET_DIR;
      else process.env.DGPOSE_MOVENET_DIR = saved;
    }
  });
});
