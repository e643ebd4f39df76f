/**
 * Shards: the only layer that touches locks. A shard is a lock/sequence word, a table and a
 * small-block allocator, all described by its control block (layout.ts).
 *
 * Writers: lock(s) ... unlock(s). Every mutation of a shard's table, its blobs or its control
 * block happens between the two; unlock advances the sequence (lock.ts, invariant 1).
 *
 * Readers (optimistic, seqlock) load the word, copy what they need with plain bounds-checked
 * reads, and accept the copy only if the word did not change (map.ts #lookup). After
 * READ_ATTEMPTS failures a reader takes the lock, so a stream of writers cannot starve it.
 *
 * Growth (invariants):
 *  1. A table never exceeds maxLoad (7/8) live + tombstoned slots: insertSlotLocked rehashes first.
 *  2. A rehash builds the new table completely (capacity in its header), publishes it with one
 *     store of S_TABLE, and frees the old block only after the mutation commits.
 *  3. If the heap cannot provide the new table, nothing changed: the caller throws ERR_SHARDMAP_FULL.
 *
 * Crash consistency (a thread may die anywhere; invariants):
 *  4. A mutation that changes published state in more than one store runs between beginLocked and
 *     commitLocked. Before each change it records in the shard's intent log what it is about to
 *     overwrite (slot words, a control byte, the table offset) and each block it allocates.
 *  5. Blocks a mutation frees (old blobs, the old table) are freed only after commitLocked: until
 *     then the log may restore references to them.
 *  6. Recovery (a lock taken over from a dead owner) undoes a logged, uncommitted mutation, frees
 *     its allocations, forgets the carve region, and recounts the table. Operations that returned
 *     before the death are intact; the one in flight is rolled back whole. Then the mode's own
 *     repair runs (`afterRecoveryLocked`: syncmap unseals the cells the dead owner had sealed).
 */
import {
  LOG_ALLOCS,
  MIN_CAPACITY,
  OWNER_ALIVE,
  OWNER_DEAD,
  OWNER_EPOCH,
  OWNER_FREE,
  OWNER_SLOTS,
  OWNER_STATE,
  OWNER_TOKEN,
  SLOT_BYTES,
  S_COUNT,
  S_LOCK,
  S_LOCK_ACQUISITIONS,
  S_LOCK_CONTENDED,
  S_LOCK_WAITS,
  S_LOG_ALLOCS,
  S_LOG_CTRL_AT,
  S_LOG_CTRL_WAS,
  S_LOG_END,
  S_LOG_SLOT,
  S_LOG_SLOT_WORDS,
  S_LOG_STATE,
  S_LOG_TABLE_WAS,
  S_OPTIMISTIC_RETRIES,
  S_LAST_SEQUENCE,
  S_TABLE,
  S_TOMBSTONES,
  TBL_CAPACITY,
  ctrlStart,
  maxLoad,
  ownerWord,
  shardWord,
  slotOffset,
  tableBytes,
} from './layout.js';
import { LOCKED, SEQUENCE_STEP, lockSlow, lockedBy, takeOverIfDead, unlock, type LockCounters, type LockOwner } from './lock.js';
import { Heap, Views } from './memory.js';
import { corruptError, fullError, tableError } from './errors.js';
import { DELETED, EMPTY } from './control.js';
import { claimSlot, eraseSlot, findInsertSlot, findSlot, initTable, isFull, rehashInto, tableCapacity, TORN } from './table.js';
import type { ProbeKey } from './codecs.js';
import { freeKeyBlob, freeValueBlob } from './slots.js';

/** Optimistic attempts before a reader takes the lock (each failed one is a retry in stats). */
export const READ_ATTEMPTS = 4;
const SLOT_WORDS = SLOT_BYTES >> 2;

