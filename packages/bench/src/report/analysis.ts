/**
 * Numbers derived from results.json: lookups, ratios between baselines, scaling efficiency and
 * the headline comparisons. Pure functions, shared by REPORT.md, the charts and the tests.
 */
import type { BenchResults, HeadlineComparison, MultiCell } from './results.js';

/** The ShardedMap configuration every ratio is taken from. */
export const SUBJECT = 'sharded';

export function findCell(results: BenchResults, workload: string, target: string, threads: number): MultiCell | undefined {
  return results.multi?.cells.find((c) => c.workload === workload && c.target === target && c.threads === threads);
}

/** Median ops/s of a completed cell, or undefined. */
export function medianOf(cell: MultiCell | undefined): number | undefined {
  if (!cell || cell.error !== undefined || cell.summary.n === 0) return undefined;
  return cell.summary.median;
}

/** ops/s at N threads ÷ (N × ops/s at 1 thread); 1.0 is perfect scaling. */
export function scalingEfficiency(results: BenchResults, workload: string, target: string, threads: number): number | undefined {
  const cells = [findCell(results, workload, target, 1), findCell(results, workload, target, threads)];
  if (!cells.every(longEnough)) return undefined;
  const one = medianOf(cells[0]);
  const n = medianOf(cells[1]);
  return one && n !== undefined ? n / (threads * one) : undefined;
}

/** Median of `a` ÷ median of `b` at the same workload and thread count. */
export function ratio(results: BenchResults, workload: string, a: string, b: string, threads: number): number | undefined {
  if (![findCell(results, workload, a, threads), findCell(results, workload, b, threads)].every(longEnough)) return undefined;
  const x = medianOf(findCell(results, workload, a, threads));
  const y = medianOf(findCell(results, workload, b, threads));
  return x !== undefined && y ? x / y : undefined;
}

/**
 * Runs shorter than this give no ratio or efficiency: their timings are dominated by thread
 * start-up, scheduling and the timer (quick mode's runs last milliseconds; 2 threads then look
 * "slower" than 1). Reports show "–" for them and say why.
 */
export const MIN_RUN_MS_FOR_RATIO = 100;

/** Whether a cell's runs are long enough to take a ratio from (cells without run records count as long enough). */
export function longEnough(cell: MultiCell | undefined): boolean {
  const walls = cell?.runs.map((r) => r.wallMs) ?? [];
  if (walls.length === 0) return true;
  const sorted = [...walls].sort((x, y) => x - y);
  return sorted[sorted.length >> 1]! >= MIN_RUN_MS_FOR_RATIO;
}

function headline(name: string, measured: number | undefined, detail: string): HeadlineComparison {
  return { name, measured, detail };
}

/** The headline comparisons at 2 threads: ShardedMap against what a user would pick instead. */
export function computeHeadline(results: BenchResults): HeadlineComparison[] {
  const rows: HeadlineComparison[] = [
    headline('ReadHeavy: ShardedMap ÷ Map behind postMessage, 2 threads', ratio(results, 'ReadHeavy', SUBJECT, 'postmessage', 2), 'medians at 2 threads'),
    headline('ReadHeavy: ShardedMap ÷ npm sharedmap, 2 threads', ratio(results, 'ReadHeavy', SUBJECT, 'sharedmap', 2), 'medians at 2 threads'),
    headline('ReadHeavy: ShardedMap ÷ lmdb, 2 threads', ratio(results, 'ReadHeavy', SUBJECT, 'lmdb', 2), 'medians at 2 threads'),
    headline('ReadHeavy: 2 threads ÷ 1 thread (ShardedMap)', ratioAcrossThreads(results, 'ReadHeavy', SUBJECT, 2, 1), `median ops/s at 2 threads ÷ at 1 thread; ${cpuNote(results, 'ReadHeavy', SUBJECT)}`),
    headline('Exchange: ShardedMap default ÷ one shard, 2 threads', ratio(results, 'Exchange', SUBJECT, 'sharded-1', 2), 'medians at 2 threads'),
  ];
  const hasSyncMap = results.multi?.cells.some((c) => c.target === 'syncmap' && c.error === undefined) ?? false;
  if (hasSyncMap) {
    rows.push(
      headline('LoadMostlyHits: syncmap mode ÷ striped, 2 threads', ratio(results, 'LoadMostlyHits', 'syncmap', SUBJECT, 2), 'medians at 2 threads'),
      headline('DisjointLoads: syncmap mode ÷ striped, 2 threads', ratio(results, 'DisjointLoads', 'syncmap', SUBJECT, 2), 'each thread loads only the 1024 keys it stored'),
      worstSyncMap(results),
    );
  }
  return rows.map((h) => (h.measured === undefined && tooShort(results) ? { ...h, detail: `runs shorter than ${MIN_RUN_MS_FOR_RATIO} ms: no ratio` } : h));
}

