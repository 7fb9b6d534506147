/*
 * results.json: every per-image number a run measured (so shards merge exactly: means are
 * recomputed from the union of per-image values), its provenance, and the summary derived from them.
 */
import type { GarmentColourError, GarmentColours } from './garment-colour';
import type { DatasetName } from './options';
import type { SwapRecord } from './appearance-swap';
import type { GenerationRecord } from './generation-spread';

export const RESULTS_FORMAT = 'dgpose-bench-results';
/** 2: transfer baselines, garment colours, estimator ceilings (version 1 shards cannot be merged with version 2). */
export const RESULTS_FORMAT_VERSION = 2;
/** The output folder's subfolder of grid PNGs; a model's `grid` in results.json is `grids/<name>.png`. */
export const GRIDS_DIR = 'grids';

/** A COCO-18 pose as plain JSON: [x, y] in pixels of the evaluated image per joint, null = missing. */
export type FlatPose = ([number, number] | null)[];

/** The test data one model ran on. */
export interface DataInfo {
  /** Short id, e.g. `synthetic-64` or `deepfashion-64`. */
  id: string;
  /** What a table row says about it, e.g. `synthetic-64 (built-in)`. */
  label: string;
  dataset: DatasetName;
  /** True for the built-in synthetic people (never one of the paper's data sets). */
  builtIn: boolean;
  split: string;
  imageSize: number;
  /** Images in the test split. */
  totalImages: number;
  /** Images selected for evaluation over all shards. */
  selected: number;
  /** Same-identity pairs of the split (0 when the data set has none) and how many are scored. */
  pairsTotal: number;
  pairsSelected: number;
  /** Whether a transfer has a ground-truth image (same identity, target pose). */
  transferGroundTruth: boolean;
  /** Whether the data has per-pixel part maps (garment regions): without them there is no appearance-fidelity table. */
  partMasks: boolean;
  /** How the data was opened (synthetic config, or the root folder). */
  details: Record<string, unknown>;
}

/** One evaluated test image. `k` = position in the selection (shard-independent). */
export interface ImageRecord {
  k: number;
  index: number;
  id: string;
  /**
   * PSNR of the reconstruction against the input (dB, data range 255); null = identical (infinite).
   * Absent, with `ssim`, for a supervised-only model (a pose estimator only: nothing is reconstructed).
   */
  psnr?: number | null;
  ssim?: number;
  /** Ground-truth pose (COCO-18, pixels). */
  gt: FlatPose;
  /** Pose re-detected in the reconstruction by the estimator. */
  redetected?: FlatPose;
  /** Semi-DGPose: the mean of q(y|x) on the input (its pose estimate). */
  estimated?: FlatPose;
  /** Mean of q(z|x,y) of the input (its pose: ground truth, Semi: estimated), for the active-unit count. */
  zMu?: number[];
  /** Spread on the person of prior samples in this image's pose, and of real people in it (generation-spread.ts). */
  generation?: GenerationRecord;
}

/** One scored transfer: appearance of `from` drawn in the pose of `to`. */
export interface PairRecord {
  k: number;
  from: number;
  to: number;
  /** Against the ground-truth target image (same identity); absent when there is none. */
  psnr?: number | null;
  ssim?: number;
  /** Baseline: the source image itself scored against the target. */
  copyPsnr?: number | null;
  copySsim?: number;
  /** Baseline: background only (each row filled with the mean of the source's two border pixels of that row). */
  bgPsnr?: number | null;
  bgSsim?: number;
  /** Baseline: the model's decoder with z = 0 and the target pose. */
  zeroPsnr?: number | null;
  zeroSsim?: number;
  /** High-frequency energy relative to the target's (sharpness.ts), of the transfer / copy / z = 0 decode; null: flat target. */
  sharpness?: number | null;
  copySharpness?: number | null;
  zeroSharpness?: number | null;
  /**
   * Garment colours (data with part maps only): the ground truth's mean colour per garment region of
   * its part map (the constant-colour baseline is derived from these over the selection), and the
   * colour error of the transfer and of each baseline over the same masks.
   */
  gtColour?: GarmentColours;
  colour?: GarmentColourError;
  copyColour?: GarmentColourError;
  bgColour?: GarmentColourError;
  zeroColour?: GarmentColourError;
  /** The source's own garment colours (over its part map) against the truth's: the measure's floor. */
  sourceColour?: GarmentColourError;
  /**
   * Swap test (appearance-swap.ts): A's appearance drawn in the pose of a test image of ANOTHER identity
   * (`swapWith`, data index); A's and that image's own garment colours and the output's over its masks.
   */
  swapWith?: number;
  swap?: SwapRecord;
  /** Target pose (the conditioning pose, ground truth for the re-detection). */
  gt: FlatPose;
  /** Pose re-detected in the transfer by the run's estimator. */
  redetected?: FlatPose;
  /** Poses re-detected in the transfer by the other ceiling estimators, by estimator name. */
  redetectedBy?: Record<string, FlatPose>;
}

