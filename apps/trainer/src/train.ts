/*
 * The training loop of dgpose-train: model + data + batcher, checkpoints (atomic, newest K, a
 * `latest` pointer), exact resume (weights, optimizer, step and the batcher's position: a resumed
 * run is bit for bit the uninterrupted one), sample grids, a JSONL log, progress, signals, NaN
 * handling, and every filesystem failure as a coded E_IO.
 */
import '@tensorflow/tfjs-layers'; // side effect: registers the gradients training needs
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { DGPoseError, createRng, initBackend, isDGPoseError, type Pose, type Rng } from '@dgpose/core';
import { writeFileAtomic } from '@dgpose/core/node';
import { createBatcher, type Batcher, type Sample, type SampleSource, type TensorBatch } from '@dgpose/datasets';
import type { AnyDGPoseModel, SemiDGPoseModel, StepLosses } from '@dgpose/models';
// the node entry's createSemiDGPose also loads the shipped learned mapper (small preset)
import { createConditionalDGPose, createSemiDGPose, loadCheckpoint, saveCheckpoint, saveModel } from '@dgpose/models/node';
import {
  CHECKPOINTS_DIR,
  listCheckpoints,
  parseTrainerState,
  pruneCheckpoints,
  readLatest,
  recoverCheckpoints,
  stepDirName,
  writeLatest,
  type TrainerState,
} from './checkpoints';
import { openTrainingSource } from './data';
import { composeGrid, writePng, type GridImage } from './grid';
import { asIoError, checkWritableFolder, describeCause, errnoCode, recoverFolderSwaps, removeAtomicWriteLeftovers, replaceFolderAtomic, withIo } from './io';
import { JsonlLog, repairLog } from './log';
import { checkBatchFitsWasm, type MemoryConfig } from './memory';
import { DEFAULT_TRAIN_CONFIG, RESUME_MUTABLE, resolvedBatchSize, validateTrainConfig, type TrainConfig } from './options';
import { barProgress, lineProgress, type ProgressSink } from './progress';
import { TRAINER_VERSION } from './version';

export const CONFIG_FILE = 'config.json';
export const LOG_FILE = 'log.jsonl';
export const CONFIG_FORMAT = 'dgpose-train-config';
/** The exported weights folder; replaced as a whole (see io.ts replaceFolderAtomic). */
export const FINAL_DIR = 'final';
const FINAL_FOLDER = new RegExp(`^${FINAL_DIR}$`);
/** Folder entries the trainer writes (and `--force` replaces). */
export const OUTPUT_ENTRIES = [CONFIG_FILE, LOG_FILE, CHECKPOINTS_DIR, 'samples', FINAL_DIR] as const;

type AnyModel = AnyDGPoseModel;

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

/** The `config.json` of an output folder. */
export interface StoredRunConfig {
  format: typeof CONFIG_FORMAT;
  version: 1;
  trainer: string;
  options: TrainConfig;
  batchSize: number;
  model: { kind: string; config: unknown; params: number };
  data: { name: string; size: number; imageSize: number; skeleton: string };
  backend: string | null;
  command: string[];
  createdAt: string;
  resumes: { at: string; fromStep: number; command: string[] }[];
}

async function exists(p: string): Promise<boolean> {
  return fsp.stat(p).then(
    () => true,
    () => false,
  );
}

/**
 * Reads `<out>/config.json`: E_IO when it cannot be read (a missing one: nothing to resume),
 * E_CHECKPOINT when it is not a dgpose-train config.
 */
