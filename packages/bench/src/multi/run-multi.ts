/**
 * Runs every (target × thread count × workload) cell. Targets are the outer loop so one worker
 * pool per target and thread count serves all its workloads (see WorkerPool).
 */
import type { MultiCell, MultiSkip } from '../report/results.js';
import { summarize } from '../util/stats.js';
import type { CellOutcome } from './harness.js';
import { WorkerPool } from './harness.js';
import type { TargetSpec } from './targets/registry.js';
import { targetSpecs } from './targets/registry.js';
import { allWorkloads } from './workloads/index.js';
import type { SuiteSettings, Workload } from './workloads/types.js';

export interface MultiSettings {
  readonly threads: readonly number[];
  readonly runs: number;
  readonly warmupRuns: number;
  readonly settings: SuiteSettings;
  readonly seed: number;
  readonly runTimeoutMs: number;
  /** Workload names to run (all when undefined). */
  readonly workloads?: readonly string[];
  /** Target ids to run (all when undefined). */
  readonly targets?: readonly string[];
  /** When set, every worker writes a V8 CPU profile (.cpuprofile) into this directory. */
  readonly cpuProfileDir?: string;
}

export interface MultiSuiteResult {
  readonly cells: MultiCell[];
  readonly skipped: MultiSkip[];
  readonly targets: readonly TargetSpec[];
  readonly workloads: readonly Workload[];
}

export function selectedWorkloads(names: readonly string[] | undefined): Workload[] {
  return allWorkloads.filter((w) => !names || names.includes(w.name));
}

export async function runMultiSuite(s: MultiSettings, log: (line: string) => void): Promise<MultiSuiteResult> {
  const workloads = selectedWorkloads(s.workloads);
  const targets = targetSpecs.filter((t) => !s.targets || s.targets.includes(t.id));
  const cells: MultiCell[] = [];
  const skipped: MultiSkip[] = [];
  const ran: TargetSpec[] = [];
  for (const target of targets) {
    const unavailable = await target.unavailable?.();
    if (unavailable) {
      skipped.push({ suite: 'bustle', target: target.id, reason: unavailable });
      skipped.push({ suite: 'go', target: target.id, reason: unavailable });
      continue;
    }
    ran.push(target);
    const mine = workloads.filter((w) => {
      const reason = !target.suites.includes(w.suite) ? `not run on the ${w.suite} suite` : target.skip?.(w);
      if (reason) skipped.push({ suite: w.suite, workload: w.name, target: target.id, reason });
      return reason === undefined;
    });
    for (const threads of s.threads) {
      const execArgv = s.cpuProfileDir ? ['--cpu-prof', '--cpu-prof-dir', s.cpuProfileDir] : [];
      let pool = new WorkerPool(threads, execArgv);
      try {
        for (const workload of mine) {
          if (pool.broken) {
            void pool.close();
            pool = new WorkerPool(threads, execArgv);
          }
          const started = Date.now();
          const outcome = await pool.measure({
            workload,
            target,
            threads,
            runs: s.runs,
            warmupRuns: s.warmupRuns,
            settings: s.settings,
            seed: s.seed,
            runTimeoutMs: s.runTimeoutMs,
          });
          const cell = toCell(workload, target, threads, outcome);
          cells.push(cell);
          log(
            `multi: ${workload.suite} ${workload.name} × ${target.label} × ${threads} thr: ` +
              (cell.error ? `FAILED (${cell.error})` : `${(cell.summary.median / 1e6).toFixed(3)} M ops/s${cell.verified ? '' : ' CHECKS FAILED'}`) +
              ` [${Date.now() - started} ms]`,
          );
        }
      } finally {
        await pool.close();
      }
    }
  }
  return { cells, skipped, targets: ran, workloads };
}

function toCell(workload: Workload, target: TargetSpec, threads: number, outcome: CellOutcome): MultiCell {
  const verified =
    outcome.error === undefined &&
    outcome.runs.every((r) => r.checkFailures === 0 && (r.expectedSize === undefined || r.expectedSize === r.actualSize));
  return {
    suite: workload.suite,
    workload: workload.name,
    target: target.id,
    threads,
    opsPerRun: outcome.runs[0]?.ops ?? 0,
    runs: outcome.runs,
    summary: summarize(outcome.runs.map((r) => r.opsPerSec)),
    verified,
    ...(outcome.error !== undefined ? { error: outcome.error } : {}),
  };
}
