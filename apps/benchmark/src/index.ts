// dgpose-bench as a library: run the benchmark, merge shards, render reports.
export { runBenchmark, BENCH_VERSION, packageVersions } from './run';
export type { RunOptions, RunResult } from './run';
export { mergeShards } from './merge';
export type { MergeOptions } from './merge';
export { runCli, buildProgram, EXIT_OK, EXIT_ERROR, EXIT_USAGE } from './cli-main';
export type { CliIo } from './cli-main';
export {
  validateBenchConfig,
  DEFAULT_BENCH_CONFIG,
  parseShard,
  selectIndices,
  shardRange,
  DATASETS,
  BACKENDS,
  ESTIMATORS,
  CEILING_ESTIMATORS,
  SSIM_CHOICES,
  SPEED_PRESETS,
} from './options';
export type {
  BenchConfig,
  DatasetName,
  Shard,
  BackendChoice,
  EstimatorChoice,
  CeilingEstimatorChoice,
} from './options';
export { PAPER_TABLES, DATASET_LABELS } from './paper';
export type { PaperTable, PaperRow } from './paper';
export {
  summarise,
  pckSummary,
  appearanceSummary,
  HEADBOX_THRESHOLDS,
  BBOX_THRESHOLDS,
  APPEARANCE_TARGET_RATIO,
  CEILING_TARGET_FRACTION,
} from './summary';
export type {
  Summary,
  ModelSummary,
  TableSummary,
  TableRow,
  PckSummary,
  MeanStd,
  AppearanceSummary,
  ColourStats,
  TransferCeiling,
  CeilingSummary,
} from './summary';
export {
  GARMENT_REGIONS,
  MIN_REGION_PIXELS,
  regionMeanColours,
  garmentColourError,
  constantColourBaseline,
  colourDistance,
} from './garment-colour';
export type { GarmentRegion, GarmentColours, GarmentColourError, Rgb } from './garment-colour';
export { backgroundOnly, decodeZero, meanPose } from './baselines';
export { renderMarkdown } from './report-md';
export { renderHtml } from './report-html';
export { consoleTables } from './format';
export { readResults, RESULTS_FILE, REPORT_MD, REPORT_HTML, GRIDS_DIR } from './output';
export { RESULTS_FORMAT, RESULTS_FORMAT_VERSION } from './types';
export type {
  Results,
  ModelResult,
  ImageRecord,
  PairRecord,
  ReferenceResult,
  DataInfo,
  SpeedResult,
  Provenance,
  FlatPose,
} from './types';
