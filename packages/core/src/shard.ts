/**
 * Shards: every write of a shard's control block (layout.ts; line 1 is the heap's small-block
 * allocator, memory.ts), its table's growth and its crash consistency, over the shard lock and
 * seqlock read of ShardLocks (shard-lock.ts), which it extends. A shard is a lock/sequence word,
 * a table and that allocator. Both engines (striped.ts, syncmap/) go through this class for all
 * of it.
 *
 * Growth (invariants):
 *  1. A table never exceeds maxLoad (7/8) live + tombstoned slots: insertSlotLocked rehashes first.
 *  2. A rehash builds the new table completely (capacity in its header), publishes it with one
 *     store of S_TABLE, and frees the old block only after the mutation commits.
 *  3. If the heap cannot provide the new table, nothing changed: the caller throws ERR_SHARDMAP_FULL.
 *
 * Crash consistency (a thread may die anywhere; invariants):
 *  4. A mutation that changes published state in more than one store runs between beginLocked and
 *     commitLocked, logging what it overwrites first (intent-log.ts, log 1).
 *  5. Blocks a mutation frees (old blobs, the old table) are freed only after commitLocked: until
 *     then the log may restore references to them.
 *  6. Recovery (a lock taken over from a dead owner) rolls back a logged, uncommitted mutation
 *     (log 3), forgets the carve region, and recounts the table. Operations that returned before
 *     the death are intact; the one in flight is rolled back whole. Then the engine's own repair
 *     runs (`afterRecoveryLocked`).
 */
import { AMENDED_BIT, S_COUNT, S_DIRTY_ONLY, S_HOLDER, S_LIVE, S_LOCK, S_MISSES } from './layout.js';
import { S_PROMOTIONS, S_RETIRED, S_SNAPSHOT, S_TABLE, S_TOMBSTONES, TBL_CAPACITY } from './layout.js';
import { H_PUBLISHED_LENGTH, HEADER_BYTES, ctrlStart, shardWord, slotOffset, tableBytes, tableWord } from './layout.js';
import { takeOverIfDead, type LockOwner } from './lock.js';
import { Heap } from './memory.js';
import { Views } from './views.js';
import { IntentLog } from './intent-log.js';
import { freeOwners, localHold, markThreadDead, ownerIsDead, ownerIsKnown, registerLocalHolder, registerOwner } from './owners.js';
import type { BufferConfig } from './buffer.js';
import { corruptError, fullError, tableError } from './errors.js';
import { DELETED, EMPTY } from './control.js';
import { findSlot, initTable, tableCapacity, TORN } from './table.js';
import type { ProbeKey } from './codecs.js';
import { ShardLocks } from './shard-lock.js';

export { BUSY, READ_ATTEMPTS, lockWord, seqBegin, seqBeginSpinning, seqValidate, tableOf } from './shard-lock.js';

export class Shards extends ShardLocks {
  readonly shardBits: number;
  /** Set by an engine that keeps state of its own per shard: runs last in recoverLocked (invariant 6). */
  afterRecoveryLocked: ((s: number) => void) | undefined = undefined;
  readonly log: IntentLog;
  /** A table replaced by the mutation in flight, freed at commit (invariant 5). */
  private retiredTable = 0;
  constructor(
    views: Views,
    readonly heap: Heap,
    shardCount: number,
    ownerId: number,
    readonly maxBytes: number,
    lockOwner: LockOwner,
  ) {
    super(views, shardCount, ownerId, lockOwner);
    this.shardBits = 31 - Math.clz32(shardCount);
    this.log = new IntentLog(views, heap);
  }

  /** The L_STATE words of the fetch lanes this instance is loading in (cache/flight.ts). */
  readonly loadingLanes = new Set<number>();

  /**
   * True if this instance holds the shard lock, the heap lock or the fetch lane whose word is at
   * Int32 index `index` (owners.ts, LocalHolder).
   */
  holdsLockWord(index: number): boolean {
    const s = (index - shardWord(0, S_LOCK)) / (shardWord(1, S_LOCK) - shardWord(0, S_LOCK));
    if (Number.isInteger(s) && s >= 0 && s < this.shardCount) return this.holding[s] === 1;
    return this.heap.holdsHeapLock(index) || this.loadingLanes.has(index);
  }

  // --- shard words ----------------------------------------------------------------------------

  /** Shard `s`'s table offset (S_TABLE): plain; optimistic readers validate it with the sequence. */
  table(s: number): number {
    return this.views.i32[shardWord(s, S_TABLE)]!;
  }

  /** Capacity of shard `s`'s table (from the table header). Under the lock. */
  capacity(s: number): number {
    return this.views.i32[tableWord(this.table(s), TBL_CAPACITY)]!;
  }

  /** Live entries of the table (S_COUNT; syncmap: dirty's slots). Under the lock. */
  countLocked(s: number): number {
    return this.views.i32[shardWord(s, S_COUNT)]!;
  }

