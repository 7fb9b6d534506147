// @dgpose/mapper: pose vectors <-> heatmaps (analytic and learned), heatmaps -> keypoints, pose editing.
export { pixelToNormalized, normalizedToPixel, convertCoords, validateFrameSize } from './coords';
export type { FrameSize, CoordSpace, CoordRows, VisibleRows } from './coords';
export {
  gaussianHeatmaps,
  gaussianHeatmapsArray,
  diskHeatmaps,
  diskHeatmapsArray,
  defaultSigma,
  defaultDiskRadius,
  checkCoords,
} from './heatmaps';
export type { GaussianHeatmapOptions, DiskHeatmapOptions } from './heatmaps';
export { limbMaps, LIMB_PARTS } from './limb-maps';
export type { LimbPart, LimbMapOptions } from './limb-maps';
export { softArgmax, decodeHeatmaps, decodeHeatmapsArray } from './decode';
export type { DecodeOptions, DecodedKeypoints, PeakRefinement } from './decode';
export {
  normalizePose,
  denormalizePose,
  flipPose,
  transformPose,
  poseCentroid,
  scaleLimbs,
  changeHeight,
  defaultLimbRoot,
} from './edit';
export type { PoseTransform, LimbRoot, LimbFactors } from './edit';
export { posesToHeatmaps, heatmapsToPoses, posesToRows } from './poses';
export { DEFAULT_MAPPER_CONFIG, MAPPER_PRESETS, validateMapperConfig, mapperPreset } from './learned/config';
export type { MapperConfig, MapperPresetName } from './learned/config';
export { MapperNetwork, stageChannels } from './learned/network';
export type { MapperInput } from './learned/network';
export {
  createMapper,
  mapperFromNetwork,
  evaluateMapper,
  mapperConfigFromManifest,
  MAPPER_WEIGHTS_KIND,
} from './learned/mapper';
export type { Mapper, MapOptions, MapperSource, MapperEvaluation } from './learned/mapper';
export { trainMapper } from './learned/train';
export type { TrainMapperOptions, TrainMapperResult, MapperStepInfo } from './learned/train';
