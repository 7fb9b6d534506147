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
export { loadImage, encodePng, transformPose, transformKeypoint, SkipCounter } from './image-io';
export type { CropBox, PixelTransform, LoadImageOptions, LoadedImage, SkipReport, OnSkip } from './image-io';
export { openH36M, parseH36MFileName, H36M_SUBJECTS, H36M_LAYOUT } from './h36m';
export type { H36MOptions, H36MSource } from './h36m';
export { parseNpz, parseNpy } from './chictopia-npz';
export type { NpyArray } from './chictopia-npz';
export { openChictopiaPlus, readDeeperCutPose, CHICTOPIA_LAYOUT } from './chictopia';
export type { ChictopiaOptions, ChictopiaSource } from './chictopia';
