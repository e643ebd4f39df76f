/**
 * `runWorkload` options, their defaults and validation, and the `WorkloadPlan` — the checked,
 * structured-cloneable subset every workload thread receives.
 */
import type { TransferListItem } from 'node:worker_threads';
import type { ShardedMap, ShardedMapOptions } from '@shardmap/core';
import { invalidOption } from './errors.js';
import { MAX_KEYS } from './keys.js';
import { MIX_PRESETS, checkMix, parseMix, type MixPresetName, type OpMix, type OpName } from './mix.js';

/** A map implementation to drive, through a worker-side adapter module (see `target.ts`). */
export interface WorkloadTarget {
  /** Adapter module: path or `file:` URL of plain JS exporting `open(config, context)`. */
  readonly adapter: string | URL;
  /** Passed (structured-cloned) to `open` in every thread. */
  readonly config?: unknown;
  /** Per-thread config instead, with what to transfer (e.g. a MessagePort per thread). */
  readonly configFor?: (worker: number) => { config: unknown; transferList?: readonly TransferListItem[] };
  /** Label in results. Default: the adapter file name. */
  readonly name?: string;
}

/** Live progress, reported about every `progressIntervalMs` while the timed phase runs. */
export interface WorkloadProgress {
  readonly elapsedMs: number;
  /** Ops completed so far (approximate: lags by under 1024 per thread). */
  readonly ops: number;
  /** Planned duration, when the run is timed. */
  readonly durationMs: number | undefined;
  /** Planned op count, when the run is counted. */
  readonly totalOps: number | undefined;
}

/** Options of `runWorkload`. All optional. */
export interface WorkloadOptions {
  /** Workload threads. Default: the host's parallelism (`os.availableParallelism()` under `runWorkload`). */
  readonly threads?: number;
  /** Run for this long (timed run). Default 10 000 unless `ops` is given. */
  readonly durationMs?: number;
  /** Or run exactly this many ops in total, split evenly over the threads (counted run). */
  readonly ops?: number;
  /** Percentages per op, a preset name or a mix string ("get=90,set=10", "98/1/1/0"). Default `mixed`. */
  readonly mix?: OpMix | MixPresetName | string;
  /** Number of main keys. Default 100 000. */
  readonly keys?: number;
  /** Key popularity. Default `uniform`. */
  readonly distribution?: 'uniform' | 'zipf';
  /** Zipf exponent. Default 0.99 (YCSB). */
  readonly zipfTheta?: number;
  /** Fraction of main keys present before the run, 0…1. Default: the preset's, else 0.5. */
  readonly prefill?: number;
  /** `shared`: all threads draw from all keys; `disjoint`: per-thread key sets. Default `shared`. */
  readonly partition?: 'shared' | 'disjoint';
  /** Number of counter keys the `add` op spreads over. Default 16. */
  readonly counters?: number;
  /** Entries one `range` op visits before stopping. Default 100. */
  readonly rangeLength?: number;
  /** Time about one op in this many (randomly spaced, so no op kind is missed). Default 64. */
  readonly sampleEvery?: number;
  /** PRNG seed (printed in the result, to reproduce a run). Default random. */
  readonly seed?: number;
  /** What to drive. Default: the ShardedMap adapter over `map` (or a new map). */
  readonly target?: WorkloadTarget;
  /** Map for the default target; keys and values are integers. Default: a new map. */
  readonly map?: ShardedMap<number, number>;
  /** Options for the map the runner creates when neither `map` nor `target` is given. */
  readonly mapOptions?: ShardedMapOptions;
  /** Throw `WorkloadVerificationError` when a check fails (default true), or just report it. */
  readonly failOnMismatch?: boolean;
  /** Called with live progress during the timed phase. */
  readonly onProgress?: (progress: WorkloadProgress) => void;
  /** Default 250. */
  readonly progressIntervalMs?: number;
  /** How long a thread waits at a barrier before giving up. Default 120 000. */
  readonly barrierTimeoutMs?: number;
  /**
   * Timed runs: how long after the stop request every thread must have reported; past it the
   * run fails with `ERR_SHARDMAP_HARNESS_STALLED` and the threads are terminated. Default 30 000.
   */
  readonly stopTimeoutMs?: number;
}

