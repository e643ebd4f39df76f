/**
 * The cache's reads (cache/engine.ts holds its writes): lock-free lookups by the striped seqlock
 * protocol (shard.ts), the per-instance hit buffer that feeds the policy (engine.ts invariant 4),
 * whole-shard copies for iteration, and the figures stats() sums. Invariants 1-5 are engine.ts's.
 */
import {
  C_BYTES,
  C_BYTES_BUDGET,
  C_DEFAULT_TTL,
  C_HEADER_WORDS,
  C_MAXIMUM,
  MAX_CACHE_NODES,
  SLOT_NODE_SHIFT,
  SLOT_TAGS,
  SLOT_VALUE,
  S_CACHE_REGION,
  cacheExpiryF64,
  cacheWord,
  cachePolicyBase,
  cacheRegionBytes,
  cacheStatF64,
  shardWord,
  slotF64,
  slotOffset,
  slotWord,
} from '../layout.js';
import { type ProbeKey, T_NUMBER, finishValue, plausibleValue } from '../codecs.js';
import { corruptError } from '../errors.js';
import type { Views } from '../views.js';
import { BUSY, READ_ATTEMPTS, lockWord, seqBegin, seqValidate, tableOf, type Shards } from '../shard.js';
import { RawValue, readKeyLocked, readValueRaw } from '../slots.js';
import { NOT_FOUND, TORN, findNumber, findSlot, isFull, tableCapacity } from '../table.js';
import { EvictionPolicy, policyLayout } from './policy.js';
import { HIT_BUFFER, replaySampleLocked } from './replay.js';
import type { EngineConfig } from '../buffer.js';
import { CACHE_MISS, wasmHotPaths, type WasmHotPaths } from '../wasm/hot.js';

/** Stats f64 indexes (layout.ts C_STATS). */
export const STAT_HITS = 0;
export const STAT_MISSES = 1;
export const STAT_EVICTIONS = 2;
export const STAT_EXPIRATIONS = 3;
export const STAT_LOADS = 4;
export const STAT_LOAD_FAILURES = 5;
export const STAT_LOAD_WAITS = 6;

/** The least byte budget create gives a shard (a smaller one is a scribbled word). */
export const MIN_BYTES_BUDGET = 1024;

/** What lookup() found. */
export const MISS = -1;
export const EXPIRED = -2;
/** getNumber(): take the generic path. */
export const SLOW: unique symbol = Symbol('shardmap.cache.slow');


export abstract class CacheReads {
  protected readonly c: EngineConfig;
  protected readonly views: Views;
  protected readonly shards: Shards;
  protected readonly shardMask: number;
  protected readonly shardBits: number;
  protected readonly regions: Int32Array;
  protected readonly nodes: Int32Array;
  /** Each shard's byte budget (C_BYTES_BUDGET, written once by create), as checked at attach. */
  protected readonly budgets: Int32Array;
  protected readonly policies: EvictionPolicy[] = [];
  protected readonly raw = new RawValue();
  protected readonly keyScratch = new RawValue();
  /**
   * Invariant 4: this instance's hit buffer and its fill, per shard, and the hits (2s, those
   * dropped unreplayed) and misses (2s + 1) not yet added to the shard's stats. A buffered hit is
   * counted by the fill alone: a hit writes two words of this instance's own arrays.
   */
  protected readonly hitNodes: Int32Array;
  protected readonly hitCount: Int32Array;
  protected readonly pending: Float64Array;
  /** The value codec accepts every number, so a stored number needs no plausibility check. */
  protected readonly anyNumber: boolean;
  /** A clock for expiry; tests replace it. */
  now: () => number = Date.now;
  /** The WebAssembly hot paths (wasm/hot.wat): getNumber's first attempt. */
  protected readonly wasm: WasmHotPaths;
  /** Each shard's expiry array (layout.ts cacheExpiryF64), as a byte offset: cacheGetNumber reads it. */
  protected readonly expiryBytes: Int32Array;
  /** The cache has a default ttl: every entry may expire, so a get passes the clock to cacheGetNumber. */
  protected readonly timed: boolean;

