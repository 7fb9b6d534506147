/*
 * @dgpose/models/node: the universal entry plus disk IO (exported weights, atomic checkpoints) and a
 * createSemiDGPose that loads the shipped learned mapper (@dgpose/mapper/node) when none is given.
 */
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { DGPoseError, isDGPoseError } from '@dgpose/core';
import { loadWeights, saveWeights, writeFileAtomic } from '@dgpose/core/node';
import { type PretrainedMapperName, PRETRAINED_MAPPERS, loadPretrainedMapper } from '@dgpose/mapper/node';
import {
  type AnyDGPoseModel,
  type CreateSemiDGPoseOptions,
  createSemiDGPose as createSemiUniversal,
  modelFromArrays,
} from './factory';
import { validateSemiConfig } from './config';
import type { SemiDGPose } from './semi';
import type { CheckpointExtra, ConfigOverrides, ModelKind, PresetName, SemiConfig } from './types';

export * from './index';

/** Version of the checkpoint folder layout (checkpoint.json, weights/, optimizer/). */
export const CHECKPOINT_FORMAT_VERSION = 1;
const MARKER = 'checkpoint.json';
const OPTIMIZER_KIND = 'dgpose-optimizer';

/**
 * As the universal createSemiDGPose; with mapper 'learned' and no mapperSource, loads the shipped mapper
 * named by config.mapperName (e.g. 'coco18-64') from @dgpose/mapper's weights folder.
 */
export async function createSemiDGPose(opts: CreateSemiDGPoseOptions = {}): Promise<SemiDGPose> {
  const partial: ConfigOverrides<SemiConfig> = { ...(opts.config ?? {}) };
  if (opts.mapper !== undefined) partial.mapper = opts.mapper;
  const c = validateSemiConfig(partial, opts.preset);
  if (c.mapper === 'learned' && !opts.mapperSource) {
    if (!(PRETRAINED_MAPPERS as readonly string[]).includes(c.mapperName)) {
      throw new DGPoseError('E_CONFIG', 'no shipped learned mapper of that name', {
        argument: 'mapperName',
        expected: [...PRETRAINED_MAPPERS],
        got: c.mapperName,
      });
    }
    const mapper = await loadPretrainedMapper(c.mapperName as PretrainedMapperName);
    try {
      return await createSemiUniversal({ ...opts, mapperSource: mapper });
    } catch (e) {
      mapper.dispose();
      throw e;
    }
  }
  return createSemiUniversal(opts);
}

/** Saves the exported weights (no discriminator, no optimizer) + config into `dir` (core saveWeights: atomic files). */
export async function saveModel(dir: string, model: AnyDGPoseModel): Promise<void> {
  await saveWeights(dir, await model.namedArrays(), { kind: model.weightsKind, config: model.manifestConfig() });
}

/** Loads a model saved by {@link saveModel} (or the weights/ folder of a checkpoint). */
export async function loadModel(
  dir: string,
  expect: { kind?: ModelKind; preset?: PresetName } = {},
): Promise<AnyDGPoseModel> {
  const { arrays, manifest } = await loadWeights(dir);
  return modelFromArrays(arrays, manifest, expect);
}

interface CheckpointMarker {
  formatVersion: number;
  complete: true;
  kind: ModelKind;
  preset: PresetName;
  step: number;
  extra: CheckpointExtra;
}

async function exists(p: string): Promise<boolean> {
  return fsp.stat(p).then(
    () => true,
    () => false,
  );
}

/**
 * Writes a checkpoint folder atomically: weights/ (all weights, discriminator and batch-norm statistics
 * included), optimizer/ (both Adam states and the step), checkpoint.json (kind, preset, step, extra JSON:
 * RNG state, data order; written last, the "complete" marker) into `<dir>.tmp-<pid>`, then renamed over
 * `dir` (the previous checkpoint is moved aside first and removed after).
 */