export class Shards {
  readonly shardBits: number;
  /** Set by a mode that keeps state of its own per shard: runs last in recoverLocked (invariant 6). */
  afterRecoveryLocked: ((s: number) => void) | undefined = undefined;
  /** Per shard: the word this thread last saw unlocked (the CAS hint, lock.ts invariant 2). */
  private readonly hints: Int32Array;
  /** Per shard: the unlocked word the current hold was acquired over. */
  private readonly acquired: Int32Array;
  private readonly counters: LockCounters = { waits: 0, tookOver: false };
  private readonly lockOwner: LockOwner;
  /** What this thread's locked shard words look like (lock.ts invariant 2). */
  private readonly lockedWord: number;
  /** Per shard: 1 while this instance holds its lock (who is waiting on whom, lock.ts). */
  private readonly holding: Uint8Array;
  /** A table replaced by the mutation in flight, freed at commit (invariant 5). */
  private retiredTable = 0;
  constructor(
    readonly views: Views,
    readonly heap: Heap,
    readonly shardCount: number,
    readonly ownerId: number,
    readonly maxBytes: number,
    lockOwner: LockOwner,
  ) {
    this.shardBits = 31 - Math.clz32(shardCount);
    this.lockOwner = lockOwner;
    this.lockedWord = lockedBy(ownerId);
    this.hints = new Int32Array(shardCount);
    this.acquired = new Int32Array(shardCount);
    this.holding = new Uint8Array(shardCount);
  }

  lock(s: number): void {
    const i32 = this.views.i32;
    const index = shardWord(s, S_LOCK);
    const hint = this.hints[s]!;
    // One CAS takes the lock and names this thread as its owner (lock.ts invariant 2).
    let seen = Atomics.compareExchange(i32, index, hint, this.lockedWord);
    if (seen !== hint && ((seen & LOCKED) !== 0 || Atomics.compareExchange(i32, index, seen, this.lockedWord) !== seen)) {
      seen = this.lockContended(s, index);
    }
    this.acquired[s] = seen;
    this.holding[s] = 1;
    i32[index + (S_LAST_SEQUENCE - S_LOCK)] = seen;
    i32[index + (S_LOCK_ACQUISITIONS - S_LOCK)]!++;
  }

  private lockContended(s: number, index: number): number {
    const c = this.counters;
    c.waits = 0;
    c.tookOver = false;
    const seen = lockSlow(this.views.i32, index, this.lockOwner, c);
    // We hold the lock now: plain increments of our own line are safe.
    const i32 = this.views.i32;
    i32[shardWord(s, S_LOCK_CONTENDED)]!++;
    i32[shardWord(s, S_LOCK_WAITS)]! += c.waits;
    if (!c.tookOver) return seen;
    this.recoverLocked(s);
    return this.sequenceAfterTakeover(s);
  }

  /** The word to treat as acquired over after a takeover: past any sequence readers saw (lock.ts 5). */
  private sequenceAfterTakeover(s: number): number {
    return ((this.views.i32[shardWord(s, S_LAST_SEQUENCE)]! & ~3) + SEQUENCE_STEP) | 0;
  }

  unlock(s: number): void {
    this.holding[s] = 0;
    this.hints[s] = unlock(this.views.i32, shardWord(s, S_LOCK), this.acquired[s]!);
  }

  /** True if this instance holds the shard lock at Int32 index `index` (owners.ts, LocalHolder). */
  holdsLockWord(index: number): boolean {
    const s = (index - shardWord(0, S_LOCK)) / (shardWord(1, S_LOCK) - shardWord(0, S_LOCK));
    return Number.isInteger(s) && s >= 0 && s < this.shardCount ? this.holding[s] === 1 : this.heap.holdsHeapLock(index);
  }

  countRetry(s: number): void {
    Atomics.add(this.views.i32, shardWord(s, S_OPTIMISTIC_RETRIES), 1);
  }

  table(s: number): number {
    return this.views.i32[shardWord(s, S_TABLE)]!;
  }

  /** Capacity of shard `s`'s table (from the table header). Under the lock. */
  capacity(s: number): number {
    return this.views.i32[(this.table(s) >> 2) + TBL_CAPACITY]!;
  }

  /**
   * Shard `s`'s table offset, after checking (under the lock) that the table is plausible and
   * inside this thread's views, catching up with growth by other threads. Every locked walk of a
   * table starts here: another thread may have grown the table into bytes these views lack.
   */
  tableLocked(s: number): number {
    const table = this.table(s);
    if (tableCapacity(this.views, table) === 0) throw tableError('shard', s, table, 'impossible');
    return table;
  }

