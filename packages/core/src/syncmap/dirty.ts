/**
 * syncmap's locked half: the dirty table (the shard's S_TABLE, a table only lock holders read
 * or write, except the validated lock-free lookup of engine.ts invariant 5'), its rebuild from the
 * snapshot, promotion, and every cell transition that needs the lock. Every method here runs
 * under shard `s`'s lock (promoteIfDue takes it). The invariants are engine.ts's (1-5a);
 * update()/add()'s sealed read-modify-write, which takes the lock itself, is rmw.ts's.
 */
import { AMENDED_BIT, CELL_BYTES, MIN_CAPACITY, RECORD_BYTES, SLOT_CELL, SLOT_HASH, SLOT_WORDS, cellAt, cellWord, ctrlStart, slotIndex, slotOffset, slotWord, tableBytes } from '../layout.js';
import { narrowTag, type EncodedValue, type ProbeKey } from '../codecs.js';
import { corruptError, fullError } from '../errors.js';
import type { Views } from '../views.js';
import type { Shards } from '../shard.js';
import { commitInsertLocked, insertSlotLocked, removeLocked, smallerCopyLocked } from '../shard-table.js';
import { killPoint } from '../kill-points.js';
import { OP_PROMOTE } from './recovery-ops.js';
import type { EngineConfig } from '../buffer.js';
import { setTags, storeKey, writeBlob } from '../slots.js';
import { TORN, eraseSlot, initTable, isFull, tableCapacity } from '../table.js';
import { DELETED } from '../control.js';
import { EXPUNGED, NIL, SEALED, deadIn, gone, isRecord, present, type Cells } from './cells.js';
import type { Pin } from './epoch.js';
import type { Retirement } from './retire.js';

export class DirtyTables {
  /** Set by liveCellLocked: whether the key was in the snapshot (else dirty, where Go counts a miss). */
  foundInSnapshot = false;
  /**
   * Set by liveCellLocked with the cell it returns: the state it read there (NIL where it read
   * none). Only a guess once returned — lock-free writers may change the cell at any time — for a
   * compareExchange, which checks it.
   */
  seenState = NIL;
  readonly #views: Views;
  readonly #shards: Shards;
  readonly #c: EngineConfig;
  readonly #cells: Cells;
  readonly #pin: Pin;
  readonly #retired: Retirement;

  constructor(config: EngineConfig, shards: Shards, cells: Cells, pin: Pin, retired: Retirement) {
    this.#views = shards.views;
    this.#shards = shards;
    this.#c = config;
    this.#cells = cells;
    this.#pin = pin;
    this.#retired = retired;
  }

  /** The dirty slot offset of `probe` (0: none). */
  findDirtyLocked(s: number, probe: ProbeKey): number {
    return this.#cells.slotIn(this.#shards.table(s), probe);
  }

