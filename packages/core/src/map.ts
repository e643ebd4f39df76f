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
 * again — two Atomics calls per read — and retry, then lock, if a writer got in between. The heap
 * (memory.ts) hands out power-of-two blocks from per-shard free lists, so memory stays flat under
 * churn and shards never contend on allocation; the buffer grows under a heap lock and every thread
 * catches up with growth when it meets an offset beyond its views.
 *
 * Numbers expected (2 cores, ANCHORS.md costs): a get is ~2 Atomics loads (22 ns) + hashing +
 * one group probe: ~40–60 ns, against Map's ~24 ns (int) / ~41 ns (string). A set is a CAS and an
 * exchange (~40 ns) plus the probe and payload writes. Two threads on different shards share no
 * written cache line.
 *
 * Weak points. A reader falls back to the lock while a writer holds its shard (notably during an
 * update() callback, which runs under the lock, as Java's compute does). Iteration copies one
 * shard at a time under its lock: it is weakly consistent, not a snapshot (snapshot() is).
 * clear() and snapshot() lock every shard at once (in index order).
 *
 * Organisation: public class and option handling here; per-operation code in small private
 * methods below; locking and table growth in shard.ts; payloads in slots.ts; stats in stats.ts.
 */
import { SLOT_HASH, slotOffset } from './layout.js';
import {
  EncodedValue,
  ProbeKey,
  T_BIGINT,
  T_BYTES,
  T_NUMBER,
  T_STRUCT,
  encodeValue,
  finishValue,
  prepareKey,
  prepareKeyOrThrow,
  hasBlob,
  plausibleValue,
  sameValue,
} from './codecs.js';
import { corruptError, fullError, notNumericError, reentrantError, tableError, valueError } from './errors.js';
import { Heap, Views } from './memory.js';
import { READ_ATTEMPTS, Shards, initialCapacity } from './shard.js';
import { RawValue, freeBlob, freePayloadBlob, readKeyLocked, readValueRaw, setTags, valueTagAt, setValueTag, storeKey, storeValue, valuePayloadAt, writeBlob } from './slots.js';
import { NOT_FOUND, TORN, findNumber, findSlot, isFull, onlyNumbers, tableCapacity } from './table.js';
import { localHold, ownerIsDead, ownerIsKnown, registerLocalHolder, registerOwner } from './owners.js';
import { hashNumber } from './hash.js';
import { collectStats, type ShardedMapStats } from './stats.js';
import { allocateBuffer, parseOptions, readBuffer, type BufferConfig, type ShardedMapHandle, type ShardedMapOptions } from './buffer.js';
import { H_PUBLISHED_LENGTH, HEADER_BYTES, SLOT_BYTES, SLOT_KEY, SLOT_TAGS, SLOT_VALUE, S_LOCK, S_TABLE, TABLE_HEADER_BYTES, TBL_CAPACITY, shardWord, tableBytes } from './layout.js';
import { LOCKED } from './lock.js';
import { NIL, RMW_DELETE, RMW_KEEP, RMW_STORE, SnapshotMode } from './snapshot.js';

const CODEC_ADD = new Set([0, 2, 3, 4]); // any, number, int32, bigint
/** Loads a reader spins on a locked shard before counting a failed attempt. */
const READ_SPINS = 64;

/**
 * A hash map shared by every thread holding its handle.
 *
 * Memory model: set, delete, clear, loadOrStore (when it stores), loadAndDelete, swap,
 * compareAndSwap/compareAndDelete (when they succeed), update and add are writes; a write is
 * visible to every thread's get/has as soon as it returns, and a read that observes a write also
 * observes everything the writing thread did before it. Iteration (keys, values, entries, forEach,
 * range) is not a snapshot: it copies one shard at a time, visits no key twice, visits every key
 * present for the whole call, and runs callbacks with no lock held. snapshot() is one instant.
 */
export class ShardedMap<K = unknown, V = unknown> {
  readonly handle: ShardedMapHandle;
  readonly #config: BufferConfig;
  readonly #views: Views;
  readonly #shards: Shards;
  readonly #shardMask: number;
  readonly #probe = new ProbeKey();
  readonly #value = new EncodedValue();
  readonly #raw = new RawValue();
  #inUpdate = false;
  /** The value codec accepts every number (so a stored number needs no plausibility check). */
  readonly #anyNumber: boolean;
  /** The key codec takes numbers ('any', 'number', 'int32': all stored as float64). */
  readonly #numberKeys: boolean;
  readonly #int32Keys: boolean;
  readonly #shardBits: number;
  /** mode 'syncmap': the read-snapshot engine every operation goes through (snapshot.ts). */
  readonly #sync: SnapshotMode | undefined;

  private constructor(config: BufferConfig) {
    this.#config = config;
    this.handle = Object.freeze({ kind: 'shardmap' as const, buffer: config.sab });
    const views = new Views(config.sab, Atomics.load(new Int32Array(config.sab, 0, HEADER_BYTES >> 2), H_PUBLISHED_LENGTH));
    this.#views = views;
    const ownerId = registerOwner(this, views, config.shardCount);
    const lockOwner = {
      ownerId,
      ownerDead: (owner: number): boolean => ownerIsDead(views, config.shardCount, owner),
      ownerKnown: (owner: number): boolean => ownerIsKnown(views, config.shardCount, owner),
      localHold: (owner: number, index: number): number => localHold(views, config.shardCount, owner, index),
    };
    const heap = new Heap(views, config.maxBytes, lockOwner);
    this.#shards = new Shards(views, heap, config.shardCount, ownerId, config.maxBytes, lockOwner);
    registerLocalHolder(views, ownerId, this.#shards);
    this.#shardMask = config.shardCount - 1;
    this.#anyNumber = config.valueCodec === 0 || config.valueCodec === 2;
    this.#numberKeys = config.keyCodec === 0 || config.keyCodec === 2 || config.keyCodec === 3;
    this.#int32Keys = config.keyCodec === 3;
    this.#shardBits = 31 - Math.clz32(config.shardCount);
    this.#sync = config.mode === 1 ? new SnapshotMode(views, this.#shards, config, ownerId) : undefined;
  }

  static create<K = unknown, V = unknown>(options?: ShardedMapOptions): ShardedMap<K, V> {
    return createMap<K, V>(options, -1);
  }

  /** Attach to a map created in another thread (or this one). Validates the buffer. */
  static attach<K = unknown, V = unknown>(handle: ShardedMapHandle): ShardedMap<K, V> {
    return new ShardedMap<K, V>(readBuffer(handle));
  }

  /**
   * Recovery after a thread died (e.g. a pool worker terminated mid-task): marks the map instances
   * of the thread with `token` (its threadToken()) dead, takes over any lock they held, rolls back
   * the mutation in flight and repairs the shard. Completed operations are kept.
   */
  static recoverThread(handle: ShardedMapHandle, token: number): { owners: number; shardsRecovered: number; heapRecovered: boolean } {
    return ShardedMap.attach(handle).#shards.recoverThread(token);
  }

  /** @internal create() with the header's test-only hash mask. */
  static _create<K, V>(options: ShardedMapOptions | undefined, hashMask: number): ShardedMap<K, V> {
    const config = parseOptions(options, hashMask);
    const capacity = initialCapacity(config.capacity, config.shardCount);
    config.sab = allocateBuffer(config, capacity);
    const map = new ShardedMap<K, V>(config);
    for (let s = 0; s < config.shardCount; s++) map.#shards.initTable(s, capacity);
    return map;
  }

  get [Symbol.toStringTag](): string {
    return 'ShardedMap';
  }

  // --- reads ---------------------------------------------------------------------------------

  /**
   * Number keys first, in few bytecodes: V8 inlines a caller's callees up to a cumulative
   * bytecode budget, and what get() spends is taken from the lookup it leads to.
   */
  get(key: K): V | undefined {
    if (this.#inUpdate) throw reentrantError('get');
    if (typeof key === 'number' && this.#numberKeys) {
      if (this.#int32Keys && (key | 0) !== key) return undefined; // no such key can be stored
      // -0 needs no folding into 0 here: a number key is compared with ===, and hashes as 0.
      const sync = this.#sync;
      if (sync === undefined) return this.#getNumber(key) as V | undefined;
      sync.enter();
      return sync.getNumber(key) as V | undefined;
    }
    return this.#getOther(key) as V | undefined;
  }

  /** get() of every key the number path above does not take. */
  #getOther(key: K): unknown {
    const probe = this.#probe;
    if (!this.#prepareLookup(key, probe, this.#config)) return undefined;
    const sync = this.#sync;
    if (sync !== undefined) {
      sync.enter();
      const st = sync.load(probe);
      return st === NIL ? undefined : sync.decode(st);
    }
    if (!this.#lookup(probe.hash & this.#shardMask, probe, true)) return undefined;
    return this.#finishRaw();
  }

  /**
   * get() for a number key: the same optimistic protocol as #lookup, in one compact function the
   * JIT can inline whole (the generic path's table dispatch and payload decoding exceed its
   * inlining budget, which costs ~40 ns a lookup). Number values are returned straight from the
   * slot; anything else goes through #finishRaw.
   */
  #getNumber(num: number): unknown {
    const c = this.#config;
    const hash = hashNumber(num, c.seed) & c.hashMask;
    const s = hash & this.#shardMask;
    const views = this.#views;
    const base = shardWord(s, 0);
    for (let attempt = 0; attempt < READ_ATTEMPTS; attempt++) {
      const i32 = views.i32;
      const seq = Atomics.load(i32, base + S_LOCK);
      if ((seq & LOCKED) !== 0) continue;
      const table = i32[base + S_TABLE]!;
      const capacity = tableCapacity(views, table);
      if (capacity === 0) continue;
      const slot = findNumber(views, table, capacity, hash, hash >>> this.#shardBits, num);
      if (slot === TORN) continue;
      if (slot === NOT_FOUND) {
        if (Atomics.load(i32, base + S_LOCK) === seq) return undefined;
        continue;
      }
      const at = slotOffset(table, capacity, slot);
      if (valueTagAt(views, at) === T_NUMBER && this.#anyNumber) {
        const value = views.f64[(at >> 3) + (SLOT_VALUE >> 1)]!;
        if (Atomics.load(i32, base + S_LOCK) === seq) return value;
        continue;
      }
      break; // other values: the generic path copies and decodes them
    }
    const probe = this.#probe;
    probe.tag = T_NUMBER;
    probe.num = num === 0 ? 0 : num;
    probe.hash = hash;
    return this.#lookup(s, probe, true) ? this.#finishRaw() : undefined;
  }

  /** The value in #raw as users get it, after checking the codec could have stored it. */
  #finishRaw(): unknown {
    const raw = this.#raw;
    if (raw.tag === T_NUMBER && this.#anyNumber) return raw.num; // 'any' and 'number' hold every number
    if (!plausibleValue(this.#config.valueCodec, raw.tag, raw.num)) throw corruptError('map', `a stored value has tag ${raw.tag}, impossible for this codec`);
    return finishValue(raw.tag, raw.num, raw.str, raw.bytes);
  }

  has(key: K): boolean {
    if (this.#inUpdate) throw reentrantError('has');
    const probe = this.#probe;
    const c = this.#config;
    if (!this.#prepareLookup(key, probe, c)) return false;
    if (this.#sync !== undefined) {
      this.#sync.enter();
      return this.#sync.load(probe) !== NIL;
    }
    return this.#lookup(probe.hash & this.#shardMask, probe, false);
  }

  /** prepareKey with the number-key case inlined (the JIT does not inline prepareKey whole). */
  #prepareLookup(key: K, probe: ProbeKey, c: BufferConfig): boolean {
    if (typeof key === 'number' && (c.keyCodec === 0 || c.keyCodec === 2)) {
      probe.tag = T_NUMBER;
      probe.num = key === 0 ? 0 : key;
      probe.hash = hashNumber(key, c.seed) & c.hashMask;
      return true;
    }
    return prepareKey(c.keyCodec, key, probe, c.seed, c.hashMask);
  }

  /** Finds `probe` in shard `s` without a lock (falling back to it); copies the value into #raw. */
  #lookup(s: number, probe: ProbeKey, wantValue: boolean): boolean {
    const shards = this.#shards;
    const views = this.#views;
    const base = shardWord(s, 0);
    for (let attempt = 0; attempt < READ_ATTEMPTS; attempt++) {
      const i32 = views.i32;
      let seq = Atomics.load(i32, base + S_LOCK);
      for (let spin = 0; (seq & LOCKED) !== 0 && spin < READ_SPINS; spin++) seq = Atomics.load(i32, base + S_LOCK);
      if ((seq & LOCKED) === 0) {
        const table = i32[base + S_TABLE]!;
        const capacity = tableCapacity(views, table);
        if (capacity !== 0) {
          const slot = findSlot(views, table, capacity, probe, probe.hash >>> shards.shardBits);
          const copied = slot < 0 || !wantValue || readValueRaw(views, slotOffset(table, capacity, slot), this.#raw);
          // Validate everything copied above against the sequence before trusting it.
          if (slot !== TORN && copied && Atomics.load(i32, base + S_LOCK) === seq) return slot >= 0;
        }
      }
      shards.countRetry(s);
    }
    return this.#lookupLocked(s, probe, wantValue);
  }

  #lookupLocked(s: number, probe: ProbeKey, wantValue: boolean): boolean {
    const shards = this.#shards;
    shards.lock(s);
    try {
      const slot = shards.findLocked(s, probe);
      if (slot < 0) return false;
      if (wantValue) this.#readLocked(s, slot);
      return true;
    } finally {
      shards.unlock(s);
    }
  }

  #readLocked(s: number, slot: number): unknown {
    if (!readValueRaw(this.#views, this.#shards.slotAt(s, slot), this.#raw)) throw corruptError('slots', `shard ${s} slot ${slot} value unreadable`);
    return this.#finishRaw();
  }

  get size(): number {
    if (this.#inUpdate) throw reentrantError('size');
    if (this.#sync !== undefined) return this.#sync.size();
    let size = 0;
    for (let s = 0; s < this.#config.shardCount; s++) size += this.#shards.count(s);
    return size;
  }

  // --- writes --------------------------------------------------------------------------------

  set(key: K, value: V): this {
    if (this.#inUpdate) throw reentrantError('set');
    if (this.#sync !== undefined) {
      this.#prepareWrite(key, value);
      this.#sync.enter();
      this.#sync.store(this.#probe, this.#value);
      return this;
    }
    if (typeof key === 'number' && typeof value === 'number' && this.#numberKeys && this.#anyNumber && (!this.#int32Keys || (key | 0) === key)) {
      this.#setNumber(key === 0 ? 0 : key, value);
      return this;
    }
    const s = this.#prepareWrite(key, value);
    const shards = this.#shards;
    shards.lock(s);
    try {
      const slot = shards.findLocked(s, this.#probe);
      if (slot >= 0) this.#replaceLocked(s, slot);
      else this.#insertLocked(s);
    } finally {
      shards.unlock(s);
    }
    return this;
  }

  /**
   * set() of a number to a number key, in one compact function (see #getNumber): overwriting a
   * number in place is one store under the lock; an insert or a blob value takes the shared paths.
   */
  #setNumber(num: number, value: number): void {
    const c = this.#config;
    const hash = hashNumber(num, c.seed) & c.hashMask;
    const s = hash & this.#shardMask;
    const shards = this.#shards;
    const views = this.#views;
    shards.lock(s);
    try {
      const table = shards.tableLocked(s);
      const capacity = views.i32[(table >> 2) + TBL_CAPACITY]!;
      const slot = findNumber(views, table, capacity, hash, hash >>> this.#shardBits, num);
      if (slot === TORN) throw tableError('table', s, table, 'probe found no empty group');
      const at = slot >= 0 ? slotOffset(table, capacity, slot) : 0;
      if (slot >= 0 && valueTagAt(views, at) === T_NUMBER) {
        views.f64[(at >> 3) + (SLOT_VALUE >> 1)] = value; // number over number: one store
        return;
      }
      const encoded = this.#value;
      encoded.tag = T_NUMBER;
      encoded.num = value;
      if (slot >= 0) return this.#replaceLocked(s, slot);
      const probe = this.#probe;
      probe.tag = T_NUMBER;
      probe.num = num;
      probe.hash = hash;
      this.#insertLocked(s);
    } finally {
      shards.unlock(s);
    }
  }

  /** Encodes the value, then the key (user code in getters runs here, before any lock). */
  #prepareWrite(key: K, value: V): number {
    const c = this.#config;
    encodeValue(c.valueCodec, value, this.#value);
    prepareKeyOrThrow(c.keyCodec, key, this.#probe, c.seed, c.hashMask);
    return this.#probe.hash & this.#shardMask;
  }

  /** Replaces the value at `slot` with #value: new blob first, so a full heap changes nothing. */
  #replaceLocked(s: number, slot: number): void {
    const shards = this.#shards;
    const views = this.#views;
    const value = this.#value;
    const at = shards.slotAt(s, slot);
    if (!hasBlob(value.tag) && !hasBlob(valueTagAt(views, at))) {
      // Inline over inline (numbers, booleans...): the payload, then the tag; a crash between the
      // two leaves the old tag, whose inline payload (if any) is read only as that tag's.
      storeValue(views, at, value, 0);
      setValueTag(views, at, value.tag);
      return;
    }
    shards.beginLocked(s);
    let old: [number, number, number] | undefined;
    try {
      const blob = writeBlob(views, shards, s, value.tag, value.str, value.bytes);
      if (blob < 0) throw fullError(value.str.length * 2 + value.bytes.length, this.#config.maxBytes);
      old = valuePayloadAt(views, at);
      shards.logSlotLocked(s, at);
      storeValue(views, at, value, blob);
      setValueTag(views, at, value.tag);
    } finally {
      shards.commitLocked(s);
    }
    freePayloadBlob(shards.heap, s, old); // after the commit (shard.ts, invariant 5)
  }

  /** Inserts #probe → #value (absent from shard `s`); throws ERR_SHARDMAP_FULL with nothing changed. */
  #insertLocked(s: number): void {
    const shards = this.#shards;
    const views = this.#views;
    const probe = this.#probe;
    const value = this.#value;
    shards.beginLocked(s);
    try {
      const slot = shards.insertSlotLocked(s, probe.hash);
      if (slot === TORN) throw corruptError('table', `shard ${s} has no free slot below its load limit`);
      const keyBlob = slot < 0 ? -1 : writeBlob(views, shards, s, probe.tag, probe.str, probe.bytes);
      const valueBlob = keyBlob < 0 ? -1 : writeBlob(views, shards, s, value.tag, value.str, value.bytes);
      if (valueBlob < 0) {
        if (keyBlob > 0) freeBlob(shards.heap, s, keyBlob, probe.tag, probe.str, probe.bytes);
        throw fullError(probe.str.length * 2 + probe.bytes.length + value.str.length * 2 + value.bytes.length, this.#config.maxBytes);
      }
      // The slot is free: these writes are invisible until its control byte is set.
      const at = shards.slotAt(s, slot);
      views.i32[(at >> 2) + SLOT_HASH] = probe.hash;
      setTags(views, at, probe.tag, value.tag);
      storeKey(views, at, probe, keyBlob);
      storeValue(views, at, value, valueBlob);
      shards.commitInsertLocked(s, slot, probe.hash); // the control byte makes the entry findable
    } finally {
      shards.commitLocked(s);
    }
  }

  delete(key: K): boolean {
    if (this.#inUpdate) throw reentrantError('delete');
    return this.#remove(key, false);
  }

  clear(): void {
    if (this.#inUpdate) throw reentrantError('clear');
    if (this.#sync !== undefined) {
      this.#sync.enter();
      return this.#sync.clearAll();
    }
    this.#withAllShards(() => {
      for (let s = 0; s < this.#config.shardCount; s++) this.#shards.clearLocked(s);
    });
  }

  /** Runs `fn` holding every shard lock (taken in index order, so two callers cannot deadlock). */
  #withAllShards<T>(fn: () => T): T {
    const shards = this.#shards;
    let locked = 0;
    try {
      for (; locked < this.#config.shardCount; locked++) shards.lock(locked);
      return fn();
    } finally {
      while (locked > 0) shards.unlock(--locked);
    }
  }

  // --- the sync.Map surface ------------------------------------------------------------------

  loadOrStore(key: K, value: V): { value: V; loaded: boolean } {
    if (this.#inUpdate) throw reentrantError('loadOrStore');
    const s = this.#prepareWrite(key, value);
    const sync = this.#sync;
    if (sync !== undefined) {
      sync.enter();
      const st = sync.loadOrStore(this.#probe, this.#value);
      return st === NIL ? { value: this.#storedCopy() as V, loaded: false } : { value: sync.decode(st) as V, loaded: true };
    }
    // Most calls of a warm cache find the key: look without the lock first (sync.Map does too).
    if (this.#lookup(s, this.#probe, true)) return { value: this.#finishRaw() as V, loaded: true };
    const shards = this.#shards;
    shards.lock(s);
    try {
      const slot = shards.findLocked(s, this.#probe); // double-check under the lock
      if (slot >= 0) return { value: this.#readLocked(s, slot) as V, loaded: true };
      this.#insertLocked(s);
    } finally {
      shards.unlock(s);
    }
    return { value: this.#storedCopy() as V, loaded: false };
  }

  loadAndDelete(key: K): { value: V | undefined; loaded: boolean } {
    if (this.#inUpdate) throw reentrantError('loadAndDelete');
    const loaded = this.#remove(key, true);
    return { value: loaded ? (this.#removed as V) : undefined, loaded };
  }

  /** The value removed by the last #remove(key, true). */
  #removed: unknown = undefined;

  /**
   * Removes `key`; true if it was there (and `removeIf`, given, approved its current value). The
   * value is left in #removed when `wantValue` or `removeIf` needed it.
   */
  #remove(key: K, wantValue: boolean, removeIf?: (current: unknown) => boolean): boolean {
    const c = this.#config;
    if (!prepareKey(c.keyCodec, key, this.#probe, c.seed, c.hashMask)) return false;
    const sync = this.#sync;
    if (sync !== undefined) {
      sync.enter(); // delete/loadAndDelete only: compareAndDelete has its own syncmap path
      const st = sync.loadAndDelete(this.#probe);
      this.#removed = st !== NIL && wantValue ? sync.decode(st) : undefined;
      return st !== NIL;
    }
    const s = this.#probe.hash & this.#shardMask;
    const shards = this.#shards;
    shards.lock(s);
    try {
      const slot = shards.findLocked(s, this.#probe);
      if (slot < 0) return false;
      this.#removed = wantValue || removeIf ? this.#readLocked(s, slot) : undefined;
      if (removeIf && !removeIf(this.#removed)) return false;
      shards.removeLocked(s, slot);
      return true;
    } finally {
      shards.unlock(s);
    }
  }

  swap(key: K, value: V): { previous: V | undefined; loaded: boolean } {
    if (this.#inUpdate) throw reentrantError('swap');
    const s = this.#prepareWrite(key, value);
    const sync = this.#sync;
    if (sync !== undefined) {
      sync.enter();
      const st = sync.swap(this.#probe, this.#value);
      return st === NIL ? { previous: undefined, loaded: false } : { previous: sync.decode(st) as V, loaded: true };
    }
    const shards = this.#shards;
    shards.lock(s);
    try {
      const slot = shards.findLocked(s, this.#probe);
      if (slot < 0) {
        this.#insertLocked(s);
        return { previous: undefined, loaded: false };
      }
      const previous = this.#readLocked(s, slot) as V;
      this.#replaceLocked(s, slot);
      return { previous, loaded: true };
    } finally {
      shards.unlock(s);
    }
  }

  compareAndSwap(key: K, expected: V, replacement: V): boolean {
    if (this.#inUpdate) throw reentrantError('compareAndSwap');
    const s = this.#prepareWrite(key, replacement);
    if (this.#sync !== undefined) {
      this.#sync.enter();
      return this.#sync.compareAnd(this.#probe, expected, this.#value);
    }
    const shards = this.#shards;
    shards.lock(s);
    try {
      const slot = shards.findLocked(s, this.#probe);
      if (slot < 0 || !sameValue(this.#readLocked(s, slot), expected)) return false;
      this.#replaceLocked(s, slot);
      return true;
    } finally {
      shards.unlock(s);
    }
  }

  compareAndDelete(key: K, expected: V): boolean {
    if (this.#inUpdate) throw reentrantError('compareAndDelete');
    const sync = this.#sync;
    if (sync !== undefined) {
      const c = this.#config;
      if (!prepareKey(c.keyCodec, key, this.#probe, c.seed, c.hashMask)) return false;
      sync.enter();
      return sync.compareAnd(this.#probe, expected, undefined);
    }
    return this.#remove(key, false, (current) => sameValue(current, expected));
  }

  // --- beyond sync.Map -----------------------------------------------------------------------

  /** Atomic read-modify-write of one key; `fn` runs under the shard's lock and must not call this map. */
  update(key: K, fn: (current: V | undefined) => V | undefined): V | undefined {
    if (this.#inUpdate) throw reentrantError('update');
    if (typeof fn !== 'function') throw new TypeError('shardmap: update() needs a function');
    const c = this.#config;
    prepareKeyOrThrow(c.keyCodec, key, this.#probe, c.seed, c.hashMask);
    if (this.#sync !== undefined) return this.#syncUpdate(fn);
    const s = this.#probe.hash & this.#shardMask;
    const shards = this.#shards;
    shards.lock(s);
    try {
      const slot = shards.findLocked(s, this.#probe);
      const current = slot >= 0 ? (this.#readLocked(s, slot) as V) : undefined;
      let next: V | undefined;
      this.#inUpdate = true;
      try {
        next = fn(current);
        if (next !== undefined) encodeValue(c.valueCodec, next, this.#value); // may run getters: still guarded
      } finally {
        this.#inUpdate = false;
      }
      if (next === undefined) {
        if (slot >= 0) shards.removeLocked(s, slot);
        return undefined;
      }
      if (slot >= 0) this.#replaceLocked(s, slot);
      else this.#insertLocked(s);
    } finally {
      shards.unlock(s);
    }
    return this.#storedCopy() as V;
  }

  #syncUpdate(fn: (current: V | undefined) => V | undefined): V | undefined {
    const sync = this.#sync!;
    sync.enter();
    const decision = sync.readModifyWrite(this.#probe, this.#value, (current, present) => {
      let next: V | undefined;
      this.#inUpdate = true;
      try {
        next = fn(current as V | undefined);
        if (next !== undefined) encodeValue(this.#config.valueCodec, next, this.#value); // may run getters: still guarded
      } finally {
        this.#inUpdate = false;
      }
      return next !== undefined ? RMW_STORE : present ? RMW_DELETE : RMW_KEEP;
    });
    return decision === RMW_STORE ? (this.#storedCopy() as V) : undefined;
  }

  /**
   * What get() would now return for the value just stored (#value): a copy, never the caller's
   * object, and in the codec's form (a 'json' Date comes back as its string, as get() gives it).
   */
  #storedCopy(): unknown {
    const v = this.#value;
    if (v.tag === T_BYTES) return new Uint8Array(v.bytes); // a plain copy (Buffer#slice is a view)
    if (v.tag === T_STRUCT) return finishValue(v.tag, 0, '', new Uint8Array(v.bytes)); // a plain, private copy
    return finishValue(v.tag, v.num, v.str, v.bytes);
  }


  /** Atomic counter: adds `delta` to a numeric value (absent = 0) and returns the new value. */
  add(key: K, delta: number): number {
    if (this.#inUpdate) throw reentrantError('add');
    const c = this.#config;
    if (!CODEC_ADD.has(c.valueCodec)) throw notNumericError(`needs numeric values; this map's value codec is not numeric`);
    const isBig = c.valueCodec === 4;
    if (isBig ? !(typeof delta === 'bigint' || Number.isInteger(delta)) : typeof delta !== 'number') {
      throw valueError(isBig ? 'bigint' : 'number', delta, 'not a valid delta');
    }
    if (c.valueCodec === 3 && (delta | 0) !== delta) throw valueError('int32', delta, 'not an int32 delta');
    prepareKeyOrThrow(c.keyCodec, key, this.#probe, c.seed, c.hashMask);
    if (this.#sync !== undefined) {
      this.#sync.enter();
      this.#sync.readModifyWrite(this.#probe, this.#value, (current, present) => {
        this.#addInto(present ? current : isBig ? 0n : 0, delta, isBig);
        return RMW_STORE;
      });
      return (isBig ? BigInt(this.#value.str) : this.#value.num) as number;
    }
    const s = this.#probe.hash & this.#shardMask;
    const shards = this.#shards;
    shards.lock(s);
    try {
      const slot = shards.findLocked(s, this.#probe);
      const current = slot >= 0 ? this.#readLocked(s, slot) : isBig ? 0n : 0;
      this.#addInto(current, delta, isBig);
      const value = this.#value;
      if (slot >= 0) this.#replaceLocked(s, slot);
      else this.#insertLocked(s);
      return (isBig ? BigInt(value.str) : value.num) as number;
    } finally {
      shards.unlock(s);
    }
  }

  /** Fills #value with current + delta (add's arithmetic and checks). */
  #addInto(current: unknown, delta: number, isBig: boolean): void {
    const value = this.#value;
    if (isBig) {
      value.tag = T_BIGINT;
      value.str = ((current as bigint) + BigInt(delta)).toString();
      return;
    }
    if (typeof current !== 'number') throw notNumericError('on a value that is not a number');
    const next = current + delta;
    if (this.#config.valueCodec === 3 && (next | 0) !== next) throw valueError('int32', next, 'the sum leaves the int32 range');
    value.tag = T_NUMBER;
    value.num = next;
  }

  // --- iteration -----------------------------------------------------------------------------

  /** Copies shard `s`'s entries under its lock. */
  #copyShard(s: number, keys: boolean, values: boolean): [unknown, unknown][] {
    const shards = this.#shards;
    const out: [unknown, unknown][] = [];
    if (this.#sync !== undefined) {
      this.#sync.enter();
      this.#sync.copyShard(s, out);
      return out;
    }
    shards.lock(s);
    try {
      this.#copyShardLocked(s, keys, values, out);
    } finally {
      shards.unlock(s);
    }
    return out;
  }

  #copyShardLocked(s: number, keys: boolean, values: boolean, out: [unknown, unknown][]): void {
    const shards = this.#shards;
    const views = this.#views;
    const table = shards.tableLocked(s);
    const capacity = shards.capacity(s);
    // Numbers to numbers (counters, int-keyed caches) are read straight from the slot: this copy
    // runs under the shard's lock, and every nanosecond here is one writers wait for.
    const numbersOk = this.#numberKeys && this.#anyNumber;
    const i32 = views.i32;
    const f64 = views.f64;
    for (let slot = 0; slot < capacity; slot++) {
      if (!isFull(views, table, slot)) continue;
      const at = slotOffset(table, capacity, slot);
      if (numbersOk && i32[(at >> 2) + SLOT_TAGS] === (T_NUMBER | (T_NUMBER << 8))) {
        const key = f64[(at >> 3) + (SLOT_KEY >> 1)]!;
        if (this.#int32Keys && (key | 0) !== key) throw corruptError('map', `an int32 map holds key ${key}`);
        out.push([keys ? key : undefined, values ? f64[(at >> 3) + (SLOT_VALUE >> 1)] : undefined]);
        continue;
      }
      const key = keys ? readKeyLocked(views, at, this.#raw, this.#config.keyCodec) : undefined;
      out.push([key, values ? this.#readLocked(s, slot) : undefined]);
    }
  }

  /**
   * Shard by shard from a random first shard (as Go randomises map iteration order): callers that
   * delete "the first key visited" would otherwise drain shard 0, then 1, ... and skew the map,
   * and concurrent iterators would all queue on shard 0's lock first.
   */
  *#walk(keys: boolean, values: boolean): Generator<[unknown, unknown], void, undefined> {
    const count = this.#config.shardCount;
    const first = Math.floor(Math.random() * count);
    for (let i = 0; i < count; i++) {
      if (this.#inUpdate) throw reentrantError('iterator');
      yield* this.#copyShard((first + i) & (count - 1), keys, values); // no lock is held while the consumer runs
    }
  }

  *entries(): IterableIterator<[K, V]> {
    if (this.#inUpdate) throw reentrantError('entries');
    for (const entry of this.#walk(true, true)) yield entry as [K, V];
  }

  *keys(): IterableIterator<K> {
    if (this.#inUpdate) throw reentrantError('keys');
    for (const [key] of this.#walk(true, false)) yield key as K;
  }

  *values(): IterableIterator<V> {
    if (this.#inUpdate) throw reentrantError('values');
    for (const [, value] of this.#walk(false, true)) yield value as V;
  }

  [Symbol.iterator](): IterableIterator<[K, V]> {
    return this.entries();
  }

  forEach(cb: (value: V, key: K, map: ShardedMap<K, V>) => void): void {
    this.range((key, value) => void cb(value, key, this), 'forEach');
  }

  /** Calls fn for each entry; stops when fn returns false (sync.Map's Range). */
  range(fn: (key: K, value: V) => boolean | void, method = 'range'): void {
    if (this.#inUpdate) throw reentrantError(method);
    // As #walk, without a generator resumption per entry.
    const count = this.#config.shardCount;
    const first = Math.floor(Math.random() * count);
    for (let i = 0; i < count; i++) {
      if (this.#inUpdate) throw reentrantError(method);
      const s = (first + i) & (count - 1);
      const sync = this.#sync;
      if (sync !== undefined) {
        sync.enter();
        if (!sync.rangeShard(s, fn as (key: unknown, value: unknown) => boolean | void)) return;
      } else if (!this.#rangeShard(s, fn)) return;
    }
  }

  /**
   * range() over one shard; false if fn stopped it. A shard of numbers only is copied as raw table
   * bytes under the lock (one memcpy) and decoded outside it, entry by entry as fn asks, so a range
   * that stops early costs the copy, not the decoding; other shards are decoded under the lock.
   */
  #rangeShard(s: number, fn: (key: K, value: V) => boolean | void): boolean {
    const shards = this.#shards;
    let raw: Uint8Array | undefined;
    let capacity = 0;
    const entries: [unknown, unknown][] = [];
    shards.lock(s);
    try {
      const table = shards.tableLocked(s);
      capacity = shards.capacity(s);
      if (this.#numberKeys && this.#anyNumber && onlyNumbers(this.#views, table, capacity)) {
        raw = this.#views.u8.slice(table, table + tableBytes(capacity));
      } else this.#copyShardLocked(s, true, true, entries);
    } finally {
      shards.unlock(s);
    }
    if (raw === undefined) {
      for (let e = 0; e < entries.length; e++) if (fn(entries[e]![0] as K, entries[e]![1] as V) === false) return false;
      return true;
    }
    // Offsets below are relative to the private copy of the table (its block started 8-aligned).
    const f64 = new Float64Array(raw.buffer);
    const slots = TABLE_HEADER_BYTES + capacity;
    for (let slot = 0; slot < capacity; slot++) {
      if ((raw[TABLE_HEADER_BYTES + slot]! & 0x80) !== 0) continue;
      const at = slots + slot * SLOT_BYTES;
      const key = f64[(at >> 3) + (SLOT_KEY >> 1)]!;
      if (this.#int32Keys && (key | 0) !== key) throw corruptError('map', `an int32 map holds key ${key}`);
      if (fn(key as K, f64[(at >> 3) + (SLOT_VALUE >> 1)] as V) === false) return false;
    }
    return true;
  }

  /** A consistent point-in-time copy of the whole map: every shard locked at once. */
  snapshot(): Map<K, V> {
    if (this.#inUpdate) throw reentrantError('snapshot');
    if (this.#sync !== undefined) {
      this.#sync.enter();
      return new Map(this.#sync.snapshotAll() as [K, V][]);
    }
    const out: [unknown, unknown][] = [];
    this.#withAllShards(() => {
      for (let s = 0; s < this.#config.shardCount; s++) this.#copyShardLocked(s, true, true, out);
    });
    return new Map(out as [K, V][]);
  }

  stats(): ShardedMapStats {
    if (this.#inUpdate) throw reentrantError('stats');
    this.#sync?.enter();
    return collectStats(this.#shards, this.#sync);
  }
}

export function createMap<K, V>(options: ShardedMapOptions | undefined, hashMask: number): ShardedMap<K, V> {
  return ShardedMap._create<K, V>(options, hashMask);
}