/** The checked settings every workload thread receives. */
export interface WorkloadPlan {
  readonly threads: number;
  readonly durationMs: number | undefined;
  readonly totalOps: number | undefined;
  readonly mix: Readonly<Record<OpName, number>>;
  readonly keys: number;
  readonly distribution: 'uniform' | 'zipf';
  readonly zipfTheta: number;
  readonly prefill: number;
  readonly partition: 'shared' | 'disjoint';
  readonly counters: number;
  readonly rangeLength: number;
  readonly sampleEvery: number;
  readonly seed: number;
  readonly barrierTimeoutMs: number;
  readonly stopTimeoutMs: number;
}

/**
 * Validates options and fills in defaults. Throws `ERR_SHARDMAP_HARNESS_OPTION` naming the option.
 * `hostThreads` is the default thread count: the caller knows its platform (Node passes
 * `os.availableParallelism()`, a page `navigator.hardwareConcurrency`).
 */
export function planWorkload(options: WorkloadOptions, hostThreads = 1): WorkloadPlan {
  const preset = typeof options.mix === 'string' && options.mix in MIX_PRESETS ? MIX_PRESETS[options.mix as MixPresetName] : undefined;
  const mix = checkMix(typeof options.mix === 'string' ? parseMix(options.mix) : (options.mix ?? MIX_PRESETS.mixed.mix));
  if (options.durationMs !== undefined && options.ops !== undefined) throw invalidOption('durationMs', 'and "ops" exclude each other: give one');
  const totalOps = optionalInteger(options.ops, 'ops', 1);
  const theta = options.zipfTheta ?? 0.99;
  if (!(theta > 0 && theta < 1)) throw invalidOption('zipfTheta', `must be in (0, 1), got ${theta}`);
  const threads = optionalInteger(options.threads, 'threads', 1, 1024) ?? hostThreads;
  const keys = optionalInteger(options.keys, 'keys', 1, MAX_KEYS) ?? 100_000;
  if (options.partition === 'disjoint' && keys < threads) throw invalidOption('keys', `must be at least "threads" (${threads}) with partition 'disjoint', got ${keys}`);
  return {
    threads,
    totalOps,
    durationMs: totalOps === undefined ? positive(options.durationMs ?? 10_000, 'durationMs') : undefined,
    mix,
    keys,
    distribution: oneOf(options.distribution ?? 'uniform', 'distribution', ['uniform', 'zipf'] as const),
    zipfTheta: theta,
    prefill: fraction(options.prefill ?? preset?.prefill ?? 0.5, 'prefill'),
    partition: oneOf(options.partition ?? 'shared', 'partition', ['shared', 'disjoint'] as const),
    counters: optionalInteger(options.counters, 'counters', 1, 1 << 20) ?? 16,
    rangeLength: optionalInteger(options.rangeLength, 'rangeLength', 1) ?? 100,
    sampleEvery: optionalInteger(options.sampleEvery, 'sampleEvery', 1, 1 << 30) ?? 64,
    seed: optionalInteger(options.seed, 'seed', 0, 0xffffffff) ?? Math.floor(Math.random() * 0x100000000),
    barrierTimeoutMs: positive(options.barrierTimeoutMs ?? 120_000, 'barrierTimeoutMs'),
    stopTimeoutMs: positive(options.stopTimeoutMs ?? 30_000, 'stopTimeoutMs'),
  };
}

function optionalInteger(value: number | undefined, option: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < min || value > max) throw invalidOption(option, `must be an integer in [${min}, ${max}], got ${String(value)}`);
  return value;
}

function positive(value: number, option: string): number {
  if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value)) throw invalidOption(option, `must be a positive number, got ${String(value)}`);
  return value;
}

function fraction(value: number, option: string): number {
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) throw invalidOption(option, `must be a fraction in [0, 1], got ${String(value)}`);
  return value;
}

function oneOf<T extends string>(value: string, option: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) throw invalidOption(option, `must be one of ${allowed.join(', ')}; got "${value}"`);
  return value as T;
}
