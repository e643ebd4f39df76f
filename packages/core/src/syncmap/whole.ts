/**
 * syncmap's operations over whole shards and the whole map: range (Go's Range: promote, then
 * walk the snapshot with no lock), snapshot() and clear() (every lock held, engine.ts invariant
 * 4), the recovery hook that unseals what a dead lock holder sealed, and the per-shard figures.
 */
import { AMENDED_BIT, CELL_BYTES, SLOT_KEY, SLOT_TAGS, cellAt, slotOffset, slotWord, tableBytes } from '../layout.js';
import type { Views } from '../memory.js';
import type { Shards } from '../shard.js';
import type { EngineConfig } from '../buffer.js';
import { RawValue, payloadBlob, readKeyLocked } from '../slots.js';
import { isFull, tableCapacity } from '../table.js';
import type { ShardFigures } from '../engine.js';
import { EXPUNGED, SEALED, present, type Cells } from './cells.js';
import type { DirtyTables } from './dirty.js';
import type { Pin } from './epoch.js';
import type { Retirement } from './retire.js';

export class WholeMap {
  readonly #views: Views;
  readonly #shards: Shards;
  readonly #c: EngineConfig;
  readonly #cells: Cells;
  readonly #dirty: DirtyTables;
  readonly #pin: Pin;
  readonly #retired: Retirement;
  readonly #keyRaw = new RawValue();

  constructor(config: EngineConfig, shards: Shards, cells: Cells, dirty: DirtyTables, pin: Pin, retired: Retirement) {
    this.#views = shards.views;
    this.#shards = shards;
    this.#c = config;
    this.#cells = cells;
    this.#dirty = dirty;
    this.#pin = pin;
    this.#retired = retired;
  }

  // --- iteration ------------------------------------------------------------------------------