/** Whether the ReadHeavy cells at 1 or 2 threads were too short to compare (quick mode). */
function tooShort(results: BenchResults): boolean {
  return (results.multi?.cells ?? []).some((c) => c.error === undefined && !longEnough(c));
}

/**
 * Runs shorter than this have no meaningful CPU share: /proc counts CPU time in 10 ms ticks.
 * (Quick mode's runs last a few milliseconds.)
 */
export const MIN_WALL_MS_FOR_CPU_SHARE = 200;

/** Median CPU share of a cell's runs (see RunMeasurement.cpuShare), or undefined. */
export function medianCpuShare(cell: MultiCell | undefined): number | undefined {
  const shares =
    cell?.runs
      .filter((r) => r.wallMs >= MIN_WALL_MS_FOR_CPU_SHARE)
      .map((r) => r.cpuShare)
      .filter((v): v is number => v !== undefined) ?? [];
  if (shares.length === 0) return undefined;
  const sorted = [...shares].sort((a, b) => a - b);
  return sorted[sorted.length >> 1];
}

/**
 * "cpu share 1 thr 62%, 2 thr 29%; CPU-normalized ≈ 1.28×": whether the threads had CPUs, and
 * the 2-vs-1 speed-up rescaled to the CPU time each run actually got (ops/s ÷ CPUs used). The
 * rescaling assumes throughput proportional to CPU time — an estimate for a shared machine, not
 * a measurement; it also hides time asleep on a lock, which ReadHeavy's 2% writes rarely cause.
 */
function cpuNote(results: BenchResults, workload: string, target: string): string {
  const one = findCell(results, workload, target, 1);
  const two = findCell(results, workload, target, 2);
  const s1 = medianCpuShare(one);
  const s2 = medianCpuShare(two);
  if (s1 === undefined || s2 === undefined) return 'cpu share unknown';
  const m1 = medianOf(one);
  const m2 = medianOf(two);
  // ops/s ÷ cpu share = ops/s had every thread had a CPU to itself for the whole run.
  const normalized = m1 && m2 !== undefined && s2 > 0 ? m2 / s2 / (m1 / s1) : undefined;
  return (
    `cpu share 1 thr ${Math.round(s1 * 100)}%, 2 thr ${Math.round(s2 * 100)}%` +
    (normalized !== undefined ? `; CPU-normalized ≈ ${normalized.toFixed(2)}×` : '')
  );
}

function ratioAcrossThreads(results: BenchResults, workload: string, target: string, n: number, m: number): number | undefined {
  if (![findCell(results, workload, target, n), findCell(results, workload, target, m)].every(longEnough)) return undefined;
  const x = medianOf(findCell(results, workload, target, n));
  const y = medianOf(findCell(results, workload, target, m));
  return x !== undefined && y ? x / y : undefined;
}

/** The workload where the syncmap mode does worst against striped (at 2 threads). */
function worstSyncMap(results: BenchResults): HeadlineComparison {
  let worst: { workload: string; r: number } | undefined;
  for (const w of results.multi?.workloads ?? []) {
    const r = ratio(results, w.name, 'syncmap', SUBJECT, 2);
    if (r !== undefined && (worst === undefined || r < worst.r)) worst = { workload: w.name, r };
  }
  return headline('worst syncmap mode ÷ striped over all workloads, 2 threads', worst?.r, worst ? `worst: ${worst.workload}` : 'no data');
}
