/*
 * Batching over any SampleSource: seeded per-epoch shuffling, a fixed seeded labelled subset for
 * semi-supervised training, seeded horizontal flips with left/right joint swaps, Gaussian
 * heatmaps, bounded prefetch and exact resume. Batches are plain arrays; tensors are made only by
 * `nextTensors()` / `batchToTensors()`, which return tensors the caller owns.
 */
import * as tf from '@tensorflow/tfjs-core';
import { DGPoseError, createRng, getSkeleton, type Skeleton } from '@dgpose/core';
import {
  defaultHeatmapSigma,
  flipImageInPlace,
  flipPoseArraysInPlace,
  gaussianHeatmapsInto,
  pixelToNormalized,
} from './pose-arrays';
import type { Sample, SampleSource } from './types';

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

function bad(argument: string, expected: string, got: unknown): never {
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
  if (typeof c.supervision !== 'number' || !(c.supervision > 0 && c.supervision <= 1)) bad('supervision', 'a number in (0, 1]', c.supervision);
  if (c.subset !== 'all' && c.subset !== 'labelled' && c.subset !== 'unlabelled') bad('subset', "'all' | 'labelled' | 'unlabelled'", c.subset);
  if (typeof c.flip !== 'boolean') bad('flip', 'a boolean', c.flip);
  if (c.heatmaps !== false) {
    if (typeof c.heatmaps !== 'object' || c.heatmaps === null) bad('heatmaps', 'false or { sigma?: number }', c.heatmaps);
    const s = c.heatmaps.sigma;
    if (s !== undefined && !(typeof s === 'number' && Number.isFinite(s) && s > 0)) bad('heatmaps.sigma', 'a number > 0 (pixels)', s);
  }
  if (!Number.isInteger(c.prefetch) || c.prefetch < 0) bad('prefetch', 'an integer >= 0', c.prefetch);
  if (typeof c.dropLast !== 'boolean') bad('dropLast', 'a boolean', c.dropLast);
  if (typeof c.hideUnlabelled !== 'boolean') bad('hideUnlabelled', 'a boolean', c.hideUnlabelled);
  if (!Number.isInteger(c.labelledPerBatch) || c.labelledPerBatch < 0) bad('labelledPerBatch', 'an integer >= 0 (0 = off)', c.labelledPerBatch);
  if (c.labelledPerBatch > 0) {
    if (c.labelledPerBatch >= c.batchSize) bad('labelledPerBatch', `< batchSize (${c.batchSize}), leaving room for unlabelled rows`, c.labelledPerBatch);
    if (c.subset !== 'all') bad('labelledPerBatch', "0 unless subset is 'all' (it mixes the labelled and unlabelled subsets)", c.labelledPerBatch);
    if (c.supervision >= 1) bad('labelledPerBatch', '0 when supervision is 1 (there are no unlabelled rows)', c.labelledPerBatch);
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
    const perm = createRng(seed).fork('labelled').shuffle(Array.from({ length: n }, (_, i) => i));
    for (let i = 0; i < count; i++) mask[perm[i]] = 1;
  }
  return mask;
}

interface FastSource {
  renderInto(index: number, images: Float32Array, offset: number, coords?: Float32Array, coordOffset?: number, visible?: Float32Array, visOffset?: number): void;
  idOf(index: number): string;
  imageSize: { width: number; height: number };
}

function fastPath(source: SampleSource): FastSource | null {
  const s = source as unknown as Partial<FastSource>;
  return typeof s.renderInto === 'function' && typeof s.idOf === 'function' && s.imageSize ? (s as FastSource) : null;
}

/** Turns a plain batch into tensors the caller owns. */
export function batchToTensors(b: ArrayBatch): TensorBatch {
  const images = tf.tensor4d(b.images, [b.batch, b.height, b.width, 3]);
  const poses = tf.tensor2d(b.poses, [b.batch, 2 * b.joints]);
  const visible = tf.tensor2d(b.visible, [b.batch, b.joints]);
  const labelled = tf.tensor1d(b.labelled);
  const heatmaps = b.heatmaps ? tf.tensor4d(b.heatmaps, [b.batch, b.height, b.width, b.joints]) : undefined;
  return {
    images,
    poses,
    visible,
    labelled,
    heatmaps,
    ids: b.ids,
    indices: b.indices,
    epoch: b.epoch,
    step: b.step,
    dispose: () => {
      images.dispose();
      poses.dispose();
      visible.dispose();
      labelled.dispose();
      heatmaps?.dispose();
    },
  };
}

