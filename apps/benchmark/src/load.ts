/*
 * What a run evaluates: zoo models (by name), model folders (saveModel output, a checkpoint, or a
 * dgpose-train run folder), and the pose estimator that re-detects poses in generated images.
 * Anything that is not a DGPose model of a version this code reads is refused with the reason.
 */
import { existsSync, promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { DGPoseError, isDGPoseError, validateShardPath, type WeightsManifest } from '@dgpose/core';
import { WEIGHTS_MANIFEST_FILE } from '@dgpose/core/node';
import type { DGPoseModel } from '@dgpose/models';
import { loadCheckpoint, loadModel } from '@dgpose/models/node';
import { ZOO, getZooEntry, loadPoseRegressorFromWeights, type PoseEstimator } from '@dgpose/zoo';
import { createMoveNet, loadPretrained } from '@dgpose/zoo/node';
import type { BenchConfig } from './options';

/** The zoo's pose regressor for synthetic people. */
export const REGRESSOR_NAME = 'pose-regressor-64';
const DGPOSE_KINDS = ['dgpose-conditional', 'dgpose-semi'];
/** @dgpose/models/node saveCheckpoint's completion marker (beside weights/ and optimizer/). */
const CHECKPOINT_MARKER = 'checkpoint.json';

export interface LoadedModel {
  label: string;
  source: { type: 'zoo'; name: string } | { type: 'checkpoint'; dir: string };
  model: DGPoseModel;
  weightsKind: string;
  sha256: string[];
  /** Training steps of the weights (zoo entry, checkpoint, or a dgpose-train run's log); undefined when unknown. */
  steps?: number;
}

/** Names of the zoo's DGPose models (conditional and semi entries), in registry order. */
export function zooModelNames(): string[] {
  return ZOO.filter((e) => e.kind === 'conditional' || e.kind === 'semi').map((e) => e.name);
}

/** Loads a zoo model by name; E_CONFIG listing the valid names for an unknown or non-DGPose entry. */
export async function loadZooModel(name: string, c: Pick<BenchConfig, 'zooWeights'>): Promise<LoadedModel> {
  const valid = zooModelNames();
  let entry;
  try {
    entry = getZooEntry(name);
  } catch {
    throw new DGPoseError(
      'E_CONFIG',
      `unknown zoo model '${name}'; valid: ${valid.length ? valid.join(', ') : '(none: the zoo has no DGPose weights yet)'}`,
      {
        argument: 'models',
        expected: valid,
        got: name,
      },
    );
  }
  if (entry.kind !== 'conditional' && entry.kind !== 'semi') {
    throw new DGPoseError(
      'E_CONFIG',
      `zoo entry '${name}' is a ${entry.kind}, not a DGPose model; valid: ${valid.join(', ')}`,
      { argument: 'models', expected: valid, got: name },
    );
  }
  let model: DGPoseModel;
  try {
    model = (await loadPretrained(
      name,
      c.zooWeights !== undefined ? { weightsRoot: c.zooWeights } : {},
    )) as DGPoseModel;
  } catch (e) {
    // never silently skipped: a registered entry whose files are missing or differ stops the run
    if (isDGPoseError(e))
      throw new DGPoseError(e.code, `zoo model '${name}' cannot be loaded: ${e.message.replace(/^\[[A-Z_]+\] /, '')}`, {
        argument: 'models',
        cause: e,
      });
    throw e;
  }
  // a model loaded from exported weights has step 0: the registry knows how long it was trained
  return {
    label: name,
    source: { type: 'zoo', name },
    model,
    weightsKind: entry.weightsKind,
    sha256: entry.shards.map((s) => s.sha256),
    steps: entry.steps,
  };
}

async function exists(p: string): Promise<boolean> {
  return fsp.stat(p).then(
    () => true,
    () => false,
  );
}

async function readManifest(dir: string): Promise<WeightsManifest> {
  const file = path.join(dir, WEIGHTS_MANIFEST_FILE);
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf8');
  } catch (e) {
    throw new DGPoseError('E_CHECKPOINT', `cannot read ${file}`, { argument: 'checkpoint', path: file, cause: e });
  }
  try {
    return JSON.parse(text) as WeightsManifest;
  } catch (e) {
    throw new DGPoseError('E_CHECKPOINT', `checkpoint refused: ${file} is not valid JSON`, {
      argument: 'checkpoint',
      path: file,
      cause: e,
    });
  }
}

/**
 * The folder holding the weights to load: `dir` itself when it has model.json, else a
 * dgpose-train run folder's `final/` or its newest checkpoint (`checkpoints/latest`).
 */
