/**
 * `runWorkload`: N threads hammer one map together and the run is checked afterwards.
 *
 * The main thread only orchestrates: it starts one worker thread per `threads` (built
 * `thread.js`), each with the plan, the shared control block (see control.ts) and its adapter
 * config; waits until the START barrier is released; stops a timed run when the duration has
 * elapsed; shows progress; gathers one report per thread; merges latencies; and verifies
 * (verify.ts). If any thread fails, the run is aborted — every other thread is released from its
 * barrier or loop — and the first failure is thrown once all threads have exited.
 *
 * The target is pluggable: by default the ShardedMap adapter over a map the runner creates (or
 * `options.map`); benchmarks pass `target: { adapter, config | configFor }` to drive baselines
 * through the same barrier, op mix, counters and checks. The adapter interface, in short (the
 * full contract of each op is in target.ts):
 *
 *     // a plain-JS module, imported once per thread
 *     export function open(config, { worker, threads }) → {
 *       get(key) → value | undefined          set(key, value) → isNew: boolean | undefined
 *       delete(key) → wasPresent: boolean     update?(key, fn)   add?(key, delta) → new total
 *       range?(visit(key, value) → false stops)   size?() → number   close?()
 *     }   // keys and values are integers; any op may return a promise
 */
import { availableParallelism } from 'node:os';
import { basename } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker, type TransferListItem } from 'node:worker_threads';
import { ShardedMap, type ShardedMapStats } from '@shardmap/core';
import { invalidOption, runStalled, workerFailed, WorkloadVerificationError } from '../errors.js';
import { abortRun, createControl, phaseReleased, Phase, readProgress, requestStop, workersBefore } from '../control.js';
import { mergeHistograms, summarize, type LatencySummary } from '../latency.js';
import { OP_NAMES, type OpName } from '../mix.js';
import { planWorkload, type WorkloadOptions, type WorkloadPlan } from '../options.js';
import type { ThreadData, ThreadReport } from '../report.js';
import { verifyReports, type Verification } from '../verify.js';

/** One thread's share of a run. */
export interface ThreadResult {
  readonly worker: number;
  /** Epoch ms when this thread passed the start barrier / finished its last op. */
  readonly startedAt: number;
  readonly endedAt: number;
  readonly ops: number;
  readonly elapsedMs: number;
  readonly opsPerSec: number;
  readonly opCounts: Readonly<Record<OpName, number>>;
  readonly latencyUs: LatencySummary;
  readonly latencyByOpUs: Readonly<Record<OpName, LatencySummary>>;
  /** Time this thread spent in `range` calls (every one timed). */
  readonly rangeTimeMs: number;
}

/** The outcome of `runWorkload`. Plain data: `JSON.stringify` it as is. */
export interface WorkloadResult {
  /** The target's name (`sharded-map` for the default). */
  readonly target: string;
  /** The settings the run used, defaults filled in (with the seed to reproduce it). */
  readonly plan: WorkloadPlan;
  readonly threads: number;
  /** Wall time from the first thread's start to the last thread's end. */
  readonly elapsedMs: number;
  readonly ops: number;
  /** ops / elapsed, all threads together. */
  readonly opsPerSec: number;
  readonly opCounts: Readonly<Record<OpName, number>>;
  /** Sampled op latency over all threads and ops. */
  readonly latencyUs: LatencySummary;
  /** The same, per op (a `range` visits up to `rangeLength` entries: not comparable to a `get`). */
  readonly latencyByOpUs: Readonly<Record<OpName, LatencySummary>>;
  /** The same over the single-key ops: every op but `range`. */
  readonly singleKeyLatencyUs: LatencySummary;
  /** Time the threads spent in `range` calls, summed over threads (every call timed). */
  readonly rangeTimeMs: number;
  /** Sum of the threads' own elapsed times (what `rangeTimeMs` is a share of). */
  readonly threadTimeMs: number;
  readonly perThread: readonly ThreadResult[];
  readonly verification: Verification;
  /** `stats()` of the map after the run, when the default target ran. */
  readonly mapStats?: ShardedMapStats;
}

const THREAD_ENTRY = new URL('./thread.js', import.meta.url);
const DEFAULT_ADAPTER = new URL('../adapters/sharded-map.js', import.meta.url);
/** How long a thread that has reported may take to exit before it is terminated. */
const EXIT_GRACE_MS = 5_000;

