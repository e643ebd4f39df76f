/**
 * The pluggable baseline ("target") interface of the multi-thread harness.
 *
 * A target module is imported twice: by the main thread, which creates one live instance per run
 * (`create`), and by every worker of that run, which attaches to it (`attach`). Workloads only
 * ever see a {@link MapTarget}, so one workload file drives ShardedMap, a Map behind postMessage,
 * npm `sharedmap`, `lmdb` and the copy-on-write map alike.
 *
 * Keys and values are integers (JS numbers). An adapter converts where its store needs another
 * representation (sharedmap: strings), and that conversion is part of what it costs to use it.
 *
 * Every method is synchronous. A target whose natural API is asynchronous (postMessage) blocks
 * for its reply; when the workload does not use results it may instead pipeline requests and
 * return placeholders, in which case `deferredResults` is true and the workload skips its per-op
 * checks (the final size check still runs).
 */
import type { TransferListItem } from 'node:worker_threads';

export interface MapTarget {
  /** True when results returned before `flush()` are placeholders (pipelined clients). */
  readonly deferredResults: boolean;
  get(key: number): unknown;
  set(key: number, value: number): void;
  /** Upsert that reports whether the key was new (bustle's insert, Rust's `insert().is_none()`). */
  insert(key: number, value: number): boolean;
  /** Changes the value of a present key only; reports whether it was present (bustle's update). */
  update(key: number, value: number): boolean;
  delete(key: number): boolean;
  /** Go LoadOrStore; returns `loaded`. */
  loadOrStore(key: number, value: number): boolean;
  /** Go LoadAndDelete; returns `loaded`. */
  loadAndDelete(key: number): boolean;
  /** Go Swap; returns `loaded`. */
  swap(key: number, value: number): boolean;
  compareAndSwap(key: number, expected: number, replacement: number): boolean;
  compareAndDelete(key: number, expected: number): boolean;
  /** Go Range with a callback that always continues; returns the number of entries visited. */
  rangeAll(): number;
  /** Go 1.24 AdversarialDelete's step: Range, delete the first key seen, stop. */
  rangeDeleteFirst(): void;
  clear(): void;
  size(): number;
  /** Untimed bulk load used by prefill phases; adapters may batch (one transaction, one message). */
  bulkInsert(keys: Float64Array, from: number, to: number, value: number): void;
  /** Waits until every pipelined request has been answered. A no-op for synchronous targets. */
  flush(): void;
  /** Releases per-thread resources (ports, environments). */
  close(): void;
}

/** Everything a host needs to size itself. */
export interface TargetCreateOptions {
  /** Expected entry count, or undefined to give no hint (RapidGrow must see growth). */
  readonly capacityHint: number | undefined;
  /** Upper bound on live keys: fixed-size stores (sharedmap, the copy-on-write map) size to it. */
  readonly maxKeys: number;
  readonly threads: number;
  /** Whether clients may pipeline (the workload ignores per-op results). */
  readonly pipelined: boolean;
  /** Target-specific settings from the registry (e.g. `{ shards: 1 }`). */
  readonly params: Readonly<Record<string, unknown>>;
}

/** What one worker receives to attach: a structured-cloneable value plus what to transfer. */
export interface AttachInfo {
  readonly handle: unknown;
  readonly transfer?: readonly TransferListItem[];
}

/** The main-thread side of one live instance, alive for one run. */
export interface TargetHost {
  attachInfo(threadIndex: number): AttachInfo;
  /** Entry count after the run (for the final consistency check). */
  size(): Promise<number>;
  close(): Promise<void>;
}

/** The shape every `targets/*.js` module exports. */
export interface TargetModule {
  create(options: TargetCreateOptions): Promise<TargetHost>;
  attach(handle: unknown): MapTarget | Promise<MapTarget>;
}

/** Default bulkInsert for adapters with nothing better: one insert per key. */
export function insertEach(
  target: MapTarget,
  keys: Float64Array,
  from: number,
  to: number,
  value: number,
): void {
  for (let i = from; i < to; i++) target.insert(keys[i]!, value);
}
