/**
 * How `pnpm start` shows a run: the progress line, the table of the map and the postMessage
 * comparison with their ratio, range on its own line, the verification verdicts, and the JSON
 * document `--json` writes.
 */
import { availableParallelism, cpus } from 'node:os';
import type { LatencySummary } from '../latency.js';
import { OP_NAMES, type OpName } from '../mix.js';
import type { WorkloadProgress } from '../options.js';
import type { WorkloadResult } from '../node/runner.js';
import type { CliOptions } from './args.js';

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const micros = (us: number): string => us.toFixed(us < 10 ? 2 : 1);

/** One line describing the run before it starts. */
export function describeRun(options: CliOptions, mix: WorkloadResult['plan']['mix'] | undefined): string {
  const length = options.durationMs !== undefined ? `${options.durationMs / 1000} s` : `${integer.format(options.ops ?? 0)} ops`;
  return `shardmap: ${options.threads} threads × ${length}, mode ${options.mode}, ${integer.format(options.keys)} keys ${options.dist}, ` +
    `${options.partition} keys, mix ${mix ? mixText(mix) : options.mix}`;
}

/** A run's headline: single-key ops apart from `range`, with the share of thread time each took. */
export interface RunSummary {
  /** get, set, delete, update, add: every op but range. */
  readonly singleKeyOps: number;
  /** Single-key ops per second of the threads' time spent on them, all threads together. */
  readonly singleKeyOpsPerSec: number;
  readonly rangeOps: number;
  /** range calls per second of the threads' time spent in range, all threads together. */
  readonly rangeOpsPerSec: number;
  /** Fraction of the threads' time spent in range calls. */
  readonly rangeTimeShare: number;
}

/**
 * Splits a run into single-key ops and range calls. Every range call is timed, so its share of
 * the threads' time is measured; the single-key rate is their ops over the rest of that time.
 */
export function summarizeRun(result: WorkloadResult): RunSummary {
  const rangeTimeShare = result.threadTimeMs > 0 ? Math.min(1, result.rangeTimeMs / result.threadTimeMs) : 0;
  const rangeOps = result.opCounts.range;
  const singleKeyOps = result.ops - rangeOps;
  const seconds = result.elapsedMs / 1000;
  const rate = (ops: number, share: number): number => (ops > 0 && share > 0 && seconds > 0 ? Math.round(ops / (seconds * share)) : 0);
  return { singleKeyOps, singleKeyOpsPerSec: rate(singleKeyOps, 1 - rangeTimeShare), rangeOps, rangeOpsPerSec: rate(rangeOps, rangeTimeShare), rangeTimeShare };
}

/** What a line says about a mix: "get 80 / set 8 / …". */
export function mixText(mix: Readonly<Record<OpName, number>>): string {
  return OP_NAMES.filter((op) => mix[op] > 0).map((op) => `${op} ${mix[op]}`).join(' / ');
}

/** The progress line: which target, elapsed / planned (and what is left), ops so far and ops/s. */
export function progressLine(label: string, progress: WorkloadProgress): string {
  const seconds = progress.elapsedMs / 1000;
  const rate = seconds > 0 ? progress.ops / seconds : 0;
  const of = progress.durationMs !== undefined
    ? ` / ${(progress.durationMs / 1000).toFixed(1)} s (${Math.max(0, (progress.durationMs - progress.elapsedMs) / 1000).toFixed(1)} s left)`
    : ` (${integer.format(progress.totalOps ?? 0)} ops planned)`;
  return `  ${label}: ${seconds.toFixed(1)} s${of} · ${integer.format(progress.ops)} ops · ${integer.format(rate)} ops/s`;
}

/** One run of the comparison table. */
export interface LabelledRun {
  readonly label: string;
  readonly result: WorkloadResult;
}

/**
 * The headline: one row per target (single-key ops, their ops/s and latency, verified), the
 * ratio of the first to the second, and the map's range calls on a line of their own; then the
 * map's latency per op, its counters and every verification check.
 */