  /** The slot of `probe` in shard `s`, or NOT_FOUND. Under the lock; corruption throws. */
  findLocked(s: number, probe: ProbeKey): number {
    const table = this.tableLocked(s);
    const slot = findSlot(this.views, table, this.capacity(s), probe, probe.hash >>> this.shardBits);
    if (slot === TORN) throw tableError('table', s, table, 'probe found an unreadable key or no empty group');
    return slot;
  }

  slotAt(s: number, slot: number): number {
    return slotOffset(this.table(s), this.capacity(s), slot);
  }

  // --- the intent log (invariants 4-6) --------------------------------------------------------

  beginLocked(s: number): void {
    const base = shardWord(s, 0);
    this.views.i32.fill(0, base + S_LOG_SLOT, base + S_LOG_END);
    this.views.i32[base + S_LOG_STATE] = 1;
  }

  /** Ends the mutation in flight, then frees what it retired. */
  commitLocked(s: number): void {
    this.views.i32[shardWord(s, S_LOG_STATE)] = 0;
    if (this.retiredTable !== 0) {
      const table = this.retiredTable;
      this.retiredTable = 0;
      this.heap.freeTable(table, tableBytes(this.views.i32[(table >> 2) + TBL_CAPACITY]!));
    }
  }

  /** Saves the words of the slot at byte `at` before they change. */
  logSlotLocked(s: number, at: number): void {
    const i32 = this.views.i32;
    const base = shardWord(s, 0);
    i32.copyWithin(base + S_LOG_SLOT_WORDS, at >> 2, (at >> 2) + SLOT_WORDS);
    i32[base + S_LOG_SLOT] = at; // only now is the saved copy complete
  }

  private logCtrlLocked(s: number, ctrlAt: number): void {
    const base = shardWord(s, 0);
    this.views.i32[base + S_LOG_CTRL_WAS] = this.views.u8[ctrlAt]!;
    this.views.i32[base + S_LOG_CTRL_AT] = ctrlAt;
  }

  /** Records a block the mutation allocated (freed if it is rolled back); tables log -bytes. */
  logAllocLocked(s: number, block: number, bytes: number): void {
    const i32 = this.views.i32;
    const base = shardWord(s, S_LOG_ALLOCS);
    for (let i = 0; i < LOG_ALLOCS; i++) {
      if (i32[base + 2 * i] !== 0) continue;
      i32[base + 2 * i + 1] = bytes;
      i32[base + 2 * i] = block;
      return;
    }
  }

  /** Allocates a block for the mutation in flight; 0 if the heap is full. */
  allocLocked(s: number, bytes: number): number {
    const block = this.heap.alloc(s, bytes);
    if (block !== 0) this.logAllocLocked(s, block, bytes);
    return block;
  }

  private allocTableLocked(s: number, capacity: number): number {
    const block = this.heap.allocTable(tableBytes(capacity));
    if (block !== 0) this.logAllocLocked(s, block, -tableBytes(capacity));
    return block;
  }

  /** Invariant 6: repairs shard `s` after its lock was taken over from a dead owner. */
  recoverLocked(s: number): void {
    const i32 = this.views.i32;
    const base = shardWord(s, 0);
    if (i32[base + S_LOG_STATE] === 1) {
      const tableWas = i32[base + S_LOG_TABLE_WAS]!;
      if (tableWas !== 0) i32[base + S_TABLE] = tableWas;
      const slot = i32[base + S_LOG_SLOT]!;
      if (slot !== 0 && this.views.covers(slot + SLOT_BYTES)) i32.copyWithin(slot >> 2, base + S_LOG_SLOT_WORDS, base + S_LOG_SLOT_WORDS + SLOT_WORDS);
      const ctrlAt = i32[base + S_LOG_CTRL_AT]!;
      if (ctrlAt !== 0 && this.views.covers(ctrlAt + 1)) this.views.u8[ctrlAt] = i32[base + S_LOG_CTRL_WAS]!;
      for (let i = 0; i < LOG_ALLOCS; i++) {
        const block = i32[base + S_LOG_ALLOCS + 2 * i]!;
        const bytes = i32[base + S_LOG_ALLOCS + 2 * i + 1]!;
        if (block !== 0 && bytes < 0) this.heap.freeTable(block, -bytes);
        else if (block !== 0) this.heap.free(s, block, bytes);
      }
      i32[base + S_LOG_STATE] = 0;
    }
    this.heap.resetCarveLocked(s);
    this.recountLocked(s);
    this.afterRecoveryLocked?.(s);
  }

