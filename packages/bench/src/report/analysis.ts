/**
 * Numbers derived from results.json: lookups, ratios between baselines, scaling efficiency and
 * the issue bars. Pure functions, shared by REPORT.md, the charts and the tests.
 */
import type { BarResult, BenchResults, MultiCell } from './results.js';

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
  const one = medianOf(findCell(results, workload, target, 1));
  const n = medianOf(findCell(results, workload, target, threads));
  return one && n !== undefined ? n / (threads * one) : undefined;
}

/** Median of `a` ÷ median of `b` at the same workload and thread count. */
export function ratio(results: BenchResults, workload: string, a: string, b: string, threads: number): number | undefined {
  const x = medianOf(findCell(results, workload, a, threads));
  const y = medianOf(findCell(results, workload, b, threads));
  return x !== undefined && y ? x / y : undefined;
}

function bar(
  issue: number,
  name: string,
  measured: number | undefined,
  threshold: number,
  detail: string,
  direction: 'at least' | 'at most' = 'at least',
): BarResult {
  const met = measured === undefined ? undefined : direction === 'at least' ? measured >= threshold : measured <= threshold;
  return { issue, name, measured, threshold, direction, met, detail };
}

/** The bars of issue 4 (and issue 6 when the syncmap mode ran), measured at 2 threads. */
export function computeBars(results: BenchResults): BarResult[] {
  const bars: BarResult[] = [
    bar(4, 'ReadHeavy: 2 threads ÷ 1 thread (ShardedMap)', ratioAcrossThreads(results, 'ReadHeavy', SUBJECT, 2, 1), 1.8, `median ops/s at 2 threads ÷ at 1 thread; ${cpuNote(results, 'ReadHeavy', SUBJECT)}`),
    bar(4, 'ReadHeavy: ShardedMap ÷ Map via postMessage, 2 threads', ratio(results, 'ReadHeavy', SUBJECT, 'postmessage', 2), 20, 'medians at 2 threads'),
    bar(4, 'ReadHeavy: ShardedMap ÷ npm sharedmap, 2 threads', ratio(results, 'ReadHeavy', SUBJECT, 'sharedmap', 2), 10, 'medians at 2 threads'),
    bar(4, 'Exchange: ShardedMap default ÷ shards:1, 2 threads', ratio(results, 'Exchange', SUBJECT, 'sharded-1', 2), 1.5, 'medians at 2 threads'),
  ];
  const hasSyncMap = results.multi?.cells.some((c) => c.target === 'syncmap' && c.error === undefined) ?? false;
  if (hasSyncMap) {
    bars.push(
      bar(6, 'LoadMostlyHits: syncmap ÷ striped, 2 threads', ratio(results, 'LoadMostlyHits', 'syncmap', SUBJECT, 2), 1.3, 'medians at 2 threads'),
      bar(6, 'DisjointLoads: syncmap ÷ striped, 2 threads', ratio(results, 'DisjointLoads', 'syncmap', SUBJECT, 2), 1.3, 'each thread loads only the 1024 keys it stored'),
      worstSyncMapBar(results),
    );
  }
  return bars;
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
  const x = medianOf(findCell(results, workload, target, n));
  const y = medianOf(findCell(results, workload, target, m));
  return x !== undefined && y ? x / y : undefined;
}

/** Issue 6: on no workload is syncmap slower than striped by more than 3× (at 2 threads). */
function worstSyncMapBar(results: BenchResults): BarResult {
  let worst: { workload: string; r: number } | undefined;
  for (const w of results.multi?.workloads ?? []) {
    const r = ratio(results, w.name, 'syncmap', SUBJECT, 2);
    if (r !== undefined && (worst === undefined || r < worst.r)) worst = { workload: w.name, r };
  }
  return bar(6, 'worst syncmap ÷ striped over all workloads, 2 threads', worst?.r, 1 / 3, worst ? `worst: ${worst.workload}` : 'no data');
}
