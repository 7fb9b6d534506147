/*
 * Resuming a run: the stored options merged with what a resume may change, and the newest
 * checkpoint that reads back (damaged ones skipped with a note, never a silent restart from step 0).
 */
import * as path from 'node:path';
import { DGPoseError, isDGPoseError } from '@dgpose/core';
import type { AnyDGPoseModel } from '@dgpose/models';
import { loadCheckpoint } from '@dgpose/models/node';
import { CHECKPOINTS_DIR, listCheckpoints, parseTrainerState, readLatest, type TrainerState } from './checkpoints';
import { describeCause } from './io';
import { DEFAULT_TRAIN_CONFIG, RESUME_MUTABLE, validateTrainConfig, type TrainConfig } from './options';

/**
 * Resolves the config of a resumed run: the stored options, with the fields a resume may change
 * (steps, checkpoint/sample/log cadence, backend, ...) taken from `given`. Any other field given
 * with a different value is refused with the reason (E_CHECKPOINT).
 */
export function mergeResumeConfig(storedOptions: TrainConfig, given: Partial<TrainConfig>): TrainConfig {
  // options added since the run was stored (e.g. supervisedOnly) take their defaults
  const stored: TrainConfig = { ...DEFAULT_TRAIN_CONFIG, ...storedOptions };
  // a resume never clears the folder: --force is only what this command line says (refused with --resume)
  const merged: TrainConfig = { ...stored, force: false };
  for (const [k, v] of Object.entries(given) as [keyof TrainConfig, unknown][]) {
    if (v === undefined) continue;
    if ((RESUME_MUTABLE as string[]).includes(k)) {
      Object.assign(merged, { [k]: v });
    } else if (JSON.stringify(v) !== JSON.stringify(stored[k])) {
      const why =
        k === 'model'
          ? `its checkpoints are of the ${String(stored.model)} model, not ${String(v)}`
          : `it was started with ${k}=${JSON.stringify(stored[k])}, not ${JSON.stringify(v)}`;
      throw new DGPoseError('E_CHECKPOINT', `cannot resume the run in ${stored.out}: ${why}`, {
        argument: k,
        expected: stored[k],
        got: v,
      });
    }
  }
  return validateTrainConfig(merged);
}

/**
 * Loads the newest complete checkpoint of `out` that reads back; damaged ones are skipped with a
 * note. E_CHECKPOINT when there is none (nothing to resume: never a silent restart from step 0), when
 * every one fails to read back (each reason listed), or for a checkpoint of another model or version.
 */
export async function loadNewestCheckpoint(
  out: string,
  c: TrainConfig,
  note: (m: string) => void,
): Promise<{ model: AnyDGPoseModel; data: TrainerState; name: string; step: number }> {
  const candidates = await listCheckpoints(out);
  const latest = await readLatest(out);
  if (candidates.length && latest && latest !== candidates[0].name) {
    note(
      `note: 'latest' points at ${latest} but ${candidates[0].name} is complete and newer (the run stopped before updating the pointer); using ${candidates[0].name}`,
    );
  }
  const skipped: string[] = [];
  for (const cand of candidates) {
    let loaded: Awaited<ReturnType<typeof loadCheckpoint>>;
    try {
      loaded = await loadCheckpoint(cand.dir);
    } catch (e) {
      // another format version or weights that do not fit this code: refuse and say why; a folder that
      // is damaged or lacks its completion marker falls back to the next older checkpoint
      const incomplete = isDGPoseError(e, 'E_CHECKPOINT') && /^checkpoint\.json/.test(e.details.argument ?? '');
      if (!incomplete && (isDGPoseError(e, 'E_CHECKPOINT') || isDGPoseError(e, 'E_WEIGHTS_VERSION'))) {
        throw new DGPoseError('E_CHECKPOINT', `refusing checkpoint ${cand.dir}: ${e.message}`, {
          argument: 'resume',
          path: cand.dir,
          cause: e,
        });
      }
      const why = isDGPoseError(e) ? e.message : describeCause(e);
      note(`warning: skipping unreadable checkpoint ${cand.dir}: ${why}`);
      skipped.push(`${cand.name}: ${why}`);
      continue;
    }
    const model = loaded.model;
    if (model.kind !== c.model) {
      model.dispose();
      throw new DGPoseError(
        'E_CHECKPOINT',
        `refusing checkpoint ${cand.dir}: it holds a ${model.kind} model, this run trains ${c.model}`,
        {
          argument: 'model',
          expected: c.model,
          got: model.kind,
          path: cand.dir,
        },
      );
    }
    let data: TrainerState;
    try {
      data = parseTrainerState(loaded.extra, cand.dir);
    } catch (e) {
      model.dispose();
      throw e;
    }
    if (model.step !== cand.step) {
      note(`warning: checkpoint ${cand.name} holds model step ${model.step}`);
    }
    return { model, data, name: cand.name, step: model.step };
  }
  const where = path.join(out, CHECKPOINTS_DIR);
  const why =
    candidates.length === 0
      ? `there is no complete checkpoint in ${where} (the run stopped before its first one)`
      : `none of the ${candidates.length} checkpoints in ${where} reads back (${skipped.join('; ')})`;
  throw new DGPoseError(
    'E_CHECKPOINT',
    `nothing to resume in ${out}: ${why}; train it again with --force, or choose another --out`,
    {
      argument: 'resume',
      expected: 'a complete checkpoint that reads back',
      got: candidates.length === 0 ? 'none' : `${candidates.length} unreadable`,
      path: where,
    },
  );
}
