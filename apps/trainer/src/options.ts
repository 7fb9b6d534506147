/*
 * Options of dgpose-train: one typed, validated object shared by the CLI, the programmatic
 * `train()`, the JSON config file and the `config.json` written into every output folder.
 */
import { BACKEND_NAMES, DGPoseError, type BackendName } from '@dgpose/core';
import { PRESET_NAMES, type PresetName } from '@dgpose/models';

export const MODEL_KINDS = ['conditional', 'semi'] as const;
export type ModelKindName = (typeof MODEL_KINDS)[number];

// the model presets are defined once, by @dgpose/models
export { PRESET_NAMES };
export type PresetNameOption = PresetName;

export const DATASET_NAMES = ['synthetic', 'deepfashion', 'h36m', 'chictopia'] as const;
export type DatasetName = (typeof DATASET_NAMES)[number];

/** Supervision fractions of the paper's Semi-DGPose experiments (any value in (0, 1] is accepted). */
export const PAPER_SUPERVISION = [0.25, 0.5, 0.75, 1] as const;

/** Everything a training run needs (besides hooks); stored in `config.json`. */
export interface TrainConfig {
  /** Conditional-DGPose (poses always given) or Semi-DGPose (poses partly latent). */
  model: ModelKindName;
  /** Model preset (network size); `modelConfig` overrides single fields of it. */
  preset: PresetNameOption;
  /** Overrides of the model's config (fields of ConditionalConfig / SemiConfig), e.g. from --config. */
  modelConfig: Record<string, unknown>;
  /** Training data: the built-in synthetic people, or a real data set under `root`. */
  dataset: DatasetName;
  /** Data root of a real data set (required unless dataset is 'synthetic'). */
  root: string | null;
  /** Image side in pixels (square); null = the preset's image size. */
  size: number | null;
  /** Fraction in (0, 1] of the training set whose poses may be used (Semi: the labelled subset;
   * Conditional: trains on that subset only, since it needs every pose). */
  supervision: number;
  /**
   * Semi only: the supervised-only baseline. The model trains q(y|x) alone (models' `supervisedOnly`) and
   * every batch is drawn from the labelled subset (the one a Semi run with the same supervision and seed
   * labels), with the same batch size and steps.
   */
  supervisedOnly: boolean;
  /**
   * Semi only (supervision < 1): labelled rows in every batch, drawn from the labelled subset's own
   * shuffled stream, the rest unlabelled (datasets' `labelledPerBatch`). null = each batch is a slice of
   * one shuffled order, so about supervision x batch rows are labelled.
   */
  labelledPerBatch: number | null;
  /** Total optimisation steps (a resumed run continues up to this count). */
  steps: number;
  /** Images per step; null = 8 for the tiny preset, 16 otherwise. */
  batchSize: number | null;
  /** Learning rate; null = the model config's. */
  lr: number | null;
  /** Seed of the model initialisation, the data order, flips and the labelled subset. */
  seed: number;
  /** Output folder (see README: config.json, log.jsonl, checkpoints/, samples/, final/). */
  out: string;
  /** Replace the trainer's files in an existing output folder. */
  force: boolean;
  /** Continue from the newest complete checkpoint in `out`. */
  resume: boolean;
  /**
   * Start from the weights in this folder (a run's `final/`, a checkpoint's `weights/`, a `saveModel` or zoo
   * weights folder) instead of a fresh initialisation: the optimizer starts fresh at step 0. The weights must
   * be of the same model kind and architecture (E_WEIGHTS_MISMATCH names the first entry that is not).
   * Step-based schedules (the KL warm-up) restart from step 0: `modelConfig.klWarmupSteps: 0` keeps the
   * full KL weight. null = a fresh initialisation from `seed`. A resume reads the weights from its checkpoint.
   */
  init: string | null;
  /** Write a checkpoint every N steps (0 = only at the end and on a signal). */
  checkpointEvery: number;
  /** Checkpoints kept (the newest K; >= 1). */
  keep: number;
  /** Write a sample grid every N steps (0 = only at the end). */
  sampleEvery: number;
  /** Log (JSONL line and progress) every N steps. */
  logEvery: number;
  /** tfjs backend: 'auto' tries tensorflow, wasm, cpu; null keeps the current one (programmatic use). */
  backend: BackendName | 'auto' | null;
  /** wasm threads: 1 or 2 (see @dgpose/core initBackend). */
  threads: number;
  /** No progress bar: plain periodic lines only. */
  quiet: boolean;
  /** Horizontal flip augmentation. */
  flip: boolean;
  /**
   * Synthetic data: identities and poses per identity of the training set, and its seed. Many identities
   * are what makes appearance generalise to unseen people (100 identities left transfers grey); the
   * seed differs from the benchmark's test split (seed 0), so no test identity is trained on.
   */
  syntheticIdentities: number;
  syntheticPoses: number;
  syntheticSeed: number;
  /** Rows of the sample grid. */
  sampleRows: number;
}

