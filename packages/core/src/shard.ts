/**
 * Shards: the shard lock, the seqlock read protocol and every write of a shard's control block
 * (layout.ts; line 1 is the heap's small-block allocator, memory.ts). A shard is a lock/sequence
 * word, a table and that allocator. Both engines (striped.ts, syncmap/) go through this class for
 * all of it; the lock word's encoding is lock.ts's.
 *
 * Writers: lock(s) ... unlock(s). Every mutation of a shard's table, its blobs or its control
 * block happens between the two; unlock advances the sequence (lock.ts, invariant 1).
 *
 * Readers (optimistic, seqlock): `seq = readBegin(s)` (BUSY while a writer may be mutating), copy
 * what they need with plain bounds-checked reads, and accept the copy only if `readValidate(s,
 * seq)`. Two Atomics.load calls per read. A holder that runs user code or long read-only work
 * holds the lock HELD (`hold` ... `touch`, lock.ts invariant 6): readers read through it as
 * through an unlocked sequence. After READ_ATTEMPTS failures a reader calls lockForRead, which
 * takes the lock (so a stream of writers cannot starve it) or hands back the HELD word it met:
 * a reader waits only for a mutation in progress, which runs no user code (invariant 7).
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
import { AMENDED_BIT, S_COUNT, S_DIRTY_ONLY, S_HOLDER, S_LAST_SEQUENCE, S_LIVE, S_LOCK, S_LOCK_ACQUISITIONS, S_LOCK_CONTENDED, S_LOCK_WAITS, S_MISSES } from './layout.js';
import { S_OPTIMISTIC_RETRIES, S_PROMOTIONS, S_RETIRED, S_SNAPSHOT, S_TABLE, S_TOMBSTONES, TBL_CAPACITY } from './layout.js';
import { ctrlStart, shardWord, slotOffset, tableBytes, tableWord } from './layout.js';
import { HELD, LOCKED, TAKEN, hold, lockSlow, lockedBy, nextSequence, takeOverIfDead, touch, unlock, type LockCounters, type LockOwner } from './lock.js';
import { Heap, Views } from './memory.js';
import { IntentLog } from './intent-log.js';
import { userCode } from './guard.js';
import { freeOwners, markThreadDead } from './owners.js';
import { corruptError, fullError, tableError } from './errors.js';
import { DELETED, EMPTY } from './control.js';
import { findSlot, initTable, tableCapacity, TORN } from './table.js';
import { sameValue, type ProbeKey } from './codecs.js';

/** Optimistic attempts before a reader takes the lock (each failed one is a retry in stats). */
export const READ_ATTEMPTS = 4;
/** Loads a reader spins on a locked shard (readBeginSpinning) before counting a failed attempt. */
const READ_SPINS = 64;
/** readBegin's answer while a writer may be mutating: has the LOCKED bit, so no readable word equals it. */
export const BUSY = -1;

/**
 * The seqlock read as module functions of the views' Int32Array and the shard's lock word index
 * (lockWord): a hot reader calls them directly, and V8 inlines them whole. Reached through the
 * Shards object (readBegin, readValidate) each costs a property load and a map check more, and
 * its larger bytecode counts against the inlining budget of the reader (V8 stops inlining a hot
 * function's callees past ~920 bytecodes in all, and a hashing or probing helper left out of line
 * costs more than the seqlock itself). Const bindings, not declarations: a call through a
 * declaration's (mutable) binding is checked against the function it was optimized for.
 */

/** Int32 index of shard `s`'s lock/sequence word: what seqBegin and seqValidate take. */
export const lockWord = (s: number): number => shardWord(s, S_LOCK);

/** Seqlock step 1: the shard's sequence (or a HELD word), or BUSY while a holder mutates. One Atomics.load. */
export const seqBegin = (i32: Int32Array, lock: number): number => {
  const seq = Atomics.load(i32, lock);
  return (seq & LOCKED) === 0 ? seq : BUSY;
};

/** seqBegin, spinning up to READ_SPINS loads while a holder is mutating (mutations are short). */
export const seqBeginSpinning = (i32: Int32Array, lock: number): number => {
  let seq = Atomics.load(i32, lock);
  for (let spin = 0; (seq & LOCKED) !== 0 && spin < READ_SPINS; spin++) seq = Atomics.load(i32, lock);
  return (seq & LOCKED) === 0 ? seq : BUSY;
};

