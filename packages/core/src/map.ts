/**
 * ShardedMap: a concurrent hash map in one growable SharedArrayBuffer.
 *
 * Goals. Every thread that holds the handle reads and writes the same map directly, with Map's
 * meaning and sync.Map's extra operations; one thread runs close to Map; threads scale on
 * different keys; every single-key operation is linearizable. Non-goals: ordered iteration
 * (Map's insertion order is not kept), holding live objects (values cross as copies).
 *
 * Design. Keys hash (seeded, hash.ts) to one of a power-of-two number of shards; each shard is a
 * Swiss table (table.ts) guarded by one word that is both its futex lock and its seqlock sequence
 * (lock.ts). Writers take the shard's lock: one compareExchange, one exchange to release — two
 * Atomics calls per write. Readers (get, has, and the first look of loadOrStore) take no lock:
 * Atomics.load the word, read the table with plain bounds-checked reads, Atomics.load the word
 * again — two Atomics calls per read — and retry, then lock, if a writer got in between; a lock
 * whose holder runs user code is held untouched (lock.ts invariant 6) and read through. The heap
 * (memory.ts) hands out power-of-two blocks from per-shard free lists, so memory stays flat under
 * churn and shards never contend on allocation; the buffer grows under a heap lock and every thread
 * catches up with growth when it meets an offset beyond its views.
 *
 * Numbers expected (2 cores, ANCHORS.md costs): a get is ~2 Atomics loads (22 ns) + hashing +
 * one group probe: ~40–60 ns, against Map's ~24 ns (int) / ~41 ns (string). A set is a CAS and an
 * exchange (~40 ns) plus the probe and payload writes. Two threads on different shards share no
 * written cache line.
 *
 * Weak points. An update() callback runs under its shard's lock, as Java's compute does: the
 * shard's writers wait for it; readers read through (HELD, lock.ts invariant 6) and wait only
 * while a holder mutates, which runs no user code. Iteration copies one shard at a time (weakly
 * consistent; snapshot() is one instant). clear() and snapshot() lock every shard, in index order.
 *
 * Organisation: this file is the public front (argument checks, the re-entrancy guard, result
 * shaping, the docs); every operation is one call into the engine chosen once in the constructor
 * (engine.ts: striped.ts, or syncmap/). Key and value preparation (getters run there, before any
 * lock), add()'s checks and stored copies are prepare.ts's; the shard-by-shard walk iteration.ts's;
 * locks and the seqlock read shard-lock.ts's; growth and shrinking shard-table.ts's (published by
 * shard.ts); payloads slots.ts's; stats stats.ts's.
 */
import { EncodedValue, ProbeKey, encodeValue, prepareKey, prepareKeyOrThrow } from './codecs.js';
import { badBufferError, callbackWriteError, disposedError, reentrantError } from './errors.js';
import { userCode } from './guard.js';
import { Shards, openShards } from './shard.js';
import { initialCapacity } from './shard-table.js';
import { releaseOwner } from './owners.js';
import { hashNumber } from './hash.js';
import { collectStats, type ShardedMapStats } from './stats.js';
import { allocateBuffer, parseOptions, readBuffer, type BufferConfig, type ShardedMapHandle, type ShardedMapOptions } from './buffer.js';
import { MODE_CACHE } from './layout.js';
import { ABSENT, RMW_DELETE, RMW_KEEP, RMW_STORE, SHORT_STRING, disposedEngine, type Engine, type RmwCompute, type UserUpdate } from './engine.js';
import { StripedEngine } from './striped.js';
import { adoptHotModule, hotModule } from './wasm/hot.js';
import { DISPOSE } from './dispose.js';
import type { AddableValue, KeyCodecsFor, KeyOfCodec, ValueCodecsFor, ValueOfCodec } from './types.js';
import { SyncMapEngine } from './syncmap/engine.js';
import { rangeShards, walkShards } from './iteration.js';
import { addInto, checkAddable, prepareLookup, prepareOtherLookup, prepareWrite, storedCopy } from './prepare.js';

