export type { PixelArray, RawImage } from './image';
export { validateImage } from './image';
export type { BatchStats } from './stats';
export { batchStats } from './stats';
export type { PsnrOptions } from './psnr';
export { mse, psnr, psnrBatch } from './psnr';
export type { SsimConvention, SsimConventionSpec, SsimOptions, SsimMapResult } from './ssim';
export { SSIM_CONVENTIONS, ssim, ssimMap, ssimBatch } from './ssim';
export type { MaskOptions } from './masked';
export { applyMask, maskedSsim, maskedPsnr, maskedL1 } from './masked';
export type {
  KeypointLike,
  PoseLike,
  JointArray,
  PoseInput,
  PckNormaliser,
  PckOptions,
  PckCurveOptions,
  PckResult,
  PckCurve,
} from './pck';
export { PCKH_FASHION, pck, pckCurve } from './pck';
export type { TensorLike, ImageInput, BatchInput } from './async';
export {
  isTensorLike,
  readImage,
  readImages,
  psnrAsync,
  ssimAsync,
  maskedSsimAsync,
  maskedPsnrAsync,
  maskedL1Async,
  psnrBatchAsync,
  ssimBatchAsync,
} from './async';
