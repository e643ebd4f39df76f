/**
 * The workload target adapter: how `runWorkload` drives a map it knows nothing about.
 *
 * An adapter is a plain-JS ES module (worker threads load it untransformed) that exports
 *
 *     export function open(config: unknown, context: AdapterContext): WorkloadTargetOps | Promise<WorkloadTargetOps>
 *
 * `runWorkload` starts N threads; each imports the adapter and calls `open` once, before the
 * start barrier (so connecting, attaching or warming up is not timed). `config` is the
 * structured-cloned `target.config` (or what `target.configFor(worker)` returned for that
 * worker, with its transferList — e.g. one MessagePort per worker for a Map owned by another
 * thread). The returned object is then called from that one thread only.
 *
 * Keys are integers in [0, keys + counters); values are integers (see `keys.ts`). Each op may
 * return its result directly or as a Promise (the runner awaits only thenables, so synchronous
 * targets pay nothing for the option).
 *
 *   get(key)            → the value, or undefined when absent
 *   set(key, value)     → true if the key was NEW, false if it replaced a value; return nothing
 *                         (undefined) if the target cannot tell — the size check is then skipped
 *   delete(key)         → true if the key was present
 *   update?(key, fn)    → apply fn(current) atomically: store its result, delete on undefined.
 *                         The runner's fn never inserts (absent stays absent). May call fn more
 *                         than once (optimistic retries): fn is pure.
 *   add?(key, delta)    → add delta to a numeric value (absent = 0), return the new value
 *   range?(visit)       → call visit(key, value) per entry; stop when it returns false
 *   size?()             → number of entries (read only when no op is running)
 *   close?()            → release what open() acquired; called after the run in each thread
 *
 * A mix that uses an optional op the target lacks fails when the threads open the target (before
 * the start barrier), with an error naming the op. The default adapter,
 * `adapters/sharded-map.js`, drives a `ShardedMap` from its handle: `config = { handle }`.
 */

/** What `open` learns about the thread it runs in. */
export interface AdapterContext {
  /** This worker's index, 0 … threads−1. */
  readonly worker: number;
  /** Number of workload threads. */
  readonly threads: number;
}

/** A value, or a promise of it. */
export type MaybePromise<T> = T | Promise<T>;

/** The operations a workload target offers; see the module header for each one's contract. */
export interface WorkloadTargetOps {
  get(key: number): unknown;
  set(key: number, value: number): MaybePromise<boolean | void>;
  delete(key: number): MaybePromise<boolean>;
  update?(key: number, fn: (current: number | undefined) => number | undefined): unknown;
  add?(key: number, delta: number): MaybePromise<number>;
  range?(visit: (key: number, value: unknown) => boolean | void): MaybePromise<void>;
  size?(): MaybePromise<number>;
  close?(): MaybePromise<void>;
}

/** The shape of an adapter module. */
export interface WorkloadAdapterModule {
  open(config: unknown, context: AdapterContext): MaybePromise<WorkloadTargetOps>;
}