export function resultTable(map: LabelledRun, comparison?: LabelledRun & { readonly lacks: string }): string {
  const header = ['target', 'threads', 'single-key ops', 'ops/s', 'p50 µs', 'p99 µs', 'p99.9 µs', 'verified'];
  const row = ({ label, result }: LabelledRun): string[] => {
    const summary = summarizeRun(result);
    const latency = result.singleKeyLatencyUs;
    return [label, String(result.threads), integer.format(summary.singleKeyOps), integer.format(summary.singleKeyOpsPerSec),
      micros(latency.p50), micros(latency.p99), micros(latency.p999), result.verification.verified ? 'yes' : 'NO'];
  };
  const rows = [header, row(map), ...(comparison ? [row(comparison)] : [])];
  const lines = [alignColumns(rows, false)];
  if (comparison) {
    const a = summarizeRun(map.result).singleKeyOpsPerSec;
    const b = summarizeRun(comparison.result).singleKeyOpsPerSec;
    lines.push('', `ratio: ${map.label} runs ${b > 0 ? `${ratio(a / b)}×` : 'n/a'} the single-key ops/s of a ${comparison.label}` +
      ` (${comparison.lacks})`);
  }
  lines.push('', rangeLine(map), '', latencyByOpTable(map.result), '', ...mapLine(map.result), verificationLines(map.label, map.result));
  if (comparison) lines.push('', verificationLines(comparison.label, comparison.result));
  return lines.join('\n');
}

/** The ratio, with as many digits as make sense. */
export function ratio(x: number): string {
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2);
}

/** range calls: their own rate and share of the thread time, never part of the headline ops/s. */
function rangeLine({ label, result }: LabelledRun): string {
  const summary = summarizeRun(result);
  if (summary.rangeOps === 0) return `range: none in this mix`;
  return `range (${label}, apart from the ops/s above): ${integer.format(summary.rangeOps)} calls of up to ${result.plan.rangeLength} entries, ` +
    `${integer.format(summary.rangeOpsPerSec)} calls/s, ${(summary.rangeTimeShare * 100).toFixed(1)} % of the threads' time`;
}

/** What the map's own counters say about the run (contention, retries), when it reported them. */
function mapLine({ mapStats: stats }: WorkloadResult): string[] {
  if (stats === undefined) return [];
  const n = (x: number): string => integer.format(x);
  return [`map: ${n(stats.size)} entries in ${n(stats.shards)} shards, load ${stats.loadFactor.toFixed(2)}; ` +
    `locks taken ${n(stats.lockAcquisitions)} (contended ${n(stats.lockContended)}, slept ${n(stats.lockWaits)}), ` +
    `optimistic read retries ${n(stats.optimisticRetries)}`, ''];
}

/** Latency per op kind: a range visiting 100 entries and a get do not belong in one percentile. */
function latencyByOpTable(result: WorkloadResult): string {
  const used = OP_NAMES.filter((op) => result.opCounts[op] > 0);
  const rows = used.map((op) => {
    const latency = result.latencyByOpUs[op];
    return [op, integer.format(result.opCounts[op]), micros(latency.p50), micros(latency.p99), micros(latency.p999), integer.format(latency.samples)];
  });
  return alignColumns([['op', 'ops', 'p50 µs', 'p99 µs', 'p99.9 µs', 'sampled'], ...rows], false);
}

function alignColumns(rows: readonly string[][], totalRow = true): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const line = (r: readonly string[]): string => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ').trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  if (!totalRow) return [line(rows[0]!), rule, ...rows.slice(1).map(line)].join('\n');
  return [line(rows[0]!), rule, ...rows.slice(1, -1).map(line), rule, line(rows[rows.length - 1]!)].join('\n');
}

function verificationLines(label: string, result: WorkloadResult): string {
  const { verification } = result;
  const passed = verification.checks.filter((c) => c.status === 'pass').length;
  const skipped = verification.checks.filter((c) => c.status === 'skip').length;
  const mark = { pass: 'ok  ', fail: 'FAIL', skip: 'skip' } as const;
  const lines = verification.checks.map((c) => `  ${mark[c.status]}  ${c.name.padEnd(13)} ${c.detail}`);
  const verdict = verification.verified
    ? `verification (${label}): PASSED (${passed} checks passed, ${skipped} skipped)`
    : `verification (${label}): FAILED\n  ${verification.failures.join('\n  ')}`;
  return [verdict, ...lines].join('\n');
}

/** The JSON document: the map's whole result (and the comparison's) plus what is needed to compare runs across machines. */
export function resultDocument(map: WorkloadResult, comparison: (WorkloadResult & { lacks: string }) | undefined, options: CliOptions, startedAt: Date): object {
  const summary = summarizeRun(map);
  return {
    tool: '@shardmap/harness cli',
    startedAt: startedAt.toISOString(),
    command: { ...options, help: undefined },
    machine: { node: process.version, platform: process.platform, arch: process.arch, cpu: cpus()[0]?.model ?? 'unknown', parallelism: availableParallelism() },
    ...map,
    summary,
    ...(comparison === undefined ? {} : {
      comparison: { ...comparison, summary: summarizeRun(comparison) },
      ratio: summary.singleKeyOpsPerSec / Math.max(1, summarizeRun(comparison).singleKeyOpsPerSec),
    }),
  };
}
