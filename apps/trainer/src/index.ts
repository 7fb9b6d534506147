// dgpose-train as a library: the training loop, its options and the CLI front end.
export { train, readRunConfig, mergeResumeConfig, OUTPUT_ENTRIES, CONFIG_FILE, LOG_FILE, CONFIG_FORMAT } from './train';
export type { TrainOptions, TrainResult, TrainHooks, StepInfo, StoredRunConfig } from './train';
export {
  validateTrainConfig,
  resolvedBatchSize,
  DEFAULT_TRAIN_CONFIG,
  RESUME_MUTABLE,
  MODEL_KINDS,
  PRESET_NAMES,
  DATASET_NAMES,
  PAPER_SUPERVISION,
} from './options';
export type { TrainConfig, ModelKindName, PresetNameOption, DatasetName } from './options';
export { listCheckpoints, readLatest, stepDirName, CHECKPOINTS_DIR, LATEST_FILE } from './checkpoints';
export { writePng, gridRng } from './previews';
export { readLog } from './log';
export type { LogEventName } from './log';
export { formatLosses } from './progress';
export { runCli, buildProgram, readConfigFile, EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_INTERRUPTED } from './cli-main';
export { openTrainingSource } from './data';
export { TRAINER_VERSION } from './version';
