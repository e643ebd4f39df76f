/**
 * The seam between the public front (map.ts) and the engines that keep the data: striped.ts (the
 * default: one Swiss table per shard under a seqlocked lock) and syncmap/ (Go's read-snapshot
 * sync.Map per shard). The front checks arguments, prepares the key and value (ProbeKey,
 * EncodedValue: user code in getters runs there, before any lock), guards re-entrancy and shapes
 * results; an engine is chosen once, in the constructor, and every operation is one call into it.
 *
 * Conventions every engine keeps:
 *  - `probe` and `value` are the front's scratch objects, already prepared; an engine reads them
 *    and may overwrite `probe` (its number fast paths fill it for their slow paths).
 *  - A key's answer is ABSENT when the key is not there (a stored `undefined` is a value).
 *  - Values handed back are decoded copies; no engine returns a view of the buffer.
 *  - No lock is held when an engine returns or calls back into the front, except inside
 *    `readModifyWrite`, whose `compute` runs under the key's shard lock — held HELD (lock.ts
 *    invariant 6) when it runs user code, so readers read on — and must not write any map (the
 *    front's guards enforce that: guard.ts); `range` and iteration call `fn` with no lock held.
 *  - Reads (lookups, iteration, stats' figures) never wait for a HELD lock: they read through it
 *    (Shards.readBegin, lockForRead, readShard).
 *  - A call that throws leaves the map as it was (a full heap throws ERR_SHARDMAP_FULL first).
 */
import type { EncodedValue, ProbeKey } from './codecs.js';
import { disposedError } from './errors.js';

/** An operation's "the key is not there" (distinct from a stored `undefined`). */
export const ABSENT: unique symbol = Symbol('shardmap.absent');
export type Absent = typeof ABSENT;

/** What a read-modify-write callback decided. */
export const RMW_KEEP = 0;
export const RMW_STORE = 1;
export const RMW_DELETE = 2;
export type RmwDecision = typeof RMW_KEEP | typeof RMW_STORE | typeof RMW_DELETE;

/** update()'s callback, as the engines hand it on: user code. */
export type UserUpdate = (current: unknown) => unknown;

/**
 * Computes the next value of a read-modify-write from the current one (`present` false: absent).
 * Fills the EncodedValue passed to readModifyWrite when it returns RMW_STORE. `userFn` is the
 * readModifyWrite's own, handed on as an argument: kept in a field of the front for the step
 * to read, it cost a write barrier (~50 instructions) on every update().
 */
export type RmwCompute = (current: unknown, present: boolean, userFn: UserUpdate | undefined) => RmwDecision;

/** Per-shard figures stats() sums (read at one instant of the shard: Shards.readShard). */
export interface ShardFigures {
  size: number;
  capacity: number;
}

/** The longest string key getShortString takes (hot.wat's getString: eight words of two units). */
export const SHORT_STRING = 16;

export interface Engine {
  /** The mode's name, as `mode` takes it. */
  readonly name: 'striped' | 'syncmap';
  /** get() of a number key the key codec takes (-0 may come unfolded), `hash` its masked hash: the value, or undefined. */
  getNumber(num: number, hash: number): unknown;
  /** has() of a number key the key codec takes (-0 may come unfolded), `hash` its masked hash. */
  hasNumber(num: number, hash: number): boolean;
  /** get() of a string key of at most SHORT_STRING units, the key codec taking strings: the value, or undefined. */
  getShortString(key: string): unknown;
  /** has() of a string key of at most SHORT_STRING units, the key codec taking strings. */
  hasShortString(key: string): boolean;
  /** The value of `probe`, or ABSENT. `wantValue` false: any non-ABSENT answer (has()). */
  lookup(probe: ProbeKey, wantValue: boolean): unknown;
  /** set() of a number value to a number key (the codecs take both; -0 folded), `hash` the key's masked hash. */
  setNumber(num: number, hash: number, value: number): void;
  /** set() of a number value to a string key of at most SHORT_STRING units (the codecs take both). */
  setShortString(key: string, value: number): void;
  /** set(): `probe` → `value`. */
  store(probe: ProbeKey, value: EncodedValue): void;
  /** The value already there (nothing stored), or ABSENT (then `value` was stored). */
  loadOrStore(probe: ProbeKey, value: EncodedValue): unknown;
  /** Stores `value`; returns the previous value or ABSENT. */
  swap(probe: ProbeKey, value: EncodedValue): unknown;
  /** Replaces the value if it equals `expected` (sameValue, by content). */
  compareAndSwap(probe: ProbeKey, expected: unknown, value: EncodedValue): boolean;
  /** Deletes the key if its value equals `expected`. */
  compareAndDelete(probe: ProbeKey, expected: unknown): boolean;
  /** Deletes the key; returns its value (when `wantValue`; else any non-ABSENT) or ABSENT. */
  loadAndDelete(probe: ProbeKey, wantValue: boolean): unknown;
  /**
   * update()/add(): `compute` decides under the key's lock, with the key's value unchangeable.
   * `userFn`: user code `compute` runs (undefined: none), so the lock is held HELD while it runs.
   */
  readModifyWrite(probe: ProbeKey, value: EncodedValue, compute: RmwCompute, userFn: UserUpdate | undefined): RmwDecision;
  /** Calls fn(key, value) for shard `s`'s entries, no lock held during fn; false if fn stopped. */
  rangeShard(s: number, fn: (key: unknown, value: unknown) => boolean | void): boolean;
  /** Shard `s`'s entries, copied (for iterators that may resume in a later task). */
  copyShard(s: number, out: [unknown, unknown][]): void;
  /** Every entry at one instant (snapshot()). */
  snapshotAll(out: [unknown, unknown][]): void;
  /** Removes every entry (clear()). */
  clearAll(): void;
  /** Live entries, summed over shards (exact when no writer is running). */
  size(): number;
  /** Shard `s`'s live entries and table slots. Only reads: runs inside Shards.readShard. */
  figuresLocked(s: number, out: ShardFigures): void;
  /** The engine's own stats counters ('misses', 'promotions'), or none. */
  readonly extraStats: readonly string[];
  /**
   * The instance is being disposed: give up what it holds in the buffer under its owner id,
   * besides the owner entry itself (syncmap: its epoch pin). Never called twice; no call follows.
   */
  release(): void;
}

/**
 * The engine of a disposed instance (map.ts swaps it in): every operation throws
 * ERR_SHARDMAP_DISPOSED, so nothing runs under the owner id the instance gave back.
 */
export function disposedEngine(name: Engine['name']): Engine {
  const refuse = (): never => {
    throw disposedError();
  };
  return {
    name,
    extraStats: [],
    getNumber: refuse,
    getShortString: refuse,
    hasShortString: refuse,
    hasNumber: refuse,
    lookup: refuse,
    setNumber: refuse,
    setShortString: refuse,
    store: refuse,
    loadOrStore: refuse,
    swap: refuse,
    compareAndSwap: refuse,
    compareAndDelete: refuse,
    loadAndDelete: refuse,
    readModifyWrite: refuse,
    rangeShard: refuse,
    copyShard: refuse,
    snapshotAll: refuse,
    clearAll: refuse,
    size: refuse,
    figuresLocked: refuse,
    release: refuse,
  };
}