export async function resolveModelDir(
  dir: string,
): Promise<{ dir: string; what: 'weights' | 'checkpoint'; manifestDir: string }> {
  if (!(await exists(dir))) {
    throw new DGPoseError('E_CHECKPOINT', `checkpoint folder ${dir} does not exist`, {
      argument: 'checkpoint',
      path: dir,
    });
  }
  if (await exists(path.join(dir, CHECKPOINT_MARKER)))
    return { dir, what: 'checkpoint', manifestDir: path.join(dir, 'weights') };
  if (await exists(path.join(dir, WEIGHTS_MANIFEST_FILE))) return { dir, what: 'weights', manifestDir: dir };
  if (await exists(path.join(dir, 'final', WEIGHTS_MANIFEST_FILE)))
    return { dir: path.join(dir, 'final'), what: 'weights', manifestDir: path.join(dir, 'final') };
  const latest = await fsp.readFile(path.join(dir, 'checkpoints', 'latest'), 'utf8').catch(() => null);
  if (latest !== null && /^step-\d+$/.test(latest.trim())) {
    const ck = path.join(dir, 'checkpoints', latest.trim());
    return { dir: ck, what: 'checkpoint', manifestDir: path.join(ck, 'weights') };
  }
  throw new DGPoseError('E_CHECKPOINT', `no model in ${dir}`, {
    argument: 'checkpoint',
    expected: `${WEIGHTS_MANIFEST_FILE} (saveModel output), ${CHECKPOINT_MARKER} + weights/ (a checkpoint), or a dgpose-train run folder (final/${WEIGHTS_MANIFEST_FILE} or checkpoints/latest)`,
    got: (await fsp.readdir(dir).catch(() => [] as string[])).slice(0, 12),
    path: dir,
  });
}

/** Loads a model folder; E_CHECKPOINT with the reason for anything that is not a readable DGPose model. */
export async function loadCheckpointModel(dirArg: string): Promise<LoadedModel> {
  const { dir, what, manifestDir } = await resolveModelDir(path.resolve(dirArg));
  const manifest = await readManifest(manifestDir);
  if (typeof manifest.kind !== 'string' || !DGPOSE_KINDS.includes(manifest.kind)) {
    throw new DGPoseError(
      'E_CHECKPOINT',
      `checkpoint ${dirArg} refused: it holds ${manifest.kind ? `'${manifest.kind}'` : 'untyped'} weights, not a DGPose model`,
      {
        argument: 'checkpoint',
        expected: DGPOSE_KINDS,
        got: manifest.kind ?? 'none',
        path: path.join(manifestDir, WEIGHTS_MANIFEST_FILE),
      },
    );
  }
  let model: DGPoseModel;
  let steps: number | undefined;
  try {
    if (what === 'checkpoint') {
      const ck = await loadCheckpoint(dir);
      model = ck.model;
      steps = ck.step;
    } else {
      model = await loadModel(dir);
      if (path.basename(dir) === 'final') steps = await runSteps(path.dirname(dir));
    }
  } catch (e) {
    if (isDGPoseError(e)) {
      throw new DGPoseError('E_CHECKPOINT', `checkpoint ${dirArg} refused: ${e.message}`, {
        argument: 'checkpoint',
        path: dir,
        cause: e,
      });
    }
    throw e;
  }
  // a run's final/ is named after the run; a checkpoint step folder as run/step
  const given = path.resolve(dirArg);
  const base =
    path.basename(dir) === 'final'
      ? path.basename(path.dirname(dir))
      : what === 'checkpoint' && given === dir && path.basename(path.dirname(dir)) === 'checkpoints'
        ? `${path.basename(path.dirname(path.dirname(dir)))}/${path.basename(dir)}`
        : path.basename(given);
  return {
    label: `${base} (checkpoint)`,
    source: { type: 'checkpoint', dir: path.resolve(dirArg) },
    model,
    weightsKind: manifest.kind,
    sha256: (manifest.shards ?? []).map((s) => s.sha256),
    ...(steps !== undefined ? { steps } : {}),
  };
}

/** Steps of a finished dgpose-train run: the `end` event of its log.jsonl (undefined when there is none). */
export async function runSteps(runDir: string): Promise<number | undefined> {
  const text = await fsp.readFile(path.join(runDir, 'log.jsonl'), 'utf8').catch(() => null);
  if (text === null) return undefined;
  let steps: number | undefined;
  for (const line of text.split('\n')) {
    if (!line.includes('"end"')) continue;
    try {
      const e = JSON.parse(line) as { type?: string; event?: string; step?: unknown };
      if (e.type === 'event' && e.event === 'end' && typeof e.step === 'number' && Number.isSafeInteger(e.step))
        steps = e.step;
    } catch {
      // a torn last line of a log being written: ignored
    }
  }
  return steps;
}

/** Reads a weights folder's manifest and shards (paths validated) for a universal loader. */
async function readWeightBytes(dir: string): Promise<{ manifest: WeightsManifest; shards: Uint8Array[] }> {
  const manifest = await readManifest(dir);
  const shards: Uint8Array[] = [];
  for (const s of manifest.shards ?? []) {
    validateShardPath(s.path);
    shards.push(new Uint8Array(await fsp.readFile(path.join(dir, s.path))));
  }
  return { manifest, shards };
}

