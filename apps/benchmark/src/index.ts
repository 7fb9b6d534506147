// dgpose-bench as a library: run the benchmark, merge shards, render reports.
export { runBenchmark, BENCH_VERSION, packageVersions } from './run';
export type { RunOptions, RunResult } from './run';
export { mergeShards } from './merge';
export type { MergeOptions } from './merge';
export { runCli, buildProgram, EXIT_OK, EXIT_ERROR, EXIT_USAGE } from './cli-main';
export type { CliIo } from './cli-main';
export { validateBenchConfig, DEFAULT_BENCH_CONFIG, parseShard, selectIndices, shardRange, DATASETS, BACKENDS, ESTIMATORS, SSIM_CHOICES, SPEED_PRESETS } from './options';
export type { BenchConfig, DatasetName, Shard, BackendChoice, EstimatorChoice } from './options';
export { PAPER_TABLES, DATASET_LABELS } from './paper';
export type { PaperTable, PaperRow } from './paper';
export { summarise, pckSummary, HEADBOX_THRESHOLDS, BBOX_THRESHOLDS } from './summary';
export type { Summary, ModelSummary, TableSummary, TableRow, PckSummary, MeanStd } from './summary';
export { renderMarkdown } from './report-md';
export { renderHtml } from './report-html';
export { consoleTables } from './format';
export { readResults, RESULTS_FILE, REPORT_MD, REPORT_HTML, GRIDS_DIR } from './output';
export { RESULTS_FORMAT, RESULTS_FORMAT_VERSION } from './types';
export type { Results, ModelResult, ImageRecord, PairRecord, ReferenceResult, DataInfo, SpeedResult, Provenance, FlatPose } from './types';
