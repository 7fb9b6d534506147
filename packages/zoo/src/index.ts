// @dgpose/zoo, universal entry: registry, loading pretrained weights from bytes, pose estimators.
export type { PoseEstimator, RgbImage } from './estimator';
export { ZOO, ZOO_NAMES, getZooEntry } from './registry';
export type { ZooEntry, ZooKind } from './registry';
export { loadPretrainedFromBytes, checkPinnedShards } from './loader';
export type { PretrainedModel, PretrainedOfKind } from './loader';
// loadPretrained over fetch (pages, workers); the node entry's loadPretrained also reads from disk
export { loadPretrainedFromUrl, loadPretrainedFromUrl as loadPretrained, fetchPretrainedBytes } from './fetch-loader';
export type { FetchPretrainedOptions, FetchLike, FetchResponseLike, FetchedWeights } from './fetch-loader';
export {
  REGRESSOR_JOINTS,
  POSE_REGRESSOR_KIND,
  DEFAULT_POSE_REGRESSOR_CONFIG,
  validatePoseRegressorConfig,
  buildPoseRegressorNet,
  poseRegressorLoss,
  imagesToTensor,
  createPoseRegressor,
  loadPoseRegressorFromWeights,
} from './pose-regressor';
export type { PoseRegressorConfig, PoseRegressor } from './pose-regressor';
export {
  MOVENET_INPUT_SIZE,
  DEFAULT_MOVENET_CONFIG,
  validateMoveNetConfig,
  moveNetInput,
  moveNetOutputToPose,
  createMoveNetFromGraphModel,
  createMoveNetFromUrl,
  createMoveNetFromArtifacts,
  moveNetVariantOf,
  MOVENET_SHA256,
} from './movenet';
export type {
  MoveNetVariant,
  MoveNetConfig,
  GraphModelLike,
  GraphModelJson,
  GraphConverterLike,
  MoveNetLoadOptions,
} from './movenet';
