/*
 * The training loop of dgpose-train: model + data + batcher, checkpoints (atomic, newest K, a
 * `latest` pointer), exact resume (weights, optimizer, step and the batcher's position: a resumed
 * run is bit for bit the uninterrupted one), sample grids, a JSONL log, progress, signals, NaN
 * handling, and every filesystem failure as a coded E_IO. The output folder lives in run-folder.ts,
 * resuming in resume.ts, the pose prior in prior.ts, the preview grids in previews.ts.
 */
import '@tensorflow/tfjs-layers'; // side effect: registers the gradients training needs
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { DGPoseError, initBackend, isDGPoseError } from '@dgpose/core';
import { loadWeights, writeFileAtomic } from '@dgpose/core/node';
import { createBatcher, type Batcher, type Sample, type TensorBatch } from '@dgpose/datasets';
import type { AnyDGPoseModel, ConditionalConfig, ConfigOverrides, SemiConfig, StepLosses } from '@dgpose/models';
// the node entry's createSemiDGPose also loads the shipped learned mapper (small preset)
import { createConditionalDGPose, createSemiDGPose, saveCheckpoint, saveModel } from '@dgpose/models/node';
import {
  CHECKPOINTS_DIR,
  listCheckpoints,
  pruneCheckpoints,
  stepDirName,
  writeLatest,
  type TrainerState,
} from './checkpoints';
import { openTrainingSource } from './data';
import { asIoError, checkWritableFolder, replaceFolderAtomic, withIo } from './io';
import { JsonlLog } from './log';
import { checkBatchFitsWasm } from './memory';
import { resolvedBatchSize, validateTrainConfig, type TrainConfig } from './options';
import { fitPrior } from './prior';
import { gridRng, previewSamples, writeSampleGrid } from './previews';
import { barProgress, lineProgress, type ProgressSink } from './progress';
import { loadNewestCheckpoint, mergeResumeConfig } from './resume';
import {
  CONFIG_FILE,
  CONFIG_FORMAT,
  FINAL_DIR,
  LOG_FILE,
  SAMPLES_DIR,
  checkOutDir,
  exists,
  prepareOutDir,
  readRunConfig,
  recoverOutDir,
  type StoredRunConfig,
} from './run-folder';
import { TRAINER_VERSION } from './version';

export {
  CONFIG_FILE,
  CONFIG_FORMAT,
  FINAL_DIR,
  LOG_FILE,
  OUTPUT_ENTRIES,
  readRunConfig,
  type StoredRunConfig,
} from './run-folder';
export { mergeResumeConfig } from './resume';
export { gridRng } from './previews';

/** What a step reports to `onStep`. */
export interface StepInfo {
  step: number;
  losses: StepLosses;
  imagesPerSec: number;
}

export interface TrainHooks {
  /** After every successful step. */
  onStep?(info: StepInfo): void;
  /** Before a step, with the batch about to be used (tests: inject NaN). */
  beforeStep?(step: number, batch: TensorBatch): void;
  /** After a checkpoint folder is complete and `latest` points at it. */
  onCheckpoint?(step: number, dir: string): void;
}

/** Options of {@link train}: any {@link TrainConfig} fields plus run-time wiring. */
export interface TrainOptions extends Partial<TrainConfig> {
  /**
   * Aborting finishes the current step (at most one more: the loop looks at it between steps), writes
   * a checkpoint (whatever the checkpoint cadence) and returns status 'interrupted'.
   */
  signal?: AbortSignal;
  hooks?: TrainHooks;
  /** Progress: 'auto' = a bar on a TTY unless quiet, lines otherwise; 'none' = silent. */
  progress?: 'auto' | 'bar' | 'lines' | 'none';
  /** Where plain lines go (default: stderr). */
  print?: (line: string) => void;
  /** The command line, stored in config.json. */
  command?: string[];
}

