/**
 * Shards: the only layer that touches locks. A shard is a lock/sequence word, a table and a
 * small-block allocator, all described by its control block (layout.ts).
 *
 * Writers: lock(s) ... unlock(s). Every mutation of a shard's table, its blobs or its control
 * block happens between the two; unlock advances the sequence (lock.ts, invariant 1).
 *
 * Readers (optimistic, seqlock): readBegin(s) returns the unlocked word (or -1 if a writer holds
 * the shard); the reader copies what it needs with plain reads, bounds-checked; readValid(s, seq)
 * re-loads the word and accepts the copy only if it did not change. After READ_ATTEMPTS failures the
 * reader takes the lock instead, so a steady stream of writers cannot starve it.
 *
 * Growth (invariants):
 *  1. A table never exceeds maxLoad (7/8) live + tombstoned slots: insertRoomLocked rehashes first.
 *  2. A rehash builds the new table completely, then publishes it by storing S_TABLE/S_CAPACITY,
 *     then frees the old block. All under the lock, so optimistic readers of the old table fail
 *     validation; a reader that copied the new table reference validates like any other.
 *  3. If the heap cannot provide the new table, nothing changed: the caller throws ERR_SHARDMAP_FULL.
 */
import {
  MIN_CAPACITY,
  S_CAPACITY,
  S_COUNT,
  S_LOCK,
  S_LOCK_ACQUISITIONS,
  S_LOCK_CONTENDED,
  S_LOCK_WAITS,
  S_OPTIMISTIC_RETRIES,
  S_OWNER,
  S_TABLE,
  S_TOMBSTONES,
  maxLoad,
  shardWord,
  slotOffset,
  tableBytes,
} from './layout.js';
import { LOCKED, lockSlow, unlock, type LockCounters } from './lock.js';
import { Heap, Views } from './memory.js';
import { corruptError, fullError } from './errors.js';
import { eraseSlot, findInsertSlot, findSlot, rehashInto, tableInBounds, claimSlot, TORN, resetControl, isFull } from './table.js';
import type { ProbeKey } from './codecs.js';
import { freeKeyBlob, freeValueBlob } from './slots.js';

/** Optimistic attempts before a reader takes the lock (each failed one is a retry in stats). */
export const READ_ATTEMPTS = 4;

export class Shards {
  readonly shardBits: number;
  /** Per shard: the word this thread last saw unlocked (the CAS hint, lock.ts invariant 2). */
  private readonly hints: Int32Array;
  /** Per shard: the unlocked word the current hold was acquired over. */
  private readonly acquired: Int32Array;
  private readonly counters: LockCounters = { contended: false, waits: 0 };

  constructor(
    readonly views: Views,
    readonly heap: Heap,
    readonly shardCount: number,
    readonly ownerId: number,
    readonly maxBytes: number,
  ) {
    this.shardBits = 31 - Math.clz32(shardCount);
    this.hints = new Int32Array(shardCount);
    this.acquired = new Int32Array(shardCount);
  }

  lock(s: number): void {
    const i32 = this.views.i32;
    const index = shardWord(s, S_LOCK);
    const hint = this.hints[s]!;
    let seen = Atomics.compareExchange(i32, index, hint, hint | LOCKED);
    if (seen !== hint && ((seen & LOCKED) !== 0 || Atomics.compareExchange(i32, index, seen, seen | LOCKED) !== seen)) {
      seen = this.lockContended(s, index);
    }
    this.acquired[s] = seen;
    i32[shardWord(s, S_OWNER)] = this.ownerId;
    i32[shardWord(s, S_LOCK_ACQUISITIONS)]!++;
  }

  private lockContended(s: number, index: number): number {
    const c = this.counters;
    c.contended = false;
    c.waits = 0;
    const seen = lockSlow(this.views.i32, index, c);
    // We hold the lock now: plain increments of our own line are safe.
    const i32 = this.views.i32;
    i32[shardWord(s, S_LOCK_CONTENDED)]!++;
    i32[shardWord(s, S_LOCK_WAITS)]! += c.waits;
    return seen;
  }

  unlock(s: number): void {
    const i32 = this.views.i32;
    i32[shardWord(s, S_OWNER)] = 0;
    this.hints[s] = unlock(i32, shardWord(s, S_LOCK), this.acquired[s]!);
  }

  /** The shard's word if no writer holds it, else -1. */
  readBegin(s: number): number {
    const seq = Atomics.load(this.views.i32, shardWord(s, S_LOCK));
    return (seq & LOCKED) === 0 ? seq : -1;
  }

  readValid(s: number, seq: number): boolean {
    return Atomics.load(this.views.i32, shardWord(s, S_LOCK)) === seq;
  }

  countRetry(s: number): void {
    Atomics.add(this.views.i32, shardWord(s, S_OPTIMISTIC_RETRIES), 1);
  }

  table(s: number): number {
    return this.views.i32[shardWord(s, S_TABLE)]!;
  }

  capacity(s: number): number {
    return this.views.i32[shardWord(s, S_CAPACITY)]!;
  }

