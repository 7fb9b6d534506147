export type { RgbImage, Sample, SampleSource } from './types';
// Synthetic people (engineer datasets-synthetic)
export { createSyntheticDataset, validateSyntheticConfig, DEFAULT_SYNTHETIC_CONFIG } from './synthetic';
export type { SyntheticConfig, SyntheticSource, SyntheticSpec } from './synthetic';
export { POSE_FAMILIES, JOINT_LIMITS, samplePoseParams, forwardKinematics } from './synthetic-body';
export type { PoseFamily, PoseParams, BodyShape } from './synthetic-body';
export { HAIR_STYLES, PATTERNS, BACKGROUND_STYLES, PART_NAMES, sampleAppearance } from './synthetic-render';
export type { SyntheticAppearance, HairStyle, Pattern, BackgroundStyle, PartName } from './synthetic-render';
export { posePlausibility, plausibleFraction, PLAUSIBILITY_THRESHOLDS } from './pose-plausibility';
export type {
  PlausibilityCheck,
  PlausibilityThresholds,
  PosePlausibilityOptions,
  PosePlausibilityResult,
  PlausibleFractionResult,
} from './pose-plausibility';
export { drawSkeletonGrid, tileImages } from './grid';
export type { SkeletonGridOptions, TileOptions } from './grid';
// Batching (engineer datasets-synthetic)
export {
  createBatcher,
  createPairBatcher,
  validateBatcherConfig,
  batchToTensors,
  labelledMask,
  DEFAULT_BATCHER_CONFIG,
} from './batcher';
export type {
  Batcher,
  BatcherConfig,
  BatcherOptions,
  BatcherState,
  ArrayBatch,
  TensorBatch,
  PairBatcher,
  PairBatcherConfig,
  PairBatcherOptions,
  PairBatcherState,
  PairArrayBatch,
  PairTensorBatch,
} from './batcher';
export {
  pixelToNormalized,
  normalizedToPixel,
  defaultHeatmapSigma,
  gaussianHeatmapsInto,
  flipImageInPlace,
  flipPoseArraysInPlace,
} from './pose-arrays';