export interface Timing {
  /** Wall milliseconds summed over calls. */
  ms: number;
  /** Images produced or scored. */
  images: number;
}

export interface ModelResult {
  /** Row label: the zoo name, or the checkpoint folder's name. */
  label: string;
  source: { type: 'zoo'; name: string } | { type: 'checkpoint'; dir: string };
  kind: 'conditional' | 'semi';
  /**
   * A Semi-DGPose model trained as the supervised-only baseline (models' `config.supervisedOnly`): only
   * its q(y|x) was trained, so only its pose estimation is evaluated (no reconstruction, transfer or grid).
   */
  supervisedOnly?: true;
  preset: string;
  supervision?: number;
  imageSize: number;
  paramCount: number;
  /** Training steps of the weights: the zoo entry's, a checkpoint's, or a dgpose-train run's; absent when unknown. */
  step?: number;
  /** Manifest kind and shard sha256s of the weights evaluated. */
  weightsKind: string;
  sha256: string[];
  /** How the reconstruction got its pose. */
  reconstructionPose: 'ground truth' | 'estimated (mean of q(y|x))' | 'none (supervised-only: pose estimation only)';
  dataId: string;
  images: ImageRecord[];
  pairs: PairRecord[];
  /** Inference timings per verb (reconstruct, transfer, estimatePose, generate). */
  timings: Record<string, Timing>;
  /** Grid PNG relative to the output folder (input | reconstruction | transfer | target). */
  grid?: string;
}

/** An estimator run on the real (ground-truth) images: its ceiling (of the re-detection curves for the run's estimator). */
export interface ReferenceResult {
  dataId: string;
  /** Estimator name (e.g. `pose-regressor-64`, `movenet-lightning`). */
  estimator: string;
  /** True for the run's estimator (the one that re-detects poses in reconstructions). */
  main: boolean;
  images: { k: number; index: number; gt: FlatPose; detected: FlatPose }[];
  timing: Timing;
}

export interface SpeedResult {
  backend: string;
  threads: number;
  /** Training step of a freshly created model of the preset (ms per step after a warm-up). */
  train?: {
    model: string;
    preset: string;
    imageSize: number;
    batchSize: number;
    steps: number;
    msPerStep: number;
    imagesPerSec: number;
  }[];
  /** Metric throughput on imageSize x imageSize RGB uint8 pairs. */
  metrics?: { metric: string; imageSize: number; pairs: number; ms: number; pairsPerSec: number }[];
  /** Model inference (from the evaluation), ms per image. */
  inference?: { model: string; verb: string; images: number; msPerImage: number }[];
  /** Pose estimator, ms per image. */
  estimator?: { name: string; images: number; msPerImage: number };
  /**
   * Each verb at batch 1 on tfjs and on onnxruntime-node (the same weights exported by @dgpose/onnx), calls
   * interleaved; best and median ms of `calls` calls. Empty with `enginesNote` when onnxruntime-node is missing.
   */
  engines?: {
    model: string;
    verb: string;
    calls: number;
    tfjsBestMs: number;
    tfjsMedianMs: number;
    onnxBestMs: number;
    onnxMedianMs: number;
  }[];
  /** Why `engines` is empty or partial (e.g. onnxruntime-node is not installed, with the install command). */
  enginesNote?: string;
  skipped?: string;
}

export interface Provenance {
  tool: string;
  version: string;
  date: string;
  command: string;
  backend: string;
  threads: number;
  node: string;
  platform: string;
  cpus: number;
  versions: Record<string, string>;
  /** The options of the run (for a merge, those of the first shard). */
  options: Record<string, unknown>;
  shard: { index: number; count: number };
  /** Shards merged into this result (merge only). */
  mergedFrom?: string[];
  wallSeconds: number;
}

export interface Results {
  format: typeof RESULTS_FORMAT;
  formatVersion: number;
  provenance: Provenance;
  ssimConvention: 'pg2' | 'wang';
  estimator: { name: string; kind: string } | null;
  /** Every estimator whose ceiling was measured (the run's estimator first); each re-detected poses in the transfers. */
  ceilingEstimators: { name: string; kind: string }[];
  /** Things left out of this run and why (e.g. an estimator whose files are missing). */
  notices: string[];
  data: DataInfo[];
  models: ModelResult[];
  references: ReferenceResult[];
  speed: SpeedResult | null;
  /** Derived from the records above (recomputed by merge). */
  summary: import('./summary').Summary;
}
