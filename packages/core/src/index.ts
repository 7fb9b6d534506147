export { DGPoseError, isDGPoseError, assertShape, assertFinite } from './errors';
export type { DGPoseErrorCode, DGPoseErrorDetails } from './errors';
export {
  COCO18,
  COCO17,
  H36M17,
  LSP14,
  MPII16,
  SKELETONS,
  SKELETON_NAMES,
  getSkeleton,
  isSkeletonName,
} from './skeletons';
export type { Skeleton, SkeletonName } from './skeletons';
export { validatePose, poseToArrays, poseFromArrays, convertPose, listPoseConversions } from './pose';
export type { Keypoint, Pose } from './pose';
export { assertSeed, createRng, isSeed, rngFromState, validateRngState } from './rng';
export type { Rng, RngState } from './rng';
export {
  WEIGHTS_FORMAT_VERSION,
  DEFAULT_SHARD_BYTES,
  encodeWeights,
  decodeWeights,
  validateWeightsManifest,
  validateShardPath,
  checkArraysMatch,
} from './weights';
export type {
  NamedArray,
  NamedArrays,
  WeightsDtype,
  WeightsManifest,
  WeightsManifestGroup,
  WeightsManifestEntry,
  WeightsMeta,
  EncodeWeightsOptions,
  ArraySpec,
} from './weights';
export { sha256Hex } from './sha256';
export type { RgbImage } from './image';
export { checkRgbImage } from './image';
export {
  checkError,
  checkNumber,
  checkInt,
  checkPositiveInt,
  checkNonNegativeInt,
  checkNumberIn,
  checkIntPair,
  checkOneOf,
  checkBoolean,
  checkKnownKeys,
  checkNonEmptyList,
} from './validate';
export type { CheckOptions } from './validate';
export { toRgbImage, toRgbImages, limitImageSide } from './image-input';
export type {
  ImageInput,
  RgbaImage,
  ImageDataLike,
  CanvasLike,
  DrawableLike,
  Tensor3DLike,
  BlobLike,
  ToRgbImageOptions,
} from './image-input';
export {
  initBackend,
  backendLine,
  shutdownBackend,
  registerFastKernels,
  BACKEND_NAMES,
  BROWSER_BACKEND_NAMES,
  ALL_BACKEND_NAMES,
  TENSORFLOW_MODULES,
  GPU_BACKEND_MODULES,
} from './backend';
export type { BackendName, BackendAttempt, InitBackendOptions, InitBackendResult } from './backend';
export { requireGradients } from './gradients';
