/**
 * The cache engine: the striped engine's shards (shard.ts: lock, seqlock reads, intent log;
 * shard-table.ts: inserts, removals, growth) bounded by a W-TinyLFU policy per shard (policy.ts),
 * with a time to live per entry. Not a third map: entries are striped slots whose tags word also
 * holds the entry's policy node (layout.ts, SLOT_NODE_SHIFT); the shard's cache region (layout.ts)
 * holds the nodes' expiry times, the free-node stack, byte accounting and the stats.
 *
 * Invariants (with shard.ts's and striped.ts's 1-2 for the slots themselves):
 *  1. The table is the truth. A node is in use iff one full slot of its shard names it; the free
 *     stack, the policy's lists and C_BYTES are derived state, rebuilt from the table by recovery
 *     (rebuildLocked) when a writer died: a dead writer can cost recency, never an entry.
 *  2. Between operations a shard has at most C_MAXIMUM entries, so the free stack holds at least
 *     one of the N = maximum + 1 nodes: an insert takes one, the policy then names at most one
 *     victim, which is removed before the lock is released. A writer that dies in between leaves
 *     maximum + 1 entries; rebuildLocked evicts the extra one.
 *  3. A node's expiry is written before the slot that names it is published, and changes only
 *     under the lock, so an optimistic reader validates it with the slot (the same sequence).
 *  4. Hits take no lock and write no shared line: each cache instance buffers the nodes it hit per
 *     shard (HIT_BUFFER) and replays them into the policy when it next holds that shard's lock, or
 *     with tryLock when the buffer fills (dropping them if the lock is busy: Caffeine's lossy read
 *     buffer). A replayed node may have been freed (ignored) or reused by another key since (that
 *     key is credited a hit): a wrong hint, never a wrong answer. Hit/miss counts ride along.
 *     An instance replaying into a shard another instance replayed into last replays a sample
 *     (replay.ts); alone it replays every hit.
 *  5. Expired entries are misses at once and are removed by whoever holds the lock next: a get
 *     that meets one tries the lock; every write sweeps SWEEP_PER_WRITE nodes round-robin.
 */
import { CacheReads, STAT_EVICTIONS, STAT_EXPIRATIONS } from './reads.js';

import {
  C_BYTES,
  C_BYTES_BUDGET,
  C_FREE_TOP,
  C_MAXIMUM,
  C_SWEEP,
  SLOT_HASH,
  SLOT_KEY,
  SLOT_NODE_SHIFT,
  SLOT_TAGS,
  SLOT_VALUE,
  cacheExpiryF64,
  cacheWord,
  cacheFreeWord,
  blockBytes,
  slotOffset,
  slotWord,
} from '../layout.js';
import { type EncodedValue, type ProbeKey, hasBlob, isTextTag, narrowTag } from '../codecs.js';
import { corruptError, disposedError, fullError } from '../errors.js';
import type { Views } from '../views.js';
import { type Shards } from '../shard.js';
import { clearLocked, commitInsertLocked, insertSlotLocked, removeLocked } from '../shard-table.js';
import { freePayloadBlob, payloadLength, storeKey, storeValue, valuePayloadAt, writeBlob } from '../slots.js';
import { TORN, findNodeSlot, isFull } from '../table.js';
import { EvictionPolicy, FREE, PROBATION, PROTECTED, WINDOW } from './policy.js';
import { killPoint } from '../kill-points.js';
import type { EngineConfig } from '../buffer.js';


export { EXPIRED, MISS, SLOW, STAT_EVICTIONS, STAT_EXPIRATIONS, STAT_HITS, STAT_LOADS, STAT_LOAD_FAILURES, STAT_LOAD_WAITS, STAT_MISSES } from './reads.js';
/** Nodes each write looks at for expired entries (invariant 5). */
const SWEEP_PER_WRITE = 2;
/** The lists victimForRoom() takes from, in its order (policy.ts). */
const ROOM_ORDER = [PROBATION, PROTECTED, WINDOW] as const;
/** Bytes charged per entry on top of its blobs (its slot, control byte and table slack). */
export const ENTRY_OVERHEAD = 64;