  private recountLocked(s: number): void {
    if (this.table(s) === 0) return; // syncmap mode: dirty is null after a promotion (snapshot.ts)
    const table = this.tableLocked(s);
    const capacity = this.capacity(s);
    let count = 0;
    let tombstones = 0;
    for (let slot = 0; slot < capacity; slot++) {
      const ctrl = this.views.u8[ctrlStart(table) + slot]!;
      if (ctrl === DELETED) tombstones++;
      else if (ctrl !== EMPTY) count++;
    }
    const i32 = this.views.i32;
    i32[shardWord(s, S_COUNT)] = count;
    i32[shardWord(s, S_TOMBSTONES)] = tombstones;
  }

  // --- locked mutations ------------------------------------------------------------------------

  /**
   * A free slot for a new key with `hash`, growing or cleaning the table first if the insert would
   * pass maxLoad. The slot is claimed (control byte set) only by commitInsertLocked.
   * Returns -1 if the heap is full (nothing changed). Inside beginLocked/commitLocked.
   */
  insertSlotLocked(s: number, hash: number): number {
    this.tableLocked(s); // the table may lie beyond this thread's views (another thread grew it)
    const i32 = this.views.i32;
    const count = i32[shardWord(s, S_COUNT)]!;
    const tombstones = i32[shardWord(s, S_TOMBSTONES)]!;
    let capacity = this.capacity(s);
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
      if (!this.rehashLocked(s, next)) return -1;
      capacity = next;
    }
    return findInsertSlot(this.views, this.table(s), capacity, hash >>> this.shardBits);
  }

  /** Publishes the entry written into free slot `slot`: its control byte makes it findable. */
  commitInsertLocked(s: number, slot: number, hash: number): void {
    const i32 = this.views.i32;
    const table = this.table(s);
    this.logCtrlLocked(s, ctrlStart(table) + slot);
    if (claimSlot(this.views, table, slot, hash)) i32[shardWord(s, S_TOMBSTONES)]!--;
    i32[shardWord(s, S_COUNT)]!++;
  }

  /** Removes the entry at `slot` as one logged mutation, then frees its blobs. */
  removeLocked(s: number, slot: number): void {
    const table = this.table(s);
    const at = slotOffset(table, this.capacity(s), slot);
    const i32 = this.views.i32;
    this.beginLocked(s);
    this.logCtrlLocked(s, ctrlStart(table) + slot);
    if (eraseSlot(this.views, table, slot)) i32[shardWord(s, S_TOMBSTONES)]!++;
    i32[shardWord(s, S_COUNT)]!--;
    this.commitLocked(s);
    // The slot's words are intact (only its control byte changed): free what they point to.
    freeKeyBlob(this.views, this.heap, s, at);
    freeValueBlob(this.views, this.heap, s, at);
  }

  /** Builds a table of `capacity` slots from the current one and publishes it (invariant 2). */
  private rehashLocked(s: number, capacity: number): boolean {
    const old = this.table(s);
    const fresh = this.allocTableLocked(s, capacity);
    if (fresh === 0) return false;
    rehashInto(this.views, old, this.capacity(s), fresh, capacity, this.shardBits);
    this.publishTableLocked(s, fresh);
    return true;
  }

  /** One store publishes a complete table; the old one is logged and retired (invariants 4, 5). */
  private publishTableLocked(s: number, fresh: number): void {
    const i32 = this.views.i32;
    const old = this.table(s);
    i32[shardWord(s, S_LOG_TABLE_WAS)] = old;
    i32[shardWord(s, S_TABLE)] = fresh;
    i32[shardWord(s, S_TOMBSTONES)] = 0;
    this.retiredTable = old;
  }

  /** Gives shard `s` its first table (at create time, before the buffer is shared). */
  initTable(s: number, capacity: number): void {
    const table = this.heap.allocTable(tableBytes(capacity));
    if (table === 0) throw fullError(tableBytes(capacity), this.maxBytes);
    initTable(this.views, table, capacity);
    this.views.i32[shardWord(s, S_TABLE)] = table;
  }

  /**
   * Empties shard `s`: publishes a fresh minimal table, then frees the old one and its blobs. At
   * the maxBytes ceiling there may be no room even for that: then the table is emptied in place
   * (control bytes reset, then the blobs freed) — clear() must never need memory. In place, a
   * thread dying half-way leaves the shard partly cleared, every remaining entry intact.
   */
  clearLocked(s: number): void {
    const old = this.tableLocked(s);
    const oldCapacity = this.capacity(s);
    this.beginLocked(s);
    const fresh = this.allocTableLocked(s, MIN_CAPACITY);
    if (fresh === 0) {
      this.commitLocked(s);
      return this.clearInPlaceLocked(s, old, oldCapacity);
    }
    initTable(this.views, fresh, MIN_CAPACITY);
    this.publishTableLocked(s, fresh);
    this.views.i32[shardWord(s, S_COUNT)] = 0;
    this.retiredTable = 0; // freed below, after its blobs
    this.commitLocked(s);
    this.freeEntriesOf(s, old, oldCapacity, this.views.u8.slice(ctrlStart(old), ctrlStart(old) + oldCapacity));
    this.heap.freeTable(old, tableBytes(oldCapacity));
  }

  private clearInPlaceLocked(s: number, table: number, capacity: number): void {
    const ctrl = this.views.u8.slice(ctrlStart(table), ctrlStart(table) + capacity); // which slots were full
    initTable(this.views, table, capacity); // unpublishes every entry at once (their words stay)
    const i32 = this.views.i32;
    i32[shardWord(s, S_COUNT)] = 0;
    i32[shardWord(s, S_TOMBSTONES)] = 0;
    this.freeEntriesOf(s, table, capacity, ctrl);
  }

  /** Frees the blobs of the entries that `ctrl` (a copy of a table's control bytes) marks full. */
  private freeEntriesOf(s: number, table: number, capacity: number, ctrl: Uint8Array): void {
    for (let slot = 0; slot < capacity; slot++) {
      if ((ctrl[slot]! & 0x80) !== 0) continue;
      const at = slotOffset(table, capacity, slot);
      freeKeyBlob(this.views, this.heap, s, at);
      freeValueBlob(this.views, this.heap, s, at);
    }
  }

  count(s: number): number {
    const count = Atomics.load(this.views.i32, shardWord(s, S_COUNT));
    if (count < 0) throw corruptError('shard', `shard ${s} counts ${count} entries`);
    return count;
  }

  // --- the owner registry ----------------------------------------------------------------------

  /**
   * Marks every live owner of thread `token` dead, takes over each lock they hold (heap first:
   * shard recovery may free through it), repairs those shards, then frees the owner ids.
   */
  recoverThread(token: number): { owners: number; shardsRecovered: number; heapRecovered: boolean } {
    const i32 = this.views.i32;
    const dead: number[] = [];
    for (let id = 1; id <= OWNER_SLOTS; id++) {
      const state = ownerWord(this.shardCount, id, OWNER_STATE);
      if (i32[ownerWord(this.shardCount, id, OWNER_TOKEN)] !== token || id === this.ownerId) continue;
      if (Atomics.compareExchange(i32, state, OWNER_ALIVE, OWNER_DEAD) === OWNER_ALIVE) dead.push(id);
      Atomics.store(i32, ownerWord(this.shardCount, id, OWNER_EPOCH), 0); // a dead thread reads nothing (snapshot.ts)
    }
    const heapRecovered = this.heap.recoverHeapLock();
    let shardsRecovered = 0;
    for (let s = 0; s < this.shardCount; s++) {
      if (!takeOverIfDead(i32, shardWord(s, S_LOCK), this.lockOwner)) continue;
      this.acquired[s] = this.sequenceAfterTakeover(s);
      this.holding[s] = 1;
      try {
        this.recoverLocked(s);
      } finally {
        this.unlock(s);
      }
      shardsRecovered++;
    }
    for (const id of dead) Atomics.store(i32, ownerWord(this.shardCount, id, OWNER_STATE), OWNER_FREE);
    return { owners: dead.length, shardsRecovered, heapRecovered };
  }
}

/** Initial slots per shard for an expected total of `entries`. */
export function initialCapacity(entries: number, shardCount: number): number {
  const perShard = Math.ceil(entries / shardCount);
  let capacity = MIN_CAPACITY;
  while (maxLoad(capacity) < perShard) capacity *= 2;
  return capacity;
}