/**
 * MoveNet's files (the zoo ships none): --movenet-dir, else env DGPOSE_MOVENET_DIR (read by
 * createMoveNet), else the shared test copy beside the repository, ../shared/data/realdata/models.
 */
export function movenetDirFor(c: Pick<BenchConfig, 'movenetDir'>): string | undefined {
  if (c.movenetDir !== undefined) return c.movenetDir;
  if (process.env.DGPOSE_MOVENET_DIR) return undefined;
  const shared = path.resolve(__dirname, '..', '..', '..', '..', 'shared', 'data', 'realdata', 'models');
  return existsSync(path.join(shared, 'movenet-lightning.json')) ? shared : undefined;
}

function movenetOptions(
  c: Pick<BenchConfig, 'movenetDir'>,
  variant?: 'lightning' | 'thunder',
): { modelDir?: string; variant?: 'lightning' | 'thunder' } {
  const modelDir = movenetDirFor(c);
  return { ...(modelDir !== undefined ? { modelDir } : {}), ...(variant ? { variant } : {}) };
}

/**
 * The pose estimator for generated images: `auto` = the zoo's synthetic pose regressor on the
 * built-in data and MoveNet on real photos; null for `none`.
 */
export async function loadEstimator(c: BenchConfig): Promise<{ estimator: PoseEstimator; kind: string } | null> {
  const choice = c.estimator === 'auto' ? (c.dataset === 'synthetic' ? 'regressor' : 'movenet') : c.estimator;
  if (choice === 'none') return null;
  if (choice === 'movenet') return { estimator: await createMoveNet(movenetOptions(c)), kind: 'movenet' };
  if (c.estimatorWeights !== undefined) {
    try {
      return {
        estimator: await loadPoseRegressorFromWeights(await readWeightBytes(c.estimatorWeights)),
        kind: `pose-regressor (${c.estimatorWeights})`,
      };
    } catch (e) {
      if (isDGPoseError(e))
        throw new DGPoseError(e.code, `--estimator-weights ${c.estimatorWeights}: ${e.message}`, {
          argument: 'estimatorWeights',
          path: c.estimatorWeights,
          cause: e,
        });
      throw e;
    }
  }
  try {
    return {
      estimator: await loadPretrained(REGRESSOR_NAME, c.zooWeights !== undefined ? { weightsRoot: c.zooWeights } : {}),
      kind: `zoo ${REGRESSOR_NAME}`,
    };
  } catch (e) {
    if (isDGPoseError(e, 'E_ARG') || isDGPoseError(e, 'E_IO')) {
      throw new DGPoseError(
        'E_CONFIG',
        `the zoo has no usable ${REGRESSOR_NAME} weights (${(e as Error).message}); pass --estimator-weights DIR or --estimator none`,
        {
          argument: 'estimator',
          cause: e,
        },
      );
    }
    throw e;
  }
}

/**
 * The estimators measured beside the run's one (their ceilings, and their re-detections in the
 * transfers): `auto` = the zoo's regressor and MoveNet lightning, less any of the run's kind, MoveNet
 * skipped with a notice when its files or its converter are missing; an explicit list loads each or
 * fails. With `--estimator none` and `auto` there is none.
 */
export async function loadCeilingEstimators(
  c: BenchConfig,
  main: { estimator: PoseEstimator; kind: string } | null,
): Promise<{ estimators: { estimator: PoseEstimator; kind: string }[]; notices: string[] }> {
  const auto = c.ceilingEstimators.includes('auto');
  if (c.ceilingEstimators.includes('none') || (auto && main === null)) return { estimators: [], notices: [] };
  const mainIsRegressor = main !== null && main.kind !== 'movenet';
  const wanted = auto
    ? mainIsRegressor
      ? ['movenet-lightning']
      : ['regressor', 'movenet-lightning']
    : c.ceilingEstimators;
  const estimators: { estimator: PoseEstimator; kind: string }[] = [];
  const notices: string[] = [];
  try {
    for (const w of wanted) {
      let e: { estimator: PoseEstimator; kind: string };
      try {
        if (w === 'regressor')
          e = {
            estimator: await loadPretrained(
              REGRESSOR_NAME,
              c.zooWeights !== undefined ? { weightsRoot: c.zooWeights } : {},
            ),
            kind: `zoo ${REGRESSOR_NAME}`,
          };
        else
          e = {
            estimator: await createMoveNet(movenetOptions(c, w === 'movenet' ? 'thunder' : 'lightning')),
            kind: 'movenet',
          };
      } catch (err) {
        if (auto && isDGPoseError(err, 'E_IO')) {
          notices.push(`${w} ceiling skipped: ${(err as Error).message.replace(/^\[[A-Z_]+\] /, '')}`);
          continue;
        }
        throw err;
      }
      if (main?.estimator.name === e.estimator.name || estimators.some((x) => x.estimator.name === e.estimator.name))
        e.estimator.dispose();
      else estimators.push(e);
    }
  } catch (err) {
    for (const e of estimators) e.estimator.dispose();
    throw err;
  }
  return { estimators, notices };
}