/**
 * A hash map shared by every thread holding its handle.
 *
 * Memory model: set, delete, clear, loadOrStore (when it stores), loadAndDelete, swap,
 * compareAndSwap/compareAndDelete (when they succeed), update and add are writes; a write is
 * visible to every thread's get/has as soon as it returns, and a read that observes a write also
 * observes everything the writing thread did before it. Iteration (keys, values, entries, forEach,
 * range) is not a snapshot: it copies one shard at a time, visits no key twice, visits every key
 * present for the whole call, and runs callbacks with no lock held. snapshot() is one instant.
 * A read (get, has, iteration, size, stats) never waits for another thread's user code: while an
 * update() callback runs, reads of its shard see the shard as it was. Inside an update() callback
 * every write to any shardmap structure throws ERR_SHARDMAP_REENTRANT, so no program can deadlock
 * through the map; a callback's own shard's writers wait for it, and stats().lockHolders names it.
 */
export class ShardedMap<K = unknown, V = unknown> {
  readonly handle: ShardedMapHandle<K, V>;
  readonly #config: BufferConfig;
  readonly #shards: Shards;
  readonly #ownerId: number;
  /** The mode's engine; after [Symbol.dispose](), one whose every operation throws (engine.ts). */
  #engine: Engine;
  #disposed = false;
  /** >0 while this instance's range() or forEach() runs its callback (dispose refuses then). */
  #ranging = 0;
  readonly #probe = new ProbeKey();
  readonly #value = new EncodedValue();
  #inUpdate = false;
  /** The delta of the add() in progress, and whether the map's values are bigints (read by #addStep). */
  #addDelta = 0;
  #addBig = false;
  /** The value codec accepts every number (so set() of a number may take the number path). */
  readonly #anyNumber: boolean;
  /** The key codec takes numbers ('any', 'number', 'int32': all stored as float64). */
  readonly #numberKeys: boolean;
  readonly #int32Keys: boolean;
  /** The key codec takes strings ('any', 'string'). */
  readonly #stringKeys: boolean;