export interface TrainResult {
  status: 'completed' | 'interrupted';
  /** Steps done in total (including those before a resume). */
  step: number;
  /** The step this run resumed from (null when it started fresh). */
  resumedFrom: number | null;
  /** Losses of the last step (null if no step ran). */
  losses: StepLosses | null;
  /** Output folder (absolute). */
  out: string;
  /** The newest checkpoint folder. */
  checkpoint: string | null;
  /** Exported weights (`final/`), when completed. */
  final: string | null;
  config: TrainConfig;
}

function modelOverrides(c: TrainConfig): Record<string, unknown> {
  const o: Record<string, unknown> = { ...c.modelConfig, seed: c.seed };
  if (c.size !== null) o.imageSize = c.size;
  if (c.lr !== null) o.lr = c.lr;
  if (c.model === 'semi') {
    o.supervision = c.supervision;
    o.supervisedOnly = c.supervisedOnly;
  }
  return o;
}

async function createModel(c: TrainConfig): Promise<AnyDGPoseModel> {
  // modelConfig is the user's JSON (--config, a config file): the model's validate*Config checks every field
  const overrides = modelOverrides(c);
  if (c.model === 'semi')
    return createSemiDGPose({ preset: c.preset, config: overrides as ConfigOverrides<SemiConfig>, seed: c.seed });
  return createConditionalDGPose({
    preset: c.preset,
    config: overrides as ConfigOverrides<ConditionalConfig>,
    seed: c.seed,
  });
}

/**
 * Warm start (--init): the weights of a finished run, checkpoint or zoo model replace the fresh initialisation.
 * Same kind and architecture only (core loadWeights' kind check, then the model's E_WEIGHTS_MISMATCH check,
 * both before anything changes); a discriminator absent from exported weights keeps its fresh initialisation.
 */
async function initFromWeights(model: AnyDGPoseModel, dir: string, note: (m: string) => void): Promise<void> {
  const { arrays } = await loadWeights(dir, { kind: model.weightsKind });
  model.loadArrays(arrays);
  note(`initialised from the weights in ${dir} (fresh optimizer, step 0)`);
}

function finiteLosses(losses: StepLosses): string | null {
  for (const [k, v] of Object.entries(losses)) if (typeof v !== 'number' || !Number.isFinite(v)) return k;
  return null;
}

/**
 * Lets timers and signal handlers run. A training step can complete without ever leaving the
 * microtask queue (cpu `data()` resolves at once, the batcher prefetches), so without this a SIGINT
 * or a timer's `abort()` would only be seen at the next checkpoint write.
 */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** What a running loop works with (fixed for the run). */
interface Run {
  c: TrainConfig;
  out: string;
  model: AnyDGPoseModel;
  batcher: Batcher;
  log: JsonlLog;
  hooks: TrainHooks;
  preview: Sample[];
  batchSize: number;
}

/** Everything the loop changes, in one object (the checkpoint and grid writers read and update it). */
interface LoopState {
  step: number;
  imagesSeen: number;
  /** The newest checkpoint written or resumed from. */
  lastCheckpoint: { step: number; dir: string } | null;
  /** Step of the newest sample grid (-1: none yet). */
  lastSamplesStep: number;
  lastLosses: StepLosses | null;
  /** Start and image count of the images/s window. */
  windowStart: number;
  windowImages: number;
  status: TrainResult['status'];
}

/** Writes the checkpoint of the current step (once), points `latest` at it and prunes old ones. */
async function writeCheckpoint(run: Run, st: LoopState): Promise<void> {
  if (st.lastCheckpoint?.step === st.step) return;
  const { c, out, batchSize } = run;
  const name = stepDirName(st.step);
  const dir = path.join(out, CHECKPOINTS_DIR, name);
  const state: TrainerState = { batcher: run.batcher.state(), imagesSeen: st.imagesSeen };
  await withIo('write the checkpoint', dir, () =>
    saveCheckpoint(dir, run.model, {
      data: state,
      meta: {
        trainer: TRAINER_VERSION,
        step: st.step,
        model: c.model,
        preset: c.preset,
        dataset: c.dataset,
        seed: c.seed,
        batchSize,
      },
    }),
  );
  await writeLatest(out, name);
  st.lastCheckpoint = { step: st.step, dir };
  const removed = await pruneCheckpoints(out, c.keep, name);
  run.log.event('checkpoint', {
    step: st.step,
    dir: path.relative(out, dir),
    removed: removed.map((r) => path.basename(r)),
  });
  run.hooks.onCheckpoint?.(st.step, dir);
}