export async function readRunConfig(out: string): Promise<StoredRunConfig> {
  const file = path.join(out, CONFIG_FILE);
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf8');
  } catch (e) {
    const why = errnoCode(e) === 'ENOENT' ? `${CONFIG_FILE} is missing` : `${CONFIG_FILE} cannot be read: ${describeCause(e)}`;
    throw new DGPoseError('E_IO', `nothing to resume in ${out}: ${why}`, { argument: 'out', path: file, cause: e });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new DGPoseError('E_CHECKPOINT', `${CONFIG_FILE} is not valid JSON (${(e as Error).message})`, { argument: 'out', path: file, cause: e });
  }
  const o = (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? parsed : {}) as Record<string, unknown>;
  if (o.format !== CONFIG_FORMAT || o.version !== 1) {
    throw new DGPoseError('E_CHECKPOINT', `${CONFIG_FILE} is not a dgpose-train config (format ${CONFIG_FORMAT} version 1)`, {
      argument: 'out',
      expected: `${CONFIG_FORMAT} v1`,
      got: `${String(o.format)} v${String(o.version)}`,
      path: file,
    });
  }
  // what a resume reads back: the options and the history it appends to
  const isObject = (v: unknown): boolean => typeof v === 'object' && v !== null && !Array.isArray(v);
  const fields: [string, boolean, string][] = [
    ['options', isObject(o.options), 'an object of training options'],
    ['command', o.command === undefined || (Array.isArray(o.command) && o.command.every((x) => typeof x === 'string')), 'a list of strings'],
    ['createdAt', o.createdAt === undefined || typeof o.createdAt === 'string', 'a date string'],
    ['resumes', o.resumes === undefined || (Array.isArray(o.resumes) && o.resumes.every(isObject)), 'a list of objects'],
  ];
  for (const [k, ok, expected] of fields) {
    if (!ok) throw new DGPoseError('E_CHECKPOINT', `${CONFIG_FILE} field ${k} is malformed`, { argument: k, expected, got: o[k], path: file });
  }
  return o as unknown as StoredRunConfig;
}

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
      (merged as unknown as Record<string, unknown>)[k] = v;
    } else if (JSON.stringify(v) !== JSON.stringify(stored[k])) {
      const why =
        k === 'model'
          ? `its checkpoints are of the ${String(stored.model)} model, not ${String(v)}`
          : `it was started with ${k}=${JSON.stringify(stored[k])}, not ${JSON.stringify(v)}`;
      throw new DGPoseError('E_CHECKPOINT', `cannot resume the run in ${stored.out}: ${why}`, { argument: k, expected: stored[k], got: v });
    }
  }
  return validateTrainConfig(merged);
}

/** Refuses an existing, non-empty output folder unless `force` (nothing is changed yet). */
async function checkOutDir(c: TrainConfig): Promise<boolean> {
  const out = c.out;
  if (!(await exists(out))) return false;
  const st = await withIo('inspect the output folder', out, () => fsp.stat(out));
  if (!st.isDirectory()) throw new DGPoseError('E_ARG', `output path ${out} exists and is not a folder`, { argument: 'out', path: out });
  const entries = await withIo('list the output folder', out, () => fsp.readdir(out));
  if (entries.length > 0 && !c.force) {
    throw new DGPoseError(
      'E_ARG',
      `output folder ${out} already exists and is not empty (${entries.slice(0, 6).join(', ')}${entries.length > 6 ? ', ...' : ''}); ` +
        'pass --force to overwrite it, --resume to continue its run, or choose another --out',
      { argument: 'out', path: out },
    );
  }
  return entries.length > 0;
}

/** Creates the output folder; with `force`, first removes what an earlier run wrote (other files stay). */
async function prepareOutDir(out: string, clear: boolean): Promise<void> {
  if (clear) {
    // leftovers of an interrupted final/ export first (an .old-<pid> would otherwise come back as final/)
    await recoverFolderSwaps(out, FINAL_FOLDER);
    for (const e of OUTPUT_ENTRIES) await withIo('remove', path.join(out, e), () => fsp.rm(path.join(out, e), { recursive: true, force: true }));
  }
  for (const d of [CHECKPOINTS_DIR, 'samples']) await withIo('create the folder', path.join(out, d), () => fsp.mkdir(path.join(out, d), { recursive: true }));
}

/**
 * Puts an output folder back in order before a resume: leftovers of interrupted checkpoint writes and
 * final/ exports (see io.ts recoverFolderSwaps), temp files of interrupted atomic file writes
 * (config.json, `latest`, grids) and a torn last log line. Returns notes.
 */
