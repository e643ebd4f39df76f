/**
 * ShardedCache: a bounded cache in one SharedArrayBuffer, shared by every thread holding its
 * handle. The public front: argument checks, key and value preparation (user code in getters runs
 * here, before any lock), the write guard, results. A new buffer's sizing (options, shard count,
 * the bounds per shard) is cache/create.ts's; the entries, the bounds, the eviction policy and
 * expiry are cache/engine.ts's; single-flight loads are cache/flight.ts's, with the lanes' error
 * records and recovery in cache/lanes.ts.
 */
import { EncodedValue, ProbeKey, encodeValue, prepareKey, prepareKeyOrThrow } from '../codecs.js';
import { badBufferError, callbackWriteError } from '../errors.js';
import { userCode } from '../guard.js';
import { hashNumber } from '../hash.js';
import { Shards, openShards } from '../shard.js';
import { localHold, ownerIsDead, ownerIsKnown, releaseOwner } from '../owners.js';
import { DISPOSE } from '../dispose.js';
import { readBuffer, type BufferConfig } from '../buffer.js';
import { MIN_CAPACITY, MODE_CACHE } from '../layout.js';
import { CacheEngine, EXPIRED, disposedCacheEngine, MISS, SLOW, STAT_EVICTIONS, STAT_EXPIRATIONS, STAT_HITS, STAT_LOADS, STAT_LOAD_FAILURES, STAT_LOAD_WAITS, STAT_MISSES } from './engine.js';
import { MISSING, fetchOnce, laneOf, type FlightHost } from './flight.js';
import { freeLanesOf, readLaneErrorLocked, recordLaneErrorLocked } from './lanes.js';
import { checkTtl, createCacheBuffer, readDefaultTtl, type ShardedCacheOptions } from './create.js';
import { memoryFigures } from '../stats.js';
import type { SharedMemory } from '../wasm-api.js';

export type { ShardedCacheOptions } from './create.js';

/** The plain, structured-cloneable object that carries a cache to other threads. */
export interface ShardedCacheHandle<K = unknown, V = unknown> {
  readonly kind: 'shardmap-cache';
  /** The cache's shared memory; `memory.buffer` is a SharedArrayBuffer of its current length. */
  readonly memory: SharedMemory;
  readonly __types?: () => [K, V];
}

export interface ShardedCacheStats {
  size: number;
  maxEntries: number;
  shards: number;
  hits: number;
  misses: number;
  evictions: number;
  expirations: number;
  loads: number;
  loadFailures: number;
  /** fetch() calls that waited on another caller's load. */
  loadWaits: number;
  /** Bytes of entries charged against the shards' budgets. */
  entryBytes: number;
  /** As ShardedMapStats: in use, free for reuse, the buffer's length, maxBytes. */
  bytesUsed: number;
  bytesFree: number;
  bytesCommitted: number;
  bytesReserved: number;
}

/**
 * A bounded cache shared by every thread holding its handle. Reads (get, has, peek) take no lock;
 * a hit is recorded for the eviction policy in this instance's buffer (cache/engine.ts invariant
 * 4), so stats() of another thread may lag this thread's last few hits. An expired entry is a miss
 * at once; `size` counts it until a writer or a reader removes it.
 */
export class ShardedCache<K = unknown, V = unknown> {
  readonly handle: ShardedCacheHandle<K, V>;
  readonly #config: BufferConfig;
  readonly #shards: Shards;
  /** The writes' and reads' engine; after [Symbol.dispose](), one whose every call throws. */
  #engine: CacheEngine;
  #disposed = false;
  /** fetch() calls not yet settled: each may hold or take over a lane in this instance's name. */
  #fetching = 0;
  readonly #probe = new ProbeKey();
  readonly #value = new EncodedValue();
  readonly #ttl: number;
  /** Number keys are stored as float64 ('any', 'number', 'int32'); and only int32 ones. */
  readonly #numberKeys: boolean;
  readonly #int32Keys: boolean;