/** Writes the sample grid of the current step (once). */
async function writeSamples(run: Run, st: LoopState): Promise<void> {
  if (st.lastSamplesStep === st.step) return;
  const file = path.join(run.out, SAMPLES_DIR, `${stepDirName(st.step)}.png`);
  await writeSampleGrid(run.model, run.preview, gridRng(run.c.seed, st.step), file);
  st.lastSamplesStep = st.step;
  run.log.event('samples', { step: st.step, file: path.relative(run.out, file) });
}

/**
 * Trains a DGPose model as configured and writes the output folder (README: layout). Resolves
 * with status 'completed' after `steps` steps (final weights in `final/`), or 'interrupted' when
 * `signal` aborts (after finishing the current step and writing a checkpoint). Throws DGPoseError:
 * E_CONFIG for bad options (an unknown preset lists the valid ones), E_ARG for an existing output
 * folder without `force`, E_DATASET_LAYOUT for a bad data root, E_CHECKPOINT for a checkpoint of
 * another model or version and for a resume with no checkpoint that reads back, E_LOSS_NAN when a
 * loss becomes NaN/Inf (the last good checkpoint kept), E_IO for any filesystem failure (naming the
 * path and the system's reason: EROFS, EACCES, ENOSPC, ENOENT, ...).
 */
