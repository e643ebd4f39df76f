/**
 * Summaries of repeated measurements. Benchmarks here run on a shared, noisy machine, so the
 * report leads with the median (robust to one run being disturbed) and shows min–max beside it;
 * the mean and sample standard deviation are kept in the JSON for anyone who wants them.
 */

export interface Summary {
  /** Number of runs summarised. */
  readonly n: number;
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly mean: number;
  /** Sample standard deviation (n - 1); 0 for a single run. */
  readonly stdev: number;
}

export function summarize(values: readonly number[]): Summary {
  const finite = values.filter((v) => Number.isFinite(v));
  const n = finite.length;
  if (n === 0) return { n: 0, median: NaN, min: NaN, max: NaN, mean: NaN, stdev: NaN };
  const sorted = [...finite].sort((a, b) => a - b);
  const mid = n >> 1;
  const median = n % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  const mean = finite.reduce((s, v) => s + v, 0) / n;
  const variance = n > 1 ? finite.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1) : 0;
  return { n, median, min: sorted[0]!, max: sorted[n - 1]!, mean, stdev: Math.sqrt(variance) };
}
