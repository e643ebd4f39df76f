/** @shardmap/bench: the benchmark runner behind `pnpm bench`, usable programmatically. */
export { parseBenchArgs, USAGE, UsageError } from './config.js';
export { runBench, writeReport } from './run.js';
export { computeHeadline, MIN_RUN_MS_FOR_RATIO, ratio, scalingEfficiency, findCell, SUBJECT } from './report/analysis.js';
export { renderMarkdown } from './report/markdown.js';
export { summarize } from './util/stats.js';
export { targetSpecs, findTarget } from './multi/targets/registry.js';
export { allWorkloads, findWorkload } from './multi/workloads/index.js';
export { WorkerPool } from './multi/harness.js';
export { CowMap } from './multi/targets/cow-map.js';

export type { BenchConfig, ParsedArgs } from './config.js';
export type { WrittenReport } from './run.js';
export type { BenchResults, MultiCell, MultiSkip, HeadlineComparison, TargetInfo, WorkloadInfo } from './report/results.js';
export type { Summary } from './util/stats.js';
export type { MapTarget, TargetModule, TargetHost, TargetCreateOptions, AttachInfo } from './multi/target.js';
export type { TargetSpec } from './multi/targets/registry.js';
export type { Workload, Suite, SuiteSettings } from './multi/workloads/types.js';
export type { CellSpec, CellOutcome, RunMeasurement } from './multi/harness.js';
export type { SingleSettings, SingleCaseResult, SingleSkip } from './single/suite.js';
export type { MultiSettings } from './multi/run-multi.js';
