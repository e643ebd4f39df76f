/**
 * syncmap's reads past the number fast path (engine.ts getNumber): a key's state from the
 * snapshot this thread caches (invariant 3), then the current snapshot, then dirty — with no lock
 * when the shard's sequence shows no writer came in (invariant 5'), else under the lock, where a
 * miss is counted and may promote (invariant 5).
 */
import { AMENDED_BIT, CELL_BYTES, SLOT_CELL, cellWord, slotOffset, slotWord } from '../layout.js';
import type { ProbeKey } from '../codecs.js';
import { corruptError } from '../errors.js';
import type { Views } from '../views.js';
import { BUSY, type Shards } from '../shard.js';
import { TORN, findSlot, tableCapacity } from '../table.js';
import { NIL, SEALED, gone, visible, type Cells } from './cells.js';
import type { DirtyTables } from './dirty.js';
import type { Pin } from './epoch.js';

/** #loadDirtyOptimistic's "no answer": never a visible state (kind 3 is EXPUNGED alone, never visible). */
const MUST_LOCK = 0x7fffffff;

export class SnapshotReads {
  readonly #views: Views;
  readonly #shards: Shards;
  readonly #shardBits: number;
  readonly #shardMask: number;
  readonly #cells: Cells;
  readonly #pin: Pin;
  readonly #dirty: DirtyTables;

  constructor(shards: Shards, cells: Cells, pin: Pin, dirty: DirtyTables) {
    this.#views = shards.views;
    this.#shards = shards;
    this.#shardBits = shards.shardBits;
    this.#shardMask = shards.shardCount - 1;
    this.#cells = cells;
    this.#pin = pin;
    this.#dirty = dirty;
  }

  /** Load: the key's state (NIL if absent), SEALED masked off. */
  load(probe: ProbeKey): number {
    const s = probe.hash & this.#shardMask;
    const w = this.#pin.snap(s);
    const at = this.#cells.readSlotIn(w & ~AMENDED_BIT, probe);
    if (at !== 0) {
      const st = this.#cells.stateAt(at);
      if (!gone(st)) return st & ~SEALED; // invariant 3 (a stale snapshot may show DEAD: gone)
    }
    return this.loadMissed(s, w, at, probe);
  }

  /**
   * Load, after snapshot word `w` was probed and held nothing live for `probe` (`at`: 0, or its
   * EXPUNGED slot). A table already probed is not probed again: it never changes (invariant 1).
   */
  loadMissed(s: number, w: number, at: number, probe: ProbeKey): number {
    const cells = this.#cells;
    const current = this.#pin.reload(s);
    if ((current & ~AMENDED_BIT) !== (w & ~AMENDED_BIT)) {
      at = cells.readSlotIn(current & ~AMENDED_BIT, probe);
      if (at !== 0) return visible(cells.stateAt(at));
    } else if (at !== 0) return NIL; // EXPUNGED in the current snapshot: absent
    if ((current & AMENDED_BIT) === 0) return NIL;
    return this.#loadDirty(s, current, probe);
  }

  /**
   * loadMissed's look into dirty, snapshot word `current` (amended) having been probed. Its own
   * method: V8 inlines a function's callees by call frequency, and this loop, inlined into
   * loadMissed, took the budget of the table-capacity read every miss makes (getmiss 711 -> 676).
   */
  #loadDirty(s: number, current: number, probe: ProbeKey): number {
    let lastHeld = 0;
    for (;;) {
      const optimistic = this.#loadDirtyOptimistic(s, current, probe);
      if (optimistic !== MUST_LOCK) return optimistic;
      // Never wait for a holder running user code (lock.ts invariant 7): read through its HELD word.
      const held = this.#shards.lockForRead(s);
      if (held === 0) return this.#loadLocked(s, current, probe);
      if (held === lastHeld) throw corruptError('snapshot', `shard ${s}: dirty unreadable while its lock is held untouched`);
      lastHeld = held;
      const again = this.#pin.reload(s);
      if (again !== current) return this.loadMissed(s, current, 0, probe); // `current` was probed: no live hit
    }
  }

  /** loadMissed under the lock (taken by lockForRead), `current` the snapshot word seen before it. */
  #loadLocked(s: number, current: number, probe: ProbeKey): number {
    const shards = this.#shards;
    const cells = this.#cells;
    try {
      const locked = this.#pin.reload(s);
      if ((locked & ~AMENDED_BIT) !== (current & ~AMENDED_BIT)) {
        const at = cells.slotIn(locked & ~AMENDED_BIT, probe);
        if (at !== 0) return visible(cells.stateAt(at));
      }
      if ((locked & AMENDED_BIT) === 0) return NIL;
      const dirtyAt = this.#dirty.findDirtyLocked(s, probe);
      const st = dirtyAt !== 0 ? cells.stateAt(dirtyAt) : NIL;
      this.#dirty.missLocked(s);
      return visible(st);
    } finally {
      shards.unlock(s);
    }
  }

  /**
   * Invariant 5': `probe` looked up in dirty with no lock, while snapshot word `w` (amended) is
   * current. Returns the key's visible state (a miss is counted), or MUST_LOCK if a lock holder
   * came in between or what was read is implausible.
   */
  #loadDirtyOptimistic(s: number, w: number, probe: ProbeKey): number {
    const v = this.#views;
    const shards = this.#shards;
    const seq = shards.readBegin(s);
    if (seq === BUSY || shards.snapshotWord(s) !== w) return MUST_LOCK;
    const dirty = shards.table(s);
    const capacity = tableCapacity(v, dirty); // 0 for null or implausible: take the lock
    if (capacity === 0) return MUST_LOCK;
    const slot = findSlot(v, dirty, capacity, probe, probe.hash >>> this.#shardBits);
    if (slot === TORN) return MUST_LOCK;
    let st = NIL;
    if (slot >= 0) {
      const i32 = v.i32; // after tableCapacity, which may have grown the views
      const cell = i32[slotWord(slotOffset(dirty, capacity, slot), SLOT_CELL)]!;
      if (cell <= 0 || (cell & 7) !== 0 || cell + CELL_BYTES > v.length) return MUST_LOCK;
      st = Atomics.load(i32, cellWord(cell));
    }
    if (!shards.readValidate(s, seq)) return MUST_LOCK;
    if (shards.addMiss(s) >= shards.countHint(s)) this.#dirty.promoteIfDue(s);
    return visible(st);
  }
}