  constructor(config: EngineConfig, shards: Shards) {
    this.c = config;
    this.views = shards.views;
    this.shards = shards;
    this.shardMask = config.shardCount - 1;
    this.shardBits = shards.shardBits;
    this.anyNumber = config.valueCodec === 0 || config.valueCodec === 2;
    const n = config.shardCount;
    this.regions = new Int32Array(n);
    this.nodes = new Int32Array(n);
    this.budgets = new Int32Array(n);
    for (let s = 0; s < n; s++) {
      const region = this.views.i32[shardWord(s, S_CACHE_REGION)]!;
      this.regions[s] = region;
      this.nodes[s] = this.views.i32[cacheWord(region, C_MAXIMUM)]! + 1;
      this.policies.push(this.openPolicy(s, region));
    }
    this.expiryBytes = new Int32Array(n);
    for (let s = 0; s < n; s++) this.expiryBytes[s] = 8 * cacheExpiryF64(this.regions[s]!, this.nodes[s]!, 0);
    this.timed = this.views.i32[cacheWord(this.regions[0]!, C_DEFAULT_TTL)]! !== 0;
    this.wasm = wasmHotPaths(this.views.memory, this.shardBits, config.seed, config.hashMask, shards.lockedWord);
    this.hitNodes = new Int32Array(n * HIT_BUFFER);
    this.hitCount = new Int32Array(n);
    this.pending = new Float64Array(n * 2);
  }

  /**
   * Shard `s`'s policy, once its region is proven plausible: a block of the arena (memory.ts) as
   * long as its C_MAXIMUM implies, whose policy agrees on that maximum, with the byte budget create
   * gives every shard. Every later read and write trusts this instance's copy of the region, node
   * count and budget (the words are not read again), so one check here keeps a scribbled header
   * out of every hot path.
   */
  private openPolicy(s: number, region: number): EvictionPolicy {
    const i32 = this.views.i32;
    const maximum = region > 0 && (region & 7) === 0 && this.shards.heap.holdsBlock(region, 4 * C_HEADER_WORDS) ? i32[cacheWord(region, C_MAXIMUM)]! : 0;
    if (maximum < 1 || maximum > MAX_CACHE_NODES - 2) throw corruptError('cache', `shard ${s} has no cache region (at ${region}, maximum ${maximum})`);
    const policyWords = policyLayout(maximum).int32s;
    if (!this.shards.heap.holdsBlock(region, cacheRegionBytes(maximum + 1, policyWords))) throw corruptError('cache', `shard ${s}'s cache region at ${region} of ${maximum} entries leaves the heap`);
    const policy = new EvictionPolicy(i32, cachePolicyBase(region, maximum + 1));
    if (policy.maximum !== maximum) throw corruptError('cache', `shard ${s}'s policy holds ${policy.maximum} entries, its region ${maximum}`);
    const budget = i32[cacheWord(region, C_BYTES_BUDGET)]!;
    if (budget < MIN_BYTES_BUDGET || (s > 0 && budget !== this.budgets[0])) throw corruptError('cache', `shard ${s}'s byte budget ${budget} is not the cache's`);
    this.budgets[s] = budget;
    return policy;
  }

  /** Shard `s`'s cache region (layout.ts), as checked when this instance attached. */
  region(s: number): number {
    return this.regions[s]!;
  }

  shardOf(hash: number): number {
    return hash & this.shardMask;
  }

  // --- reads (lock-free: shard.ts's seqlock protocol) -------------------------------------------

