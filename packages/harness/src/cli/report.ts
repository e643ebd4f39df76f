/**
 * How `pnpm start` shows a run: the live progress line (TTY only), the result table, the
 * verification verdict, and the JSON document written to disk.
 */
import { availableParallelism, cpus } from 'node:os';
import type { LatencySummary } from '../latency.js';
import { OP_NAMES } from '../mix.js';
import type { WorkloadProgress } from '../options.js';
import type { WorkloadResult } from '../node/runner.js';
import type { CliOptions } from './args.js';

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const micros = (us: number): string => us.toFixed(us < 10 ? 2 : 1);

/** One line describing the run before it starts. */
export function describeRun(options: CliOptions, mix: WorkloadResult['plan']['mix'] | undefined): string {
  const length = options.durationMs !== undefined ? `${options.durationMs / 1000} s` : `${integer.format(options.ops ?? 0)} ops`;
  const mixText = mix ? OP_NAMES.filter((op) => mix[op] > 0).map((op) => `${op} ${mix[op]}`).join(' / ') : options.mix;
  return `shardmap: ${options.threads} threads × ${length}, mode ${options.mode}, ${integer.format(options.keys)} keys ${options.dist}, ` +
    `${options.partition} keys, mix ${mixText}`;
}

/** The progress line, rewritten in place with \r. */
export function progressLine(progress: WorkloadProgress): string {
  const seconds = progress.elapsedMs / 1000;
  const rate = seconds > 0 ? progress.ops / seconds : 0;
  const of = progress.durationMs !== undefined ? ` / ${(progress.durationMs / 1000).toFixed(0)} s` : ` (${integer.format(progress.totalOps ?? 0)} ops)`;
  return `  ${seconds.toFixed(1)} s${of} · ${integer.format(progress.ops)} ops · ${integer.format(rate)} ops/s`;
}

/** The result table: one row per thread and a total, then the verification verdict. */
export function resultTable(result: WorkloadResult): string {
  const header = ['threads', 'ops', 'ops/s', 'p50 µs', 'p99 µs', 'p99.9 µs', 'verified'];
  const row = (label: string, ops: number, rate: number, latency: LatencySummary, verified: string): string[] =>
    [label, integer.format(ops), integer.format(rate), micros(latency.p50), micros(latency.p99), micros(latency.p999), verified];
  const rows = result.perThread.map((t) => row(`#${t.worker}`, t.ops, t.opsPerSec, t.latencyUs, ''));
  rows.push(row(`all ${result.threads}`, result.ops, result.opsPerSec, result.latencyUs, result.verification.verified ? 'yes' : 'NO'));
  return [alignColumns([header, ...rows]), '', latencyByOpTable(result), '', ...mapLine(result), verificationLines(result)].join('\n');
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

function verificationLines(result: WorkloadResult): string {
  const { verification } = result;
  const passed = verification.checks.filter((c) => c.status === 'pass').length;
  const skipped = verification.checks.filter((c) => c.status === 'skip').length;
  const mark = { pass: 'ok  ', fail: 'FAIL', skip: 'skip' } as const;
  const lines = verification.checks.map((c) => `  ${mark[c.status]}  ${c.name.padEnd(13)} ${c.detail}`);
  const verdict = verification.verified
    ? `verification: PASSED (${passed} checks passed, ${skipped} skipped)`
    : `verification: FAILED\n  ${verification.failures.join('\n  ')}`;
  return [verdict, ...lines].join('\n');
}

/** The JSON document: the whole result plus what is needed to compare runs across machines. */
export function resultDocument(result: WorkloadResult, options: CliOptions, startedAt: Date): object {
  return {
    tool: '@shardmap/workers cli',
    startedAt: startedAt.toISOString(),
    command: { ...options, help: undefined },
    machine: { node: process.version, platform: process.platform, arch: process.arch, cpu: cpus()[0]?.model ?? 'unknown', parallelism: availableParallelism() },
    ...result,
  };
}
