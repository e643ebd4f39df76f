/**
 * A shard's table over its life, under the shard's lock: inserting (growing or cleaning first),
 * removing, clearing. The words these change are written through Shards (shard.ts), the table
 * bytes through table.ts; shard.ts's invariants 1-5 are the ones kept here:
 *  - insertSlotLocked rehashes before an insert would pass maxLoad (invariant 1), into a table it
 *    builds completely and publishes with one store (2); a full heap changes nothing (3);
 *  - every multi-store change is logged first (4) and frees what it replaced after its commit (5).
 */
import { MIN_CAPACITY, ctrlStart, maxLoad, slotOffset, tableBytes } from './layout.js';
import { corruptError } from './errors.js';
import type { Shards } from './shard.js';
import { claimSlot, eraseSlot, findInsertSlot, initTable, rehashInto } from './table.js';
import { freeKeyBlob, freeValueBlob } from './slots.js';
import { killPoint } from './kill-points.js';

/**
 * A free slot for a new key with `hash`, growing or cleaning the table first if the insert would
 * pass maxLoad. The slot is claimed (control byte set) only by commitInsertLocked.
 * Returns -1 if the heap is full (nothing changed). Inside beginLocked/commitLocked.
 */
export const insertSlotLocked = (shards: Shards, s: number, hash: number): number => {
  shards.tableLocked(s); // the table may lie beyond this thread's views (another thread grew it)
  const count = shards.countLocked(s);
  const tombstones = shards.tombstonesLocked(s);
  let capacity = shards.capacity(s);
  if (count < 0 || tombstones < 0 || count + tombstones > capacity) {
    throw corruptError('shard', `shard ${s} counts ${count} entries and ${tombstones} tombstones in ${capacity} slots`);
  }
  if (count + tombstones + 1 > maxLoad(capacity)) {
    // Double only if live entries fill 3/4 of the load limit (Abseil: 25/32 of capacity);
    // otherwise the limit was reached through tombstones: rehash at the same size. Doubling
    // earlier ratchets tables up under insert/delete churn (memory grows for no live data);
    // later leaves too little headroom, so same-size rehashes (O(capacity)) come too often.
    let next = count + 1 > (maxLoad(capacity) * 3) >> 2 ? capacity * 2 : capacity;
    // A quarter full at most: halve, so a drained shard gives memory back for others to grow into.
    if (next === capacity && capacity > MIN_CAPACITY && (count + 1) * 4 <= capacity) next = capacity >> 1;
    if (!rehashLocked(shards, s, next)) return -1;
    capacity = next;
  }
  return findInsertSlot(shards.views, shards.table(s), capacity, hash >>> shards.shardBits);
};

/** Publishes the entry written into free slot `slot`: its control byte makes it findable. */
export const commitInsertLocked = (shards: Shards, s: number, slot: number, hash: number): void => {
  const table = shards.table(s);
  shards.log.logCtrlLocked(s, ctrlStart(table) + slot);
  const overTombstone = claimSlot(shards.views, table, slot, hash);
  killPoint('table.insert.claimed');
  shards.countInsertLocked(s, overTombstone);
};

/** Removes the entry at `slot` as one logged mutation, then frees its blobs. */
export const removeLocked = (shards: Shards, s: number, slot: number): void => {
  const table = shards.table(s);
  const at = slotOffset(table, shards.capacity(s), slot);
  shards.beginLocked(s);
  shards.log.logCtrlLocked(s, ctrlStart(table) + slot);
  const tombstone = eraseSlot(shards.views, table, slot);
  killPoint('table.remove.erased');
  shards.countRemoveLocked(s, tombstone);
  shards.commitLocked(s);
  killPoint('table.remove.committed');
  // The slot's words are intact (only its control byte changed): free what they point to.
  freeKeyBlob(shards.views, shards.heap, s, at);
  freeValueBlob(shards.views, shards.heap, s, at);
};

/**
 * removeLocked, then shrinkAfterRemoveLocked: for a caller that uses no slot index after it (a
 * rehash moves them all). One call, so the callers' bytecode stays within V8's inlining budget.
 */
export const removeShrinkingLocked = (shards: Shards, s: number, slot: number): void => {
  removeLocked(shards, s, slot);
  shrinkAfterRemoveLocked(shards, s);
};

/**
 * After a removal (the caller is done with every slot index: a rehash moves them all): a table a
 * quarter full or less, above MIN_CAPACITY, is rebuilt at half its size, so deleting most entries
 * gives the table's memory back at once (insertSlotLocked's halving waits for the next insert).
 * Halving at a quarter leaves the table half full, far from the 7/8 that grows it again, so
 * churn at the boundary cannot make it flap. A full heap leaves the table as it is. One logged
 * mutation (invariant 4); the old table is freed at its commit (5). Only the striped engine
 * calls it (syncmap's dirty table is rebuilt from the snapshot instead), hence its points' names.
 */