async function recoverOutDir(out: string): Promise<string[]> {
  const notes = [...(await recoverCheckpoints(out)), ...(await recoverFolderSwaps(out, FINAL_FOLDER))];
  for (const d of [out, path.join(out, CHECKPOINTS_DIR), path.join(out, 'samples')]) notes.push(...(await removeAtomicWriteLeftovers(d)));
  const cut = repairLog(path.join(out, LOG_FILE));
  if (cut > 0) notes.push(`repaired ${LOG_FILE}: cut off a torn last line (${cut} bytes; a write cut short)`);
  return notes;
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

async function createModel(c: TrainConfig): Promise<AnyModel> {
  const config = modelOverrides(c);
  if (c.model === 'semi') return (await createSemiDGPose({ preset: c.preset, config: config as never, seed: c.seed })) as unknown as AnyModel;
  return (await createConditionalDGPose({ preset: c.preset, config: config as never, seed: c.seed })) as unknown as AnyModel;
}

/**
 * Loads the newest complete checkpoint of `out` that reads back; damaged ones are skipped with a
 * note. E_CHECKPOINT when there is none (nothing to resume: never a silent restart from step 0), when
 * every one fails to read back (each reason listed), or for a checkpoint of another model or version.
 */
async function loadNewestCheckpoint(
  out: string,
  c: TrainConfig,
  note: (m: string) => void,
): Promise<{ model: AnyModel; data: TrainerState; name: string; step: number }> {
  const candidates = await listCheckpoints(out);
  const latest = await readLatest(out);
  if (candidates.length && latest && latest !== candidates[0].name) {
    note(`note: 'latest' points at ${latest} but ${candidates[0].name} is complete and newer (the run stopped before updating the pointer); using ${candidates[0].name}`);
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
        throw new DGPoseError('E_CHECKPOINT', `refusing checkpoint ${cand.dir}: ${e.message}`, { argument: 'resume', path: cand.dir, cause: e });
      }
      const why = isDGPoseError(e) ? e.message : describeCause(e);
      note(`warning: skipping unreadable checkpoint ${cand.dir}: ${why}`);
      skipped.push(`${cand.name}: ${why}`);
      continue;
    }
    const model = loaded.model as AnyModel;
    if (model.kind !== c.model) {
      model.dispose();
      throw new DGPoseError('E_CHECKPOINT', `refusing checkpoint ${cand.dir}: it holds a ${model.kind} model, this run trains ${c.model}`, {
        argument: 'model',
        expected: c.model,
        got: model.kind,
        path: cand.dir,
      });
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
  throw new DGPoseError('E_CHECKPOINT', `nothing to resume in ${out}: ${why}; train it again with --force, or choose another --out`, {
    argument: 'resume',
    expected: 'a complete checkpoint that reads back',
    got: candidates.length === 0 ? 'none' : `${candidates.length} unreadable`,
    path: where,
  });
}

/** Fits Semi-DGPose's pose prior p(y) on the labelled subset (normalised coords, unflipped). */
async function fitPrior(model: SemiDGPoseModel, source: SampleSource, c: TrainConfig): Promise<number> {
  const b = createBatcher({
    source,
    batchSize: Math.min(64, source.size),
    seed: c.seed,
    supervision: c.supervision,
    subset: 'labelled',
    shuffle: false,
    flip: false,
    dropLast: false,
    prefetch: 1,
  });
  const poses: Float32Array[] = [];
  const visible: Float32Array[] = [];
  for (let i = 0; i < b.batchesPerEpoch; i++) {
    const batch = await b.next();
    const P = 2 * batch.joints;
    for (let r = 0; r < batch.batch; r++) {
      poses.push(batch.poses.slice(r * P, (r + 1) * P));
      visible.push(batch.visible.slice(r * batch.joints, (r + 1) * batch.joints));
    }
  }
  await b.close();
  model.fitPosePrior(poses, visible);
  return poses.length;
}

/** Fixed preview rows for the sample grids: the first `n` of a seeded permutation of the source. */
async function previewSamples(source: SampleSource, c: TrainConfig): Promise<Sample[]> {
  const n = Math.min(c.sampleRows, source.size);
  const order = createRng(c.seed).fork('preview').shuffle(Array.from({ length: source.size }, (_, i) => i));
  return Promise.all(order.slice(0, n).map((i) => source.get(i)));
}

/**
 * The sample seeds of the grid at `step`: a function of the run's seed and the step alone, so a
 * grid is the same whether the run was resumed or not, and whatever grids were drawn before it.
 */
export function gridRng(seed: number, step: number): Rng {
  return createRng(seed).fork('grid').fork(stepDirName(step));
}

/**
 * One grid row per preview sample: input | reconstruction | transfer (appearance of row i in the
 * pose of row i+1) | two samples z ~ p(z) in the row's pose, seeded by `rng`.
 */
async function writeSampleGrid(model: AnyModel, rows: Sample[], rng: Rng, file: string): Promise<void> {
  const images = rows.map((s) => s.image as GridImage);
  const poses: Pose[] = rows.map((s) => s.pose);
  const n = rows.length;
  const recon = await model.reconstruct(images, poses);
  const targets = poses.map((_, i) => poses[(i + 1) % n]);
  const moved = await model.transfer(images, poses, targets);
  const cells: GridImage[][] = [];
  for (let i = 0; i < n; i++) {
    const gen = await model.generate(poses[i], 2, { seed: rng.int(2 ** 31) });
    cells.push([images[i], recon[i], moved[i], ...gen] as GridImage[]);
  }
  const size = (model.config as { imageSize: number }).imageSize;
  await writePng(file, composeGrid(cells, size));
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
  const { signal, hooks = {}, progress: progressMode = 'auto', print = (l: string) => process.stderr.write(`${l}\n`), command = [], ...given } = options;
  let c = validateTrainConfig(given);
  const out = path.resolve(c.out);
  c.out = out;

  let stored: StoredRunConfig | null = null;
  if (c.resume) {
    if (!(await exists(out))) throw new DGPoseError('E_ARG', `nothing to resume: output folder ${out} does not exist`, { argument: 'out', path: out });
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
    const r = await initBackend({ prefer: c.backend === 'auto' ? undefined : [c.backend], threads: c.threads, log: (m) => sink.note(m) });
    backend = r.backend;
  }

  const log = new JsonlLog(path.join(out, LOG_FILE)); // opened on its first line, after the folder is prepared
  const batchSize = resolvedBatchSize(c);
  let model: AnyModel | null = null;
  let batcher: Batcher | null = null;
  let resumedFrom: number | null = null;
  let data: TrainerState | null = null;

  const nanStop = async (term: string, atStep: number, cause: unknown): Promise<DGPoseError> => {
    sink.stop();
    const good = (await listCheckpoints(out))[0];
    const kept = good ? `the last good checkpoint ${path.join(CHECKPOINTS_DIR, good.name)} (step ${good.step}) is kept` : 'no checkpoint had been written yet';
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
      await withIo('create the folder', path.join(out, 'samples'), () => fsp.mkdir(path.join(out, 'samples'), { recursive: true }));
    }
    model ??= await createModel(c);
    // a step larger than wasm32's 4 GiB heap traps mid-step ("memory access out of bounds"): refuse it first
    checkBatchFitsWasm(model.config as unknown as MemoryConfig, c.model, model.paramCount(), batchSize, backend);
    const imageSize = (model.config as { imageSize: number }).imageSize;

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
        throw new DGPoseError('E_CHECKPOINT', `refusing checkpoint ${stepDirName(resumedFrom ?? 0)}: its data-order state does not fit this data set: ${e.message}`, {
          argument: 'resume',
          path: path.join(out, CHECKPOINTS_DIR, stepDirName(resumedFrom ?? 0)),
          cause: e,
        });
      }
      throw e;
    }
    let priorCount = 0;
    if (c.model === 'semi') priorCount = await fitPrior(model as unknown as SemiDGPoseModel, source, c);

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
      resumes: [...(stored?.resumes ?? []), ...(c.resume ? [{ at: new Date().toISOString(), fromStep: resumedFrom ?? 0, command }] : [])],
    };
    await writeFileAtomic(path.join(out, CONFIG_FILE), `${JSON.stringify(runConfig, null, 2)}\n`);

    const preview = await previewSamples(source, c);
    let step = model.step;
    let imagesSeen = data?.imagesSeen ?? step * batchSize;
    let lastCheckpoint: { step: number; dir: string } | null = null;
    if (resumedFrom !== null) {
      const name = stepDirName(resumedFrom);
      lastCheckpoint = { step: resumedFrom, dir: path.join(out, CHECKPOINTS_DIR, name) };
      log.event('resume', { step, checkpoint: name, batcher: data?.batcher });
      sink.note(`resumed from ${name} (step ${step})`);
    } else {
      log.event('start', { step, model: model.kind, ...(c.supervisedOnly ? { supervisedOnly: true } : {}), preset: c.preset, dataset: c.dataset, samples: source.size, batchSize, backend, params: model.paramCount() });
    }
    if (c.model === 'semi') log.event('prior', { step, labelled: priorCount });

    const checkpoint = async (): Promise<void> => {
      if (lastCheckpoint?.step === step) return;
      const name = stepDirName(step);
      const dir = path.join(out, CHECKPOINTS_DIR, name);
      const state: TrainerState = { batcher: (batcher as Batcher).state(), imagesSeen };
      await withIo('write the checkpoint', dir, () =>
        saveCheckpoint(dir, model as AnyModel, {
          data: state,
          meta: { trainer: TRAINER_VERSION, step, model: c.model, preset: c.preset, dataset: c.dataset, seed: c.seed, batchSize },
        }),
      );
      await writeLatest(out, name);
      lastCheckpoint = { step, dir };
      const removed = await pruneCheckpoints(out, c.keep, name);
      log.event('checkpoint', { step, dir: path.relative(out, dir), removed: removed.map((r) => path.basename(r)) });
      hooks.onCheckpoint?.(step, dir);
    };
    let lastSamples = -1;
    const samples = async (): Promise<void> => {
      if (lastSamples === step) return;
      const file = path.join(out, 'samples', `${stepDirName(step)}.png`);
      await writeSampleGrid(model as AnyModel, preview, gridRng(c.seed, step), file);
      lastSamples = step;
      log.event('samples', { step, file: path.relative(out, file) });
    };

    sink.start(c.steps, Math.min(step, c.steps));
    let lastLosses: StepLosses | null = null;
    let windowStart = Date.now();
    let windowImages = 0;
    let status: TrainResult['status'] = 'completed';

    while (step < c.steps) {
      await yieldToEventLoop();
      if (signal?.aborted) {
        status = 'interrupted';
        break;
      }
      const batch = await batcher.nextTensors();
      let losses: StepLosses;
      try {
        hooks.beforeStep?.(step + 1, batch);
        // the model's step index comes apart from its losses; the trainer logs its own step beside them
        ({ losses } = await model.trainStep(batch));
      } catch (e) {
        if (isDGPoseError(e, 'E_LOSS_NAN')) throw await nanStop(e.details.argument ?? 'unknown', step + 1, e);
        throw e;
      } finally {
        batch.dispose();
      }
      const bad = finiteLosses(losses);
      if (bad !== null) throw await nanStop(bad, step + 1, undefined);
      step += 1;
      imagesSeen += batchSize;
      windowImages += batchSize;
      lastLosses = losses;
      const now = Date.now();
      const ips = windowImages / Math.max(1e-3, (now - windowStart) / 1000);
      hooks.onStep?.({ step, losses, imagesPerSec: ips });
      if (step % c.logEvery === 0 || step === c.steps) {
        log.step({ step, imagesPerSec: ips, images: imagesSeen, losses });
        sink.update(step, ips, losses);
        windowStart = now;
        windowImages = 0;
      }
      if (c.sampleEvery > 0 && step % c.sampleEvery === 0) await samples();
      if (c.checkpointEvery > 0 && step % c.checkpointEvery === 0) await checkpoint();
    }

    let finalDir: string | null = null;
    if (status === 'completed') {
      await samples();
      await checkpoint();
      finalDir = path.join(out, FINAL_DIR);
      // a new folder renamed into place: a crash leaves the previous complete final/ or this one
      await replaceFolderAtomic(finalDir, (dir) => saveModel(dir, model as AnyModel));
      log.event('end', { step, final: FINAL_DIR });
      sink.stop();
      sink.note(`done: ${step} steps; weights in ${finalDir}`);
    } else {
      await checkpoint();
      log.event('stop', { step, reason: 'signal', checkpoint: path.relative(out, (lastCheckpoint as { dir: string } | null)?.dir ?? '') });
      sink.stop();
      sink.note(`interrupted at step ${step}; checkpoint ${path.relative(process.cwd(), (lastCheckpoint as { dir: string } | null)?.dir ?? out)} written; continue with --resume`);
    }
    return {
      status,
      step,
      resumedFrom,
      losses: lastLosses,
      out,
      checkpoint: (lastCheckpoint as { dir: string } | null)?.dir ?? null,
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