export const DEFAULT_TRAIN_CONFIG: Readonly<TrainConfig> = Object.freeze({
  model: 'conditional',
  preset: 'tiny',
  modelConfig: {},
  dataset: 'synthetic',
  root: null,
  size: null,
  supervision: 1,
  supervisedOnly: false,
  labelledPerBatch: null,
  steps: 1000,
  batchSize: null,
  lr: null,
  seed: 0,
  out: 'runs/dgpose',
  force: false,
  resume: false,
  init: null,
  checkpointEvery: 500,
  keep: 3,
  sampleEvery: 500,
  logEvery: 10,
  backend: 'auto',
  threads: 1,
  quiet: false,
  flip: true,
  syntheticIdentities: 20000,
  syntheticPoses: 16,
  syntheticSeed: 1,
  sampleRows: 4,
} as TrainConfig);

/** Fields that may differ between a run and its resumption (everything else must match). */
export const RESUME_MUTABLE: readonly (keyof TrainConfig)[] = Object.freeze([
  'steps',
  'out',
  'force',
  'resume',
  'checkpointEvery',
  'keep',
  'sampleEvery',
  'logEvery',
  'backend',
  'threads',
  'quiet',
  'root',
]);

function bad(argument: string, expected: string, got: unknown): never {
  throw new DGPoseError('E_CONFIG', `invalid training option ${argument}`, { argument, expected, got });
}

const isInt = (v: unknown, min: number): boolean => typeof v === 'number' && Number.isInteger(v) && v >= min;

function oneOf<T extends string>(name: string, v: unknown, valid: readonly T[], what: string): T {
  if (typeof v !== 'string' || !(valid as readonly string[]).includes(v)) {
    throw new DGPoseError('E_CONFIG', `unknown ${what} ${JSON.stringify(v)}; valid ${what}s: ${valid.join(', ')}`, {
      argument: name,
      expected: valid,
      got: v,
    });
  }
  return v as T;
}

/**
 * Fills defaults and validates; throws `DGPoseError('E_CONFIG')` naming the field (an unknown
 * preset, model, data set or backend lists the valid names).
 */