/**
 * Runs a concurrent workload and verifies it. Throws `WorkloadVerificationError` (carrying the
 * result) when a check fails, unless `failOnMismatch: false`; throws the first thread failure
 * (`ERR_SHARDMAP_HARNESS_WORKER_FAILED`) if a thread dies.
 */
export async function runWorkload(options: WorkloadOptions = {}): Promise<WorkloadResult> {
  const plan = planWorkload(options, availableParallelism());
  const target = resolveTarget(options);
  const control = createControl(plan.threads);
  const threads = Array.from({ length: plan.threads }, (_, worker) => startThread(plan, worker, control, target));
  const reports = await superviseRun(plan, control, threads, options);
  const result = buildResult(plan, target.name, reports, target.map?.stats());
  if (!result.verification.verified && options.failOnMismatch !== false) throw new WorkloadVerificationError(result);
  return result;
}

interface ResolvedTarget {
  readonly name: string;
  readonly adapter: string;
  readonly configFor: (worker: number) => { config: unknown; transferList?: readonly TransferListItem[] };
  readonly map: ShardedMap<number, number> | undefined;
}

function resolveTarget(options: WorkloadOptions): ResolvedTarget {
  const custom = options.target;
  if (custom === undefined) {
    // Options chosen at run time: their codecs are the caller's promise that numbers fit.
    const map = options.map ?? (ShardedMap.create(options.mapOptions) as ShardedMap<number, number>);
    const config = { handle: map.handle };
    return { name: 'sharded-map', adapter: DEFAULT_ADAPTER.href, configFor: () => ({ config }), map };
  }
  if (options.map !== undefined || options.mapOptions !== undefined) throw invalidOption('target', 'excludes "map" and "mapOptions" (they configure the default target)');
  const adapter = custom.adapter instanceof URL ? custom.adapter.href : toUrl(custom.adapter);
  const configFor = custom.configFor ?? (() => ({ config: custom.config }));
  return { name: custom.name ?? basename(fileURLToPath(adapter)).replace(/\.[cm]?js$/, ''), adapter, configFor, map: undefined };
}

function toUrl(path: string): string {
  if (typeof path !== 'string' || path === '') throw invalidOption('target.adapter', 'must be a path or a file: URL');
  return path.startsWith('file:') ? path : pathToFileURL(path).href;
}

interface RunningThread {
  readonly worker: Worker;
  /** Settles with the thread's report, or rejects if it fails or exits without one. */
  readonly report: Promise<ThreadReport>;
  readonly exited: Promise<void>;
}

function startThread(plan: WorkloadPlan, index: number, control: Int32Array, target: ResolvedTarget): RunningThread {
  const { config, transferList } = target.configFor(index);
  const workerData: ThreadData = { plan, worker: index, control, adapter: target.adapter, config };
  const worker = new Worker(THREAD_ENTRY, { workerData, transferList: transferList ? [...transferList] : [] });
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  const report = new Promise<ThreadReport>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', (error) => reject(workerFailed(index, error)));
    worker.once('exit', (code) => reject(workerFailed(index, `exited with code ${code} before reporting`)));
  });
  report.catch(() => undefined); // observed in superviseRun; avoid an unhandled rejection meanwhile
  return { worker, report, exited };
}

/** Drives the run from the main thread; always leaves every thread exited. */
async function superviseRun(plan: WorkloadPlan, control: Int32Array, threads: readonly RunningThread[], options: WorkloadOptions): Promise<ThreadReport[]> {
  const all = Promise.all(threads.map((t) => t.report));
  const timers: NodeJS.Timeout[] = [];
  try {
    const started = await Promise.race([phaseReleased(control, Phase.START).then(() => true), all.then(() => false)]);
    if (!started) return await all;
    reportProgress(plan, control, options, timers);
    if (plan.durationMs === undefined) return await all;
    timers.push(setTimeout(() => requestStop(control), plan.durationMs));
    return await Promise.race([all, stallAfter(plan.durationMs + plan.stopTimeoutMs, plan.stopTimeoutMs, control, threads, timers)]);
  } catch (error) {
    abortRun(control);
    throw error;
  } finally {
    timers.forEach((t) => clearTimeout(t));
    await Promise.all(threads.map((t) => exitOrTerminate(t)));
  }
}