/** What building a batch needs to know about its source (shared by the single and pair batchers). */
interface BuildContext {
  source: SampleSource;
  fast: FastSource | null;
  skeleton: Skeleton;
  heatmaps: BatcherConfig['heatmaps'];
  hideUnlabelled: boolean;
  dims: { h: number; w: number } | null;
}

function makeContext(source: SampleSource, heatmaps: BatcherConfig['heatmaps'], hideUnlabelled: boolean): BuildContext {
  const fast = fastPath(source);
  return {
    source,
    fast,
    skeleton: getSkeleton(source.skeleton, 'source.skeleton'),
    heatmaps,
    hideUnlabelled,
    dims: fast ? { h: fast.imageSize.height, w: fast.imageSize.width } : null,
  };
}

/** Loads/renders the samples `idx` into one ArrayBatch (flips, labels, normalisation, heatmaps). */
async function buildBatch(
  ctx: BuildContext,
  idx: number[],
  fl: boolean[],
  labelledOf: (index: number) => number,
  epoch: number,
  step: number,
): Promise<ArrayBatch> {
  const { source, fast, skeleton } = ctx;
  const J = skeleton.joints.length;
  const B = idx.length;
  let samples: Sample[] | null = null;
  if (!fast) {
    samples = await Promise.all(idx.map((i) => source.get(i)));
    if (!ctx.dims) ctx.dims = { h: samples[0].image.height, w: samples[0].image.width };
  } else {
    await Promise.resolve(); // render in a later microtask so next() returns first
  }
  const { h: H, w: W } = ctx.dims as { h: number; w: number };
  const px = H * W * 3;
  const images = new Float32Array(B * px);
  const posesPx = new Float32Array(B * 2 * J);
  const visible = new Float32Array(B * J);
  const ids: string[] = [];
  for (let b = 0; b < B; b++) {
    if (fast) {
      fast.renderInto(idx[b], images, b * px, posesPx, b * 2 * J, visible, b * J);
      ids.push(fast.idOf(idx[b]));
    } else {
      const s = (samples as Sample[])[b];
      if (s.image.width !== W || s.image.height !== H || s.image.data.length !== px) {
        throw new DGPoseError('E_SHAPE', 'all samples of a batcher must have the same image size', {
          argument: `sample ${s.id}`,
          expected: [H, W, 3],
          got: [s.image.height, s.image.width, s.image.data.length / (s.image.height * s.image.width)],
        });
      }
      if (s.pose.skeleton !== source.skeleton || s.pose.keypoints.length !== J) {
        throw new DGPoseError('E_JOINTS', 'sample pose does not match the source skeleton', {
          argument: `sample ${s.id}`,
          expected: `${source.skeleton} (${J} joints)`,
          got: `${s.pose.skeleton} (${s.pose.keypoints.length} joints)`,
        });
      }
      const d = s.image.data;
      const o = b * px;
      for (let i = 0; i < px; i++) images[o + i] = d[i] / 127.5 - 1;
      s.pose.keypoints.forEach((k, j) => {
        // labelled only on the frame: the pixels' extent [-0.5, W - 0.5] (centres 0..W-1), as the loaders keep it
        if (k && k.x >= -0.5 && k.x <= W - 0.5 && k.y >= -0.5 && k.y <= H - 0.5) {
          posesPx[b * 2 * J + 2 * j] = k.x;
          posesPx[b * 2 * J + 2 * j + 1] = k.y;
          visible[b * J + j] = 1;
        }
      });
      ids.push(s.id);
    }
    if (fl[b]) {
      flipImageInPlace(images, b * px, W, H, 3);
      flipPoseArraysInPlace(posesPx, b * 2 * J, visible, b * J, W, skeleton);
    }
  }
  const labelled = new Float32Array(B);
  for (let b = 0; b < B; b++) {
    labelled[b] = labelledOf(idx[b]);
    if (ctx.hideUnlabelled && !labelled[b]) {
      posesPx.fill(0, b * 2 * J, (b + 1) * 2 * J);
      visible.fill(0, b * J, (b + 1) * J);
    }
  }
  const poses = new Float32Array(B * 2 * J);
  for (let b = 0; b < B; b++) {
    for (let j = 0; j < J; j++) {
      if (!visible[b * J + j]) continue;
      poses[b * 2 * J + 2 * j] = pixelToNormalized(posesPx[b * 2 * J + 2 * j], W);
      poses[b * 2 * J + 2 * j + 1] = pixelToNormalized(posesPx[b * 2 * J + 2 * j + 1], H);
    }
  }
  let heatmaps: Float32Array | undefined;
  if (ctx.heatmaps !== false) {
    const hm = H * W * J;
    heatmaps = new Float32Array(B * hm);
    const sigma = ctx.heatmaps.sigma ?? defaultHeatmapSigma(H);
    for (let b = 0; b < B; b++) {
      gaussianHeatmapsInto(heatmaps, b * hm, posesPx.subarray(b * 2 * J, (b + 1) * 2 * J), visible.subarray(b * J, (b + 1) * J), W, H, sigma);
    }
  }
  return { images, poses, posesPx, visible, labelled, heatmaps, batch: B, height: H, width: W, joints: J, ids, indices: idx, flipped: fl, epoch, step };
}