/** Seqlock step 2: no holder mutated the shard since seqBegin returned `seq`. One Atomics.load. */
export const seqValidate = (i32: Int32Array, lock: number, seq: number): boolean => Atomics.load(i32, lock) === seq;

/** Shard `s`'s table offset (S_TABLE), plain: optimistic readers validate it with the sequence. */
export const tableOf = (i32: Int32Array, s: number): number => i32[shardWord(s, S_TABLE)]!;

export class Shards {
  readonly shardBits: number;
  /** Set by an engine that keeps state of its own per shard: runs last in recoverLocked (invariant 6). */
  afterRecoveryLocked: ((s: number) => void) | undefined = undefined;
  readonly log: IntentLog;
  /** Per shard: the word this thread last saw unlocked (the CAS hint, lock.ts invariant 2). */
  private readonly hints: Int32Array;
  /** Per shard: the unlocked word the current hold was acquired over. */
  private readonly acquired: Int32Array;
  private readonly counters: LockCounters = { waits: 0, tookOver: false, held: 0 };
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
    this.log = new IntentLog(views, heap);
  }

  lock(s: number): void {
    const i32 = this.views.i32;
    const index = shardWord(s, S_LOCK);
    const hint = this.hints[s]!;
    // One CAS takes the lock and names this thread as its owner (lock.ts invariant 2).
    let seen = Atomics.compareExchange(i32, index, hint, this.lockedWord);
    if (seen !== hint && ((seen & TAKEN) !== 0 || Atomics.compareExchange(i32, index, seen, this.lockedWord) !== seen)) {
      seen = this.lockContended(s, index, false);
    }
    this.acquired[s] = seen;
    this.holding[s] = 1;
    i32[index + (S_LAST_SEQUENCE - S_LOCK)] = seen;
    i32[index + (S_LOCK_ACQUISITIONS - S_LOCK)]!++;
  }

  /** lock()'s bookkeeping once acquired over `seen`, for the other acquires (lock() spells it out inline). */
  private acquiredLocked(s: number, index: number, seen: number): void {
    const i32 = this.views.i32;
    this.acquired[s] = seen;
    this.holding[s] = 1;
    i32[index + (S_LAST_SEQUENCE - S_LOCK)] = seen;
    i32[index + (S_LOCK_ACQUISITIONS - S_LOCK)]!++;
  }

  /**
   * A reader's lock (lock.ts invariant 7): 0 once it holds shard `s`'s lock (the caller reads,
   * then unlocks), or the HELD word it met instead, to read against with readValidate. Waits only
   * while a holder may be mutating.
   */
  lockForRead(s: number): number {
    const i32 = this.views.i32;
    const index = shardWord(s, S_LOCK);
    const hint = this.hints[s]!;
    let seen = Atomics.compareExchange(i32, index, hint, this.lockedWord);
    if (seen !== hint) {
      if ((seen & TAKEN) === HELD) return seen;
      if ((seen & TAKEN) !== 0 || Atomics.compareExchange(i32, index, seen, this.lockedWord) !== seen) {
        seen = this.lockContended(s, index, true);
        if (seen === -2) return this.counters.held;
      }
    }
    this.acquiredLocked(s, index, seen);
    return 0;
  }

  /** Takes shard `s`'s lock only if it is free now; never waits. */
  tryLock(s: number): boolean {
    const i32 = this.views.i32;
    const index = shardWord(s, S_LOCK);
    const seen = Atomics.load(i32, index);
    if ((seen & TAKEN) !== 0 || Atomics.compareExchange(i32, index, seen, this.lockedWord) !== seen) return false;
    this.acquiredLocked(s, index, seen);
    return true;
  }

  private lockContended(s: number, index: number, yieldToHeld: boolean): number {
    const c = this.counters;
    c.waits = 0;
    c.tookOver = false;
    c.held = 0;
    const i32 = this.views.i32;
    const seen = lockSlow(i32, index, index + (S_HOLDER - S_LOCK), this.lockOwner, c, yieldToHeld);
    if (seen === -2) return seen; // a reader met a HELD word: it holds nothing
    // We hold the lock now: plain increments of our own line are safe.
    i32[shardWord(s, S_LOCK_CONTENDED)]!++;
    i32[shardWord(s, S_LOCK_WAITS)]! += c.waits;
    if (!c.tookOver) return seen;
    try {
      this.recoverLocked(s);
    } catch (error) {
      // A shard too corrupt to repair: release it (its readers and writers meet the corruption
      // themselves, as ERR_SHARDMAP_CORRUPT) rather than keep a lock no one will ever release.
      this.acquired[s] = this.sequenceAfterTakeover(s);
      this.holding[s] = 1;
      this.unlock(s);
      throw error;
    }
    return this.sequenceAfterTakeover(s);
  }

  /**
   * Lock.ts invariant 6: readers may read shard `s` while this holder runs user code or long
   * read-only work. Nothing readers read may change until touch() or unlock(). Under the lock.
   */
  hold(s: number): void {
    const index = shardWord(s, S_LOCK);
    hold(this.views.i32, index, index + (S_HOLDER - S_LOCK), this.acquired[s]!, this.lockedWord, this.ownerId);
  }

  /** Leaves the HELD state entered by hold(s), before the first mutation (one compareExchange). */
  touch(s: number): void {
    const i32 = this.views.i32;
    const index = shardWord(s, S_LOCK);
    touch(i32, index, this.acquired[s]!, this.lockedWord);
    // A later hold in this acquisition must show a HELD word no reader saw before this touch.
    const next = nextSequence(this.acquired[s]!);
    this.acquired[s] = next;
    i32[index + (S_LAST_SEQUENCE - S_LOCK)] = next;
  }

  /**
   * Runs `read` (which only reads) at one instant of shard `s`, never waiting for user code: under
   * its lock, held HELD so readers go on meanwhile, or against the HELD word another holder keeps
   * (lock.ts invariant 7), again if that holder mutated in between. A throw from a read that did
   * not validate is a torn read, and is retried; one that validated is real.
   */
  readShard<T>(s: number, read: () => T): T {
    for (;;) {
      const held = this.lockForRead(s);
      if (held === 0) {
        try {
          this.hold(s);
          return read();
        } finally {
          this.unlock(s);
        }
      }
      let result: T;
      try {
        result = read();
      } catch (error) {
        if (this.readValidate(s, held)) throw error;
        continue;
      }
      if (this.readValidate(s, held)) return result;
    }
  }

  /** The owner id holding shard `s`'s lock HELD (running user code or long work), or 0. */
  heldBy(s: number): number {
    const i32 = this.views.i32;
    if ((Atomics.load(i32, shardWord(s, S_LOCK)) & TAKEN) !== HELD) return 0;
    return i32[shardWord(s, S_HOLDER)]!;
  }

  /** The word to treat as acquired over after a takeover: past any sequence readers saw (lock.ts 5). */
  private sequenceAfterTakeover(s: number): number {
    return nextSequence(this.views.i32[shardWord(s, S_LAST_SEQUENCE)]!);
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

  // --- the seqlock read (lock.ts invariant 1) --------------------------------------------------

  /**
   * Seqlock step 1: shard `s`'s readable word (its sequence, or a HELD word: lock.ts invariant 6),
   * or BUSY while a holder may be mutating. One Atomics.load.
   */
  readBegin(s: number): number {
    return seqBegin(this.views.i32, lockWord(s));
  }

  /** readBegin, spinning up to READ_SPINS loads while a holder is mutating (mutations are short). */
  readBeginSpinning(s: number): number {
    return seqBeginSpinning(this.views.i32, lockWord(s));
  }

  /**
   * Seqlock step 2: true if no holder mutated the shard since readBegin returned `seq`, so everything
   * read in between (plain reads, bounds-checked) was one instant's state. One Atomics.load.
   */
  readValidate(s: number, seq: number): boolean {
    return seqValidate(this.views.i32, lockWord(s), seq);
  }

  /** A failed optimistic read (Atomics.add, only on the retry path). */
  countRetry(s: number): void {
    Atomics.add(this.views.i32, shardWord(s, S_OPTIMISTIC_RETRIES), 1);
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

  /**
   * sameValue under shard `s`'s lock. Comparing with an object may run its getters or a Proxy's
   * traps — user code — so that comparison runs with the lock HELD (lock.ts invariant 6) and this
   * thread's writes refused (guard.ts); the lock is touched again after it. Both engines' compare
   * paths call this.
   */
  sameValueLocked(s: number, stored: unknown, expected: unknown): boolean {
    if (typeof expected !== 'object' || expected === null) return sameValue(stored, expected);
    this.hold(s);
    userCode.n++;
    try {
      return sameValue(stored, expected);
    } finally {
      userCode.n--;
      this.touch(s);
    }
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