export const shrinkAfterRemoveLocked = (shards: Shards, s: number): void => {
  const capacity = shards.capacity(s);
  if (capacity <= MIN_CAPACITY || shards.countLocked(s) * 4 > capacity) return;
  shards.beginLocked(s);
  if (!rehashLocked(shards, s, capacity >> 1)) return shards.abortLocked(s);
  killPoint('striped.shrink.published');
  shards.commitLocked(s);
  killPoint('striped.shrink.committed');
};

/**
 * For a table being built (not published): if its `count` entries fill a quarter of its
 * `capacity` or less, a copy in the smallest table they fill at most half of, else 0 (also when
 * the heap has no room). The caller frees or keeps `table`.
 */
export const smallerCopyLocked = (shards: Shards, table: number, capacity: number, count: number): number => {
  if (capacity <= MIN_CAPACITY || count * 4 > capacity) return 0;
  let target = MIN_CAPACITY;
  while (target < capacity && count * 2 > target) target *= 2;
  const smaller = shards.heap.allocTable(tableBytes(target));
  if (smaller !== 0) rehashInto(shards.views, table, capacity, smaller, target, shards.shardBits);
  return smaller;
};

/** Builds a table of `capacity` slots from the current one and publishes it (invariant 2). */
const rehashLocked = (shards: Shards, s: number, capacity: number): boolean => {
  const old = shards.table(s);
  const fresh = shards.allocTableLocked(s, capacity);
  if (fresh === 0) return false;
  rehashInto(shards.views, old, shards.capacity(s), fresh, capacity, shards.shardBits);
  killPoint('table.rehash.built');
  shards.publishTableLocked(s, fresh);
  killPoint('table.rehash.published');
  return true;
};

/**
 * Empties shard `s`: publishes a fresh minimal table, then frees the old one and its blobs. At
 * the maxBytes ceiling there may be no room even for that: then the table is emptied in place
 * (control bytes reset, then the blobs freed) — clear() must never need memory. In place, a
 * thread dying half-way leaves the shard partly cleared, every remaining entry intact.
 */
export const clearLocked = (shards: Shards, s: number): void => {
  const old = shards.tableLocked(s);
  const oldCapacity = shards.capacity(s);
  shards.beginLocked(s);
  const fresh = shards.allocTableLocked(s, MIN_CAPACITY);
  if (fresh === 0) {
    shards.commitLocked(s);
    return clearInPlaceLocked(shards, s, old, oldCapacity);
  }
  initTable(shards.views, fresh, MIN_CAPACITY);
  shards.publishTableLocked(s, fresh);
  killPoint('striped.clear.published');
  shards.setCountsLocked(s, 0, 0);
  shards.keepRetiredTableLocked(); // freed below, after its blobs
  shards.commitLocked(s);
  killPoint('striped.clear.committed');
  freeEntriesOf(shards, s, old, oldCapacity, shards.views.u8.slice(ctrlStart(old), ctrlStart(old) + oldCapacity));
  shards.heap.freeTable(old, tableBytes(oldCapacity));
};

const clearInPlaceLocked = (shards: Shards, s: number, table: number, capacity: number): void => {
  const ctrl = shards.views.u8.slice(ctrlStart(table), ctrlStart(table) + capacity); // which slots were full
  initTable(shards.views, table, capacity); // unpublishes every entry at once (their words stay)
  shards.setCountsLocked(s, 0, 0);
  freeEntriesOf(shards, s, table, capacity, ctrl);
};

/** Frees the blobs of the entries that `ctrl` (a copy of a table's control bytes) marks full. */
const freeEntriesOf = (shards: Shards, s: number, table: number, capacity: number, ctrl: Uint8Array): void => {
  for (let slot = 0; slot < capacity; slot++) {
    if ((ctrl[slot]! & 0x80) !== 0) continue;
    const at = slotOffset(table, capacity, slot);
    freeKeyBlob(shards.views, shards.heap, s, at);
    freeValueBlob(shards.views, shards.heap, s, at);
  }
};

/** Initial slots per shard for an expected total of `entries`. */
export const initialCapacity = (entries: number, shardCount: number): number => {
  const perShard = Math.ceil(entries / shardCount);
  let capacity = MIN_CAPACITY;
  while (maxLoad(capacity) < perShard) capacity *= 2;
  return capacity;
};
