/**
 * syncmap's repair of a shard whose lock was taken over from a dead owner (shard.ts invariant 6
 * runs first: the intent log's rollback of a slot insert or removal, and the recount of dirty's
 * slots). Then, here, what a syncmap write leaves when its thread dies at any statement:
 *
 *  - an operation rolled forward (intent-log.ts log 5) is finished: a promotion whose snapshot
 *    was published drops dirty and retires the old snapshot (dirty.ts); a clear() of the shard
 *    runs to its end (whole.ts); a reclamation pass resumes after the block in flight (retire.ts);
 *  - cells the dead owner SEALED (snapshot(), update()) are unsealed: its write never happened;
 *  - a revive that put an EXPUNGED cell back into dirty but died before making it NIL is
 *    finished (invariant 2: no dirty table holds an EXPUNGED cell);
 *  - S_DIRTY_ONLY and S_LIVE are recounted from the tables. Both change only under the lock
 *    (engine.ts invariant 8), and lock-free writers change no presence, so the recount is exact
 *    while they run;
 *  - blocks a dead write had allocated but not published, or had unlinked but not yet retired,
 *    leak (never freed twice, never reachable): memory, not data.
 */
import { AMENDED_BIT, slotOffset } from '../layout.js';
import type { Shards } from '../shard.js';
import { isFull, tableCapacity } from '../table.js';
import { EXPUNGED, NIL, present, type Cells } from './cells.js';
import type { DirtyTables } from './dirty.js';
import type { Pin } from './epoch.js';
import type { Retirement } from './retire.js';
import type { WholeMap } from './whole.js';
import { OP_CLEAR, OP_PROMOTE, OP_RECLAIM } from './recovery-ops.js';

export class ShardRepair {
  readonly #shards: Shards;
  readonly #cells: Cells;
  readonly #pin: Pin;
  readonly #dirty: DirtyTables;
  readonly #whole: WholeMap;
  readonly #retired: Retirement;

  constructor(shards: Shards, cells: Cells, pin: Pin, dirty: DirtyTables, whole: WholeMap, retired: Retirement) {
    this.#shards = shards;
    this.#cells = cells;
    this.#pin = pin;
    this.#dirty = dirty;
    this.#whole = whole;
    this.#retired = retired;
  }

  /** Shards.afterRecoveryLocked: repairs shard `s`, whose lock this thread holds. */
  repairLocked(s: number): void {
    this.#finishOperationLocked(s);
    this.#whole.unsealLocked(s);
    this.#finishReviveLocked(s);
    this.#recountLocked(s);
  }

  #finishOperationLocked(s: number): void {
    const log = this.#shards.log;
    const op = log.opLocked(s);
    if (op === 0) return;
    const a0 = log.opArgLocked(s, 0);
    const a1 = log.opArgLocked(s, 1);
    if (op === OP_PROMOTE) {
      // Published (the snapshot is dirty's table): finish it. Not published: nothing happened.
      if ((this.#pin.reload(s) & ~AMENDED_BIT) === a1) this.#dirty.finishPromotionLocked(s, a0, a1);
      log.endOpLocked(s);
    } else if (op === OP_CLEAR) {
      this.#whole.finishClearLocked(s, a0, a1);
      log.endOpLocked(s);
    } else if (op === OP_RECLAIM) {
      this.#retired.resumeReclaimLocked(s);
    } else log.endOpLocked(s); // a scribbled log: nothing it names can be trusted
  }

  /** Invariant 2: a dirty slot whose cell is EXPUNGED is a revive that died before its last store. */
  #finishReviveLocked(s: number): void {
    const dirty = this.#shards.table(s);
    if (dirty === 0) return;
    const v = this.#shards.views;
    const capacity = tableCapacity(v, dirty);
    for (let slot = 0; slot < capacity; slot++) {
      if (!isFull(v, dirty, slot)) continue;
      const cell = this.#cells.cellOf(slotOffset(dirty, capacity, slot));
      if (Atomics.load(v.i32, cell) === EXPUNGED) Atomics.store(v.i32, cell, NIL);
    }
  }

  /** Recounts S_DIRTY_ONLY (dirty's cells the snapshot lacks) and S_LIVE (present cells). */
  #recountLocked(s: number): void {
    const shards = this.#shards;
    const v = shards.views;
    const w = this.#pin.reload(s);
    const snapshot = w & ~AMENDED_BIT;
    const dirty = shards.table(s);
    const inSnapshot = new Set<number>();
    let live = 0;
    const snapshotCapacity = snapshot === 0 ? 0 : tableCapacity(v, snapshot);
    for (let slot = 0; slot < snapshotCapacity; slot++) {
      if (!isFull(v, snapshot, slot)) continue;
      const cell = this.#cells.cellOf(slotOffset(snapshot, snapshotCapacity, slot));
      inSnapshot.add(cell);
      if (dirty === 0 && present(Atomics.load(v.i32, cell))) live++;
    }
    let dirtyOnly = 0;
    const dirtyCapacity = dirty === 0 ? 0 : tableCapacity(v, dirty);
    for (let slot = 0; slot < dirtyCapacity; slot++) {
      if (!isFull(v, dirty, slot)) continue;
      const cell = this.#cells.cellOf(slotOffset(dirty, dirtyCapacity, slot));
      if (!inSnapshot.has(cell)) dirtyOnly++;
      if (present(Atomics.load(v.i32, cell))) live++; // dirty holds every live cell (invariant 2)
    }
    shards.setDirtyOnlyLocked(s, dirtyOnly);
    shards.setLiveLocked(s, live);
    if (dirtyOnly > 0 && (w & AMENDED_BIT) === 0) this.#pin.publishLocked(s, w | AMENDED_BIT); // invariant 5a
  }
}
