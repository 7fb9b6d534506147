// @dgpose/models: Conditional-DGPose and Semi-DGPose (de Bem et al., IJCV 2020) on TensorFlow.js.
export type {
  ModelKind,
  PresetName,
  ModelWeightsKind,
  TrainBatch,
  StepLosses,
  TrainStepResult,
  RgbImage,
  ConditionalLossWeights,
  SemiLossWeights,
  DiscriminatorConfig,
  ConditionalConfig,
  SemiConfig,
  ConfigOverrides,
  DGPoseModel,
  SemiDGPoseModel,
  CreateConditionalOptions,
  CreateSemiOptions,
  CheckpointExtra,
} from './types';
export {
  CONDITIONAL_PRESETS,
  SEMI_PRESETS,
  PRESET_NAMES,
  MODEL_FORMAT_VERSION,
  validateConditionalConfig,
  validateSemiConfig,
  scaleChannels,
  numScales,
} from './config';
export { ConditionalDGPose } from './conditional';
export { SemiDGPose, FULL_PRIOR_SAMPLE_TEMPERATURE } from './semi';
export type { FitPosePriorOptions } from './semi';
export { BaseModel, GeneratorNet } from './model';
export { AppearanceEncoder, Decoder, LearnedPrior, PatchDiscriminator, PoseEncoder, PoseEstimator } from './networks';
export type { Gaussian } from './networks';
export {
  createConditionalDGPose,
  createSemiDGPose,
  loadModelFromWeights,
  modelFromArrays,
  modelInfoFromManifest,
  WEIGHTS_KINDS,
} from './factory';
export type { CreateSemiDGPoseOptions, AnyDGPoseModel } from './factory';
export { imagesToTensor, tensorToImages, posesToNormalized, normalizedToPose } from './io';
