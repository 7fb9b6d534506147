/* Batcher configuration, its state and batch types, validation, and the seeded labelled subset. */
import type * as tf from '@tensorflow/tfjs-core';
import { DGPoseError, createRng } from '@dgpose/core';

import type { SampleSource } from './types';

/** Configuration of {@link createBatcher} (everything but the source and a resume state). */
export interface BatcherConfig {
  /** Samples per batch (integer >= 1). */
  batchSize: number;
  /** Seed of the shuffles, flips and the labelled subset (safe integer). */
  seed: number;
  /** Shuffle every epoch (a fresh seeded permutation per epoch); false keeps index order. */
  shuffle: boolean;
  /**
   * Fraction f in (0, 1] of the source that is labelled. The labelled subset is fixed for the
   * batcher's seed (the same in every epoch) and has exactly round(f·N) samples (E_CONFIG when that
   * is 0). f = 1 labels everything.
   */
  supervision: number;
  /** Which samples to iterate: all, only the labelled subset, or only the unlabelled rest. */
  subset: 'all' | 'labelled' | 'unlabelled';
  /** Random horizontal flip, probability 1/2 per sample and epoch (seeded), with left/right joint swap. */
  flip: boolean;
  /** Gaussian heatmaps [B,H,W,J] per batch; `sigma` in pixels, default 6·H/256. false = none. */
  heatmaps: false | { sigma?: number };
  /** Batches prepared ahead while the caller trains (integer >= 0). */
  prefetch: number;
  /** Drop the last incomplete batch of an epoch (every batch then has exactly batchSize samples). */
  dropLast: boolean;
  /**
   * Zero the pose, visibility and heatmaps of unlabelled samples, so training code cannot use
   * labels it should not see. The `labelled` vector says which rows are real.
   */
  hideUnlabelled: boolean;
  /**
   * 0 (default): a batch is the next slice of one shuffled order over the subset, so its labelled
   * share varies around the supervision fraction (about 4 of 16 at 25 %). L >= 1 (subset 'all',
   * supervision < 1, dropLast): every batch is L labelled rows (their own shuffled stream, oversampled
   * as the semi-supervised literature does) followed by batchSize - L unlabelled rows. Without it a
   * Semi run at 25 % sees 5x fewer labelled images than its supervised-only baseline in the same steps.
   */
  labelledPerBatch: number;
}

export const DEFAULT_BATCHER_CONFIG: Readonly<BatcherConfig> = Object.freeze({
  batchSize: 16,
  seed: 0,
  shuffle: true,
  supervision: 1,
  subset: 'all',
  flip: false,
  heatmaps: false,
  prefetch: 2,
  dropLast: true,
  hideUnlabelled: true,
  labelledPerBatch: 0,
});

/** Where a batcher is in its stream; plain JSON. Resuming from it reproduces the exact data order. */
export interface BatcherState {
  version: 1;
  /** The batcher's seed and the sizes it was made for (checked on resume). */
  seed: number;
  sourceSize: number;
  batchSize: number;
  supervision: number;
  subset: BatcherConfig['subset'];
  /** Epoch of the next batch (0-based). */
  epoch: number;
  /** Position of the next batch's first sample within the epoch's order. */
  position: number;
  /** Batches handed out so far. */
  step: number;
  /** Labelled rows per batch, when the batcher was made with labelledPerBatch >= 1 (absent otherwise). */
  labelledPerBatch?: number;
}

/** A batch as plain arrays (NHWC, row-major). */
export interface ArrayBatch {
  /** [B,H,W,3] in [-1, 1] (uint8 q -> q/127.5 - 1). */
  images: Float32Array;
  /** [B,2J] x0,y0,x1,y1,... normalised with aligned corners: x' = 2x/(W-1) - 1 (mapper's convention); 0 where missing. */
  poses: Float32Array;
  /** [B,2J] the same coordinates in pixels (0 where missing). */
  posesPx: Float32Array;
  /** [B,J] 1 = joint labelled and inside the frame, 0 = missing (or hidden, see hideUnlabelled). */
  visible: Float32Array;
  /** [B] 1 = the sample belongs to the labelled subset. */
  labelled: Float32Array;
  /** [B,H,W,J] in [0, 1] when heatmaps are on. */
  heatmaps?: Float32Array;
  batch: number;
  height: number;
  width: number;
  joints: number;
  /** Sample ids, source indices and whether each was flipped. */
  ids: string[];
  indices: number[];
  flipped: boolean[];
  /** Epoch of this batch and its number in the stream (0-based). */
  epoch: number;
  step: number;
}

/** A batch as tensors; the caller owns them (call `dispose()`). */
export interface TensorBatch {
  /** [B,H,W,3] float32 in [-1, 1]. */
  images: tf.Tensor4D;
  /** [B,2J] float32, normalised coordinates (aligned corners), 0 where missing. */
  poses: tf.Tensor2D;
  /** [B,J] float32 0/1. */
  visible: tf.Tensor2D;
  /** [B] float32 0/1. */
  labelled: tf.Tensor1D;
  /** [B,H,W,J] float32 in [0, 1], when heatmaps are on. */
  heatmaps?: tf.Tensor4D;
  ids: string[];
  indices: number[];
  epoch: number;
  step: number;
  /** Disposes every tensor of the batch. */
  dispose(): void;
}

