/**
 * stats(): per-shard counters summed on read. Counters live in each shard's own control line and
 * are written under that shard's lock (or, for optimistic retries, only on the retry path), so no
 * operation writes a line shared by all threads. Table figures are read at one instant of each
 * shard in turn (Shards.readShard: never waiting for a holder running user code): they are exact
 * per shard, not one instant for the whole map. `lockHolders` names, per shard whose lock is held
 * by user code (an update() callback) as stats() looked, the holding instance and its thread.
 */
import {
  S_LOCK_ACQUISITIONS,
  S_LOCK_CONTENDED,
  S_LOCK_WAITS,
  S_MISSES,
  S_OPTIMISTIC_RETRIES,
  S_PROMOTIONS,
  SLOT_HASH,
  shardWord,
  slotOffset,
  slotWord,
} from './layout.js';
import { isFull } from './table.js';
import type { Shards } from './shard.js';
import { ownerToken } from './owners.js';
import type { Engine, ShardFigures } from './engine.js';

export interface LockHolder {
  shard: number;
  owner: number;
  thread: number;
}

export interface ShardedMapStats {
  /** Live entries (exact when no writer is running). */
  size: number;
  shards: number;
  /** Table slots over all shards. */
  capacity: number;
  /**
   * Bytes in use: the header, control blocks, tables and blobs (and, in syncmap mode, blocks
   * retired but not yet reclaimed) — what the buffer has handed out, less `bytesFree`.
   */
  bytesUsed: number;
  /**
   * Bytes handed out once and free again for reuse: a later fill takes them before the buffer
   * grows. A growable SharedArrayBuffer never shrinks, so they stay in `bytesCommitted`.
   */
  bytesFree: number;
  /** Bytes of the buffer currently committed (its byteLength). */
  bytesCommitted: number;
  /** The maxBytes ceiling: address space reserved for the buffer. */
  bytesReserved: number;
  /** size / capacity. */
  loadFactor: number;
  /** Longest probe sequence of any entry, in groups visited (1 = found in its home group). */
  maxProbeLength: number;
  lockAcquisitions: number;
  lockContended: number;
  /** Times a thread went to sleep in Atomics.wait on a shard lock. */
  lockWaits: number;
  optimisticRetries: number;
  /**
   * Shards whose lock was held by user code (an update() callback or a comparison's getters) when
   * stats() read them: the holder's owner id and its thread's token (threadToken() of that thread,
   * as ShardedMap.recoverThread takes it). The shard's writers wait for that thread; readers do not.
   */
  lockHolders: LockHolder[];
  /** syncmap mode: lookups that missed the read snapshot. */
  misses?: number;
  /** syncmap mode: dirty tables promoted to read snapshots. */
  promotions?: number;
}

/** Groups visited to reach `slot` from the home group of `hash` (triangular probing). */
function probeLength(slot: number, capacity: number, position: number): number {
  const groupMask = (capacity >> 2) - 1;
  const target = slot >> 2;
  let g = position & groupMask;
  for (let step = 1; step <= groupMask + 1; step++) {
    if (g === target) return step;
    g = (g + step) & groupMask;
  }
  return groupMask + 1;
}

function maxProbeLocked(shards: Shards, s: number): number {
  const v = shards.views;
  if (shards.table(s) === 0) return 0; // syncmap mode: dirty is null after a promotion
  const table = shards.tableLocked(s);
  const capacity = shards.capacity(s);
  let longest = 0;
  for (let slot = 0; slot < capacity; slot++) {
    if (!isFull(v, table, slot)) continue;
    const hash = v.i32[slotWord(slotOffset(table, capacity, slot), SLOT_HASH)]!;
    longest = Math.max(longest, probeLength(slot, capacity, hash >>> shards.shardBits));
  }
  return longest;
}

export function collectStats(shards: Shards, engine: Engine): ShardedMapStats {
  const v = shards.views;
  let size = 0;
  let capacity = 0;
  let maxProbeLength = 0;
  let shardsFree = 0;
  const figures: ShardFigures = { size: 0, capacity: 0 };
  const sums = { lockAcquisitions: 0, lockContended: 0, lockWaits: 0, optimisticRetries: 0, misses: 0, promotions: 0 };
  const lockHolders: LockHolder[] = [];
  for (let s = 0; s < shards.shardCount; s++) {
    let free = 0;
    const probe = shards.readShard(s, () => {
      engine.figuresLocked(s, figures);
      free = shards.heap.shardFreeBytesLocked(s);
      return maxProbeLocked(shards, s);
    });
    shardsFree += free;
    size += figures.size;
    capacity += figures.capacity;
    maxProbeLength = Math.max(maxProbeLength, probe);
    // Counters written under the lock, read without it: each is some recent count.
    sums.lockAcquisitions += v.i32[shardWord(s, S_LOCK_ACQUISITIONS)]!;
    sums.lockContended += v.i32[shardWord(s, S_LOCK_CONTENDED)]!;
    sums.lockWaits += v.i32[shardWord(s, S_LOCK_WAITS)]!;
    sums.optimisticRetries += Atomics.load(v.i32, shardWord(s, S_OPTIMISTIC_RETRIES));
    sums.misses += Atomics.load(v.i32, shardWord(s, S_MISSES));
    sums.promotions += v.i32[shardWord(s, S_PROMOTIONS)]!;
    const owner = shards.heldBy(s);
    if (owner !== 0) lockHolders.push({ shard: s, owner, thread: ownerToken(v, shards.shardCount, owner) });
  }
  const stats: ShardedMapStats = {
    size,
    shards: shards.shardCount,
    capacity,
    ...memoryFigures(shards, shardsFree),
    loadFactor: capacity === 0 ? 0 : size / capacity,
    maxProbeLength,
    lockAcquisitions: sums.lockAcquisitions,
    lockContended: sums.lockContended,
    lockWaits: sums.lockWaits,
    optimisticRetries: sums.optimisticRetries,
    lockHolders,
  };
  if (engine.extraStats.includes('misses')) stats.misses = sums.misses;
  if (engine.extraStats.includes('promotions')) stats.promotions = sums.promotions;
  return stats;
}

/** The memory figures of a map's or a cache's stats(). */
export interface MemoryFigures {
  bytesUsed: number;
  bytesFree: number;
  bytesCommitted: number;
  bytesReserved: number;
}

/**
 * bytesFree walks every free list (each shard's at one instant of that shard, then the heap's
 * shared ones under the heap lock); bytesUsed is the rest of what the heap has handed out. A
 * shard's small blocks never go back to the shared lists, so no block is counted twice; one taken
 * from the shared lists while the shards are walked may be missed: bytesUsed errs high, not low.
 */
export function memoryFigures(shards: Shards, shardsFree = shardsFreeBytes(shards)): MemoryFigures {
  const free = shardsFree + shards.heap.largeFreeBytes();
  const handedOut = shards.heap.highWater();
  return { bytesUsed: handedOut - free, bytesFree: free, bytesCommitted: shards.views.committedBytes(), bytesReserved: shards.maxBytes };
}

/** The shards' free bytes, each read at one instant of its shard (a caller that visits every shard anyway sums them itself). */
function shardsFreeBytes(shards: Shards): number {
  let free = 0;
  for (let s = 0; s < shards.shardCount; s++) free += shards.readShard(s, () => shards.heap.shardFreeBytesLocked(s));
  return free;
}
