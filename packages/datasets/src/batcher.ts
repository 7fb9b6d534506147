/*
 * Batching over any SampleSource: seeded per-epoch shuffling, a fixed seeded labelled subset for
 * semi-supervised training, seeded horizontal flips with left/right joint swaps, Gaussian
 * heatmaps, bounded prefetch and exact resume. Batches are plain arrays; tensors are made only by
 * `nextTensors()` / `batchToTensors()`, which return tensors the caller owns.
 */
import { DGPoseError } from '@dgpose/core';

import { batchToTensors, buildBatch, makeContext } from './batch-assembly';
import { createStream, epochPlanner, resumeCursor } from './batch-stream';
import {
  bad,
  labelledMask,
  type ArrayBatch,
  type Batcher,
  type BatcherOptions,
  validateBatcherConfig,
} from './batcher-config';

/**
 * Batches over `source`.
 *
 * - Order: epoch e iterates the subset in a permutation drawn from `fork('epoch:e')` of the seed
 *   (index order when shuffle is false); flips come from `fork('flip:e')`. Both are pure functions
 *   of (seed, epoch), so `state()` = (epoch, position, step) restores the exact stream.
 * - The stream is endless: after the last batch of an epoch the next epoch starts.
 * - All samples must share one image size (E_SHAPE otherwise): resizing is the source's job (the
 *   real-data loaders decode and resize with sharp inside `get`, which prefetch overlaps with
 *   training; the synthetic source renders straight into the batch buffer).
 */
export function createBatcher(opts: BatcherOptions): Batcher {
  if (typeof opts !== 'object' || opts === null) bad('options', 'an object', opts);
  const { source, state: resume, ...rest } = opts;
  if (!source || typeof source.get !== 'function' || !Number.isInteger(source.size))
    bad('source', 'a SampleSource', source);
  const cfg = validateBatcherConfig(rest);
  const N = source.size;
  if (N < 1)
    throw new DGPoseError('E_EMPTY', 'the source has no samples', {
      argument: 'source',
      expected: '>= 1 samples',
      got: N,
    });
  const nLabelled = Math.round(cfg.supervision * N);
  if (nLabelled === 0) bad('supervision', `large enough that round(supervision * ${N}) >= 1`, cfg.supervision);
  const ctx = makeContext(source, cfg.heatmaps, cfg.hideUnlabelled);
  const mask = labelledMask(N, cfg.supervision, cfg.seed);
  const L = cfg.labelledPerBatch;
  const members: number[] = [];
  const labelledMembers: number[] = [];
  for (let i = 0; i < N; i++) {
    if (L > 0) {
      if (mask[i] === 1) labelledMembers.push(i);
      else members.push(i);
    } else if (cfg.subset === 'all' || (cfg.subset === 'labelled') === (mask[i] === 1)) members.push(i);
  }
  // with labelledPerBatch the epoch runs over the unlabelled rows; the labelled rows are a stream of their own
  const rowsPerBatch = cfg.batchSize - L;
  const M = members.length;
  const what = L > 0 ? 'unlabelled' : cfg.subset;
  if (M === 0)
    throw new DGPoseError('E_EMPTY', `the '${what}' subset is empty`, {
      argument: 'subset',
      expected: '>= 1 samples',
      got: 0,
    });
  if (cfg.dropLast && M < rowsPerBatch)
    bad(
      'batchSize',
      `<= ${M + L} (the ${what} subset size${L > 0 ? ' + labelledPerBatch' : ''}) when dropLast is true`,
      cfg.batchSize,
    );
  if (L > labelledMembers.length && L > 0)
    bad('labelledPerBatch', `<= ${labelledMembers.length} (the labelled subset size)`, L);
  const epochLength = (cfg.dropLast ? Math.floor(M / rowsPerBatch) : Math.ceil(M / rowsPerBatch)) * rowsPerBatch;
  const start =
    resume === undefined
      ? { epoch: 0, position: 0, step: 0 }
      : resumeCursor(
          resume,
          [
            ['seed', cfg.seed],
            ['sourceSize', N],
            ['batchSize', cfg.batchSize],
            ['supervision', cfg.supervision],
            ['subset', cfg.subset],
            ['labelledPerBatch', L > 0 ? L : undefined],
          ],
          epochLength,
        );
  // Batch k's labelled rows: slice k of the labelled stream, a pure function of k (so the stream's
  // step alone restores it on resume, and prefetching ahead cannot shift it).
  const labelledBatches = L > 0 ? Math.floor(labelledMembers.length / L) : 0;
  const labelledPlan = epochPlanner(labelledMembers.length, cfg.seed, cfg.shuffle, cfg.flip, 'labelled:');
  const labelledRows = (step: number): { rows: number[]; flips: boolean[] } => {
    if (L === 0) return { rows: [], flips: [] };
    const plan = labelledPlan(Math.floor(step / labelledBatches));
    const at = (step % labelledBatches) * L;
    return {
      rows: plan.order.slice(at, at + L).map((k) => labelledMembers[k]),
      flips: Array.from(plan.flips.subarray(at, at + L), (v) => v === 1),
    };
  };
  const stream = createStream<ArrayBatch>({
    M,
    batchSize: rowsPerBatch,
    dropLast: cfg.dropLast,
    seed: cfg.seed,
    shuffle: cfg.shuffle,
    flip: cfg.flip,
    prefetch: cfg.prefetch,
    start,
    build: (items, flips, at) => {
      const lab = labelledRows(at.step);
      return buildBatch(
        ctx,
        [...lab.rows, ...items.map((k) => members[k])],
        [...lab.flips, ...flips],
        (i) => mask[i],
        at.epoch,
        at.step,
      );
    },
  });

  return {
    config: cfg,
    source,
    epochSize: M,
    batchesPerEpoch: stream.batchesPerEpoch,
    labelledIndices: () => {
      const out: number[] = [];
      for (let i = 0; i < N; i++) if (mask[i]) out.push(i);
      return out;
    },
    next: stream.next,
    nextTensors: async () => batchToTensors(await stream.next()),
    state: () => {
      const c = stream.cursor();
      return {
        version: 1,
        seed: cfg.seed,
        sourceSize: N,
        batchSize: cfg.batchSize,
        supervision: cfg.supervision,
        subset: cfg.subset,
        epoch: c.epoch,
        position: c.position,
        step: c.step,
        ...(L > 0 ? { labelledPerBatch: L } : {}),
      };
    },
    close: stream.close,
  };
}

// ---------------------------------------------------------------------------------------------
// pairs (pose transfer)

// The batching concept's one door (index.ts and the tests import from here).
export { validateBatcherConfig, labelledMask, DEFAULT_BATCHER_CONFIG } from './batcher-config';
export type { Batcher, BatcherConfig, BatcherOptions, BatcherState, ArrayBatch, TensorBatch } from './batcher-config';
export { batchToTensors } from './batch-assembly';
export { createPairBatcher } from './pair-batcher';
export type {
  PairBatcher,
  PairBatcherConfig,
  PairBatcherOptions,
  PairBatcherState,
  PairArrayBatch,
  PairTensorBatch,
} from './pair-batcher';