  /**
   * Looks `probe` up: its node (the value copied into the raw scratch when `wantValue`), MISS or
   * EXPIRED. `record`: a hit counts for the policy and the stats (get, has), else not (peek).
   */
  lookup(probe: ProbeKey, wantValue: boolean, record: boolean): number {
    const s = probe.hash & this.shardMask;
    const shards = this.shards;
    const views = this.views;
    const region = this.regions[s]!;
    const nodes = this.nodes[s]!;
    let found = MISS;
    let expiry = 0;
    let read = false;
    for (let attempt = 0; attempt < READ_ATTEMPTS && !read; attempt++) {
      const seq = shards.readBeginSpinning(s);
      if (seq === BUSY) continue;
      const table = shards.table(s);
      const capacity = tableCapacity(views, table);
      if (capacity === 0) continue;
      const slot = findSlot(views, table, capacity, probe, probe.hash >>> shards.shardBits);
      if (slot === TORN) continue;
      if (slot === NOT_FOUND) {
        read = shards.readValidate(s, seq);
        found = MISS;
        continue;
      }
      const at = slotOffset(table, capacity, slot);
      const node = views.i32[slotWord(at, SLOT_TAGS)]! >>> SLOT_NODE_SHIFT;
      expiry = node < nodes ? views.f64[cacheExpiryF64(region, nodes, node)]! : 0;
      const copied = !wantValue || readValueRaw(views, at, this.raw);
      read = copied && shards.readValidate(s, seq);
      found = node;
    }
    if (!read) found = this.lookupLocked(s, probe, wantValue);
    else if (found >= 0 && expiry !== 0 && expiry <= this.now()) found = EXPIRED;
    if (record) this.record(s, found, probe);
    return found;
  }

  /**
   * get() of a number key whose value is a number: one validated attempt in WebAssembly
   * (hot.wat cacheGetNumber: the probe, the node and its expiry inside one seqlock window, with
   * atomic loads that are instructions, not builtin calls), then the hit buffered here. The value,
   * undefined on a miss, or SLOW for everything else (other value tags, an expired entry, failed
   * reads), which the caller takes to lookup(). The front hashes the key (`hash`), as
   * ShardedMap's does.
   */
  getNumber(num: number, hash: number): unknown {
    if (!this.anyNumber) return SLOW; // a stored number must pass the codec's plausibility check
    const s = hash & this.shardMask;
    // Without a default ttl, only entries set with one expire: +Infinity sends those here, below,
    // and spares every other get a read of the clock.
    const node = this.wasm.cacheGetNumber(num, hash, this.timed ? this.now() : Infinity, this.expiryBytes[s]!, this.nodes[s]!);
    if (node >= 0) {
      this.recordHit(s, node);
      return this.wasm.value();
    }
    if (node === CACHE_MISS) {
      this.pending[2 * s + 1]!++;
      return undefined;
    }
    return this.getNumberSlow(num, hash);
  }

  /**
   * getNumber in JavaScript, in few bytecodes (striped.ts's getNumber, plus the node's expiry):
   * the same answers, by shard.ts's seqlock steps (module functions, to stay out of this
   * function's inlining budget).
   */
  private getNumberSlow(num: number, hash: number): unknown {
    const s = hash & this.shardMask;
    const views = this.views;
    const lock = lockWord(s);
    for (let attempt = 0; attempt < READ_ATTEMPTS; attempt++) {
      const i32 = views.i32;
      const seq = seqBegin(i32, lock);
      if (seq === BUSY) continue;
      const table = tableOf(i32, s);
      const capacity = tableCapacity(views, table);
      if (capacity === 0) continue;
      const slot = findNumber(views, table, capacity, hash, hash >>> this.shardBits, num);
      if (slot === TORN) continue;
      let node = -1;
      let value = 0;
      let expiry = 0;
      if (slot !== NOT_FOUND) {
        const at = slotOffset(table, capacity, slot);
        const tags = i32[slotWord(at, SLOT_TAGS)]!;
        if (((tags >>> 8) & 0xff) !== T_NUMBER || !this.anyNumber) return SLOW;
        node = tags >>> SLOT_NODE_SHIFT;
        const nodes = this.nodes[s]!;
        expiry = node < nodes ? views.f64[cacheExpiryF64(this.regions[s]!, nodes, node)]! : 0;
        value = views.f64[slotF64(at, SLOT_VALUE)]!;
      }
      if (!seqValidate(i32, lock, seq)) continue; // one validation site: less bytecode to inline
      if (node < 0) {
        this.pending[2 * s + 1]!++;
        return undefined;
      }
      if (expiry !== 0 && expiry <= this.now()) return SLOW; // lookup() counts and removes it
      this.recordHit(s, node);
      return value;
    }
    return SLOW;
  }