export async function train(options: TrainOptions = {}): Promise<TrainResult> {
  const {
    signal,
    hooks = {},
    progress: progressMode = 'auto',
    print = (l: string) => process.stderr.write(`${l}\n`),
    command = [],
    ...given
  } = options;
  let c = validateTrainConfig(given);
  const out = path.resolve(c.out);
  c.out = out;
  if (c.init !== null) c.init = path.resolve(c.init);

  let stored: StoredRunConfig | null = null;
  if (c.resume) {
    if (!(await exists(out)))
      throw new DGPoseError('E_ARG', `nothing to resume: output folder ${out} does not exist`, {
        argument: 'out',
        path: out,
      });
    stored = await readRunConfig(out);
    c = mergeResumeConfig(stored.options, { ...given, out, resume: true });
  }
  // refuse an existing folder, or one that cannot be written, before any work; create it only once
  // data and model are ready
  const clearOut = c.resume ? false : await checkOutDir(c);
  await checkWritableFolder(out);

  const useBar = progressMode === 'bar' || (progressMode === 'auto' && !c.quiet && process.stderr.isTTY === true);
  const sink: ProgressSink =
    progressMode === 'none'
      ? { start() {}, update() {}, note() {}, stop() {} }
      : useBar
        ? barProgress()
        : lineProgress(print);

  let backend: string | null = null;
  if (c.backend !== null) {
    const r = await initBackend({
      prefer: c.backend === 'auto' ? undefined : [c.backend],
      threads: c.threads,
      log: (m) => sink.note(m),
    });
    backend = r.backend;
  }

  const log = new JsonlLog(path.join(out, LOG_FILE)); // opened on its first line, after the folder is prepared
  const batchSize = resolvedBatchSize(c);
  let model: AnyDGPoseModel | null = null;
  let batcher: Batcher | null = null;
  let resumedFrom: number | null = null;
  let data: TrainerState | null = null;

  const nanStop = async (term: string, atStep: number, cause: unknown): Promise<DGPoseError> => {
    sink.stop();
    const good = (await listCheckpoints(out))[0];
    const kept = good
      ? `the last good checkpoint ${path.join(CHECKPOINTS_DIR, good.name)} (step ${good.step}) is kept`
      : 'no checkpoint had been written yet';
    log.event('nan', { step: atStep, term, checkpoint: good ? path.join(CHECKPOINTS_DIR, good.name) : null });
    return new DGPoseError(
      'E_LOSS_NAN',
      `training stopped at step ${atStep}: loss term '${term}' became NaN or Infinity; ${kept}. Lower --lr (or check the data) and train again with --force or another --out: --resume would replay the same steps exactly`,
      { argument: term, cause },
    );
  };

  try {
    if (c.resume) {
      for (const n of await recoverOutDir(out)) sink.note(n);
      const found = await loadNewestCheckpoint(out, c, (m) => sink.note(m));
      model = found.model;
      data = found.data;
      resumedFrom = found.step;
      await withIo('create the folder', path.join(out, SAMPLES_DIR), () =>
        fsp.mkdir(path.join(out, SAMPLES_DIR), { recursive: true }),
      );
    }
    if (!model) {
      model = await createModel(c);
      if (c.init !== null) await initFromWeights(model, c.init, (m) => sink.note(m));
    }
    // a step larger than wasm32's 4 GiB heap traps mid-step ("memory access out of bounds"): refuse it first
    checkBatchFitsWasm(model.config, c.model, model.paramCount(), batchSize, backend);
    const imageSize = model.config.imageSize;

    const source = await openTrainingSource(c, imageSize);
    if (!c.resume) await prepareOutDir(out, clearOut);
    try {
      batcher = createBatcher({
        source,
        batchSize,
        seed: c.seed,
        supervision: c.supervision,
        // Conditional-DGPose needs every pose: with supervision < 1 it trains on the labelled subset only;
        // so does the supervised-only baseline (the same subset, fixed by supervision and seed, as Semi labels)
        subset: (c.model === 'conditional' && c.supervision < 1) || c.supervisedOnly ? 'labelled' : 'all',
        labelledPerBatch: c.labelledPerBatch ?? 0,
        flip: c.flip,
        prefetch: 2,
        state: data?.batcher,
      });
    } catch (e) {
      // the data-order state comes from the checkpoint: one that does not fit is the checkpoint's fault
      if (data && isDGPoseError(e) && /^state/.test(e.details.argument ?? '')) {
        throw new DGPoseError(
          'E_CHECKPOINT',
          `refusing checkpoint ${stepDirName(resumedFrom ?? 0)}: its data-order state does not fit this data set: ${e.message}`,
          {
            argument: 'resume',
            path: path.join(out, CHECKPOINTS_DIR, stepDirName(resumedFrom ?? 0)),
            cause: e,
          },
        );
      }
      throw e;
    }
    let priorCount = 0;
    if (model.kind === 'semi') priorCount = await fitPrior(model, source, c);

    const runConfig: StoredRunConfig = {
      format: CONFIG_FORMAT,
      version: 1,
      trainer: TRAINER_VERSION,
      options: c,
      batchSize,
      model: { kind: model.kind, config: model.config, params: model.paramCount() },
      data: { name: source.name, size: source.size, imageSize, skeleton: source.skeleton },
      backend,
      command: stored?.command ?? command,
      createdAt: stored?.createdAt ?? new Date().toISOString(),
      resumes: [
        ...(stored?.resumes ?? []),
        ...(c.resume ? [{ at: new Date().toISOString(), fromStep: resumedFrom ?? 0, command }] : []),
      ],
    };
    await writeFileAtomic(path.join(out, CONFIG_FILE), `${JSON.stringify(runConfig, null, 2)}\n`);

    const run: Run = { c, out, model, batcher, log, hooks, preview: await previewSamples(source, c), batchSize };
    const st: LoopState = {
      step: model.step,
      imagesSeen: data?.imagesSeen ?? model.step * batchSize,
      lastCheckpoint: null,
      lastSamplesStep: -1,
      lastLosses: null,
      windowStart: Date.now(),
      windowImages: 0,
      status: 'completed',
    };
    if (resumedFrom !== null) {
      const name = stepDirName(resumedFrom);
      st.lastCheckpoint = { step: resumedFrom, dir: path.join(out, CHECKPOINTS_DIR, name) };
      log.event('resume', { step: st.step, checkpoint: name, batcher: data?.batcher });
      sink.note(`resumed from ${name} (step ${st.step})`);
    } else {
      log.event('start', {
        step: st.step,
        model: model.kind,
        ...(c.supervisedOnly ? { supervisedOnly: true } : {}),
        preset: c.preset,
        dataset: c.dataset,
        samples: source.size,
        batchSize,
        backend,
        params: model.paramCount(),
      });
    }
    if (c.model === 'semi') log.event('prior', { step: st.step, labelled: priorCount });

    sink.start(c.steps, Math.min(st.step, c.steps));
    while (st.step < c.steps) {
      await yieldToEventLoop();
      if (signal?.aborted) {
        st.status = 'interrupted';
        break;
      }
      const batch = await batcher.nextTensors();
      let losses: StepLosses;
      try {
        hooks.beforeStep?.(st.step + 1, batch);
        // the model's step index comes apart from its losses; the trainer logs its own step beside them
        ({ losses } = await model.trainStep(batch));
      } catch (e) {
        if (isDGPoseError(e, 'E_LOSS_NAN')) throw await nanStop(e.details.argument ?? 'unknown', st.step + 1, e);
        throw e;
      } finally {
        batch.dispose();
      }
      const bad = finiteLosses(losses);
      if (bad !== null) throw await nanStop(bad, st.step + 1, undefined);
      st.step += 1;
      st.imagesSeen += batchSize;
      st.windowImages += batchSize;
      st.lastLosses = losses;
      const now = Date.now();
      const ips = st.windowImages / Math.max(1e-3, (now - st.windowStart) / 1000);
      hooks.onStep?.({ step: st.step, losses, imagesPerSec: ips });
      if (st.step % c.logEvery === 0 || st.step === c.steps) {
        log.step({ step: st.step, imagesPerSec: ips, images: st.imagesSeen, losses });
        sink.update(st.step, ips, losses);
        st.windowStart = now;
        st.windowImages = 0;
      }
      if (c.sampleEvery > 0 && st.step % c.sampleEvery === 0) await writeSamples(run, st);
      if (c.checkpointEvery > 0 && st.step % c.checkpointEvery === 0) await writeCheckpoint(run, st);
    }

    let finalDir: string | null = null;
    if (st.status === 'completed') {
      await writeSamples(run, st);
      await writeCheckpoint(run, st);
      finalDir = path.join(out, FINAL_DIR);
      // a new folder renamed into place: a crash leaves the previous complete final/ or this one
      await replaceFolderAtomic(finalDir, (dir) => saveModel(dir, run.model));
      log.event('end', { step: st.step, final: FINAL_DIR });
      sink.stop();
      sink.note(`done: ${st.step} steps; weights in ${finalDir}`);
    } else {
      await writeCheckpoint(run, st);
      log.event('stop', {
        step: st.step,
        reason: 'signal',
        checkpoint: path.relative(out, st.lastCheckpoint?.dir ?? ''),
      });
      sink.stop();
      sink.note(
        `interrupted at step ${st.step}; checkpoint ${path.relative(process.cwd(), st.lastCheckpoint?.dir ?? out)} written; continue with --resume`,
      );
    }
    return {
      status: st.status,
      step: st.step,
      resumedFrom,
      losses: st.lastLosses,
      out,
      checkpoint: st.lastCheckpoint?.dir ?? null,
      final: finalDir,
      config: c,
    };
  } catch (e) {
    // the filesystem failures no step above named: still E_IO with the path and the reason
    throw asIoError(e, 'write the output folder', out);
  } finally {
    sink.stop();
    await batcher?.close();
    model?.dispose();
    log.close();
  }
}