  /**
   * Go's Range: promote an amended shard first, then walk its snapshot with no lock. Returns the
   * snapshot word to walk, or -1 if the lock is HELD by a holder running user code (a range never
   * waits for it, lock.ts invariant 7): then `out` holds the shard's entries, copied through it.
   */
  #promoteForRange(s: number, out: [unknown, unknown][]): number {
    const w = this.#pin.reload(s);
    if ((w & AMENDED_BIT) === 0) return w;
    const shards = this.#shards;
    for (;;) {
      const held = shards.lockForRead(s);
      if (held === 0) break;
      out.length = 0;
      try {
        this.#copyCompleteTable(s, out);
      } catch (error) {
        if (shards.readValidate(s, held)) throw error;
        continue;
      }
      if (shards.readValidate(s, held)) return -1;
    }
    try {
      if ((this.#pin.reload(s) & AMENDED_BIT) !== 0) this.#dirty.promoteLocked(s);
      return this.#pin.reload(s);
    } finally {
      shards.unlock(s);
    }
  }

  /**
   * The present entries of shard `s`'s complete table (dirty when amended, invariant 2), read
   * with no lock while its holder keeps it untouched (the caller validates the word after).
   */
  #copyCompleteTable(s: number, out: [unknown, unknown][]): void {
    const table = this.#completeTableLocked(s);
    if (table === 0) return;
    const v = this.#views;
    const capacity = tableCapacity(v, table);
    for (let slot = 0; slot < capacity; slot++) {
      if (!isFull(v, table, slot)) continue;
      const at = slotOffset(table, capacity, slot);
      const st = this.#cells.stateAt(at);
      if (present(st)) out.push([readKeyLocked(v, at, this.#keyRaw, this.#c.keyCodec), this.#cells.decode(st & ~SEALED)]);
    }
  }

  /** Calls fn(key, value) for the present entries of shard `s`; false if fn stopped. */
  rangeShard(s: number, fn: (key: unknown, value: unknown) => boolean | void): boolean {
    const copied: [unknown, unknown][] = [];
    const walk = this.#promoteForRange(s, copied);
    if (walk === -1) {
      for (let e = 0; e < copied.length; e++) if (fn(copied[e]![0], copied[e]![1]) === false) return false;
      return true;
    }
    const table = walk & ~AMENDED_BIT;
    if (table === 0) return true;
    const v = this.#views;
    const capacity = tableCapacity(v, table);
    this.#pin.rangeDepth++;
    try {
      for (let slot = 0; slot < capacity; slot++) {
        if (!isFull(v, table, slot)) continue;
        const at = slotOffset(table, capacity, slot);
        const st = this.#cells.stateAt(at);
        if (!present(st)) continue;
        const key = readKeyLocked(v, at, this.#keyRaw, this.#c.keyCodec); // immutable slot (invariant 1)
        if (fn(key, this.#cells.decode(st)) === false) return false;
      }
      return true;
    } finally {
      this.#pin.rangeDepth--;
    }
  }

  // --- whole-map operations (every lock held, invariant 4) --------------------------------------

  /** Every lock in index order, each held HELD once taken (lock.ts invariant 7: readers read on). */
  #lockAll(): void {
    for (let s = 0; s < this.#c.shardCount; s++) {
      this.#shards.lock(s);
      this.#shards.hold(s);
    }
  }

  #unlockAll(): void {
    for (let s = this.#c.shardCount - 1; s >= 0; s--) this.#shards.unlock(s);
  }

  /** The table holding every present cell of shard `s`: dirty when amended, else the snapshot. */
  #completeTableLocked(s: number): number {
    const w = this.#pin.reload(s);
    return (w & AMENDED_BIT) !== 0 ? this.#shards.table(s) : w & ~AMENDED_BIT;
  }

  /**
   * One instant of the whole map: all locks, then every cell SEALED, read, and unsealed. The locks
   * stay HELD: seals are no change readers see (they mask SEALED), and no table changes.
   */
  snapshotAll(out: [unknown, unknown][]): void {
    const sealed: number[] = []; // pairs (cell word, state before sealing)
    const slots: number[] = [];
    this.#lockAll();
    try {
      const v = this.#views;
      for (let s = 0; s < this.#c.shardCount; s++) {
        const table = this.#completeTableLocked(s);
        if (table === 0) continue;
        const capacity = tableCapacity(v, table);
        for (let slot = 0; slot < capacity; slot++) {
          if (!isFull(v, table, slot)) continue;
          const at = slotOffset(table, capacity, slot);
          const cell = this.#cells.cellOf(at);
          let st = Atomics.load(v.i32, cell);
          while (st !== EXPUNGED && Atomics.compareExchange(v.i32, cell, st, st | SEALED) !== st) st = Atomics.load(v.i32, cell);
          if (st === EXPUNGED) continue;
          sealed.push(cell, st);
          slots.push(at);
        }
      }
      // Every cell is frozen now: this is the instant the copy shows.
      for (let i = 0; i < slots.length; i++) {
        const st = sealed[2 * i + 1]!;
        if (present(st)) out.push([readKeyLocked(v, slots[i]!, this.#keyRaw, this.#c.keyCodec), this.#cells.decode(st)]);
      }
    } finally {
      for (let i = 0; i < sealed.length; i += 2) Atomics.store(this.#views.i32, sealed[i]!, sealed[i + 1]!);
      this.#unlockAll();
    }
  }

  /** Clear: expunge every cell (so no stale snapshot sees it), then empty every shard. */
  clearAll(): void {
    this.#lockAll();
    try {
      for (let s = 0; s < this.#c.shardCount; s++) this.#shards.touch(s);
      for (let s = 0; s < this.#c.shardCount; s++) this.#clearShardLocked(s);
    } finally {
      this.#unlockAll();
    }
  }

  #clearShardLocked(s: number): void {
    const v = this.#views;
    const shards = this.#shards;
    const heap = shards.heap;
    const snapshot = this.#pin.reload(s) & ~AMENDED_BIT;
    const published = new Set<number>();
    const snapshotCapacity = snapshot === 0 ? 0 : tableCapacity(v, snapshot);
    for (let slot = 0; slot < snapshotCapacity; slot++) {
      if (!isFull(v, snapshot, slot)) continue;
      const at = slotOffset(snapshot, snapshotCapacity, slot);
      const cell = this.#cells.cellOf(at);
      published.add(cell);
      let st = Atomics.load(v.i32, cell);
      while (st !== EXPUNGED && Atomics.compareExchange(v.i32, cell, st, EXPUNGED) !== st) st = Atomics.load(v.i32, cell);
      if (st !== EXPUNGED) this.#dirty.replacedLocked(s, st, 0);
    }
    const dirty = shards.table(s);
    if (dirty !== 0) {
      const capacity = tableCapacity(v, dirty);
      for (let slot = 0; slot < capacity; slot++) {
        if (!isFull(v, dirty, slot)) continue;
        const at = slotOffset(dirty, capacity, slot);
        const cell = this.#cells.cellOf(at);
        if (published.has(cell)) continue;
        // Dirty only: never published, no lock-free thread can reach it.
        this.#dirty.replacedLocked(s, Atomics.load(v.i32, cell), 0);
        const [blob, bytes] = payloadBlob(v, at, SLOT_KEY, v.i32[slotWord(at, SLOT_TAGS)]! & 0xff);
        if (bytes > 0) heap.free(s, blob, bytes);
        heap.free(s, cellAt(cell), CELL_BYTES);
      }
    }
    this.#pin.publishLocked(s, 0);
    this.#dirty.dropDirtyLocked(s);
    shards.setLiveLocked(s, 0);
    if (dirty !== 0) heap.freeTable(dirty, tableBytes(tableCapacity(v, dirty)));
    if (snapshot !== 0) {
      for (let slot = 0; slot < snapshotCapacity; slot++) {
        if (!isFull(v, snapshot, slot)) continue;
        const at = slotOffset(snapshot, snapshotCapacity, slot);
        this.#dirty.retireCellLocked(s, at, this.#cells.cellOf(at));
      }
      this.#retired.retireLocked(s, snapshot, -tableBytes(snapshotCapacity));
    }
  }

  /** After a takeover of shard `s`'s lock from a dead owner: unseal what it sealed (invariant 4). */
  unsealLocked(s: number): void {
    for (const table of [this.#pin.reload(s) & ~AMENDED_BIT, this.#shards.table(s)]) {
      if (table === 0) continue;
      const capacity = tableCapacity(this.#views, table);
      for (let slot = 0; slot < capacity; slot++) {
        if (!isFull(this.#views, table, slot)) continue;
        const cell = this.#cells.cellOf(slotOffset(table, capacity, slot));
        const i32 = this.#views.i32; // after cellOf, which may have grown the views
        let st = Atomics.load(i32, cell);
        while (st !== EXPUNGED && (st & SEALED) !== 0 && Atomics.compareExchange(i32, cell, st, st & ~SEALED) !== st) st = Atomics.load(i32, cell);
      }
    }
  }

  /** Live entries and the slots of shard `s`'s snapshot and dirty tables (only reads: Shards.readShard). */
  figuresLocked(s: number, out: ShardFigures): void {
    const v = this.#views;
    const snapshot = this.#pin.reload(s) & ~AMENDED_BIT;
    const dirty = this.#shards.table(s);
    out.size = this.#shards.live(s);
    out.capacity = (snapshot === 0 ? 0 : tableCapacity(v, snapshot)) + (dirty === 0 ? 0 : tableCapacity(v, dirty));
  }
}