  /** lookup() after READ_ATTEMPTS failed reads: under the lock. */
  protected lookupLocked(s: number, probe: ProbeKey, wantValue: boolean): number {
    const shards = this.shards;
    shards.lock(s);
    try {
      const slot = shards.findLocked(s, probe);
      if (slot < 0) return MISS;
      const at = shards.slotAt(s, slot);
      const node = this.nodeAt(s, at);
      if (wantValue && !readValueRaw(this.views, at, this.raw)) throw corruptError('cache', `unreadable value in shard ${s}`);
      return this.expiredLocked(s, node) ? EXPIRED : node;
    } finally {
      shards.unlock(s);
    }
  }

  /** The value lookup() copied, decoded; a tag this codec cannot have stored is corruption (as striped.ts's). */
  finishRaw(): unknown {
    const raw = this.raw;
    if (raw.tag === T_NUMBER && this.anyNumber) return raw.num; // 'any' and 'number' hold every number
    if (!plausibleValue(this.c.valueCodec, raw.tag, raw.num)) throw corruptError('cache', `a stored value has tag ${raw.tag}, impossible for this codec`);
    return finishValue(raw.tag, raw.num, raw.str, raw.bytes);
  }

  /** Invariant 4: a hit is buffered, a miss counted; an expired entry is removed if the lock is free. */
  protected record(s: number, found: number, probe: ProbeKey): void {
    if (found >= 0) return this.recordHit(s, found);
    this.pending[2 * s + 1]!++;
    if (found === EXPIRED && this.shards.tryLock(s)) {
      try {
        this.drainLocked(s);
        const slot = this.shards.findLocked(s, probe);
        const node = slot >= 0 ? this.nodeAt(s, this.shards.slotAt(s, slot)) : -1;
        if (node >= 0 && this.expiredLocked(s, node)) this.expireLocked(s, slot, node);
      } finally {
        this.shards.unlock(s);
      }
    }
  }

  /** Removes an expired entry and counts it (the writer side, engine.ts). */
  protected abstract expireLocked(s: number, slot: number, node: number): void;

  /** Buffers a hit; a full buffer is replayed (out of line, so this stays small to inline). */
  protected recordHit(s: number, node: number): void {
    const n = this.hitCount[s]! + 1;
    this.hitNodes[s * HIT_BUFFER + n - 1] = node;
    this.hitCount[s] = n;
    if (n === HIT_BUFFER) this.flushHitsSlow(s);
  }

  /** A full hit buffer: replayed if the lock is free, else dropped (lossy, never waits). */
  protected flushHitsSlow(s: number): void {
    if (this.shards.tryLock(s)) this.drainThenUnlock(s);
    else this.dropHits(s); // lossy: the lock is busy
  }

  /** Forgets the buffered hits of shard `s` for the policy; the stats still count them. */
  private dropHits(s: number): void {
    this.pending[2 * s]! += this.hitCount[s]!;
    this.hitCount[s] = 0;
  }

  protected drainThenUnlock(s: number): void {
    try {
      this.drainLocked(s);
    } finally {
      this.shards.unlock(s);
    }
  }

  /** Replays this instance's buffered hits of shard `s` and adds its pending counts. Locked. */
  protected drainLocked(s: number): void {
    const policy = this.policies[s]!;
    const nodes = this.nodes[s]!;
    // Every critical section starts here. Invariant 1: between operations the policy lists exactly
    // the table's entries; a size word that disagrees is scribbled, and the policy's loops, which
    // move nodes until a size is within its share, would run past the end of a list for good.
    if (policy.size !== this.shards.countLocked(s)) throw corruptError('cache', `shard ${s}'s policy lists ${policy.size} entries, its table holds ${this.shards.countLocked(s)}`);
    const n = this.hitCount[s]!;
    if (policy.switchReplayer(this.shards.ownerId)) replaySampleLocked(policy, this.hitNodes, s * HIT_BUFFER, n, nodes);
    else {
      for (let i = 0; i < n; i++) {
        const node = this.hitNodes[s * HIT_BUFFER + i]!;
        if (node < nodes) policy.onAccess(node); // alone: every hit (replay.ts)
      }
    }
    this.hitCount[s] = 0;
    const f64 = this.views.f64;
    const region = this.regions[s]!;
    f64[cacheStatF64(region, STAT_HITS)]! += this.pending[2 * s]! + n;
    f64[cacheStatF64(region, STAT_MISSES)]! += this.pending[2 * s + 1]!;
    this.pending[2 * s] = 0;
    this.pending[2 * s + 1] = 0;
  }

