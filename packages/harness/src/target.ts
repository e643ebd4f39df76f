/**
 * The one target interface: what every workload — the op-mix runner (`runWorkload`, `pnpm start`)
 * and the bench's bustle and Go workloads — drives, and what every map under test implements
 * (ShardedMap, a Map behind postMessage, npm sharedmap, lmdb, the copy-on-write map, …).
 *
 * Three operations are required; every other one is optional, and a target that lacks one says so
 * by leaving it out. A workload names the optional operations it calls (`needs`); before any
 * thread passes the start barrier `requireOps` checks them and either narrows the target's type to
 * one that has them (`TargetWith<…>`, so the workload's calls are checked by the compiler) or
 * throws an error naming what is missing. Nothing is skipped silently: the runner fails with the op
 * named, the bench reports the cell as skipped with that reason.
 *
 * Keys are integers in the workload's key space (`K`, number unless a workload says otherwise: the
 * mixed workload's keys are owner-named strings); values are integers. An op may return its result
 * directly or as a Promise (the runner awaits only thenables, so synchronous targets pay nothing
 * for the option); the bench's workloads need synchronous targets (`SyncMapTarget`).
 *
 *   get(key)            → the value, or undefined when absent
 *   set(key, value)     → true if the key was NEW, false if it replaced a value; nothing
 *                         (undefined) if the target cannot tell cheaply — size checks that need it
 *                         are then reported as skipped, with that reason
 *   delete(key)         → true if the key was present
 *   update?(key, fn)    → apply fn(current) atomically: store its result, delete on undefined.
 *                         The runner's fn never inserts (absent stays absent). May call fn more
 *                         than once (optimistic retries): fn is pure.
 *   updateIfPresent?(key, value) → bustle's update: change a present key's value only; answers
 *                         whether it was present (for targets that cannot run a callback: another
 *                         thread owns the map)
 *   add?(key, delta)    → add delta to a numeric value (absent = 0), return the new value
 *   range?(visit)       → call visit(key, value) per entry; stop when it returns false
 *   size?()             → number of entries (read only when no op is running)
 *   close?()            → release what open() acquired; called after the run in each thread
 *   insert?(key, value) → upsert answering whether the key was new (bustle's insert)
 *   loadOrStore? loadAndDelete? swap?  → Go's sync.Map, answering `loaded`
 *   compareAndSwap? compareAndDelete?  → Go's sync.Map, answering whether it swapped / deleted
 *   rangeAll?()         → Go's Range with a callback that always continues; entries visited
 *   rangeDeleteFirst?() → Go 1.24 AdversarialDelete's step: Range, delete the first key, stop
 *   clear?()            → remove every entry
 *   bulkInsert?(keys, from, to, value) → untimed bulk load (prefill); may batch
 *   flush?()            → wait until every pipelined request has been answered
 *   deferredResults     → true when results returned before flush() are placeholders (a
 *                         pipelined client); the bench's workloads then skip their per-op checks
 *
 * A target module (plain JS, loaded in each worker thread) exports
 *
 *     export function open(config: unknown, context: TargetContext): MapTarget | Promise<MapTarget>
 *
 * `open` runs once per thread, before the start barrier (so connecting, attaching or warming up is
 * not timed); the returned target is then called from that one thread only.
 */
import { badTarget } from './errors.js';

/** A value, or a promise of it. */
export type MaybePromise<T> = T | Promise<T>;

/** What `open` learns about the thread it runs in. */
export interface TargetContext {
  /** This worker's index, 0 … threads−1. */
  readonly worker: number;
  /** Number of workload threads. */
  readonly threads: number;
}

