/*
 * Options of dgpose-bench run, typed and validated (E_CONFIG naming the field; unknown names and
 * values list the valid ones), as every config of the repo (CONVENTIONS.md rule 8).
 */
import { DGPoseError } from '@dgpose/core';

export const DATASETS = Object.freeze(['synthetic', 'deepfashion', 'h36m', 'chictopia'] as const);
export type DatasetName = (typeof DATASETS)[number];
export const BACKENDS = Object.freeze(['auto', 'tensorflow', 'wasm', 'cpu'] as const);
export type BackendChoice = (typeof BACKENDS)[number];
export const ESTIMATORS = Object.freeze(['auto', 'regressor', 'movenet', 'none'] as const);
export type EstimatorChoice = (typeof ESTIMATORS)[number];
/**
 * Estimators whose ceiling can be measured besides the run's: `auto` = every available one that is
 * not the run's (the zoo's regressor, MoveNet lightning), `none` = only the run's estimator.
 */
export const CEILING_ESTIMATORS = Object.freeze(['auto', 'none', 'regressor', 'movenet', 'movenet-lightning'] as const);
export type CeilingEstimatorChoice = (typeof CEILING_ESTIMATORS)[number];
export const SSIM_CHOICES = Object.freeze(['pg2', 'wang'] as const);
export const SPEED_PRESETS = Object.freeze(['tiny', 'small', 'paper'] as const);

/** Which slice of the selected test images this run evaluates: index in 0..count-1. */
export interface Shard {
  index: number;
  count: number;
}

export interface BenchConfig {
  /** Zoo entries to evaluate (@dgpose/zoo names). Empty with no checkpoints = every DGPose model of the zoo. */
  models: string[];
  /** Model folders to evaluate: saveModel output, a checkpoint folder, or a dgpose-train run folder. */
  checkpoints: string[];
  /** Test data: the built-in synthetic people or a real data set (needs `root`). */
  dataset: DatasetName;
  /** Root of a real data set (layouts in @dgpose/datasets). */
  root?: string;
  /** DeepFashion: annotated images absent from the images folder are skipped (counted) instead of refused. */
  skipMissing: boolean;
  /** Test images evaluated (an evenly spaced, deterministic selection of the test split); 0 = all. */
  n: number;
  /** Transfer pairs scored (same identity, other pose; evenly spaced over the split's pairs); 0 = none. */
  pairs: number;
  /** Evaluate only the i-th of n contiguous slices of the selection (merge the shards' folders after). */
  shard: Shard;
  /** Output folder. */
  out: string;
  /** Replace the benchmark's files in an existing output folder. */
  force: boolean;
  /** tfjs backend (core's initBackend; auto = tensorflow, wasm, cpu in that order). */
  backend: BackendChoice;
  /** wasm threads (core's initBackend). */
  threads: number;
  /** SSIM convention (@dgpose/metrics): pg2 = PG2's score.py (7x7 uniform), wang = Gaussian 11x11. */
  ssim: 'pg2' | 'wang';
  /** Pose estimator for poses re-detected in generated images (auto: regressor on synthetic data, MoveNet on real). */
  estimator: EstimatorChoice;
  /** Folder of pose-regressor weights to use instead of the zoo's pose-regressor-64. */
  estimatorWeights?: string;
  /**
   * Estimators, besides the run's, run on the ground-truth test images (their ceiling) and on the
   * transfers, so that re-detected transfer PCKh is reported as a fraction of each one's ceiling:
   * `['auto']` (every available one; MoveNet skipped with a notice when its files are missing),
   * `['none']`, or a list of `regressor`, `movenet` (thunder), `movenet-lightning`.
   */
  ceilingEstimators: CeilingEstimatorChoice[];
  /** Folder of MoveNet's `movenet-<variant>.json` + `.bin` (default: env DGPOSE_MOVENET_DIR, else ../shared/data/realdata/models beside the repository). */
  movenetDir?: string;
  /** Folder of zoo weights (`<name>/model.json`) instead of the zoo package's own. */
  zooWeights?: string;
  /** Images per forward pass. */
  batchSize: number;
  /** Rows of each model's image grid. */
  gridRows: number;
  /** Run the speed section (training step, inference per verb, metric throughput). */
  speed: boolean;
  /** Preset of the model whose training step is timed. */
  speedPreset: 'tiny' | 'small' | 'paper';
  /** Timed training steps (after one warm-up step). */
  speedSteps: number;
  /** Synthetic data: seed, identities and poses per identity (defaults = the zoo's evaluation split). */
  seed: number;
  syntheticIdentities: number;
  syntheticPoses: number;
  /** Image side for real data sets when no model fixes it (models are evaluated at their own size). */
  size?: number;
  /** No progress lines on stderr. */
  quiet: boolean;
}

