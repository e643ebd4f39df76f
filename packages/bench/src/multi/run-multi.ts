/**
 * Runs every (target × thread count × workload) cell. Targets are the outer loop so one worker
 * pool per target and thread count serves all its workloads (see WorkerPool). With `rounds` > 1
 * the whole matrix runs that many times and each cell pools its runs from every round: a slow
 * minute of a shared machine then lands on every target, instead of on whichever ran during it.
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
  /** Passes over the whole matrix; each cell's runs are pooled across them (default 1). */
  readonly rounds?: number;
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

/** One cell's outcomes so far, one per round. */
interface PooledCell {
  readonly workload: Workload;
  readonly target: TargetSpec;
  readonly threads: number;
  readonly outcomes: CellOutcome[];
}

export function selectedWorkloads(names: readonly string[] | undefined): Workload[] {
  return allWorkloads.filter((w) => !names || names.includes(w.name));
}

export async function runMultiSuite(s: MultiSettings, log: (line: string) => void): Promise<MultiSuiteResult> {
  const workloads = selectedWorkloads(s.workloads);
  const targets = targetSpecs.filter((t) => !s.targets || s.targets.includes(t.id));
  const skipped: MultiSkip[] = [];
  const ran: TargetSpec[] = [];
  const plan: { target: TargetSpec; mine: Workload[] }[] = [];
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
    plan.push({ target, mine });
  }
  // Cells in first-run order; each one's outcomes from every round.
  const pooled = new Map<string, PooledCell>();
  const rounds = s.rounds ?? 1;
  for (let round = 0; round < rounds; round++) {
    // Odd rounds go in reverse target order (A B, B A, ...): a drift of the machine's speed over
    // the run then weighs on every target alike.
    const order = round % 2 === 0 ? plan : [...plan].reverse();
    for (const { target, mine } of order) await runTarget(s, target, mine, round, rounds, pooled, log);
  }
  const cells = [...pooled.values()].map((p) => toCell(p.workload, p.target, p.threads, p.outcomes));
  return { cells, skipped, targets: ran, workloads };
}

async function runTarget(
  s: MultiSettings,
  target: TargetSpec,
  mine: readonly Workload[],
  round: number,
  rounds: number,
  pooled: Map<string, PooledCell>,
  log: (line: string) => void,
): Promise<void> {
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
        const key = `${workload.suite}/${workload.name}|${target.id}|${threads}`;
        let entry = pooled.get(key);
        if (entry === undefined) pooled.set(key, (entry = { workload, target, threads, outcomes: [] }));
        entry.outcomes.push(outcome);
        const cell = toCell(workload, target, threads, [outcome]);
        log(
          `multi: ${rounds > 1 ? `round ${round + 1}/${rounds} ` : ''}${workload.suite} ${workload.name} × ${target.label} × ${threads} thr: ` +
            (cell.error ? `FAILED (${cell.error})` : `${(cell.summary.median / 1e6).toFixed(3)} M ops/s${cell.verified ? '' : ' CHECKS FAILED'}`) +
            ` [${Date.now() - started} ms]`,
        );
      }
    } finally {
      await pool.close();
    }
  }
}

/** One cell from its outcomes (one per round): runs pooled, the first error kept. */
function toCell(workload: Workload, target: TargetSpec, threads: number, outcomes: readonly CellOutcome[]): MultiCell {
  const runs = outcomes.flatMap((o) => o.runs);
  const error = outcomes.find((o) => o.error !== undefined)?.error;
  const verified = error === undefined && runs.every((r) => r.checkFailures === 0 && (r.expectedSize === undefined || r.expectedSize === r.actualSize));
  return {
    suite: workload.suite,
    workload: workload.name,
    target: target.id,
    threads,
    opsPerRun: runs[0]?.ops ?? 0,
    runs,
    summary: summarize(runs.map((r) => r.opsPerSec)),
    verified,
    ...(error !== undefined ? { error } : {}),
  };
}