  /** S_COUNT read plainly with no lock: a hint, which callers check again under the lock. */
  countHint(s: number): number {
    return this.views.i32[shardWord(s, S_COUNT)]!;
  }

  /**
   * Replaces shard `s`'s table and its counts with plain stores, unlogged: for a table no reader
   * can reach without the lock (syncmap's dirty table) or no table at all (0). Under the lock.
   */
  setTableLocked(s: number, table: number, count: number, tombstones: number): void {
    this.setCountsLocked(s, count, tombstones);
    this.views.i32[shardWord(s, S_TABLE)] = table;
  }

  /** syncmap: the read-snapshot word (table | AMENDED_BIT), Atomics.load. */
  snapshotWord(s: number): number {
    return Atomics.load(this.views.i32, shardWord(s, S_SNAPSHOT));
  }

  /** syncmap: publishes snapshot word `w` with one Atomics.store. Under the lock. */
  publishSnapshotLocked(s: number, w: number): void {
    if ((w & ~AMENDED_BIT & 7) !== 0) throw corruptError('shard', `snapshot word ${w} is not a table`);
    Atomics.store(this.views.i32, shardWord(s, S_SNAPSHOT), w);
  }

  /** syncmap: adds `delta` to the live count. Under the lock (syncmap/engine.ts invariant 8); size() reads it with Atomics.load. */
  addLive(s: number, delta: number): void {
    Atomics.add(this.views.i32, shardWord(s, S_LIVE), delta);
  }

  /** syncmap: the live count, clamped at 0 (a stale count is never negative to callers). */
  live(s: number): number {
    return Math.max(0, Atomics.load(this.views.i32, shardWord(s, S_LIVE)));
  }

  /** syncmap: sets the live count. Under the lock (recovery and clear). */
  setLiveLocked(s: number, live: number): void {
    Atomics.store(this.views.i32, shardWord(s, S_LIVE), live);
  }

  /** syncmap: counts a miss of the read snapshot; returns the misses so far. */
  addMiss(s: number): number {
    return Atomics.add(this.views.i32, shardWord(s, S_MISSES), 1) + 1;
  }

  misses(s: number): number {
    return Atomics.load(this.views.i32, shardWord(s, S_MISSES));
  }

  resetMissesLocked(s: number): void {
    Atomics.store(this.views.i32, shardWord(s, S_MISSES), 0);
  }

  countPromotionLocked(s: number): void {
    this.views.i32[shardWord(s, S_PROMOTIONS)]!++;
  }

  /** syncmap: dirty slots whose key the snapshot lacks (S_DIRTY_ONLY). Under the lock. */
  dirtyOnlyLocked(s: number): number {
    return this.views.i32[shardWord(s, S_DIRTY_ONLY)]!;
  }

  setDirtyOnlyLocked(s: number, count: number): void {
    this.views.i32[shardWord(s, S_DIRTY_ONLY)] = count;
  }

  /** syncmap: the retire list block (0: none). Under the lock. */
  retireListLocked(s: number): number {
    return this.views.i32[shardWord(s, S_RETIRED)]!;
  }