export const DEFAULT_BENCH_CONFIG: Readonly<BenchConfig> = Object.freeze({
  models: [],
  checkpoints: [],
  dataset: 'synthetic',
  skipMissing: false,
  n: 96,
  pairs: 96,
  shard: { index: 0, count: 1 },
  out: 'out/bench',
  force: false,
  backend: 'auto',
  threads: 1,
  ssim: 'pg2',
  estimator: 'auto',
  ceilingEstimators: ['auto'],
  batchSize: 16,
  gridRows: 4,
  speed: true,
  speedPreset: 'small',
  speedSteps: 3,
  seed: 0,
  syntheticIdentities: 100,
  syntheticPoses: 16,
  quiet: false,
} as BenchConfig);

function bad(argument: string, expected: unknown, got: unknown): never {
  throw new DGPoseError('E_CONFIG', `invalid benchmark option: ${argument}`, { argument, expected, got });
}

function oneOf<T extends string>(argument: string, v: unknown, valid: readonly T[]): T {
  if (typeof v !== 'string' || !(valid as readonly string[]).includes(v)) {
    throw new DGPoseError('E_CONFIG', `unknown ${argument} '${String(v)}'; valid: ${valid.join(', ')}`, {
      argument,
      expected: [...valid],
      got: v,
    });
  }
  return v as T;
}

function int(argument: string, v: unknown, min: number): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) bad(argument, `an integer >= ${min}`, v);
  return v;
}

/** Parses `i/n` (0 <= i < n). */
export function parseShard(text: string): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(String(text));
  if (!m) bad('shard', 'i/n with 0 <= i < n, e.g. 0/4', text);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || index >= count) bad('shard', 'i/n with 0 <= i < n, e.g. 0/4', text);
  return { index, count };
}

/** Options without a default. */
const OPTIONAL_KEYS: readonly string[] = ['root', 'estimatorWeights', 'movenetDir', 'zooWeights', 'size'];