type Cursor = { epoch: number; position: number; step: number };

/**
 * Epoch e's visiting order over M items (a permutation from `fork(prefix + 'epoch:e')`, identity
 * without shuffle) and its flips (`fork(prefix + 'flip:e')`): pure in (seed, prefix, e). The last
 * three epochs are cached.
 */
function epochPlanner(M: number, seed: number, shuffle: boolean, flip: boolean, prefix: string): (e: number) => { order: number[]; flips: Uint8Array } {
  const root = createRng(seed);
  const items = Array.from({ length: M }, (_, i) => i);
  const cache = new Map<number, { order: number[]; flips: Uint8Array }>();
  return (e) => {
    let p = cache.get(e);
    if (!p) {
      const order = shuffle ? root.fork(`${prefix}epoch:${e}`).shuffle(items.slice()) : items.slice();
      const flips = new Uint8Array(M);
      if (flip) {
        const fr = root.fork(`${prefix}flip:${e}`);
        for (let i = 0; i < M; i++) flips[i] = fr.next() < 0.5 ? 1 : 0;
      }
      p = { order, flips };
      if (cache.size >= 3) cache.delete(cache.keys().next().value as number);
      cache.set(e, p);
    }
    return p;
  };
}

/**
 * The epoch/prefetch machinery over M items: epoch e visits them in a permutation from
 * `fork('epoch:e')` (identity without shuffle) with flips from `fork('flip:e')`; `build` turns a
 * slice of the order into a batch. Pure in (seed, epoch), so a cursor is a complete state.
 */
function createStream<T>(o: {
  M: number;
  batchSize: number;
  dropLast: boolean;
  seed: number;
  shuffle: boolean;
  flip: boolean;
  prefetch: number;
  start: Cursor;
  build: (items: number[], flips: boolean[], at: Cursor) => Promise<T>;
}): { next(): Promise<T>; cursor(): Cursor; close(): Promise<void>; batchesPerEpoch: number } {
  const { M, batchSize } = o;
  const batchesPerEpoch = o.dropLast ? Math.floor(M / batchSize) : Math.ceil(M / batchSize);
  const epochPlan = epochPlanner(M, o.seed, o.shuffle, o.flip, '');
  let cursor: Cursor = { ...o.start };
  // the scheduler runs ahead of the consumer by the prefetched batches
  let sched: Cursor = { ...cursor };
  let queue: Array<{ promise: Promise<T>; at: Cursor }> = [];
  const advance = (c: Cursor): Cursor => {
    let position = c.position + batchSize;
    let epoch = c.epoch;
    if (position >= batchesPerEpoch * batchSize || position >= M) {
      epoch += 1;
      position = 0;
    }
    return { epoch, position, step: c.step + 1 };
  };
  const schedule = (): void => {
    const at = sched;
    const plan = epochPlan(at.epoch);
    const end = Math.min(at.position + batchSize, M);
    const promise = o.build(
      plan.order.slice(at.position, end),
      Array.from(plan.flips.subarray(at.position, end), (v) => v === 1),
      at,
    );
    promise.catch(() => undefined); // surfaced when this batch is requested
    queue.push({ promise, at });
    sched = advance(sched);
  };
  return {
    batchesPerEpoch,
    next: () => {
      if (queue.length === 0) schedule();
      const item = queue.shift() as { promise: Promise<T>; at: Cursor };
      cursor = advance(item.at);
      while (queue.length < o.prefetch) schedule();
      return item.promise;
    },
    cursor: () => ({ ...cursor }),
    close: async () => {
      const pending = queue;
      queue = [];
      sched = { ...cursor };
      await Promise.allSettled(pending.map((q) => q.promise));
    },
  };
}