/** The operations a target offers; see the module header for each one's contract. */
export interface MapTarget<K = number> {
  get(key: K): unknown;
  set(key: K, value: number): MaybePromise<boolean | void>;
  delete(key: K): MaybePromise<boolean>;
  update?(key: K, fn: (current: number | undefined) => number | undefined): unknown;
  updateIfPresent?(key: K, value: number): MaybePromise<boolean>;
  add?(key: K, delta: number): MaybePromise<number>;
  range?(visit: (key: K, value: unknown) => boolean | void): MaybePromise<void>;
  size?(): MaybePromise<number>;
  close?(): MaybePromise<void>;
  insert?(key: K, value: number): MaybePromise<boolean>;
  loadOrStore?(key: K, value: number): MaybePromise<boolean>;
  loadAndDelete?(key: K): MaybePromise<boolean>;
  swap?(key: K, value: number): MaybePromise<boolean>;
  compareAndSwap?(key: K, expected: number, replacement: number): MaybePromise<boolean>;
  compareAndDelete?(key: K, expected: number): MaybePromise<boolean>;
  rangeAll?(): MaybePromise<number>;
  rangeDeleteFirst?(): MaybePromise<void>;
  clear?(): MaybePromise<void>;
  bulkInsert?(keys: Float64Array, from: number, to: number, value: number): MaybePromise<void>;
  flush?(): MaybePromise<void>;
  readonly deferredResults?: boolean;
}

/** A target whose every operation answers synchronously (what the bench's workloads drive). */
export interface SyncMapTarget<K = number> extends MapTarget<K> {
  set(key: K, value: number): boolean | void;
  delete(key: K): boolean;
  update?(key: K, fn: (current: number | undefined) => number | undefined): number | undefined;
  updateIfPresent?(key: K, value: number): boolean;
  add?(key: K, delta: number): number;
  range?(visit: (key: K, value: unknown) => boolean | void): void;
  size?(): number;
  close?(): void;
  insert?(key: K, value: number): boolean;
  loadOrStore?(key: K, value: number): boolean;
  loadAndDelete?(key: K): boolean;
  swap?(key: K, value: number): boolean;
  compareAndSwap?(key: K, expected: number, replacement: number): boolean;
  compareAndDelete?(key: K, expected: number): boolean;
  rangeAll?(): number;
  rangeDeleteFirst?(): void;
  clear?(): void;
  bulkInsert?(keys: Float64Array, from: number, to: number, value: number): void;
  flush?(): void;
}

/** The operations every target must have. */
export const REQUIRED_OPS = ['get', 'set', 'delete'] as const;

/** The operations a target may lack. */
export type OptionalOp = Exclude<keyof MapTarget, (typeof REQUIRED_OPS)[number] | 'deferredResults'>;

/** A target of any key type: what the checks below take, as they look at its operations and never pass it a key. */
export type AnyKeyTarget = MapTarget<any>;

/** Target `T` known to have the optional operations `N`. */
export type TargetWith<N extends OptionalOp, T extends AnyKeyTarget = MapTarget> = T & { [K in N]-?: NonNullable<T[K]> };

/** The shape of a target module. */
export interface TargetModule<T extends MapTarget = MapTarget> {
  open(config: unknown, context: TargetContext): MaybePromise<T>;
}

/** The operations of `needs` that `target` lacks (in the order of `needs`). */
export function missingOps(target: AnyKeyTarget, needs: readonly OptionalOp[]): OptionalOp[] {
  return needs.filter((op) => typeof target[op] !== 'function');
}

/**
 * Checks that `target` has the required operations and every one of `needs`, and narrows its type
 * accordingly. Throws `ERR_SHARDMAP_HARNESS_TARGET` naming `name` and each missing operation.
 */
export function requireOps<N extends OptionalOp, T extends AnyKeyTarget>(target: T, needs: readonly N[], name: string): TargetWith<N, T> {
  for (const op of REQUIRED_OPS) {
    if (typeof target?.[op] !== 'function') throw badTarget(name, `open() returned a target without ${op}()`);
  }
  const missing = missingOps(target, needs);
  if (missing.length > 0) throw badTarget(name, `the workload needs ${missing.map((op) => `${op}()`).join(', ')}, which the target lacks`);
  return target as TargetWith<N, T>;
}
