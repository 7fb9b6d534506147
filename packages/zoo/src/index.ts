// @dgpose/zoo, universal entry: registry, loading pretrained weights from bytes, pose estimators.
export type { PoseEstimator, RgbImage } from './estimator';
export { ZOO, ZOO_NAMES, getZooEntry } from './registry';
export type { ZooEntry, ZooKind } from './registry';
export { loadPretrainedFromBytes, checkPinnedShards } from './loader';
export type { PretrainedModel, PretrainedOfKind } from './loader';
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
} from './movenet';
export type { MoveNetVariant, MoveNetConfig, GraphModelLike } from './movenet';