/**
 * A watchdog for deadlocks: rejects after `ms`, naming the threads still in their op loop (or,
 * if all have left it, the ones that have not reported).
 */
function stallAfter(ms: number, graceMs: number, control: Int32Array, threads: readonly RunningThread[], timers: NodeJS.Timeout[]): Promise<never> {
  const unreported = new Set(threads.map((_, i) => i));
  threads.forEach((t, i) => t.report.then(() => unreported.delete(i), () => undefined));
  return new Promise((_, reject) => {
    timers.push(setTimeout(() => {
      const stuck = workersBefore(control, threads.length, Phase.FINISHED);
      reject(runStalled(stuck.length > 0 ? stuck : [...unreported], graceMs));
    }, ms));
  });
}

function reportProgress(plan: WorkloadPlan, control: Int32Array, options: WorkloadOptions, timers: NodeJS.Timeout[]): void {
  const onProgress = options.onProgress;
  if (onProgress === undefined) return;
  const startedAt = performance.now();
  const report = (): void => onProgress({
    elapsedMs: performance.now() - startedAt,
    ops: readProgress(control, plan.threads),
    durationMs: plan.durationMs,
    totalOps: plan.totalOps,
  });
  timers.push(setInterval(report, options.progressIntervalMs ?? 250));
}

async function exitOrTerminate(thread: RunningThread): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const grace = new Promise<'late'>((resolve) => { timer = setTimeout(() => resolve('late'), EXIT_GRACE_MS); });
  const outcome = await Promise.race([thread.exited, grace]);
  clearTimeout(timer);
  if (outcome === 'late') await thread.worker.terminate();
}

function buildResult(plan: WorkloadPlan, target: string, reports: readonly ThreadReport[], mapStats: ShardedMapStats | undefined): WorkloadResult {
  const sorted = [...reports].sort((a, b) => a.worker - b.worker);
  const elapsedMs = Math.max(...sorted.map((r) => r.endedAt)) - Math.min(...sorted.map((r) => r.startedAt));
  const ops = sorted.reduce((total, r) => total + r.ops, 0);
  const opCounts = countsByName(sorted.map((r) => r.opCounts).reduce((a, b) => a.map((x, i) => x + b[i]!)));
  return {
    target, plan, threads: plan.threads, elapsedMs, ops,
    opsPerSec: perSecond(ops, elapsedMs),
    opCounts,
    latencyUs: summarize(mergeHistograms(sorted.flatMap((r) => r.latencyByOp))),
    latencyByOpUs: latencyByOp(sorted),
    singleKeyLatencyUs: summarize(mergeHistograms(sorted.flatMap((r) => r.latencyByOp.filter((_, code) => OP_NAMES[code] !== 'range')))),
    rangeTimeMs: sorted.reduce((total, r) => total + r.rangeTimeMs, 0),
    threadTimeMs: sorted.reduce((total, r) => total + (r.endedAt - r.startedAt), 0),
    perThread: sorted.map(threadResult),
    verification: verifyReports(plan, sorted),
    ...(mapStats === undefined ? {} : { mapStats }),
  };
}

function threadResult(report: ThreadReport): ThreadResult {
  const elapsedMs = report.endedAt - report.startedAt;
  return {
    worker: report.worker, startedAt: report.startedAt, endedAt: report.endedAt, ops: report.ops, elapsedMs,
    opsPerSec: perSecond(report.ops, elapsedMs),
    opCounts: countsByName(report.opCounts),
    latencyUs: summarize(mergeHistograms(report.latencyByOp)),
    latencyByOpUs: latencyByOp([report]),
    rangeTimeMs: report.rangeTimeMs,
  };
}

function latencyByOp(reports: readonly ThreadReport[]): Record<OpName, LatencySummary> {
  const byOp = OP_NAMES.map((_, code) => summarize(mergeHistograms(reports.map((r) => r.latencyByOp[code]!))));
  return Object.fromEntries(OP_NAMES.map((op, code) => [op, byOp[code]])) as Record<OpName, LatencySummary>;
}

function countsByName(counts: readonly number[]): Record<OpName, number> {
  return Object.fromEntries(OP_NAMES.map((op, i) => [op, counts[i] ?? 0])) as Record<OpName, number>;
}

function perSecond(ops: number, ms: number): number {
  return ms > 0 ? Math.round((ops * 1000) / ms) : 0;
}
