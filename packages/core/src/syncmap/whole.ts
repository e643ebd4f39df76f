/**
 * syncmap's operations over whole shards and the whole map: range (Go's Range: promote, then
 * walk the snapshot with no lock), snapshot() and clear() (every lock held, engine.ts invariant
 * 4), the recovery hook that unseals what a dead lock holder sealed, and the per-shard figures.
 */
import { AMENDED_BIT, slotOffset } from '../layout.js';
import type { Views } from '../views.js';
import type { Shards } from '../shard.js';
import type { EngineConfig } from '../buffer.js';
import { RawValue, readKeyLocked } from '../slots.js';
import { killPoint } from '../kill-points.js';
import { OP_CLEAR } from './recovery-ops.js';
import { isFull, tableCapacity } from '../table.js';
import type { ShardFigures } from '../engine.js';
import { SEALED, gone, present, type Cells } from './cells.js';
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

  /**
   * Every lock in index order, each held HELD once taken (lock.ts invariant 7: readers read on);
   * if one cannot be taken (corruption), the others are released.
   */
  #lockAll(): void {
    let s = 0;
    try {
      for (; s < this.#c.shardCount; s++) {
        this.#shards.lock(s);
        this.#shards.hold(s);
      }
    } catch (error) {
      while (s > 0) this.#shards.unlock(--s);
      throw error;
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
          while (!gone(st) && Atomics.compareExchange(v.i32, cell, st, st | SEALED) !== st) st = Atomics.load(v.i32, cell);
          if (gone(st)) continue;
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

  /**
   * Clear: every shard emptied in turn, all locks held (invariant 4). Then what it retired (most
   * of the map) is reclaimed at once where no pin holds it: the epoch moves on, this thread pins
   * past it (its idle siblings too: they run nothing meanwhile), and each shard runs a pass — so
   * bytesUsed falls now, not 256 retirements later. Other threads' pins still hold back what
   * they may read (retire.ts invariant 7).
   */
  clearAll(): void {
    this.#lockAll();
    try {
      for (let s = 0; s < this.#c.shardCount; s++) this.#shards.touch(s);
      for (let s = 0; s < this.#c.shardCount; s++) this.#clearShardLocked(s);
      if (this.#pin.rangeDepth === 0) {
        this.#retired.advanceEpoch();
        this.#pin.repin();
        for (let s = 0; s < this.#c.shardCount; s++) this.#retired.reclaimNowLocked(s);
      }
    } finally {
      this.#unlockAll();
    }
  }

  /**
   * Empties shard `s`: an amended shard is promoted first, so that every live cell is in the
   * snapshot; a dirty copy left is dropped (its cells are the snapshot's); every cell of the
   * snapshot is marked dead in it (stale readers see them gone), the empty snapshot published,
   * and the old one retired with its cells. An operation rolled forward (recovery.ts).
   */
  #clearShardLocked(s: number): void {
    if ((this.#pin.reload(s) & AMENDED_BIT) !== 0) this.#dirty.promoteLocked(s);
    killPoint('syncmap.clear.promoted');
    const snapshot = this.#pin.reload(s) & ~AMENDED_BIT;
    const dirty = this.#shards.table(s);
    if (snapshot === 0 && dirty === 0) return;
    const log = this.#shards.log;
    log.beginOpLocked(s, OP_CLEAR, snapshot, dirty);
    killPoint('syncmap.clear.logged');
    this.finishClearLocked(s, snapshot, dirty);
    log.endOpLocked(s);
    this.#retired.reclaimIfDueLocked(s);
  }

  /** clear() of shard `s` from its start (also recovery's roll-forward): each step is idempotent. */
  finishClearLocked(s: number, snapshot: number, dirty: number): void {
    const shards = this.#shards;
    if (dirty !== 0 && shards.table(s) === dirty) this.#dirty.dropDirtyLocked(s);
    killPoint('syncmap.clear.dropped');
    if (dirty !== 0) this.#retired.retireTableOnceLocked(s, dirty);
    killPoint('syncmap.clear.retired-dirty');
    if (snapshot !== 0 && (this.#pin.reload(s) & ~AMENDED_BIT) === snapshot) {
      this.#dirty.markDeadLocked(snapshot, -1);
      killPoint('syncmap.clear.marked');
      this.#pin.publishLocked(s, 0);
      killPoint('syncmap.clear.published');
    }
    shards.setLiveLocked(s, 0);
    shards.resetMissesLocked(s);
    if (snapshot !== 0) this.#retired.retireSnapshotOnceLocked(s, snapshot);
    killPoint('syncmap.clear.retired');
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
        while (!gone(st) && (st & SEALED) !== 0 && Atomics.compareExchange(i32, cell, st, st & ~SEALED) !== st) st = Atomics.load(i32, cell);
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