  private constructor(config: BufferConfig, ttl: number | undefined) {
    if (config.mode !== MODE_CACHE) throw badBufferError('a ShardedMap buffer, not a ShardedCache one: attach it with ShardedMap.attach');
    this.#config = config;
    this.handle = Object.freeze({ kind: 'shardmap-cache' as const, memory: config.memory });
    this.#shards = openShards(this, config);
    this.#engine = new CacheEngine(config, this.#shards);
    this.#ttl = ttl ?? readDefaultTtl(this.#shards.views, this.#engine.region(0));
    this.#numberKeys = config.keyCodec === 0 || config.keyCodec === 2 || config.keyCodec === 3;
    this.#int32Keys = config.keyCodec === 3;
  }

  static create<K = unknown, V = unknown>(options: ShardedCacheOptions): ShardedCache<K, V> {
    const { config, ttl } = createCacheBuffer(options);
    const cache = new ShardedCache<K, V>(config, ttl);
    for (let s = 0; s < config.shardCount; s++) cache.#shards.initTable(s, MIN_CAPACITY);
    return cache;
  }

  static attach<K = unknown, V = unknown>(handle: ShardedCacheHandle<K, V> | ShardedCacheHandle): ShardedCache<K, V> {
    const inner = (handle as { handle?: { kind?: unknown } } | null)?.handle;
    if (inner !== null && typeof inner === 'object' && inner.kind === 'shardmap-cache') throw badBufferError('got a ShardedCache where its handle was expected: pass cache.handle');
    return new ShardedCache<K, V>(readBuffer(handle), undefined);
  }