  /**
   * Shard `s`'s table offset, after checking (under the lock) that its table is plausible and
   * inside this thread's views, catching up with growth by other threads. Every locked walk of a
   * table starts here: another thread may have grown the table into bytes these views lack.
   */
  tableLocked(s: number): number {
    const table = this.table(s);
    const capacity = this.capacity(s);
    if (!tableInBounds(this.views, table, capacity)) throw corruptError('shard', `shard ${s} table ${table}/${capacity} is impossible`);
    return table;
  }

  /** The slot of `probe` in shard `s`, or NOT_FOUND. Under the lock; corruption throws. */
  findLocked(s: number, probe: ProbeKey): number {
    const table = this.tableLocked(s);
    const capacity = this.capacity(s);
    const slot = findSlot(this.views, table, capacity, probe, probe.hash >>> this.shardBits);
    if (slot === TORN) throw corruptError('table', `shard ${s}: probe found an unreadable key or no empty group`);
    return slot;
  }

  slotAt(s: number, slot: number): number {
    return slotOffset(this.table(s), this.capacity(s), slot);
  }

  /**
   * A free slot for a new key with `hash`, growing or cleaning the table first if the insert would
   * pass maxLoad. The slot is claimed (control byte set) only by commitInsertLocked.
   * Returns -1 if the heap is full (nothing changed).
   */
  insertSlotLocked(s: number, hash: number): number {
    const i32 = this.views.i32;
    const count = i32[shardWord(s, S_COUNT)]!;
    const tombstones = i32[shardWord(s, S_TOMBSTONES)]!;
    let capacity = this.capacity(s);
    if (count + tombstones + 1 > maxLoad(capacity)) {
      // Mostly tombstones: rehash at the same size; otherwise double.
      const next = count + 1 > maxLoad(capacity) >> 1 ? capacity * 2 : capacity;
      if (!this.rehashLocked(s, next)) return -1;
      capacity = next;
    }
    return findInsertSlot(this.views, this.table(s), capacity, hash >>> this.shardBits);
  }

  commitInsertLocked(s: number, slot: number, hash: number): void {
    const i32 = this.views.i32;
    if (claimSlot(this.views, this.table(s), slot, hash)) i32[shardWord(s, S_TOMBSTONES)]!--;
    i32[shardWord(s, S_COUNT)]!++;
  }

  /** Removes the entry at `slot`, freeing its blobs. */
  removeLocked(s: number, slot: number): void {
    const at = this.slotAt(s, slot);
    freeKeyBlob(this.views, this.heap, s, at);
    freeValueBlob(this.views, this.heap, s, at);
    const i32 = this.views.i32;
    if (eraseSlot(this.views, this.table(s), slot)) i32[shardWord(s, S_TOMBSTONES)]!++;
    i32[shardWord(s, S_COUNT)]!--;
  }

  /** Builds a table of `capacity` slots from the current one and publishes it (growth invariant 2). */
  private rehashLocked(s: number, capacity: number): boolean {
    const old = this.table(s);
    const oldCapacity = this.capacity(s);
    const fresh = this.heap.alloc(s, tableBytes(capacity));
    if (fresh === 0) return false;
    rehashInto(this.views, old, oldCapacity, fresh, capacity, this.shardBits);
    const i32 = this.views.i32;
    i32[shardWord(s, S_TABLE)] = fresh; // publish the new table, then retire the old one
    i32[shardWord(s, S_CAPACITY)] = capacity;
    i32[shardWord(s, S_TOMBSTONES)] = 0;
    this.heap.free(s, old, tableBytes(oldCapacity));
    return true;
  }

  /** Gives shard `s` its first table (at create time, before the buffer is shared). */
  initTable(s: number, capacity: number): void {
    const table = this.heap.alloc(s, tableBytes(capacity));
    if (table === 0) throw fullError(tableBytes(capacity), this.maxBytes);
    resetControl(this.views, table, capacity);
    const i32 = this.views.i32;
    i32[shardWord(s, S_TABLE)] = table;
    i32[shardWord(s, S_CAPACITY)] = capacity;
  }

  /** Empties shard `s` (under its lock): frees every blob, keeps the table. */
  clearLocked(s: number): void {
    const table = this.tableLocked(s);
    const capacity = this.capacity(s);
    for (let slot = 0; slot < capacity; slot++) {
      if (!isFull(this.views, table, slot)) continue;
      const at = slotOffset(table, capacity, slot);
      freeKeyBlob(this.views, this.heap, s, at);
      freeValueBlob(this.views, this.heap, s, at);
    }
    resetControl(this.views, table, capacity);
    const i32 = this.views.i32;
    i32[shardWord(s, S_COUNT)] = 0;
    i32[shardWord(s, S_TOMBSTONES)] = 0;
  }

  count(s: number): number {
    return Atomics.load(this.views.i32, shardWord(s, S_COUNT));
  }
}

/** Initial slots per shard for an expected total of `entries`. */
export function initialCapacity(entries: number, shardCount: number): number {
  const perShard = Math.ceil(entries / shardCount);
  let capacity = MIN_CAPACITY;
  while (maxLoad(capacity) < perShard) capacity *= 2;
  return capacity;
}