export async function saveCheckpoint(dir: string, model: AnyDGPoseModel, extra: CheckpointExtra = {}): Promise<void> {
  if (typeof dir !== 'string' || dir === '')
    throw new DGPoseError('E_ARG', 'saveCheckpoint: dir must be a non-empty path', { argument: 'dir', got: dir });
  const target = path.resolve(dir);
  const tmp = `${target}.tmp-${process.pid}`;
  const old = `${target}.old-${process.pid}`;
  const json = JSON.stringify(extra ?? {});
  const state = await model.getState();
  await fsp.rm(tmp, { recursive: true, force: true });
  await fsp.mkdir(tmp, { recursive: true });
  await saveWeights(path.join(tmp, 'weights'), state.weights, {
    kind: model.weightsKind,
    config: model.manifestConfig(),
  });
  await saveWeights(path.join(tmp, 'optimizer'), state.optimizer, {
    kind: OPTIMIZER_KIND,
    config: { step: state.step },
  });
  const marker: CheckpointMarker = {
    formatVersion: CHECKPOINT_FORMAT_VERSION,
    complete: true,
    kind: model.kind,
    preset: model.config.preset,
    step: state.step,
    extra: JSON.parse(json),
  };
  await writeFileAtomic(path.join(tmp, MARKER), `${JSON.stringify(marker, null, 1)}\n`);
  const had = await exists(target);
  if (had) {
    await fsp.rm(old, { recursive: true, force: true });
    await fsp.rename(target, old);
  }
  await fsp.rename(tmp, target);
  if (had) await fsp.rm(old, { recursive: true, force: true });
}

function ckptError(
  message: string,
  dir: string,
  details: { argument?: string; expected?: unknown; got?: unknown; cause?: unknown } = {},
): DGPoseError {
  return new DGPoseError('E_CHECKPOINT', message, { ...details, path: dir });
}

/**
 * Loads a checkpoint written by {@link saveCheckpoint}: the model with its weights, optimizer state and
 * step, and the extra JSON. E_CHECKPOINT for a folder without a complete marker (half-written), another
 * format version, or (with `expect`) another kind or preset.
 */
export async function loadCheckpoint(
  dir: string,
  expect: { kind?: ModelKind; preset?: PresetName } = {},
): Promise<{ model: AnyDGPoseModel; extra: CheckpointExtra; step: number }> {
  const target = path.resolve(dir);
  let marker: CheckpointMarker;
  try {
    marker = JSON.parse(await fsp.readFile(path.join(target, MARKER), 'utf8')) as CheckpointMarker;
  } catch (e) {
    throw ckptError(
      `${dir} is not a complete checkpoint (no readable ${MARKER}: half-written or not a checkpoint)`,
      target,
      { argument: MARKER, expected: 'a complete marker', got: 'missing', cause: e },
    );
  }
  if (marker?.complete !== true)
    throw ckptError(`${dir} is not marked complete`, target, {
      argument: `${MARKER}.complete`,
      expected: true,
      got: marker?.complete,
    });
  if (marker.formatVersion !== CHECKPOINT_FORMAT_VERSION) {
    throw ckptError('checkpoint of another format version', target, {
      argument: 'formatVersion',
      expected: CHECKPOINT_FORMAT_VERSION,
      got: marker.formatVersion,
    });
  }
  if (expect.kind !== undefined && marker.kind !== expect.kind)
    throw ckptError(`expected a ${expect.kind} checkpoint`, target, {
      argument: 'kind',
      expected: expect.kind,
      got: marker.kind,
    });
  if (expect.preset !== undefined && marker.preset !== expect.preset)
    throw ckptError(`expected a checkpoint of preset ${expect.preset}`, target, {
      argument: 'preset',
      expected: expect.preset,
      got: marker.preset,
    });
  const w = await loadWeights(path.join(target, 'weights'));
  const o = await loadWeights(path.join(target, 'optimizer'), { kind: OPTIMIZER_KIND });
  let model: AnyDGPoseModel;
  try {
    model = await modelFromArrays(w.arrays, w.manifest, expect);
  } catch (e) {
    if (isDGPoseError(e) && (e.code === 'E_WEIGHTS_MISMATCH' || e.code === 'E_WEIGHTS_VERSION'))
      throw ckptError(`checkpoint weights do not fit: ${e.message}`, target, { cause: e });
    throw e;
  }
  try {
    await model.setOptimizerState(o.arrays, marker.step);
  } catch (e) {
    model.dispose();
    throw e;
  }
  return { model, extra: marker.extra ?? {}, step: marker.step };
}