  /**
   * The cell of `probe` (word index) from the current snapshot or dirty, or -1. An EXPUNGED
   * snapshot cell is put back into dirty and made NIL when `revive` (Go's unexpungeLocked), else
   * reported as -2 ("absent, expunged").
   */
  liveCellLocked(s: number, probe: ProbeKey, revive: boolean): number {
    const w = this.#pin.reload(s);
    const at = this.#cells.slotIn(w & ~AMENDED_BIT, probe);
    this.foundInSnapshot = at !== 0;
    if (at !== 0) {
      const cell = this.#cells.cellOf(at);
      const st = Atomics.load(this.#views.i32, cell);
      this.seenState = st;
      if (!gone(st)) return cell;
      if (st !== EXPUNGED) throw corruptError('snapshot', `shard ${s}: a current snapshot holds a dead cell`);
      if (!revive) return -2;
      this.#reviveLocked(s, at, cell);
      this.seenState = NIL;
      return cell;
    }
    if ((w & AMENDED_BIT) === 0) return -1;
    const dirtyAt = this.findDirtyLocked(s, probe);
    this.seenState = NIL;
    return dirtyAt === 0 ? -1 : this.#cells.cellOf(dirtyAt);
  }

  /** Puts the EXPUNGED cell of snapshot slot `at` back into dirty, then makes it NIL (invariant 2). */
  #reviveLocked(s: number, at: number, cell: number): void {
    this.rebuildLocked(s);
    const hash = this.#views.i32[slotWord(at, SLOT_HASH)]!;
    const slot = this.#insertSlotLocked(s, hash, (dst) => {
      const i32 = this.#views.i32;
      i32.copyWithin(slotWord(dst, 0), slotWord(at, 0), slotWord(at, SLOT_WORDS)); // shares the key blob: the cell owns it
    });
    if (slot < 0) throw fullError(0, this.#c.maxBytes, 'no room to grow the dirty table');
    killPoint('syncmap.revive.inserted'); // recovery finds dirty's EXPUNGED cell and makes it NIL
    Atomics.store(this.#views.i32, cell, NIL); // only lock holders change an EXPUNGED cell
  }

  /** Inserts a dirty slot for `hash`, filled by `fill(slotOffset)`; -1 if the heap is full. */
  #insertSlotLocked(s: number, hash: number, fill: (at: number) => void): number {
    const shards = this.#shards;
    shards.beginLocked(s);
    try {
      const slot = insertSlotLocked(shards, s, hash);
      if (slot === TORN) throw corruptError('snapshot', `shard ${s}: dirty table has no free slot below its load limit`);
      if (slot < 0) return -1;
      fill(shards.slotAt(s, slot));
      commitInsertLocked(shards, s, slot, hash);
      killPoint('syncmap.revive.claimed');
      return slot;
    } finally {
      shards.commitLocked(s);
    }
  }

  /** Bookkeeping after a cell went from `was` to `now`: retire the old record, count presence. */
  replacedLocked(s: number, was: number, now: number): void {
    if (isRecord(was & ~SEALED)) this.#retireRecordLocked(s, was & ~SEALED);
    const delta = (present(now) ? 1 : 0) - (present(was) ? 1 : 0);
    if (delta !== 0) this.#shards.addLive(s, delta);
  }

  /** Sets a (non-EXPUNGED) cell to `value`; returns the state it replaced. */
  setLocked(s: number, cell: number, value: EncodedValue): number {
    const next = this.#cells.newState(s, value);
    const i32 = this.#views.i32;
    for (;;) {
      const st = Atomics.load(i32, cell);
      if (Atomics.compareExchange(i32, cell, st, next) === st) {
        killPoint('syncmap.set.swapped'); // an old record leaks; the live count is recounted
        this.replacedLocked(s, st, next);
        return st;
      }
    }
  }

  /** Makes a snapshot cell NIL; the state it had (NIL if absent or EXPUNGED). */
  clearCellLocked(s: number, cell: number): number {
    const i32 = this.#views.i32;
    for (;;) {
      const st = Atomics.load(i32, cell);
      if (!present(st)) return NIL;
      if (Atomics.compareExchange(i32, cell, st, NIL) === st) {
        killPoint('syncmap.delete.cleared');
        this.replacedLocked(s, st, NIL);
        return st;
      }
    }
  }

  /**
   * Adds a new key to dirty (marking the snapshot amended first, as Go's Store does). One logged
   * mutation: the cell, the record and the key blob are allocated inside it, so a death before
   * the slot's control byte is set frees them on rollback; the counts after it are recounted by
   * recovery (invariant 8).
   */
  addLocked(s: number, probe: ProbeKey, value: EncodedValue): void {
    const w = this.#pin.reload(s);
    if ((w & AMENDED_BIT) === 0) {
      this.rebuildLocked(s);
      killPoint('syncmap.add.rebuilt');
      this.#pin.publishLocked(s, w | AMENDED_BIT);
      killPoint('syncmap.add.amended');
    }
    this.rebuildLocked(s); // a no-op unless a failed rebuild left dirty null
    const shards = this.#shards;
    shards.beginLocked(s);
    try {
      const cell = shards.allocLocked(s, CELL_BYTES);
      if (cell === 0) throw fullError(CELL_BYTES, this.#c.maxBytes);
      const st = this.#cells.newState(s, value, true);
      probe.tag = narrowTag(probe.tag, probe.str); // stored one byte a unit when it can be (slots.ts)
      const keyBlob = writeBlob(this.#views, shards, s, probe.tag, probe.str, probe.bytes);
      if (keyBlob < 0) throw fullError(probe.str.length * 2 + probe.bytes.length, this.#c.maxBytes);
      this.#views.i32[cellWord(cell)] = st;
      killPoint('syncmap.add.allocated');
      const slot = insertSlotLocked(shards, s, probe.hash);
      if (slot === TORN) throw corruptError('snapshot', `shard ${s}: dirty table has no free slot below its load limit`);
      if (slot < 0) throw fullError(0, this.#c.maxBytes, 'no room to grow the dirty table');
      const at = shards.slotAt(s, slot);
      const v = this.#views;
      v.i32[slotWord(at, SLOT_HASH)] = probe.hash;
      setTags(v, at, probe.tag, 0);
      storeKey(v, at, probe, keyBlob);
      v.i32[slotWord(at, SLOT_CELL)] = cell;
      killPoint('syncmap.add.written');
      commitInsertLocked(shards, s, slot, probe.hash);
      killPoint('syncmap.add.inserted');
      shards.commitLocked(s);
      killPoint('syncmap.add.committed');
      shards.setDirtyOnlyLocked(s, shards.dirtyOnlyLocked(s) + 1); // invariant 5a
      killPoint('syncmap.add.counted');
      if (present(st)) shards.addLive(s, 1);
    } catch (error) {
      if (shards.log.inFlight(s)) shards.abortLocked(s); // frees what was allocated above
      throw error;
    }
  }

  /**
   * Go's dirtyLocked: if dirty is null, build it from the snapshot, expunging NIL cells and leaving
   * them out (invariant 2). The snapshot's table is copied whole (one memcpy: both tables have the
   * same layout) and the expunged slots erased, rather than re-inserting every entry. Throws FULL
   * with nothing changed.
   */
  rebuildLocked(s: number): void {
    if (this.#shards.table(s) !== 0) return;
    const v = this.#views;
    const table = this.#pin.reload(s) & ~AMENDED_BIT;
    const capacity = table === 0 ? MIN_CAPACITY : tableCapacity(v, table);
    const fresh = this.#shards.heap.allocTable(tableBytes(capacity));
    if (fresh === 0) throw fullError(tableBytes(capacity), this.#c.maxBytes);
    let count = 0;
    let tombstones = 0;
    if (table === 0) initTable(v, fresh, capacity);
    else {
      v.u8.copyWithin(fresh, table, table + tableBytes(capacity));
      for (let slot = 0; slot < capacity; slot++) {
        if (!isFull(v, fresh, slot)) {
          if (v.u8[ctrlStart(fresh) + slot] === DELETED) tombstones++;
          continue;
        }
        const cell = this.#cells.cellOf(slotOffset(fresh, capacity, slot));
        const i32 = v.i32; // after cellOf, which may have grown the views
        let st = Atomics.load(i32, cell);
        while (st === NIL && Atomics.compareExchange(i32, cell, NIL, EXPUNGED) !== NIL) st = Atomics.load(i32, cell);
        if (st !== NIL && st !== EXPUNGED) count++;
        else if (eraseSlot(v, fresh, slot)) tombstones++;
      }
    }
    killPoint('syncmap.rebuild.copied'); // the fresh table leaks; expunged cells stay absent
    // Deletes left NIL cells that this rebuild expunged: here a syncmap shard's tables shrink
    // (the next promotion makes the small table the snapshot).
    const smaller = smallerCopyLocked(this.#shards, fresh, capacity, count);
    if (smaller !== 0) {
      killPoint('syncmap.rebuild.shrunk'); // both tables leak; the snapshot is untouched
      this.#shards.heap.freeTable(fresh, tableBytes(capacity));
    }
    this.#shards.setDirtyOnlyLocked(s, 0); // a copy of the snapshot
    this.#shards.setTableLocked(s, smaller || fresh, count, smaller ? 0 : tombstones); // dirty is only read under the lock
  }

  /** Go's missLocked: count a miss; promote dirty once misses reach its size. */
  missLocked(s: number): void {
    const misses = this.#shards.addMiss(s); // lock-free lookups count too (5')
    if (misses < this.#shards.countLocked(s)) return;
    this.promoteLocked(s);
  }

  /**
   * Promotes shard `s` if it is still amended and its misses reached dirty's size. A lookup calls
   * it, and a lookup never waits for a lock (lock.ts invariant 7): if the lock is taken, the
   * promotion is left to a later miss.
   */
  promoteIfDue(s: number): void {
    const shards = this.#shards;
    if (!shards.tryLock(s)) return;
    try {
      if ((this.#pin.reload(s) & AMENDED_BIT) !== 0 && shards.misses(s) >= shards.countLocked(s)) this.promoteLocked(s);
    } finally {
      shards.unlock(s);
    }
  }

  /**
   * Dirty becomes the read snapshot (one store), dirty becomes null; the old snapshot is retired
   * whole with the cells only it holds (its EXPUNGED ones, invariant 2), marked dead in it first
   * (retire.ts frees them with it). An operation rolled forward (recovery.ts): once the new
   * snapshot is published, a death leaves it published and recovery finishes the rest.
   */
  promoteLocked(s: number): void {
    const dirty = this.#shards.table(s);
    if (dirty === 0) return;
    const old = this.#pin.reload(s) & ~AMENDED_BIT;
    const log = this.#shards.log;
    log.beginOpLocked(s, OP_PROMOTE, old, dirty);
    killPoint('syncmap.promote.logged');
    this.#pin.publishLocked(s, dirty);
    killPoint('syncmap.promote.published');
    this.finishPromotionLocked(s, old, dirty);
    log.endOpLocked(s);
    this.#retired.reclaimIfDueLocked(s);
  }

  /** Promotion after its publication (also recovery's roll-forward): each step is idempotent. */
  finishPromotionLocked(s: number, old: number, dirty: number): void {
    if (this.#shards.table(s) === dirty) {
      this.dropDirtyLocked(s);
      this.#shards.countPromotionLocked(s);
    }
    killPoint('syncmap.promote.dropped');
    if (old === 0) return;
    this.markDeadLocked(old, EXPUNGED);
    killPoint('syncmap.promote.marked');
    this.#retired.retireSnapshotOnceLocked(s, old);
    killPoint('syncmap.promote.retired');
  }

  /**
   * Marks dead in retired table `table` every cell of it whose state is `which` (EXPUNGED), or
   * every cell not dead already (`which` -1: clear). Idempotent.
   */
  markDeadLocked(table: number, which: number): void {
    const v = this.#views;
    const capacity = tableCapacity(v, table);
    const dead = deadIn(table);
    for (let slot = 0; slot < capacity; slot++) {
      if (!isFull(v, table, slot)) continue;
      const cell = this.#cells.cellOf(slotOffset(table, capacity, slot));
      const i32 = v.i32; // after cellOf, which may have grown the views
      let st = Atomics.load(i32, cell);
      while (st !== dead && (which === -1 || st === which) && Atomics.compareExchange(i32, cell, st, dead) !== st) st = Atomics.load(i32, cell);
    }
  }

  /** Dirty becomes null (its table is the caller's to publish or free), with its counts and misses. */
  dropDirtyLocked(s: number): void {
    this.#shards.setTableLocked(s, 0, 0, 0);
    this.#shards.setDirtyOnlyLocked(s, 0);
    this.#shards.resetMissesLocked(s);
  }

  #retireRecordLocked(s: number, record: number): void {
    this.#cells.cover(record, RECORD_BYTES, 'value record');
    const [blob, bytes] = this.#cells.recordBlob(record);
    if (bytes > 0) this.#retired.retireLocked(s, blob, bytes);
    this.#retired.retireLocked(s, record, RECORD_BYTES);
  }

  /**
   * Removes a key that only dirty holds (never published, so no lock-free thread can reach its
   * cell): the slot goes (its key blob freed), the cell is freed, the record retired (the caller
   * still decodes it). If it was the last such key, the snapshot is complete again: AMENDED is
   * cleared and dirty kept (invariant 5a). Returns the state it had.
   */
  removeDirtyLocked(s: number, at: number): number {
    const cell = this.#cells.cellOf(at);
    const st = Atomics.load(this.#views.i32, cell);
    const shards = this.#shards;
    const dirty = shards.table(s);
    removeLocked(shards, s, slotIndex(dirty, tableCapacity(this.#views, dirty), at)); // `at` came from probing dirty
    killPoint('syncmap.remove-dirty.removed'); // the cell and record leak; counts are recounted
    this.replacedLocked(s, st, NIL);
    shards.heap.free(s, cellAt(cell), CELL_BYTES);
    killPoint('syncmap.remove-dirty.freed');
    const dirtyOnly = shards.dirtyOnlyLocked(s) - 1;
    shards.setDirtyOnlyLocked(s, dirtyOnly);
    killPoint('syncmap.remove-dirty.counted');
    if (dirtyOnly === 0) {
      shards.resetMissesLocked(s);
      this.#pin.publishLocked(s, this.#pin.reload(s) & ~AMENDED_BIT);
    }
    return st & ~SEALED;
  }
}