  /** As ShardedMap.recoverThread: repairs what the dead thread `token` left, and frees its lanes. */
  static recoverThread(handle: ShardedCacheHandle, token: number): { owners: number; shardsRecovered: number; heapRecovered: boolean } {
    const cache = ShardedCache.attach(handle);
    try {
      const shardCount = cache.#config.shardCount;
      // A dead loader's lanes first: its waiters load instead, at once.
      freeLanesOf(cache.#shards.views, shardCount, Array.from({ length: shardCount }, (_, s) => cache.#engine.region(s)), token);
      return cache.#shards.recoverThread(token);
    } finally {
      cache[DISPOSE](); // its owner entry is free at once, not at the next GC
    }
  }

  get [Symbol.toStringTag](): string {
    return 'ShardedCache';
  }

  // --- reads ---------------------------------------------------------------------------------

  /** The value, or undefined on a miss (absent or expired); a hit counts for the eviction policy. */
  get(key: K): V | undefined {
    if (typeof key === 'number' && this.#numberKeys && (!this.#int32Keys || (key | 0) === key)) {
      const c = this.#config;
      const value = this.#engine.getNumber(key, hashNumber(key, c.seed) & c.hashMask);
      if (value !== SLOW) return value as V | undefined;
    }
    return this.#read(key, true, true) as V | undefined;
  }

  /** As get(), with no effect on the policy or the hit/miss stats. */
  peek(key: K): V | undefined {
    return this.#read(key, true, false) as V | undefined;
  }

  has(key: K): boolean {
    if (typeof key === 'number' && this.#numberKeys && (!this.#int32Keys || (key | 0) === key)) {
      // get()'s WebAssembly read: a hit is a number, never undefined
      const c = this.#config;
      const value = this.#engine.getNumber(key, hashNumber(key, c.seed) & c.hashMask);
      if (value !== SLOW) return value !== undefined;
    }
    return this.#read(key, false, true) !== MISSING;
  }

  #read(key: K, wantValue: boolean, record: boolean): unknown {
    const c = this.#config;
    if (!prepareKey(c.keyCodec, key, this.#probe, c.seed, c.hashMask)) return wantValue ? undefined : MISSING;
    const found = this.#engine.lookup(this.#probe, wantValue, record);
    if (found === MISS || found === EXPIRED) return wantValue ? undefined : MISSING;
    return wantValue ? this.#engine.finishRaw() : true;
  }

  get size(): number {
    let n = 0;
    for (let s = 0; s < this.#config.shardCount; s++) n += this.#engine.count(s);
    return n;
  }

  // --- writes --------------------------------------------------------------------------------

  /** Stores key → value (with `ttl` ms, else the cache's); may evict other entries. */
  set(key: K, value: V, options?: { ttl?: number }): this {
    if (userCode.n !== 0) throw callbackWriteError('set');
    const ttl = options?.ttl ?? this.#ttl;
    if (options?.ttl !== undefined) checkTtl('ttl', ttl);
    this.#store(this.#engine, key, value, ttl);
    return this;
  }

  /** set() through `engine` (a fetch's load stores through the engine it started with). */
  #store(engine: CacheEngine, key: K, value: V, ttl: number): void {
    const c = this.#config;
    encodeValue(c.valueCodec, value, this.#value);
    prepareKeyOrThrow(c.keyCodec, key, this.#probe, c.seed, c.hashMask);
    const expiry = ttl > 0 ? engine.now() + ttl : 0;
    const probe = this.#probe;
    const s = engine.shardOf(probe.hash);
    engine.withLock(s, () => engine.storeLocked(s, probe, this.#value, expiry));
  }

  delete(key: K): boolean {
    if (userCode.n !== 0) throw callbackWriteError('delete');
    const c = this.#config;
    if (!prepareKey(c.keyCodec, key, this.#probe, c.seed, c.hashMask)) return false;
    const s = this.#engine.shardOf(this.#probe.hash);
    return this.#engine.withLock(s, () => this.#engine.deleteLocked(s, this.#probe));
  }

  clear(): void {
    if (userCode.n !== 0) throw callbackWriteError('clear');
    for (let s = 0; s < this.#config.shardCount; s++) this.#engine.withLock(s, () => this.#engine.clearLocked(s));
  }

  /**
   * Single-flight across threads (cache/flight.ts): if `key` is absent, one caller in one thread
   * runs `load`; every concurrent caller, in any thread, gets its result or its rejection. Nothing
   * is stored on failure. Never blocks an event loop.
   */
  fetch(key: K, load: (key: K) => V | Promise<V>, options?: { ttl?: number }): Promise<V> {
    // A hit is answered without an async function's machinery (it halves a fetch hit's cost);
    // every error still comes back as a rejection, never a throw.
    try {
      if (typeof load !== 'function') throw new TypeError('shardmap: fetch() needs a load function');
      if (options?.ttl !== undefined) checkTtl('ttl', options.ttl);
      const c = this.#config;
      if (typeof key === 'number' && this.#numberKeys && (!this.#int32Keys || (key | 0) === key)) {
        const value = this.#engine.getNumber(key, hashNumber(key, c.seed) & c.hashMask);
        if (value !== SLOW && value !== undefined) return Promise.resolve(value as V);
        if (value === undefined) return this.#fetchSlow(key, load, options); // the miss is counted
      }
      const probe = this.#probe; // the scratch probe: nothing below awaits before it is read
      prepareKeyOrThrow(c.keyCodec, key, probe, c.seed, c.hashMask);
      if (this.#engine.lookup(probe, true, true) >= 0) return Promise.resolve(this.#engine.finishRaw() as V);
      return this.#fetchSlow(key, load, options);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** fetch() after its miss (already counted): the single-flight load, or the wait for one. */
  async #fetchSlow(key: K, load: (key: K) => V | Promise<V>, options: { ttl?: number } | undefined): Promise<V> {
    const c = this.#config;
    const probe = new ProbeKey(); // its own: it lives across awaits
    prepareKeyOrThrow(c.keyCodec, key, probe, c.seed, c.hashMask);
    const s = this.#engine.shardOf(probe.hash);
    const region = this.#engine.region(s);
    this.#fetching++;
    try {
      return await fetchOnce(this.#flightHost(key, probe, s, options), region, laneOf(probe.hash, this.#shards.shardBits), probe.hash, () => load(key));
    } finally {
      if (--this.#fetching === 0 && this.#disposed) this.#releaseOwner();
    }
  }

  #flightHost(key: K, probe: ProbeKey, s: number, options: { ttl?: number } | undefined): FlightHost<V> {
    const shards = this.#shards;
    const engine = this.#engine;
    const views = shards.views;
    return {
      views,
      ownerId: shards.ownerId,
      ownerDead: (owner) => ownerIsDead(views, this.#config.shardCount, owner) || !ownerIsKnown(views, this.#config.shardCount, owner),
      localHold: (owner, index) => localHold(views, this.#config.shardCount, owner, index),
      loadingLanes: shards.loadingLanes,
      peek: () => (engine.lookup(probe, true, false) >= 0 ? (engine.finishRaw() as V) : MISSING),
      store: (value) => this.#store(engine, key, value, options?.ttl ?? this.#ttl),
      recordError: (region, lane, flight, text) => engine.withLock(s, () => recordLaneErrorLocked(views, shards.heap, s, region, lane, flight, text)),
      readError: (region, lane, flight) => engine.withLock(s, () => readLaneErrorLocked(views, shards.heap, region, lane, flight)),
      countLoad: (failed) => engine.withLock(s, () => engine.addStatLocked(s, failed ? STAT_LOAD_FAILURES : STAT_LOADS, 1)),
      countWait: () => engine.withLock(s, () => engine.addStatLocked(s, STAT_LOAD_WAITS, 1)),
    };
  }

  // --- iteration -----------------------------------------------------------------------------

  *#walk(): Generator<[unknown, unknown], void, undefined> {
    for (let s = 0; s < this.#config.shardCount; s++) {
      const out: [unknown, unknown][] = [];
      this.#engine.copyShard(s, out);
      yield* out;
    }
  }

  *entries(): IterableIterator<[K, V]> {
    for (const entry of this.#walk()) yield entry as [K, V];
  }

  *keys(): IterableIterator<K> {
    for (const [key] of this.#walk()) yield key as K;
  }

  *values(): IterableIterator<V> {
    for (const [, value] of this.#walk()) yield value as V;
  }

  [Symbol.iterator](): IterableIterator<[K, V]> {
    return this.entries();
  }

  forEach(cb: (value: V, key: K, cache: ShardedCache<K, V>) => void, thisArg?: unknown): void {
    if (typeof cb !== 'function') throw new TypeError(`shardmap: forEach() needs a function, got ${cb === null ? 'null' : typeof cb}`);
    for (const [key, value] of this.#walk()) cb.call(thisArg, value as V, key as K, this);
  }

  stats(): ShardedCacheStats {
    const e = this.#engine;
    const sum = (stat: number): number => {
      let n = 0;
      for (let s = 0; s < this.#config.shardCount; s++) n += e.stat(s, stat);
      return n;
    };
    let maxEntries = 0;
    let entryBytes = 0;
    for (let s = 0; s < this.#config.shardCount; s++) {
      maxEntries += e.maximum(s);
      entryBytes += e.entryBytes(s);
    }
    return {
      size: this.size,
      maxEntries,
      shards: this.#config.shardCount,
      hits: sum(STAT_HITS),
      misses: sum(STAT_MISSES),
      evictions: sum(STAT_EVICTIONS),
      expirations: sum(STAT_EXPIRATIONS),
      loads: sum(STAT_LOADS),
      loadFailures: sum(STAT_LOAD_FAILURES),
      loadWaits: sum(STAT_LOAD_WAITS),
      entryBytes,
      ...memoryFigures(this.#shards),
    };
  }

  /**
   * `using cache = ShardedCache.attach(handle)`: as ShardedMap's, gives back this instance's entry
   * in the buffer's owner registry (1024 per buffer; otherwise at garbage collection), after
   * replaying the hits it buffered. The cache and its other instances live on; this instance's
   * every later call throws ERR_SHARDMAP_DISPOSED (a later fetch() rejects with it). A fetch()
   * already pending runs to its end (its load holds a lane in this instance's name, flight.ts),
   * and the entry comes back when the last one settles. Idempotent.
   */
  [DISPOSE](): void {
    if (this.#disposed) return;
    if (userCode.n !== 0) throw callbackWriteError('dispose');
    this.#engine.flushAll();
    this.#engine = disposedCacheEngine();
    this.#disposed = true;
    if (this.#fetching === 0) this.#releaseOwner();
  }

  #releaseOwner(): void {
    releaseOwner(this, this.#shards.views, this.#config.shardCount, this.#shards.ownerId);
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    if (this.#disposed) return 'ShardedCache <disposed>';
    return `ShardedCache(${this.size}) <${this.#config.shardCount} shards, ${this.#shards.heap.highWater()} bytes used of ${this.#config.maxBytes}>`;
  }

  /** @internal Test hook: the engine (its clock, its policies). */
  get _engine(): CacheEngine {
    return this.#engine;
  }
}