/** Fills defaults and validates. */
export function validateBenchConfig(partial: Partial<BenchConfig> = {}): BenchConfig {
  if (typeof partial !== 'object' || partial === null) bad('options', 'an object', partial);
  for (const k of Object.keys(partial)) {
    if (!(k in DEFAULT_BENCH_CONFIG) && !OPTIONAL_KEYS.includes(k)) {
      throw new DGPoseError('E_CONFIG', `unknown benchmark option '${k}'`, {
        argument: k,
        expected: [...Object.keys(DEFAULT_BENCH_CONFIG), ...OPTIONAL_KEYS],
      });
    }
  }
  const defined = Object.fromEntries(
    Object.entries(partial).filter(([, v]) => v !== undefined),
  ) as Partial<BenchConfig>;
  const c: BenchConfig = {
    ...DEFAULT_BENCH_CONFIG,
    ...defined,
    shard: { ...(defined.shard ?? DEFAULT_BENCH_CONFIG.shard) },
  };
  const strings = (argument: string, v: unknown): string[] => {
    if (!Array.isArray(v) || !v.every((s) => typeof s === 'string' && s.length > 0))
      bad(argument, 'a list of non-empty strings', v);
    return [...v];
  };
  c.models = strings('models', c.models);
  c.checkpoints = strings('checkpoints', c.checkpoints);
  c.dataset = oneOf('dataset', c.dataset, DATASETS);
  if (c.dataset !== 'synthetic' && (typeof c.root !== 'string' || c.root === '')) {
    throw new DGPoseError('E_CONFIG', `--dataset ${c.dataset} needs --root DIR (the data set's folder)`, {
      argument: 'root',
      expected: 'a folder',
      got: c.root,
    });
  }
  if (c.dataset === 'synthetic' && c.root !== undefined)
    bad('root', 'no --root with the built-in synthetic data', c.root);
  if (typeof c.skipMissing !== 'boolean') bad('skipMissing', 'a boolean', c.skipMissing);
  c.n = int('n', c.n, 0);
  c.pairs = int('pairs', c.pairs, 0);
  if (
    typeof c.shard !== 'object' ||
    !Number.isSafeInteger(c.shard.index) ||
    !Number.isSafeInteger(c.shard.count) ||
    c.shard.count < 1 ||
    c.shard.index < 0 ||
    c.shard.index >= c.shard.count
  ) {
    bad('shard', 'i/n with 0 <= i < n', c.shard);
  }
  if (typeof c.out !== 'string' || c.out === '') bad('out', 'a folder path', c.out);
  if (typeof c.force !== 'boolean') bad('force', 'a boolean', c.force);
  c.backend = oneOf('backend', c.backend, BACKENDS);
  c.threads = int('threads', c.threads, 1);
  c.ssim = oneOf('ssim', c.ssim, SSIM_CHOICES);
  c.estimator = oneOf('estimator', c.estimator, ESTIMATORS);
  if (c.estimatorWeights !== undefined && (typeof c.estimatorWeights !== 'string' || c.estimatorWeights === ''))
    bad('estimatorWeights', 'a folder', c.estimatorWeights);
  // The weights are the regressor's: with any other estimator they would be ignored without a word.
  if (
    c.estimatorWeights !== undefined &&
    !(c.estimator === 'regressor' || (c.estimator === 'auto' && c.dataset === 'synthetic'))
  ) {
    throw new DGPoseError(
      'E_CONFIG',
      `--estimator-weights (pose-regressor weights) go with --estimator regressor, or auto on the synthetic data; with --estimator ${c.estimator}${c.estimator === 'auto' ? ` on ${c.dataset}` : ''} they would be unused`,
      {
        argument: 'estimatorWeights',
        expected: '--estimator regressor (or auto with --dataset synthetic)',
        got: `--estimator ${c.estimator}${c.estimator === 'auto' ? ` --dataset ${c.dataset}` : ''}`,
      },
    );
  }
  if (!Array.isArray(c.ceilingEstimators) || c.ceilingEstimators.length === 0)
    bad('ceilingEstimators', `a list of ${CEILING_ESTIMATORS.join(', ')}`, c.ceilingEstimators);
  c.ceilingEstimators = [...new Set(c.ceilingEstimators.map((v) => oneOf('ceiling estimator', v, CEILING_ESTIMATORS)))];
  if (c.ceilingEstimators.length > 1 && c.ceilingEstimators.some((v) => v === 'auto' || v === 'none'))
    bad(
      'ceilingEstimators',
      "'auto' or 'none' alone, or a list of regressor, movenet, movenet-lightning",
      c.ceilingEstimators,
    );
  if (c.movenetDir !== undefined && (typeof c.movenetDir !== 'string' || c.movenetDir === ''))
    bad('movenetDir', 'a folder', c.movenetDir);
  if (c.zooWeights !== undefined && (typeof c.zooWeights !== 'string' || c.zooWeights === ''))
    bad('zooWeights', 'a folder', c.zooWeights);
  c.batchSize = int('batchSize', c.batchSize, 1);
  c.gridRows = int('gridRows', c.gridRows, 0);
  if (typeof c.speed !== 'boolean') bad('speed', 'a boolean', c.speed);
  c.speedPreset = oneOf('preset', c.speedPreset, SPEED_PRESETS);
  c.speedSteps = int('speedSteps', c.speedSteps, 1);
  c.seed = int('seed', c.seed, 0);
  c.syntheticIdentities = int('syntheticIdentities', c.syntheticIdentities, 1);
  c.syntheticPoses = int('syntheticPoses', c.syntheticPoses, 1);
  if (c.size !== undefined) c.size = int('size', c.size, 16);
  if (typeof c.quiet !== 'boolean') bad('quiet', 'a boolean', c.quiet);
  return c;
}

/** Selected positions of a test split: `n` evenly spaced indices of `0..size-1` (all when n = 0 or n >= size). */
export function selectIndices(size: number, n: number): number[] {
  if (n === 0 || n >= size) return Array.from({ length: size }, (_, i) => i);
  return Array.from({ length: n }, (_, k) => Math.floor((k * size) / n));
}

/** The contiguous slice [lo, hi) of `0..total-1` that shard i/n evaluates. */
export function shardRange(total: number, shard: Shard): [number, number] {
  return [Math.floor((shard.index * total) / shard.count), Math.floor(((shard.index + 1) * total) / shard.count)];
}
