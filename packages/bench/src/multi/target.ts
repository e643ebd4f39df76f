/**
 * The bench's side of the one target interface (`MapTarget` in @shardmap/harness): which of its
 * optional operations the bustle and Go workloads call, and the main-thread half of a target.
 *
 * A target module is imported twice: by the main thread, which creates one live instance per run
 * (`create`), and by every worker of that run, which attaches to it (`attach`). Workloads only
 * ever see a {@link MapTarget}, so one workload file drives ShardedMap, a Map behind postMessage,
 * npm `sharedmap`, `lmdb` and the copy-on-write map alike.
 *
 * Keys and values are integers (JS numbers). An adapter converts where its store needs another
 * representation (sharedmap: strings), and that conversion is part of what it costs to use it.
 *
 * Every method is synchronous (`SyncMapTarget`). A target whose natural API is asynchronous
 * (postMessage) blocks for its reply; when the workload does not use results it may instead
 * pipeline requests and return placeholders, in which case `deferredResults` is true and the
 * workload skips its per-op checks (the final size check still runs).
 *
 * Before the barrier each worker checks the attached target with the harness's `requireOps`: a
 * target that lacks one of {@link BENCH_OPS} fails its cells with the missing operations named.
 */
import type { TransferListItem } from 'node:worker_threads';
import type { OptionalOp, SyncMapTarget, TargetWith } from '@shardmap/harness';

/** The optional operations of the target interface that the bench's workloads call. */
export const BENCH_OPS = [
  'insert', 'updateIfPresent', 'loadOrStore', 'loadAndDelete', 'swap', 'compareAndSwap', 'compareAndDelete',
  'rangeAll', 'rangeDeleteFirst', 'clear', 'size', 'bulkInsert', 'flush', 'close',
] as const satisfies readonly OptionalOp[];

/** A synchronous target with every operation the bench's workloads call. */
export type MapTarget = TargetWith<(typeof BENCH_OPS)[number], SyncMapTarget>;

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
  attach(handle: unknown): SyncMapTarget | Promise<SyncMapTarget>;
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
