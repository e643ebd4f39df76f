/**
 * syncmap's CompareAndSwap and CompareAndDelete (Go's semantics, values compared by content): a
 * lock-free compareExchange on the key's snapshot cell when both states are inline and the cell
 * is neither EXPUNGED nor SEALED (engine.ts invariants 3, 4, 8), else under the shard's lock, where
 * comparing with an object runs with the lock HELD (Shards.sameValueLocked).
 */
import { AMENDED_BIT } from '../layout.js';
import { type EncodedValue, type ProbeKey, sameValue } from '../codecs.js';
import type { Views } from '../views.js';
import type { Shards } from '../shard.js';
import { type Cells, NIL, SEALED, gone, inlineState, isRecord, present } from './cells.js';
import type { DirtyTables } from './dirty.js';
import type { Pin } from './epoch.js';

export class CompareOps {
  readonly #views: Views;
  readonly #shards: Shards;
  readonly #shardMask: number;
  readonly #cells: Cells;
  readonly #pin: Pin;
  readonly #dirty: DirtyTables;

  constructor(shards: Shards, cells: Cells, pin: Pin, dirty: DirtyTables) {
    this.#views = shards.views;
    this.#shards = shards;
    this.#shardMask = shards.shardCount - 1;
    this.#cells = cells;
    this.#pin = pin;
    this.#dirty = dirty;
  }

  /** The cell word index of `probe` in this thread's snapshot of its shard, or -1 (as the engine's). */
  #snapshotCell(s: number, probe: ProbeKey): number {
    const at = this.#cells.slotIn(this.#pin.snap(s) & ~AMENDED_BIT, probe);
    return at === 0 ? -1 : this.#cells.cellOf(at);
  }

  /** CompareAndSwap / CompareAndDelete (`value` undefined): Go's semantics, values compared by content. */
  compareAnd(probe: ProbeKey, expected: unknown, value: EncodedValue | undefined): boolean {
    const pin = this.#pin;
    pin.enter();
    const s = probe.hash & this.#shardMask;
    const w = pin.snap(s);
    const cell = this.#snapshotCell(s, probe);
    const next = value === undefined ? NIL : inlineState(value);
    if (cell >= 0) {
      const i32 = this.#views.i32;
      for (;;) {
        const st = Atomics.load(i32, cell);
        if (gone(st) || (st & SEALED) !== 0) break;
        if (st === NIL) return false;
        if (!sameValue(this.#cells.decode(st), expected)) return false;
        if (next <= 0 || isRecord(st)) break; // a delete (NIL) or a record takes the lock (invariant 8)
        if (Atomics.compareExchange(i32, cell, st, next) === st) return true;
      }
    } else if (pin.reload(s) === w && (w & AMENDED_BIT) === 0) return false;
    const shards = this.#shards;
    shards.lock(s);
    try {
      const found = this.#dirty.liveCellLocked(s, probe, false);
      if (found < 0) {
        if (found === -1 && (pin.cache[s]! & AMENDED_BIT) !== 0) this.#dirty.missLocked(s);
        return false;
      }
      const inSnapshot = this.#dirty.foundInSnapshot;
      const swapped = this.#compareLocked(s, found, expected, value);
      if (!inSnapshot) this.#dirty.missLocked(s);
      return swapped;
    } finally {
      shards.unlock(s);
    }
  }

  #compareLocked(s: number, cell: number, expected: unknown, value: EncodedValue | undefined): boolean {
    const i32 = this.#views.i32;
    let next = -1;
    for (;;) {
      const st = Atomics.load(i32, cell);
      if (!present(st) || !this.#shards.sameValueLocked(s, this.#cells.decode(st), expected)) {
        if (next > 0) this.#cells.discard(s, next);
        return false;
      }
      if (next < 0) next = value === undefined ? NIL : this.#cells.newState(s, value);
      if (Atomics.compareExchange(i32, cell, st, next) === st) {
        this.#dirty.replacedLocked(s, st, next);
        return true;
      }
    }
  }
}