/** Checks a saved state against the batcher's own values and returns its cursor (E_CONFIG otherwise). */
function resumeCursor(s0: unknown, expect: Array<[string, unknown]>, epochLength: number): Cursor {
  const s = s0 as Record<string, unknown>;
  if (typeof s !== 'object' || s === null || s.version !== 1) bad('state', 'a state from state() (version 1)', s0);
  for (const [k, v] of expect) if (s[k] !== v) bad(`state.${k}`, `${String(v)} (the batcher's own value)`, s[k]);
  const ok = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;
  if (!ok(s.epoch) || !ok(s.position) || !ok(s.step) || s.position >= epochLength) {
    bad('state', 'non-negative integers epoch, position (inside the epoch), step', s0);
  }
  return { epoch: s.epoch as number, position: s.position as number, step: s.step as number };
}

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
  if (!source || typeof source.get !== 'function' || !Number.isInteger(source.size)) bad('source', 'a SampleSource', source);
  const cfg = validateBatcherConfig(rest);
  const N = source.size;
  if (N < 1) throw new DGPoseError('E_EMPTY', 'the source has no samples', { argument: 'source', expected: '>= 1 samples', got: N });
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
  if (M === 0) throw new DGPoseError('E_EMPTY', `the '${what}' subset is empty`, { argument: 'subset', expected: '>= 1 samples', got: 0 });
  if (cfg.dropLast && M < rowsPerBatch) bad('batchSize', `<= ${M + L} (the ${what} subset size${L > 0 ? ' + labelledPerBatch' : ''}) when dropLast is true`, cfg.batchSize);
  if (L > labelledMembers.length && L > 0) bad('labelledPerBatch', `<= ${labelledMembers.length} (the labelled subset size)`, L);
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
    return { rows: plan.order.slice(at, at + L).map((k) => labelledMembers[k]), flips: Array.from(plan.flips.subarray(at, at + L), (v) => v === 1) };
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
      return buildBatch(ctx, [...lab.rows, ...items.map((k) => members[k])], [...lab.flips, ...flips], (i) => mask[i], at.epoch, at.step);
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

/** Configuration of {@link createPairBatcher}: the batcher's fields that make sense for pairs. */
export type PairBatcherConfig = Pick<BatcherConfig, 'batchSize' | 'seed' | 'shuffle' | 'flip' | 'heatmaps' | 'prefetch' | 'dropLast'>;

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
  if (!source || typeof source.get !== 'function' || !Number.isInteger(source.size)) bad('source', 'a SampleSource', source);
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
  if (!Array.isArray(pairs) || pairs.length === 0) bad('pairs', 'a non-empty list of [from, to] indices (or a source with pairs())', pairs);
  const N = source.size;
  pairs.forEach((p, k) => {
    if (!Array.isArray(p) || p.length !== 2 || !p.every((i) => Number.isInteger(i) && i >= 0 && i < N)) {
      bad(`pairs[${k}]`, `[from, to] with indices in [0, ${N - 1}]`, p);
    }
  });
  const M = pairs.length;
  if (cfg.dropLast && M < cfg.batchSize) bad('batchSize', `<= ${M} (the number of pairs) when dropLast is true`, cfg.batchSize);
  const ctx = makeContext(source, cfg.heatmaps, false);
  const epochLength = (cfg.dropLast ? Math.floor(M / cfg.batchSize) : Math.ceil(M / cfg.batchSize)) * cfg.batchSize;
  const start =
    resume === undefined
      ? { epoch: 0, position: 0, step: 0 }
      : resumeCursor(resume, [['seed', cfg.seed], ['pairCount', M], ['batchSize', cfg.batchSize]], epochLength);
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
      const from = await buildBatch(ctx, items.map((k) => pairs[k][0]), flips, one, at.epoch, at.step);
      const to = await buildBatch(ctx, items.map((k) => pairs[k][1]), flips, one, at.epoch, at.step);
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
      return { version: 1, seed: cfg.seed, pairCount: M, batchSize: cfg.batchSize, epoch: c.epoch, position: c.position, step: c.step };
    },
    close: stream.close,
  };
}