/** Options of {@link createBatcher}: a source, config fields, and an optional state to resume from. */
export interface BatcherOptions extends Partial<BatcherConfig> {
  source: SampleSource;
  /** Resume exactly where `state()` was taken. */
  state?: BatcherState;
}

export interface Batcher {
  readonly config: BatcherConfig;
  readonly source: SampleSource;
  /** Samples iterated per epoch (the subset's size; with labelledPerBatch, the unlabelled rows). */
  readonly epochSize: number;
  /** Batches per epoch. */
  readonly batchesPerEpoch: number;
  /** The labelled subset: source indices, ascending (fixed for the seed). */
  labelledIndices(): number[];
  /** The next batch as plain arrays (prepared ahead when prefetch > 0). Calls are served in order. */
  next(): Promise<ArrayBatch>;
  /** The next batch as tensors the caller owns. */
  nextTensors(): Promise<TensorBatch>;
  /** The position of the next batch to be handed out (prefetched batches are not counted). */
  state(): BatcherState;
  /** Drops prefetched work. The batcher can be used again afterwards (it refills on demand). */
  close(): Promise<void>;
}

export function bad(argument: string, expected: string, got: unknown): never {
  throw new DGPoseError('E_CONFIG', `invalid batcher config: ${argument}`, { argument, expected, got });
}

/** Fills defaults and validates (E_CONFIG naming the field). */
export function validateBatcherConfig(partial: Partial<BatcherConfig> = {}): BatcherConfig {
  if (typeof partial !== 'object' || partial === null) bad('config', 'an object', partial);
  for (const k of Object.keys(partial)) {
    if (!(k in DEFAULT_BATCHER_CONFIG)) bad(k, `one of ${Object.keys(DEFAULT_BATCHER_CONFIG).join(', ')}`, k);
  }
  const c: BatcherConfig = { ...DEFAULT_BATCHER_CONFIG, ...partial };
  if (!Number.isInteger(c.batchSize) || c.batchSize < 1) bad('batchSize', 'an integer >= 1', c.batchSize);
  if (!Number.isSafeInteger(c.seed)) bad('seed', 'a safe integer', c.seed);
  if (typeof c.shuffle !== 'boolean') bad('shuffle', 'a boolean', c.shuffle);
  if (typeof c.supervision !== 'number' || !(c.supervision > 0 && c.supervision <= 1))
    bad('supervision', 'a number in (0, 1]', c.supervision);
  if (c.subset !== 'all' && c.subset !== 'labelled' && c.subset !== 'unlabelled')
    bad('subset', "'all' | 'labelled' | 'unlabelled'", c.subset);
  if (typeof c.flip !== 'boolean') bad('flip', 'a boolean', c.flip);
  if (c.heatmaps !== false) {
    if (typeof c.heatmaps !== 'object' || c.heatmaps === null)
      bad('heatmaps', 'false or { sigma?: number }', c.heatmaps);
    const s = c.heatmaps.sigma;
    if (s !== undefined && !(typeof s === 'number' && Number.isFinite(s) && s > 0))
      bad('heatmaps.sigma', 'a number > 0 (pixels)', s);
  }
  if (!Number.isInteger(c.prefetch) || c.prefetch < 0) bad('prefetch', 'an integer >= 0', c.prefetch);
  if (typeof c.dropLast !== 'boolean') bad('dropLast', 'a boolean', c.dropLast);
  if (typeof c.hideUnlabelled !== 'boolean') bad('hideUnlabelled', 'a boolean', c.hideUnlabelled);
  if (!Number.isInteger(c.labelledPerBatch) || c.labelledPerBatch < 0)
    bad('labelledPerBatch', 'an integer >= 0 (0 = off)', c.labelledPerBatch);
  if (c.labelledPerBatch > 0) {
    if (c.labelledPerBatch >= c.batchSize)
      bad('labelledPerBatch', `< batchSize (${c.batchSize}), leaving room for unlabelled rows`, c.labelledPerBatch);
    if (c.subset !== 'all')
      bad(
        'labelledPerBatch',
        "0 unless subset is 'all' (it mixes the labelled and unlabelled subsets)",
        c.labelledPerBatch,
      );
    if (c.supervision >= 1)
      bad('labelledPerBatch', '0 when supervision is 1 (there are no unlabelled rows)', c.labelledPerBatch);
    if (!c.dropLast) bad('dropLast', 'true with labelledPerBatch (every batch has the same labelled rows)', c.dropLast);
  }
  return c;
}

/** The fixed labelled subset: the first round(f·N) of a seeded permutation, as a 0/1 mask. */
export function labelledMask(n: number, supervision: number, seed: number): Uint8Array {
  const count = Math.round(supervision * n);
  const mask = new Uint8Array(n);
  if (count >= n) mask.fill(1);
  else {
    const perm = createRng(seed)
      .fork('labelled')
      .shuffle(Array.from({ length: n }, (_, i) => i));
    for (let i = 0; i < count; i++) mask[perm[i]] = 1;
  }
  return mask;
}