export class CacheEngine extends CacheReads {
  constructor(config: EngineConfig, shards: Shards) {
    super(config, shards);
    shards.afterRecoveryLocked = (s) => this.rebuildLocked(s);
  }

  /** Lays out shard `s`'s region (fresh, before the buffer is shared). */
  static initRegion(views: Views, region: number, maximum: number, bytesBudget: number, policyBase: number): void {
    const i32 = views.i32;
    const nodes = maximum + 1;
    i32[cacheWord(region, C_MAXIMUM)] = maximum;
    i32[cacheWord(region, C_BYTES_BUDGET)] = bytesBudget;
    for (let i = 0; i < nodes; i++) i32[cacheFreeWord(region, i)] = nodes - 1 - i;
    i32[cacheWord(region, C_FREE_TOP)] = nodes;
    EvictionPolicy.init(i32, policyBase, maximum);
  }


  // --- writes (under the shard's lock) ----------------------------------------------------------

  /** Runs `body` under shard `s`'s lock, after replaying this instance's hits and a sweep. */
  withLock<T>(s: number, body: () => T): T {
    const shards = this.shards;
    shards.lock(s);
    try {
      this.drainLocked(s);
      this.sweepLocked(s, SWEEP_PER_WRITE);
      return body();
    } finally {
      shards.unlock(s);
    }
  }

  /** set(): stores probe → value with `expiry` (ms since the epoch, 0 = never), evicting for room. */
  storeLocked(s: number, probe: ProbeKey, value: EncodedValue, expiry: number): void {
    const slot = this.shards.findLocked(s, probe);
    if (slot >= 0) return this.replaceLocked(s, slot, value, expiry);
    this.insertLocked(s, probe, value, expiry);
  }

  /** Removes probe's entry; true if it was there and not expired. */
  deleteLocked(s: number, probe: ProbeKey): boolean {
    const slot = this.shards.findLocked(s, probe);
    if (slot < 0) return false;
    const node = this.nodeAt(s, this.shards.slotAt(s, slot));
    const live = !this.expiredLocked(s, node);
    this.removeSlotLocked(s, slot, node);
    return live;
  }

  protected expireLocked(s: number, slot: number, node: number): void {
    this.removeSlotLocked(s, slot, node);
    this.addStatLocked(s, STAT_EXPIRATIONS, 1);
  }

  private replaceLocked(s: number, slot: number, value: EncodedValue, expiry: number): void {
    const shards = this.shards;
    const views = this.views;
    const region = this.regions[s]!;
    const at = shards.slotAt(s, slot);
    const node = this.nodeAt(s, at);
    const oldBytes = entryBytesAt(views, at);
    const newBytes = oldBytes - valueBlobBytes(valueTagOf(views, at), views.i32[slotWord(at, SLOT_VALUE + 1)]!) + blobBytesOf(value.tag, value.str, value.bytes);
    this.makeRoomLocked(s, newBytes - oldBytes, node);
    // Removing other entries moves no slot (table.ts erases in place): `at` stays this entry's.
    let old: [number, number, number] | undefined;
    while ((old = this.tryReplaceLocked(s, at, value)) === undefined) this.evictForHeapLocked(s, node, newBytes);
    views.f64[cacheExpiryF64(region, this.nodes[s]!, node)] = expiry; // read only under this lock's sequence
    freePayloadBlob(shards.heap, s, old);
    views.i32[cacheWord(region, C_BYTES)]! += newBytes - oldBytes;
    this.policies[s]!.onAccess(node);
  }

