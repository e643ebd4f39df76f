/**
 * The shape of bench-results/results.json. Everything REPORT.md shows is derived from this file
 * (report/analysis.ts), so a results file from another machine can be re-rendered.
 */
import type { RunMeasurement } from '../multi/harness.js';
import type { Suite } from '../multi/workloads/types.js';
import type { SingleCaseResult, SingleSkip } from '../single/suite.js';
import type { MachineInfo } from '../util/machine.js';
import type { Summary } from '../util/stats.js';

export const RESULTS_SCHEMA_VERSION = 1;

export interface TargetInfo {
  readonly id: string;
  readonly label: string;
  readonly description: string;
}

export interface MultiCell {
  readonly suite: Suite;
  readonly workload: string;
  readonly target: string;
  readonly threads: number;
  /** Operations per measured run (all threads together). */
  readonly opsPerRun: number;
  readonly runs: readonly RunMeasurement[];
  /** Of the runs' ops/s. */
  readonly summary: Summary;
  /** Every run passed its checks (per-op results and, where known, the final size). */
  readonly verified: boolean;
  /** Why the cell did not complete, when it did not. */
  readonly error?: string;
}

export interface MultiSkip {
  readonly suite: Suite;
  readonly workload?: string;
  readonly target: string;
  readonly reason: string;
}

export interface WorkloadInfo {
  readonly suite: Suite;
  readonly name: string;
  readonly description: string;
}

/** One headline comparison: ShardedMap against what a user would pick instead, as a ratio of medians. */
export interface HeadlineComparison {
  readonly name: string;
  /** Measured ratio (medians), or undefined when a side is missing or its runs were too short. */
  readonly measured: number | undefined;
  readonly detail: string;
}

export interface BenchResults {
  readonly schemaVersion: number;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly durationSec: number;
  readonly mode: 'quick' | 'full' | 'custom';
  readonly config: Record<string, unknown>;
  readonly machine: MachineInfo;
  readonly single?: { readonly results: readonly SingleCaseResult[]; readonly skipped: readonly SingleSkip[] };
  readonly multi?: {
    readonly threads: readonly number[];
    readonly targets: readonly TargetInfo[];
    readonly workloads: readonly WorkloadInfo[];
    readonly cells: readonly MultiCell[];
    readonly skipped: readonly MultiSkip[];
  };
  readonly headline: readonly HeadlineComparison[];
}