  /**
   * Replays every shard's buffered hits and adds its pending counts (dispose: nothing this
   * instance saw is lost). Waits for each lock with buffered work; writes nothing else.
   */
  flushAll(): void {
    for (let s = 0; s < this.hitCount.length; s++) {
      if (this.hitCount[s] === 0 && this.pending[2 * s] === 0 && this.pending[2 * s + 1] === 0) continue;
      this.shards.lock(s);
      this.drainThenUnlock(s);
    }
  }

  addStatLocked(s: number, stat: number, by: number): void {
    this.views.f64[cacheStatF64(this.regions[s]!, stat)]! += by;
  }

  protected nodeAt(s: number, at: number): number {
    const node = this.views.i32[slotWord(at, SLOT_TAGS)]! >>> SLOT_NODE_SHIFT;
    if (node >= this.nodes[s]!) throw corruptError('cache', `shard ${s} names node ${node} of ${this.nodes[s]}`);
    return node;
  }

  protected expiredLocked(s: number, node: number): boolean {
    const expiry = this.views.f64[cacheExpiryF64(this.regions[s]!, this.nodes[s]!, node)]!;
    return expiry !== 0 && expiry <= this.now();
  }

  // --- whole-shard reads ---------------------------------------------------------------------

  /** Shard `s`'s live (unexpired) entries, decoded, read at one instant of the shard. */
  copyShard(s: number, out: [unknown, unknown][]): void {
    const shards = this.shards;
    shards.readShard(s, () => {
      const views = this.views;
      const table = shards.tableLocked(s);
      const capacity = shards.capacity(s);
      const region = this.regions[s]!;
      const nodes = this.nodes[s]!;
      const now = this.now();
      for (let slot = 0; slot < capacity; slot++) {
        if (!isFull(views, table, slot)) continue;
        const at = slotOffset(table, capacity, slot);
        const node = views.i32[slotWord(at, SLOT_TAGS)]! >>> SLOT_NODE_SHIFT;
        const expiry = node < nodes ? views.f64[cacheExpiryF64(region, nodes, node)]! : 0;
        if (expiry !== 0 && expiry <= now) continue;
        const key = readKeyLocked(views, at, this.keyScratch, this.c.keyCodec);
        if (!readValueRaw(views, at, this.raw)) throw corruptError('cache', `unreadable value in shard ${s}`);
        out.push([key, this.finishRaw()]);
      }
    });
  }

  /** Entries of shard `s` (expired ones not yet removed included). */
  count(s: number): number {
    return this.shards.count(s);
  }

  /** Bytes of shard `s`'s entries charged against its budget (C_BYTES). */
  entryBytes(s: number): number {
    return this.views.i32[cacheWord(this.regions[s]!, C_BYTES)]!;
  }

  maximum(s: number): number {
    return this.nodes[s]! - 1;
  }

  /** Shard `s`'s stat, plus what this instance has not yet added (invariant 4). */
  stat(s: number, stat: number): number {
    const shared = this.views.f64[cacheStatF64(this.regions[s]!, stat)]!;
    if (stat === STAT_HITS) return shared + this.pending[2 * s]! + this.hitCount[s]!;
    if (stat === STAT_MISSES) return shared + this.pending[2 * s + 1]!;
    return shared;
  }

  /** Test hook: the policy of shard `s`. */
  policyOf(s: number): EvictionPolicy {
    return this.policies[s]!;
  }
}