  /** One logged replacement of the value at `at`; its old payload, or undefined if the heap is full (nothing changed). */
  private tryReplaceLocked(s: number, at: number, value: EncodedValue): [number, number, number] | undefined {
    const shards = this.shards;
    const views = this.views;
    shards.beginLocked(s);
    let old: [number, number, number];
    try {
      const blob = writeBlob(views, shards, s, value.tag, value.str, value.bytes);
      if (blob < 0) {
        shards.abortLocked(s);
        return undefined;
      }
      old = valuePayloadAt(views, at);
      shards.logSlotLocked(s, at);
      storeValue(views, at, value, blob);
      killPoint('cache.replace.payload');
      const tags = views.i32[slotWord(at, SLOT_TAGS)]!;
      views.i32[slotWord(at, SLOT_TAGS)] = (tags & ~0xff00) | (value.tag << 8);
    } catch (error) {
      shards.abortLocked(s);
      throw error;
    }
    shards.commitLocked(s);
    return old;
  }

  private insertLocked(s: number, probe: ProbeKey, value: EncodedValue, expiry: number): void {
    probe.tag = narrowTag(probe.tag, probe.str); // stored one byte a unit when it can be (slots.ts): room for that
    const need = ENTRY_OVERHEAD + blobBytesOf(probe.tag, probe.str, probe.bytes) + blobBytesOf(value.tag, value.str, value.bytes);
    this.makeRoomLocked(s, need, -1);
    for (;;) {
      const node = this.tryInsertLocked(s, probe, value, expiry);
      if (node >= 0) {
        this.views.i32[cacheWord(this.regions[s]!, C_BYTES)]! += need;
        killPoint('cache.insert.published');
        const victim = this.policies[s]!.onInsert(node, probe.hash);
        if (victim >= 0) this.evictNodeLocked(s, victim);
        return;
      }
      this.evictForHeapLocked(s, -1, need);
    }
  }

  /**
   * The heap is full (other shards' blobs, fragmentation): drops this shard's next victim for
   * room, never `keep` (the entry being written); ERR_SHARDMAP_FULL for `need` bytes if there is none.
   */
  private evictForHeapLocked(s: number, keep: number, need: number): void {
    const victim = this.victimForRoomLocked(s, keep);
    if (victim < 0) throw fullError(need, this.c.maxBytes);
    this.policies[s]!.onRemove(victim);
    this.evictNodeLocked(s, victim);
  }

  /** Evicts until `extra` more bytes fit the shard's budget (never `keep`); FULL if they never can. */
  private makeRoomLocked(s: number, extra: number, keep: number): void {
    const i32 = this.views.i32;
    const region = this.regions[s]!;
    const budget = this.budgets[s]!; // create's, as checked at attach (the word may be scribbled since)
    if (extra <= 0) return;
    if (extra > budget) throw fullError(extra, this.c.maxBytes);
    const policy = this.policies[s]!;
    while (i32[cacheWord(region, C_BYTES)]! + extra > budget) {
      const victim = this.victimForRoomLocked(s, keep);
      if (victim < 0) break;
      policy.onRemove(victim);
      this.evictNodeLocked(s, victim);
    }
  }

  /**
   * The policy's victim for room (victimForRoom), or, when that is `keep` (the entry being
   * replaced), the next one: after it in its list, else the least recent of another list. Only
   * looking along keep's own list once stopped the eviction while other lists held entries, and
   * the replacement went over the budget. -1 when nothing but `keep` is left.
   */
  private victimForRoomLocked(s: number, keep: number): number {
    const policy = this.policies[s]!;
    const victim = policy.victimForRoom();
    if (victim !== keep || victim < 0) return victim;
    const next = policy.after(keep);
    if (next >= 0) return next;
    for (const seg of ROOM_ORDER) {
      const first = policy.first(seg);
      if (first >= 0 && first !== keep) return first;
    }
    return -1;
  }

