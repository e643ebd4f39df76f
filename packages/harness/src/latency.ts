/**
 * Latency sampling on hdr-histogram-js. Workers record one op in every `sampleEvery` (timing each
 * op would cost more than a map read: performance.now() is ~30–50 ns); values are nanoseconds.
 * Each worker ships its histogram compressed; the main thread merges them for the total.
 */
import { build, decodeFromCompressedBase64, encodeIntoCompressedBase64, type Histogram } from 'hdr-histogram-js';

/** Latency percentiles of the sampled ops, in microseconds. */
export interface LatencySummary {
  /** Number of sampled ops. */
  readonly samples: number;
  readonly p50: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
  readonly mean: number;
}

/** A histogram for op latencies in ns: 3 significant digits, resizing to any value. */
export function createLatencyHistogram(): Histogram {
  return build({ numberOfSignificantValueDigits: 3, lowestDiscernibleValue: 1, autoResize: true });
}

/** Compact string form for postMessage. */
export function encodeHistogram(histogram: Histogram): string {
  return encodeIntoCompressedBase64(histogram);
}

/** Merges encoded worker histograms into one. */
export function mergeHistograms(encoded: readonly string[]): Histogram {
  const total = createLatencyHistogram();
  for (const text of encoded) total.add(decodeFromCompressedBase64(text));
  return total;
}

/** p50/p99/p99.9/max/mean in µs (0 when nothing was sampled). */
export function summarize(histogram: Histogram): LatencySummary {
  const count = histogram.totalCount;
  const us = (ns: number): number => (count === 0 ? 0 : Math.round(ns) / 1000);
  return {
    samples: count,
    p50: us(histogram.getValueAtPercentile(50)),
    p99: us(histogram.getValueAtPercentile(99)),
    p999: us(histogram.getValueAtPercentile(99.9)),
    max: us(histogram.maxValue),
    mean: us(histogram.mean),
  };
}
