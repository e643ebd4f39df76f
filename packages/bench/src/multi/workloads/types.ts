/**
 * What a multi-thread workload is: code run by every worker against a MapTarget, with a fixed
 * number of operations per run. The harness owns threads, the barrier and timing; a workload
 * owns its keys, its op mix and the checks it can make from the results.
 */
import type { MapTarget } from '../target.js';

export type Suite = 'bustle' | 'go';

/** Settings of the bustle suite (shared by its three mixes). */
export interface BustleSettings {
  /** log2 of the initial capacity: sizes the key space, prefill and op count (bustle's knob). */
  readonly capacityLog2: number;
  /** Total operations of a run as a multiple of the initial capacity (bustle's `ops_f`). */
  readonly opsFactor: number;
}

/** Settings of the Go suite. */
export interface GoSettings {
  /** Total iterations (b.N) of a run before per-workload and per-target scaling. */
  readonly baseOps: number;
}

export interface SuiteSettings {
  readonly bustle: BustleSettings;
  readonly go: GoSettings;
}

/** Where one worker stands in one run. */
export interface ThreadContext {
  readonly threadIndex: number;
  readonly threads: number;
  /** Operations of the whole run (all threads) after scaling; each thread does its share. */
  readonly totalOps: number;
  readonly seed: number;
  readonly settings: SuiteSettings;
}

/** Sizing a run needs before any worker starts. */
export interface RunShape {
  readonly totalOps: number;
  /** Capacity hint for the map, or undefined for "no hint" (RapidGrow). */
  readonly capacityHint: number | undefined;
  /** Bound on live keys, for fixed-size stores. */
  readonly maxKeys: number;
}

export interface ThreadOutcome {
  /** Operations this thread performed (Go: loop iterations, like b.N). */
  readonly ops: number;
  /** Per-op result checks that failed (always 0 for a correct map; skipped when deferred). */
  readonly checkFailures: number;
  /** This thread's net change of the map's size, when the workload can know it. */
  readonly sizeDelta: number | undefined;
}

export interface Workload<State = unknown> {
  readonly suite: Suite;
  readonly name: string;
  readonly description: string;
  /** True when the op sequence or its checks depend on results, so clients must not pipeline. */
  readonly usesResults: boolean;
  shape(settings: SuiteSettings, threads: number, opsScale: number): RunShape;
  /** Runs in every worker before the barrier (key generation, prefill, Go's setup on thread 0). */
  prepare(target: MapTarget, ctx: ThreadContext): State;
  /** The timed part. */
  run(target: MapTarget, state: State, ctx: ThreadContext): ThreadOutcome;
  /** Size the map must have after the run, given the prepared state; undefined if unknowable. */
  readonly checksSize: boolean;
}