  /** One logged insert with a free node; the node, or -1 if the heap is full (nothing changed). */
  private tryInsertLocked(s: number, probe: ProbeKey, value: EncodedValue, expiry: number): number {
    const shards = this.shards;
    const views = this.views;
    const region = this.regions[s]!;
    const top = views.i32[cacheWord(region, C_FREE_TOP)]!;
    if (top <= 0) throw corruptError('cache', `shard ${s} has no free node`);
    const node = views.i32[cacheFreeWord(region, top - 1)]!;
    if (node < 0 || node >= this.nodes[s]! || this.policies[s]!.segmentOf(node) !== FREE) throw corruptError('cache', `shard ${s}'s free stack holds node ${node}`);
    shards.beginLocked(s);
    try {
      const slot = insertSlotLocked(shards, s, probe.hash);
      if (slot === TORN) throw corruptError('table', `shard ${s} has no free slot below its load limit`);
      const keyBlob = slot < 0 ? -1 : writeBlob(views, shards, s, probe.tag, probe.str, probe.bytes);
      const valueBlob = keyBlob < 0 ? -1 : writeBlob(views, shards, s, value.tag, value.str, value.bytes);
      if (valueBlob < 0) {
        shards.abortLocked(s);
        return -1;
      }
      views.f64[cacheExpiryF64(region, this.nodes[s]!, node)] = expiry; // invariant 3: before publishing
      const at = shards.slotAt(s, slot);
      views.i32[slotWord(at, SLOT_HASH)] = probe.hash;
      views.i32[slotWord(at, SLOT_TAGS)] = probe.tag | (value.tag << 8) | (node << SLOT_NODE_SHIFT);
      storeKey(views, at, probe, keyBlob);
      storeValue(views, at, value, valueBlob);
      killPoint('cache.insert.written');
      commitInsertLocked(shards, s, slot, probe.hash);
    } catch (error) {
      shards.abortLocked(s);
      throw error;
    }
    shards.commitLocked(s);
    views.i32[cacheWord(region, C_FREE_TOP)] = top - 1; // derived state (invariant 1)
    return node;
  }

  /** Removes the entry of `node` (already unlinked from the policy) and counts an eviction. */
  private evictNodeLocked(s: number, node: number): void {
    this.removeSlotLocked(s, this.slotOfNodeLocked(s, node), node);
    this.addStatLocked(s, STAT_EVICTIONS, 1);
  }

  /** The slot of the entry `node` belongs to (found by the hash the policy keeps for it). */
  private slotOfNodeLocked(s: number, node: number): number {
    const shards = this.shards;
    const table = shards.tableLocked(s);
    const hash = this.policies[s]!.hashOf(node);
    const slot = findNodeSlot(this.views, table, shards.capacity(s), hash, hash >>> shards.shardBits, node);
    if (slot < 0) throw corruptError('cache', `shard ${s}'s policy names node ${node}, which no entry holds`);
    return slot;
  }

  /** Removes the entry at `slot` (of `node`), then returns the node to the free stack. */
  private removeSlotLocked(s: number, slot: number, node: number): void {
    const views = this.views;
    const region = this.regions[s]!;
    const bytes = entryBytesAt(views, this.shards.slotAt(s, slot));
    removeLocked(this.shards, s, slot);
    killPoint('cache.remove.removed');
    this.policies[s]!.onRemove(node);
    const top = views.i32[cacheWord(region, C_FREE_TOP)]!;
    views.i32[cacheFreeWord(region, top)] = node;
    views.i32[cacheWord(region, C_FREE_TOP)] = top + 1;
    views.i32[cacheWord(region, C_BYTES)]! -= bytes;
  }

  /** Invariant 5: looks at `count` nodes from the sweep cursor and removes expired entries. */
  private sweepLocked(s: number, count: number): void {
    const views = this.views;
    const region = this.regions[s]!;
    const nodes = this.nodes[s]!;
    const policy = this.policies[s]!;
    let cursor = views.i32[cacheWord(region, C_SWEEP)]!;
    for (let i = 0; i < count; i++) {
      cursor = cursor + 1 >= nodes ? 0 : cursor + 1;
      if (policy.segmentOf(cursor) !== FREE && this.expiredLocked(s, cursor)) this.expireLocked(s, this.slotOfNodeLocked(s, cursor), cursor);
    }
    views.i32[cacheWord(region, C_SWEEP)] = cursor;
  }

  /** Empties shard `s` (clear()): the table, the policy's lists (not its sketch), the free stack. */
  clearLocked(s: number): void {
    clearLocked(this.shards, s);
    this.resetDerivedLocked(s);
  }