export function validateTrainConfig(partial: Partial<TrainConfig> = {}): TrainConfig {
  if (typeof partial !== 'object' || partial === null || Array.isArray(partial)) bad('options', 'an object', partial);
  for (const k of Object.keys(partial)) {
    // own keys only: `k in` would take 'constructor', 'toString' or '__proto__' (JSON.parse makes it an own key) for options
    if (!Object.hasOwn(DEFAULT_TRAIN_CONFIG, k)) bad(k, `one of ${Object.keys(DEFAULT_TRAIN_CONFIG).join(', ')}`, k);
  }
  const mc = (partial as { modelConfig?: unknown }).modelConfig;
  if (mc !== undefined && (typeof mc !== 'object' || mc === null || Array.isArray(mc)))
    bad('modelConfig', 'an object of model config fields', mc);
  const defined = Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined));
  const c: TrainConfig = {
    ...DEFAULT_TRAIN_CONFIG,
    ...defined,
    modelConfig: { ...(mc as Record<string, unknown> | undefined) },
  };
  c.model = oneOf('model', c.model, MODEL_KINDS, 'model');
  c.preset = oneOf('preset', c.preset, PRESET_NAMES, 'preset');
  c.dataset = oneOf('dataset', c.dataset, DATASET_NAMES, 'dataset');
  if (c.dataset === 'synthetic') {
    if (c.root !== null) bad('root', 'no --root with the synthetic data set (it is built in)', c.root);
  } else if (typeof c.root !== 'string' || c.root === '') {
    bad('root', `the folder of the ${c.dataset} data set (--root DIR)`, c.root);
  }
  if (c.size !== null && !(isInt(c.size, 32) && c.size <= 1024))
    bad('size', 'an integer in [32, 1024] (pixels)', c.size);
  if (typeof c.supervision !== 'number' || !(c.supervision > 0 && c.supervision <= 1)) {
    bad('supervision', `a fraction in (0, 1], e.g. ${PAPER_SUPERVISION.join(', ')}`, c.supervision);
  }
  if (typeof c.supervisedOnly !== 'boolean') bad('supervisedOnly', 'a boolean', c.supervisedOnly);
  if (c.supervisedOnly && c.model !== 'semi')
    bad(
      'supervisedOnly',
      "only with model semi (--model semi --supervised-only): the baseline is Semi-DGPose's q(y|x) alone",
      c.model,
    );
  if (Object.hasOwn(c.modelConfig, 'supervisedOnly') && c.modelConfig.supervisedOnly !== c.supervisedOnly) {
    bad(
      'modelConfig.supervisedOnly',
      `the same as supervisedOnly (${c.supervisedOnly}), or left out: set it with --supervised-only`,
      c.modelConfig.supervisedOnly,
    );
  }
  if (c.labelledPerBatch !== null) {
    if (!isInt(c.labelledPerBatch, 1)) bad('labelledPerBatch', 'an integer >= 1, or null', c.labelledPerBatch);
    if (c.model !== 'semi' || c.supervisedOnly)
      bad(
        'labelledPerBatch',
        'only with model semi (not --supervised-only): it mixes labelled and unlabelled rows',
        c.model,
      );
    if (c.supervision >= 1)
      bad('labelledPerBatch', 'only with supervision < 1 (at 1 every row is labelled)', c.labelledPerBatch);
  }
  if (!isInt(c.steps, 1)) bad('steps', 'an integer >= 1', c.steps);
  if (c.batchSize !== null && !isInt(c.batchSize, 1)) bad('batchSize', 'an integer >= 1', c.batchSize);
  if (c.lr !== null && !(typeof c.lr === 'number' && Number.isFinite(c.lr) && c.lr > 0))
    bad('lr', 'a finite number > 0', c.lr);
  if (!(typeof c.seed === 'number' && Number.isSafeInteger(c.seed) && c.seed >= 0))
    bad('seed', 'a non-negative safe integer', c.seed);
  if (typeof c.out !== 'string' || c.out === '') bad('out', 'a folder path', c.out);
  for (const k of ['force', 'resume', 'quiet', 'flip'] as const)
    if (typeof c[k] !== 'boolean') bad(k, 'a boolean', c[k]);
  // --force clears the folder's run, --resume continues it: together one of them would be ignored
  if (c.init !== null && (typeof c.init !== 'string' || c.init === ''))
    bad('init', 'a weights folder path, or null', c.init);
  if (c.resume && c.force)
    bad('force', 'not with resume: --force replaces the run in --out, --resume continues it', 'both');
  if (!isInt(c.checkpointEvery, 0)) bad('checkpointEvery', 'an integer >= 0 (0 = only at the end)', c.checkpointEvery);
  if (!isInt(c.keep, 1)) bad('keep', 'an integer >= 1', c.keep);
  if (!isInt(c.sampleEvery, 0)) bad('sampleEvery', 'an integer >= 0 (0 = only at the end)', c.sampleEvery);
  if (!isInt(c.logEvery, 1)) bad('logEvery', 'an integer >= 1', c.logEvery);
  if (c.backend !== null && c.backend !== 'auto') c.backend = oneOf('backend', c.backend, BACKEND_NAMES, 'backend');
  if (c.threads !== 1 && c.threads !== 2)
    bad('threads', "1 or 2 (wasm threads; 2 = @dgpose/core's patched two-thread wasm)", c.threads);
  if (!isInt(c.syntheticIdentities, 2)) bad('syntheticIdentities', 'an integer >= 2', c.syntheticIdentities);
  if (!isInt(c.syntheticPoses, 1)) bad('syntheticPoses', 'an integer >= 1', c.syntheticPoses);
  if (!Number.isSafeInteger(c.syntheticSeed)) bad('syntheticSeed', 'a safe integer', c.syntheticSeed);
  if (!isInt(c.sampleRows, 2) || c.sampleRows > 16) bad('sampleRows', 'an integer in [2, 16]', c.sampleRows);
  if (c.labelledPerBatch !== null && c.labelledPerBatch >= resolvedBatchSize(c)) {
    bad(
      'labelledPerBatch',
      `< the batch size (${resolvedBatchSize(c)}), leaving room for unlabelled rows`,
      c.labelledPerBatch,
    );
  }
  return c;
}

/** The batch size a run uses (the option, or 8 for tiny and 16 otherwise). */
export function resolvedBatchSize(c: TrainConfig): number {
  return c.batchSize ?? (c.preset === 'tiny' ? 8 : 16);
}
