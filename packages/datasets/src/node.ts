export * from './index';
// Real data sets (engineer datasets-real): Node-only loaders decoding with sharp.
export { openDeepFashion, DEEPFASHION_LAYOUT } from './deepfashion';
export type { DeepFashionOptions, DeepFashionSource, DeepFashionLayout } from './deepfashion';
export {
  parseDeepFashionCsv,
  parseDeepFashionPairs,
  deepFashionIdentity,
  deepFashionNameKey,
  DEEPFASHION_CSV_HEADER,
  DEEPFASHION_PAIRS_HEADER,
} from './deepfashion-csv';
export type { DeepFashionRow, DeepFashionPairRow } from './deepfashion-csv';
export { loadImage, transformPose, transformKeypoint, SkipCounter } from './image-io';
export type { CropBox, PixelTransform, LoadImageOptions, LoadedImage, SkipReport, OnSkip } from './image-io';
