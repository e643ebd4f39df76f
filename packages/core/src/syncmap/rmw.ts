/**
 * syncmap's read-modify-write (update() and add()): one key of shard `s`, under its lock, with
 * the key's cell SEALED while `compute` runs so that no lock-free writer changes it in between
 * (engine.ts invariant 4), and the lock HELD while user code runs (lock.ts invariant 6) — except
 * an inline state stored over an inline one, which is stored still HELD (invariant 4'). The
 * table work it needs (finding or reviving the key's one cell, adding a key, accounting a
 * replaced state) is dirty.ts's.
 */
import type { EncodedValue, ProbeKey } from '../codecs.js';
import { RMW_DELETE, RMW_KEEP, RMW_STORE, type RmwCompute, type RmwDecision, type UserUpdate } from '../engine.js';
import type { Views } from '../views.js';
import type { Shards } from '../shard.js';
import { NIL, SEALED, inlineState, isInline, present, type Cells } from './cells.js';
import type { DirtyTables } from './dirty.js';
import type { Pin } from './epoch.js';

export class ReadModifyWrite {
  readonly #views: Views;
  readonly #shards: Shards;
  readonly #cells: Cells;
  readonly #pin: Pin;
  readonly #dirty: DirtyTables;

  constructor(shards: Shards, cells: Cells, pin: Pin, dirty: DirtyTables) {
    this.#views = shards.views;
    this.#shards = shards;
    this.#cells = cells;
    this.#pin = pin;
    this.#dirty = dirty;
  }

  /**
   * update()/add(): read-modify-write of one key of shard `s`, taking its lock. The cell is SEALED while
   * `compute` runs, so no lock-free writer changes it in between (invariant 4). `compute` fills
   * `value` when it returns RMW_STORE. `userFn` (user code compute runs) set: the lock is held HELD while `compute` runs
   * (lock.ts invariant 6), touched again before the first mutation — except an inline state stored
   * over an inline one (invariant 4'). Returns what it decided.
   */
  run(s: number, probe: ProbeKey, value: EncodedValue, compute: RmwCompute, userFn: UserUpdate | undefined): RmwDecision {
    const runsUserCode = userFn !== undefined;
    const pin = this.#pin;
    const dirty = this.#dirty;
    const shards = this.#shards;
    shards.lock(s);
    try {
      const cell = dirty.liveCellLocked(s, probe, true); // a key may have one cell only: revive it
      if (cell < 0) {
        pin.busy++;
        let decision: RmwDecision;
        if (runsUserCode) shards.hold(s); // readers read on while the callback runs (lock.ts invariant 6)
        try {
          decision = compute(undefined, false, userFn);
        } finally {
          pin.busy--;
        }
        if (decision !== RMW_STORE) return RMW_KEEP;
        if (runsUserCode) shards.touch(s); // leave HELD: the mutation starts here
        dirty.addLocked(s, probe, value);
        return RMW_STORE;
      }
      const i32 = this.#views.i32;
      // Seal from the state liveCellLocked read: if a lock-free writer changed it since, the
      // failed compareExchange hands back the state to try next (no Atomics.load either way).
      let st = dirty.seenState;
      for (;;) {
        const seen = Atomics.compareExchange(i32, cell, st, st | SEALED);
        if (seen === st) break;
        st = seen;
      }
      let unsealed = false;
      try {
        let decision: RmwDecision;
        pin.busy++;
        if (runsUserCode) shards.hold(s); // the seal is not a change readers see (they mask it)
        try {
          decision = compute(present(st) ? this.#cells.decode(st) : undefined, present(st), userFn);
        } finally {
          pin.busy--;
        }
        if (decision === RMW_KEEP || (decision === RMW_DELETE && !present(st))) return RMW_KEEP;
        const inline = decision === RMW_STORE ? inlineState(value) : -1;
        // Inline over inline is the write lock-free writers make (invariant 8), which no reader
        // validates against the lock word: it is stored still HELD (invariant 4'). Anything else
        // touches first.
        if (runsUserCode && !(inline >= 0 && isInline(st))) shards.touch(s);
        const next = decision === RMW_DELETE ? NIL : inline >= 0 ? inline : this.#cells.newState(s, value);
        Atomics.store(this.#views.i32, cell, next); // sealed: no one else writes it
        unsealed = true;
        dirty.replacedLocked(s, st, next);
        return decision;
      } finally {
        if (!unsealed) Atomics.store(this.#views.i32, cell, st);
      }
    } finally {
      shards.unlock(s);
    }
  }
}