  private constructor(config: BufferConfig) {
    if (config.mode === MODE_CACHE) throw badBufferError('a ShardedCache buffer: attach it with ShardedCache.attach');
    this.#config = config;
    adoptHotModule(config.module);
    this.handle = Object.freeze({ kind: 'shardmap' as const, memory: config.memory, module: hotModule() });
    this.#shards = openShards(this, config);
    this.#ownerId = this.#shards.ownerId;
    this.#anyNumber = config.valueCodec === 0 || config.valueCodec === 2;
    this.#numberKeys = config.keyCodec === 0 || config.keyCodec === 2 || config.keyCodec === 3;
    this.#int32Keys = config.keyCodec === 3;
    this.#stringKeys = config.keyCodec === 0 || config.keyCodec === 1;
    // The one place the mode is looked at: every method below is one call into this engine.
    this.#engine =
      config.mode === 1
        ? new SyncMapEngine(config, this.#shards, this.#ownerId, this.#probe, this.#value)
        : new StripedEngine(config, this.#shards, this.#probe, this.#value);
  }

  /** A new map; its key and value types follow `keys` and `values` (types.ts). */
  static create<const O extends ShardedMapOptions = {}>(options?: O): ShardedMap<KeyOfCodec<O['keys']>, ValueOfCodec<O['values']>>;
  /** A new map of explicit types, which the codecs must be able to hold. */
  static create<K, V>(options?: ShardedMapOptions & { keys?: KeyCodecsFor<K>; values?: ValueCodecsFor<V> }): ShardedMap<K, V>;
  static create(options?: ShardedMapOptions): ShardedMap<unknown, unknown> {
    return createMap(options, -1);
  }

  /** Attach to a map created in another thread (or this one). Validates the buffer. */
  static attach<K = unknown, V = unknown>(handle: ShardedMapHandle<K, V> | ShardedMapHandle): ShardedMap<K, V> {
    return new ShardedMap<K, V>(readBuffer(handle));
  }

  /**
   * Recovery after a thread died (e.g. a pool worker terminated mid-task): marks the map instances
   * of the thread with `token` (its threadToken()) dead, takes over any lock they held, rolls back
   * the mutation in flight and repairs the shard. Completed operations are kept.
   */
  static recoverThread(handle: ShardedMapHandle, token: number): { owners: number; shardsRecovered: number; heapRecovered: boolean } {
    const map = ShardedMap.attach(handle);
    try {
      return map.#shards.recoverThread(token);
    } finally {
      map[DISPOSE](); // its owner entry is free at once, not at the next GC
    }
  }

  /** @internal create() with the header's test-only hash mask. */
  static _create<K, V>(options: ShardedMapOptions | undefined, hashMask: number): ShardedMap<K, V> {
    const config = parseOptions(options, hashMask);
    const capacity = initialCapacity(config.capacity, config.shardCount);
    config.memory = allocateBuffer(config, capacity);
    const map = new ShardedMap<K, V>(config);
    for (let s = 0; s < config.shardCount; s++) map.#shards.initTable(s, capacity);
    return map;
  }

  get [Symbol.toStringTag](): string {
    return 'ShardedMap';
  }

  // --- reads ---------------------------------------------------------------------------------

  /** Number keys first, in few bytecodes: V8 inlines callees up to a cumulative bytecode budget,
   *  and what get() spends is taken from the lookup it leads to. */
  get(key: K): V | undefined {
    if (this.#inUpdate) throw reentrantError('get');
    if (typeof key === 'number' && this.#numberKeys) {
      if (this.#int32Keys && (key | 0) !== key) return undefined; // no such key can be stored
      // -0 needs no folding: a number key is compared with ===, and hashes as 0. Hashing here
      // (key preparation is the front's) keeps its bytecode out of the lookup's inlining budget.
      const c = this.#config;
      return this.#engine.getNumber(key, hashNumber(key, c.seed) & c.hashMask) as V | undefined;
    }
    if (typeof key === 'string' && this.#stringKeys && key.length <= SHORT_STRING) return this.#engine.getShortString(key) as V | undefined;
    return this.#getOther(key) as V | undefined;
  }

  /** get() of every key the number path above does not take. */
  #getOther(key: K): unknown {
    const probe = this.#probe;
    if (!prepareOtherLookup(key, probe, this.#config)) return undefined;
    const value = this.#engine.lookup(probe, true);
    return value === ABSENT ? undefined : value;
  }

  has(key: K): boolean {
    if (this.#inUpdate) throw reentrantError('has');
    if (typeof key === 'number' && this.#numberKeys) {
      if (this.#int32Keys && (key | 0) !== key) return false;
      const c = this.#config;
      return this.#engine.hasNumber(key, hashNumber(key, c.seed) & c.hashMask);
    }
    if (typeof key === 'string' && this.#stringKeys && key.length <= SHORT_STRING) return this.#engine.hasShortString(key);
    const probe = this.#probe;
    if (!prepareLookup(key, probe, this.#config)) return false;
    return this.#engine.lookup(probe, false) !== ABSENT;
  }

  get size(): number {
    if (this.#inUpdate) throw reentrantError('size');
    return this.#engine.size();
  }

  // --- writes --------------------------------------------------------------------------------

  /** Every write first checks this thread's user-code depth (guard.ts): inside any update()
   *  callback, of this map or another structure, a write throws this instead of maybe waiting. */
  #refuseWrite(method: string): Error {
    return this.#inUpdate ? reentrantError(method) : callbackWriteError(method);
  }

  set(key: K, value: V): this {
    if (userCode.n !== 0) throw this.#refuseWrite('set');
    if (typeof key === 'number' && typeof value === 'number' && this.#numberKeys && this.#anyNumber && (!this.#int32Keys || (key | 0) === key)) {
      const c = this.#config;
      this.#engine.setNumber(key === 0 ? 0 : key, hashNumber(key, c.seed) & c.hashMask, value);
      return this;
    }
    if (typeof key === 'string' && typeof value === 'number' && this.#stringKeys && this.#anyNumber && key.length <= SHORT_STRING) {
      this.#engine.setShortString(key, value);
      return this;
    }
    prepareWrite(this.#config, key, value, this.#probe, this.#value);
    this.#engine.store(this.#probe, this.#value);
    return this;
  }

  /** Fills #probe for a removal; false if no such key can be stored (nothing to remove). */
  #prepareRemove(key: K): boolean {
    const c = this.#config;
    return prepareKey(c.keyCodec, key, this.#probe, c.seed, c.hashMask);
  }

  delete(key: K): boolean {
    if (userCode.n !== 0) throw this.#refuseWrite('delete');
    return this.#prepareRemove(key) && this.#engine.loadAndDelete(this.#probe, false) !== ABSENT;
  }

  clear(): void {
    if (userCode.n !== 0) throw this.#refuseWrite('clear');
    this.#engine.clearAll();
  }

  // --- the sync.Map surface ------------------------------------------------------------------

  loadOrStore(key: K, value: V): { value: V; loaded: boolean } {
    if (userCode.n !== 0) throw this.#refuseWrite('loadOrStore');
    prepareWrite(this.#config, key, value, this.#probe, this.#value);
    const loaded = this.#engine.loadOrStore(this.#probe, this.#value);
    return loaded === ABSENT ? { value: storedCopy(this.#value) as V, loaded: false } : { value: loaded as V, loaded: true };
  }

  loadAndDelete(key: K): { value: V | undefined; loaded: boolean } {
    if (userCode.n !== 0) throw this.#refuseWrite('loadAndDelete');
    const removed = this.#prepareRemove(key) ? this.#engine.loadAndDelete(this.#probe, true) : ABSENT;
    return removed === ABSENT ? { value: undefined, loaded: false } : { value: removed as V, loaded: true };
  }

  swap(key: K, value: V): { previous: V | undefined; loaded: boolean } {
    if (userCode.n !== 0) throw this.#refuseWrite('swap');
    prepareWrite(this.#config, key, value, this.#probe, this.#value);
    const previous = this.#engine.swap(this.#probe, this.#value);
    return previous === ABSENT ? { previous: undefined, loaded: false } : { previous: previous as V, loaded: true };
  }

  compareAndSwap(key: K, expected: V, replacement: V): boolean {
    if (userCode.n !== 0) throw this.#refuseWrite('compareAndSwap');
    prepareWrite(this.#config, key, replacement, this.#probe, this.#value);
    return this.#engine.compareAndSwap(this.#probe, expected, this.#value);
  }

  compareAndDelete(key: K, expected: V): boolean {
    if (userCode.n !== 0) throw this.#refuseWrite('compareAndDelete');
    return this.#prepareRemove(key) && this.#engine.compareAndDelete(this.#probe, expected);
  }

  // --- beyond sync.Map -----------------------------------------------------------------------

  /**
   * Atomic read-modify-write of one key. `fn` runs under the shard's lock, held HELD (lock.ts
   * invariant 6): other threads' reads of the shard go on and see the old value; its writers wait.
   * Inside `fn`, any call on this map object and any write to any shardmap structure throws
   * ERR_SHARDMAP_REENTRANT; reads of other maps (and other instances of this one) are allowed.
   */
  update(key: K, fn: (current: V | undefined) => V | undefined): V | undefined {
    if (userCode.n !== 0) throw this.#refuseWrite('update');
    if (typeof fn !== 'function') throw new TypeError('shardmap: update() needs a function');
    const c = this.#config;
    prepareKeyOrThrow(c.keyCodec, key, this.#probe, c.seed, c.hashMask);
    const decision = this.#engine.readModifyWrite(this.#probe, this.#value, this.#updateStep, fn as UserUpdate);
    return decision === RMW_STORE ? (storedCopy(this.#value) as V) : undefined;
  }

  /** update()'s compute step, made once per instance: a per-call closure is an allocation, and an
   *  uninlined call of a fresh one goes through V8's lazy-compile stub (~60 instructions, measured).
   *  The callback comes as an argument, so the map keeps no reference to user code between calls. */
  readonly #updateStep: RmwCompute = (current, present, fn) => {
    let next: unknown;
    this.#inUpdate = true;
    userCode.n++;
    try {
      next = fn!(current);
      if (next !== undefined) encodeValue(this.#config.valueCodec, next, this.#value); // may run getters: still guarded
    } finally {
      userCode.n--;
      this.#inUpdate = false;
    }
    return next !== undefined ? RMW_STORE : present ? RMW_DELETE : RMW_KEEP;
  };

  /**
   * Atomic counter: adds `delta` to a numeric value (absent = 0) and returns the new value.
   * Exists only on maps whose values can be numeric ('number', 'int32', 'bigint', 'any'): on a
   * map of strings, bytes or JSON a call does not compile (see AddableValue in types.ts).
   */
  add(this: ShardedMap<K, AddableValue<V>>, key: K, delta: number): number {
    if (userCode.n !== 0) throw this.#refuseWrite('add');
    const c = this.#config;
    const isBig = checkAddable(c.valueCodec, delta);
    prepareKeyOrThrow(c.keyCodec, key, this.#probe, c.seed, c.hashMask);
    this.#addDelta = delta;
    this.#addBig = isBig;
    this.#engine.readModifyWrite(this.#probe, this.#value, this.#addStep, undefined);
    return (isBig ? BigInt(this.#value.str) : this.#value.num) as number;
  }

  /** add()'s compute step, made once per instance (as #updateStep). No user code: the lock stays LOCKED. */
  readonly #addStep: RmwCompute = (current, present) => {
    const isBig = this.#addBig;
    addInto(this.#value, this.#config.valueCodec, present ? current : isBig ? 0n : 0, this.#addDelta, isBig);
    return RMW_STORE;
  };

  // --- iteration (iteration.ts) --------------------------------------------------------------

  /** Throws if called inside an update() callback of this instance. */
  #checkNotInUpdate = (method: string): void => {
    if (this.#inUpdate) throw reentrantError(method);
  };

  *entries(): IterableIterator<[K, V]> {
    this.#checkNotInUpdate('entries');
    for (const entry of walkShards(this.#engine, this.#config.shardCount, this.#checkNotInUpdate)) yield entry as [K, V];
  }

  *keys(): IterableIterator<K> {
    this.#checkNotInUpdate('keys');
    for (const [key] of walkShards(this.#engine, this.#config.shardCount, this.#checkNotInUpdate)) yield key as K;
  }

  *values(): IterableIterator<V> {
    this.#checkNotInUpdate('values');
    for (const [, value] of walkShards(this.#engine, this.#config.shardCount, this.#checkNotInUpdate)) yield value as V;
  }

  [Symbol.iterator](): IterableIterator<[K, V]> {
    return this.entries();
  }

  /** As Map's: `cb` is checked before anything else, and called with `thisArg` as its `this`. */
  forEach(cb: (value: V, key: K, map: ShardedMap<K, V>) => void, thisArg?: unknown): void {
    if (typeof cb !== 'function') throw new TypeError(`shardmap: forEach() needs a function, got ${cb === null ? 'null' : typeof cb}`);
    this.#range((key, value) => void cb.call(thisArg, value as V, key as K, this), 'forEach');
  }

  /** Calls fn for each entry; stops when fn returns false (sync.Map's Range). */
  range(fn: (key: K, value: V) => boolean | void): void {
    this.#range(fn as (key: unknown, value: unknown) => boolean | void, 'range');
  }

  /** rangeShards, counted in #ranging so that dispose() from inside a callback is refused. */
  #range(fn: (key: unknown, value: unknown) => boolean | void, method: string): void {
    this.#ranging++;
    try {
      rangeShards(this.#engine, this.#config.shardCount, fn, this.#checkNotInUpdate, method);
    } finally {
      this.#ranging--;
    }
  }

  /**
   * A consistent point-in-time copy of the whole map. It takes every shard's lock (so it counts as
   * a write inside an update() callback: it would wait for other callbacks) and holds them HELD
   * while it copies and decodes, so readers go on meanwhile.
   */
  snapshot(): Map<K, V> {
    if (userCode.n !== 0) throw this.#refuseWrite('snapshot');
    const out: [unknown, unknown][] = [];
    this.#engine.snapshotAll(out);
    return new Map(out as [K, V][]);
  }

  stats(): ShardedMapStats {
    if (this.#inUpdate) throw reentrantError('stats');
    if (this.#disposed) throw disposedError();
    return collectStats(this.#shards, this.#engine);
  }

  /** What console.log and util.inspect show: the map's shape, not its bytes. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    const c = this.#config;
    const mode = this.#engine.name;
    if (this.#inUpdate) return `ShardedMap <${mode}, inside update()>`;
    if (this.#disposed) return `ShardedMap <${mode}, disposed>`;
    return `ShardedMap(${this.size}) <${mode}, ${c.shardCount} shards, ${this.#shards.heap.highWater()} bytes used of ${c.maxBytes}>`;
  }

  /**
   * `using map = ShardedMap.attach(handle)`: gives back this instance's entry in the buffer's
   * registry of owners (a buffer has 1024; an instance otherwise keeps its entry until it is
   * garbage-collected). The map and its other instances, in this thread and others, live on; this
   * instance's every later call throws ERR_SHARDMAP_DISPOSED. Idempotent. Throws
   * ERR_SHARDMAP_REENTRANT inside one of this instance's update(), range() or forEach() callbacks.
   */
  [DISPOSE](): void {
    if (this.#disposed) return;
    if (this.#inUpdate || this.#ranging > 0) throw reentrantError('dispose');
    this.#engine.release();
    releaseOwner(this, this.#shards.views, this.#config.shardCount, this.#ownerId);
    this.#engine = disposedEngine(this.#engine.name);
    this.#disposed = true;
  }
}

export const createMap = <K = unknown, V = unknown>(options: ShardedMapOptions | undefined, hashMask: number): ShardedMap<K, V> =>
  ShardedMap._create<K, V>(options, hashMask);
