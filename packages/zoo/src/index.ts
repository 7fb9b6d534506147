// @dgpose/zoo, universal entry: registry, loading pretrained weights from bytes, pose estimators.
export type { PoseEstimator, RgbImage } from './estimator';
export {
  MOVENET_INPUT_SIZE,
  DEFAULT_MOVENET_CONFIG,
  validateMoveNetConfig,
  moveNetInput,
  moveNetOutputToPose,
  createMoveNetFromGraphModel,
} from './movenet';
export type { MoveNetVariant, MoveNetConfig, GraphModelLike } from './movenet';