  setRetireListLocked(s: number, list: number): void {
    this.views.i32[shardWord(s, S_RETIRED)] = list;
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

  // --- the intent log (invariants 4-6; intent-log.ts) -----------------------------------------

  beginLocked(s: number): void {
    this.log.beginLocked(s);
  }

  /** Ends the mutation in flight, then frees what it retired (invariant 5). */
  commitLocked(s: number): void {
    this.log.commitLocked(s);
    if (this.retiredTable !== 0) {
      const table = this.retiredTable;
      this.retiredTable = 0;
      this.heap.freeTable(table, tableBytes(this.views.i32[tableWord(table, TBL_CAPACITY)]!));
    }
  }

  /** Ends a mutation that failed before publishing anything, freeing what it allocated. */
  abortLocked(s: number): void {
    this.log.abortAllocsLocked(s);
    this.commitLocked(s);
  }

  /** Saves the words of the slot at byte `at` before they change. */
  logSlotLocked(s: number, at: number): void {
    this.log.logSlotLocked(s, at);
  }

  /** Allocates a block for the mutation in flight; 0 if the heap is full. */
  allocLocked(s: number, bytes: number): number {
    const block = this.heap.alloc(s, bytes);
    if (block !== 0) this.log.logAllocLocked(s, block, bytes);
    return block;
  }

  /** Allocates a table block of `capacity` slots for the mutation in flight; 0 if the heap is full. */
  allocTableLocked(s: number, capacity: number): number {
    const block = this.heap.allocTable(tableBytes(capacity));
    if (block !== 0) this.log.logAllocLocked(s, block, -tableBytes(capacity));
    return block;
  }

  /** Invariant 6: repairs shard `s` after its lock was taken over from a dead owner. */
  recoverLocked(s: number): void {
    const tableWas = this.log.rollbackLocked(s);
    if (tableWas !== 0) this.views.i32[shardWord(s, S_TABLE)] = tableWas;
    this.heap.resetCarveLocked(s);
    this.recountLocked(s);
    this.afterRecoveryLocked?.(s);
  }

  private recountLocked(s: number): void {
    if (this.table(s) === 0) return; // syncmap mode: dirty is null after a promotion (syncmap/dirty.ts)
    const table = this.tableLocked(s);
    const capacity = this.capacity(s);
    let count = 0;
    let tombstones = 0;
    for (let slot = 0; slot < capacity; slot++) {
      const ctrl = this.views.u8[ctrlStart(table) + slot]!;
      if (ctrl === DELETED) tombstones++;
      else if (ctrl !== EMPTY) count++;
    }
    this.setCountsLocked(s, count, tombstones);
  }

  /** One store publishes a complete table; the old one is logged and retired (invariants 4, 5). */
  publishTableLocked(s: number, fresh: number): void {
    const i32 = this.views.i32;
    const old = this.table(s);
    this.log.logTableLocked(s, old);
    i32[shardWord(s, S_TABLE)] = fresh;
    i32[shardWord(s, S_TOMBSTONES)] = 0;
    this.retiredTable = old;
  }

  /** Frees nothing at commit: the caller frees the table it replaced itself (after its blobs). */
  keepRetiredTableLocked(): void {
    this.retiredTable = 0;
  }

  /** Tombstones in the table (S_TOMBSTONES). Under the lock. */
  tombstonesLocked(s: number): number {
    return this.views.i32[shardWord(s, S_TOMBSTONES)]!;
  }

  /** Counts an entry made findable in a free slot (`overTombstone`: the slot was DELETED). */
  countInsertLocked(s: number, overTombstone: boolean): void {
    const i32 = this.views.i32;
    if (overTombstone) i32[shardWord(s, S_TOMBSTONES)]!--;
    i32[shardWord(s, S_COUNT)]!++;
  }

  /** Counts an entry removed (`tombstone`: its control byte became DELETED). */
  countRemoveLocked(s: number, tombstone: boolean): void {
    const i32 = this.views.i32;
    if (tombstone) i32[shardWord(s, S_TOMBSTONES)]!++;
    i32[shardWord(s, S_COUNT)]!--;
  }

  /** Sets the table's counts (recovery's recount, a table emptied in place). Under the lock. */
  setCountsLocked(s: number, count: number, tombstones: number): void {
    const i32 = this.views.i32;
    i32[shardWord(s, S_COUNT)] = count;
    i32[shardWord(s, S_TOMBSTONES)] = tombstones;
  }

  /** Gives shard `s` its first table (at create time, before the buffer is shared). */
  initTable(s: number, capacity: number): void {
    const table = this.heap.allocTable(tableBytes(capacity));
    if (table === 0) throw fullError(tableBytes(capacity), this.maxBytes);
    initTable(this.views, table, capacity);
    this.views.i32[shardWord(s, S_TABLE)] = table;
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
    const dead = markThreadDead(this.views, this.shardCount, token, this.ownerId);
    const heapRecovered = this.heap.recoverHeapLock();
    let shardsRecovered = 0;
    for (let s = 0; s < this.shardCount; s++) {
      if (!takeOverIfDead(i32, shardWord(s, S_LOCK), shardWord(s, S_HOLDER), this.lockOwner)) continue;
      this.acquired[s] = this.sequenceAfterTakeover(s);
      this.holding[s] = 1;
      try {
        this.recoverLocked(s);
      } finally {
        this.unlock(s);
      }
      shardsRecovered++;
    }
    freeOwners(this.views, this.shardCount, dead);
    return { owners: dead.length, shardsRecovered, heapRecovered };
  }
}

/**
 * The shards of a new instance (a map's or a cache's) over `config`'s buffer: its views, an owner
 * id in the registry (owners.ts) for `instance`, the heap and shard locks that name that owner.
 */
export function openShards(instance: object, config: Readonly<Pick<BufferConfig, 'memory' | 'shardCount' | 'maxBytes'>>): Shards {
  const views = new Views(config.memory, Atomics.load(new Int32Array(config.memory.buffer, 0, HEADER_BYTES >> 2), H_PUBLISHED_LENGTH));
  const ownerId = registerOwner(instance, views, config.shardCount);
  const lockOwner = {
    ownerId,
    ownerDead: (owner: number): boolean => ownerIsDead(views, config.shardCount, owner),
    ownerKnown: (owner: number): boolean => ownerIsKnown(views, config.shardCount, owner),
    localHold: (owner: number, index: number): number => localHold(views, config.shardCount, owner, index),
  };
  const shards = new Shards(views, new Heap(views, config.maxBytes, lockOwner, config.shardCount), config.shardCount, ownerId, config.maxBytes, lockOwner);
  registerLocalHolder(views, ownerId, shards);
  return shards;
}