  private resetDerivedLocked(s: number): void {
    const views = this.views;
    const region = this.regions[s]!;
    const nodes = this.nodes[s]!;
    this.policies[s]!.clear();
    for (let i = 0; i < nodes; i++) views.i32[cacheFreeWord(region, i)] = nodes - 1 - i;
    views.i32[cacheWord(region, C_FREE_TOP)] = nodes;
    views.i32[cacheWord(region, C_BYTES)] = 0;
  }

  /**
   * Invariant 1: after a dead writer's mutation was rolled back, rebuilds the policy, the free
   * stack and C_BYTES from the table; evicts what is over the bound (invariant 2). Recency is
   * lost (every entry re-enters the window in table order); the sketch keeps its counts.
   */
  private rebuildLocked(s: number): void {
    const shards = this.shards;
    const views = this.views;
    const region = this.regions[s]!;
    const nodes = this.nodes[s]!;
    const table = shards.tableLocked(s);
    const capacity = shards.capacity(s);
    const used = new Uint8Array(nodes);
    const present: number[] = [];
    let bytes = 0;
    for (let slot = 0; slot < capacity; slot++) {
      if (!isFull(views, table, slot)) continue;
      const at = slotOffset(table, capacity, slot);
      const node = views.i32[slotWord(at, SLOT_TAGS)]! >>> SLOT_NODE_SHIFT;
      if (node >= nodes || used[node] !== 0) throw corruptError('cache', `shard ${s}: node ${node} named twice or out of range`);
      used[node] = 1;
      present.push(node, views.i32[slotWord(at, SLOT_HASH)]!);
      bytes += entryBytesAt(views, at);
    }
    this.resetDerivedLocked(s);
    let top = 0;
    for (let node = nodes - 1; node >= 0; node--) if (used[node] === 0) views.i32[cacheFreeWord(region, top++)] = node;
    views.i32[cacheWord(region, C_FREE_TOP)] = top;
    views.i32[cacheWord(region, C_BYTES)] = bytes;
    const policy = this.policies[s]!;
    for (let i = 0; i < present.length; i += 2) {
      const victim = policy.onInsert(present[i]!, present[i + 1]!);
      if (victim >= 0) this.evictNodeLocked(s, victim);
    }
  }
}

function valueTagOf(views: Views, at: number): number {
  return (views.i32[slotWord(at, SLOT_TAGS)]! >>> 8) & 0xff;
}

function valueBlobBytes(tag: number, length: number): number {
  if (!hasBlob(tag) || length <= 0) return 0;
  return blockBytes(isTextTag(tag) ? 2 * length : length);
}

function blobBytesOf(tag: number, str: string, bytes: Uint8Array): number {
  if (!hasBlob(tag)) return 0;
  return valueBlobBytes(tag, payloadLength(tag, str, bytes));
}

/** What an entry is charged against the shard's byte budget. */
function entryBytesAt(views: Views, at: number): number {
  const tags = views.i32[slotWord(at, SLOT_TAGS)]!;
  return ENTRY_OVERHEAD + valueBlobBytes(tags & 0xff, views.i32[slotWord(at, SLOT_KEY + 1)]!) + valueBlobBytes((tags >>> 8) & 0xff, views.i32[slotWord(at, SLOT_VALUE + 1)]!);
}

/**
 * What a disposed ShardedCache calls instead of its engine: every method, and the clock, throws
 * ERR_SHARDMAP_DISPOSED (engine.ts's disposedEngine, for the cache's engine class). Swapping the
 * engine, rather than a flag in every method, keeps the hit path free of a disposed check.
 */
export function disposedCacheEngine(): CacheEngine {
  const refuse = (): never => {
    throw disposedError();
  };
  const out: Record<string, unknown> = { now: refuse };
  for (let p: object | null = CacheEngine.prototype; p !== null && p !== Object.prototype; p = Object.getPrototypeOf(p) as object | null) {
    for (const name of Object.getOwnPropertyNames(p)) if (name !== 'constructor') out[name] = refuse;
  }
  return out as unknown as CacheEngine;
}
