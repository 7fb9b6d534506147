/* Batches of (source, target) pairs of the same identity, for pose transfer. */

import type { SampleSource } from './types';
import { batchToTensors, buildBatch, makeContext } from './batch-assembly';
import { createStream, resumeCursor } from './batch-stream';
import { bad, type ArrayBatch, type BatcherConfig, type TensorBatch, validateBatcherConfig } from './batcher-config';

/** Configuration of {@link createPairBatcher}: the batcher's fields that make sense for pairs. */
export type PairBatcherConfig = Pick<
  BatcherConfig,
  'batchSize' | 'seed' | 'shuffle' | 'flip' | 'heatmaps' | 'prefetch' | 'dropLast'
>;

/** Options of {@link createPairBatcher}. */
export interface PairBatcherOptions extends Partial<PairBatcherConfig> {
  source: SampleSource;
  /** (source, target) index pairs; default `source.pairs()` (E_CONFIG when neither exists or it is empty). */
  pairs?: ReadonlyArray<readonly [number, number]>;
  state?: PairBatcherState;
}

/** Resume state of a pair batcher (plain JSON). */
export interface PairBatcherState {
  version: 1;
  seed: number;
  pairCount: number;
  batchSize: number;
  epoch: number;
  position: number;
  step: number;
}

/** A batch of pose-transfer pairs: row b of `from` and of `to` show the same identity (flipped together). */
export interface PairArrayBatch {
  from: ArrayBatch;
  to: ArrayBatch;
  epoch: number;
  step: number;
}

export interface PairTensorBatch {
  from: TensorBatch;
  to: TensorBatch;
  epoch: number;
  step: number;
  /** Disposes both halves. */
  dispose(): void;
}

export interface PairBatcher {
  readonly config: PairBatcherConfig;
  readonly pairCount: number;
  readonly batchesPerEpoch: number;
  next(): Promise<PairArrayBatch>;
  nextTensors(): Promise<PairTensorBatch>;
  state(): PairBatcherState;
  close(): Promise<void>;
}

/**
 * Batches of (source, target) pairs for pose transfer (Conditional-DGPose): `from` holds the
 * appearance images, `to` the ground-truth targets in the target poses. Same ordering, flip,
 * heatmap, prefetch and resume rules as {@link createBatcher}; a pair is flipped as a whole; every
 * row is labelled (pose transfer is supervised).
 */
export function createPairBatcher(opts: PairBatcherOptions): PairBatcher {
  if (typeof opts !== 'object' || opts === null) bad('options', 'an object', opts);
  const { source, pairs: given, state: resume, ...rest } = opts;
  if (!source || typeof source.get !== 'function' || !Number.isInteger(source.size))
    bad('source', 'a SampleSource', source);
  for (const k of ['supervision', 'subset', 'hideUnlabelled']) if (k in rest) bad(k, 'not a pair batcher option', k);
  const full = validateBatcherConfig(rest);
  const cfg: PairBatcherConfig = {
    batchSize: full.batchSize,
    seed: full.seed,
    shuffle: full.shuffle,
    flip: full.flip,
    heatmaps: full.heatmaps,
    prefetch: full.prefetch,
    dropLast: full.dropLast,
  };
  const pairs = given ?? (typeof source.pairs === 'function' ? source.pairs() : undefined);
  if (!Array.isArray(pairs) || pairs.length === 0)
    bad('pairs', 'a non-empty list of [from, to] indices (or a source with pairs())', pairs);
  const N = source.size;
  pairs.forEach((p, k) => {
    if (!Array.isArray(p) || p.length !== 2 || !p.every((i) => Number.isInteger(i) && i >= 0 && i < N)) {
      bad(`pairs[${k}]`, `[from, to] with indices in [0, ${N - 1}]`, p);
    }
  });
  const M = pairs.length;
  if (cfg.dropLast && M < cfg.batchSize)
    bad('batchSize', `<= ${M} (the number of pairs) when dropLast is true`, cfg.batchSize);
  const ctx = makeContext(source, cfg.heatmaps, false);
  const epochLength = (cfg.dropLast ? Math.floor(M / cfg.batchSize) : Math.ceil(M / cfg.batchSize)) * cfg.batchSize;
  const start =
    resume === undefined
      ? { epoch: 0, position: 0, step: 0 }
      : resumeCursor(
          resume,
          [
            ['seed', cfg.seed],
            ['pairCount', M],
            ['batchSize', cfg.batchSize],
          ],
          epochLength,
        );
  const one = (): number => 1;
  const stream = createStream<PairArrayBatch>({
    M,
    batchSize: cfg.batchSize,
    dropLast: cfg.dropLast,
    seed: cfg.seed,
    shuffle: cfg.shuffle,
    flip: cfg.flip,
    prefetch: cfg.prefetch,
    start,
    build: async (items, flips, at) => {
      const from = await buildBatch(
        ctx,
        items.map((k) => pairs[k][0]),
        flips,
        one,
        at.epoch,
        at.step,
      );
      const to = await buildBatch(
        ctx,
        items.map((k) => pairs[k][1]),
        flips,
        one,
        at.epoch,
        at.step,
      );
      return { from, to, epoch: at.epoch, step: at.step };
    },
  });
  return {
    config: cfg,
    pairCount: M,
    batchesPerEpoch: stream.batchesPerEpoch,
    next: stream.next,
    nextTensors: async () => {
      const b = await stream.next();
      const from = batchToTensors(b.from);
      let to: TensorBatch;
      try {
        to = batchToTensors(b.to);
      } catch (e) {
        from.dispose();
        throw e;
      }
      return { from, to, epoch: b.epoch, step: b.step, dispose: () => (from.dispose(), to.dispose()) };
    },
    state: () => {
      const c = stream.cursor();
      return {
        version: 1,
        seed: cfg.seed,
        pairCount: M,
        batchSize: cfg.batchSize,
        epoch: c.epoch,
        position: c.position,
        step: c.step,
      };
    },
    close: stream.close,
  };
}
