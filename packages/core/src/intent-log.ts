/**
 * The intent log: how a mutation that changes published state in more than one store survives
 * the death of the thread running it. One log per shard, in lines 2-3 of its control block
 * (layout.ts, S_LOG_*), written and read only by the holder of that shard's lock.
 *
 * Protocol (invariants; shard.ts cites them as "log 1-4"):
 *  1. beginLocked clears the saved words, then sets S_LOG_STATE = 1. A mutation is "in flight"
 *     from that store until commitLocked stores 0. Everything a rollback needs is saved BEFORE the
 *     store it undoes: logSlotLocked copies the slot's words and only then names the slot;
 *     logCtrlLocked saves the control byte and only then names it; logTableLocked saves the table
 *     offset about to be replaced; logAllocLocked records each block the mutation allocated. A
 *     thread killed between a save and its store leaves a saved copy equal to what is published,
 *     and restoring it is a no-op.
 *  2. Blocks a mutation frees are freed only after commitLocked (the caller's duty, shard.ts
 *     invariant 5): until then a rollback may restore references to them.
 *  3. rollbackLocked (recovery, holding a lock taken over from a dead owner) restores the saved
 *     slot words and control byte, frees the blocks the mutation allocated, clears the state and
 *     returns the table offset to restore (0: none). Completed mutations have state 0 and are
 *     never touched: what returned before the death is kept.
 *  4. Saved offsets are bounds-checked before use: a log scribbled on by a stray write restores
 *     nothing outside the buffer.
 *
 *  5. Operations that cannot be undone once they published something (syncmap's promotion,
 *     clear, reclamation) are rolled FORWARD instead: beginOpLocked saves the kind and arguments
 *     (arguments first, kind last), progressLocked records the step about to run, endOpLocked
 *     clears the kind. Recovery reads them (opLocked) and the engine finishes the operation,
 *     resuming AFTER the step in flight: a step that frees a block may have freed it or not, and
 *     skipping it risks leaking that one block, never freeing it twice.
 *
 * What a rollback cannot prove (counts derived from the table) the shard recounts after it.
 */
import { LOG_ALLOCS, LOG_OP_ARGS, SLOT_BYTES, SLOT_WORDS, S_LOG_OP, S_LOG_OP_ARGS, S_LOG_OP_PROGRESS, S_LOG_CTRL_AT, S_LOG_CTRL_WAS, S_LOG_END, S_LOG_SLOT, S_LOG_SLOT_WORDS, S_LOG_STATE, S_LOG_TABLE_WAS, logAllocWord, shardWord, slotWord } from './layout.js';
import type { Heap } from './memory.js';
import type { Views } from './views.js';

const IN_FLIGHT = 1;

export class IntentLog {
  constructor(
    private readonly views: Views,
    private readonly heap: Heap,
  ) {}

  /** Log 1: a mutation of shard `s` starts. */
  beginLocked(s: number): void {
    const base = shardWord(s, 0);
    this.views.i32.fill(0, base + S_LOG_SLOT, base + S_LOG_END);
    this.views.i32[base + S_LOG_STATE] = IN_FLIGHT;
  }

  /** Log 1: the mutation in flight is complete; nothing of it will be rolled back. */
  commitLocked(s: number): void {
    this.views.i32[shardWord(s, S_LOG_STATE)] = 0;
  }

  inFlight(s: number): boolean {
    return this.views.i32[shardWord(s, S_LOG_STATE)] === IN_FLIGHT;
  }

  /** Saves the words of the slot at byte `at` before they change. */
  logSlotLocked(s: number, at: number): void {
    const i32 = this.views.i32;
    const base = shardWord(s, 0);
    i32.copyWithin(base + S_LOG_SLOT_WORDS, slotWord(at, 0), slotWord(at, SLOT_WORDS));
    i32[base + S_LOG_SLOT] = at; // only now is the saved copy complete
  }

  /** Saves the control byte at byte `ctrlAt` before it changes. */
  logCtrlLocked(s: number, ctrlAt: number): void {
    const base = shardWord(s, 0);
    this.views.i32[base + S_LOG_CTRL_WAS] = this.views.u8[ctrlAt]!;
    this.views.i32[base + S_LOG_CTRL_AT] = ctrlAt;
  }

  /** Saves the table offset `old` before the shard's S_TABLE is replaced. */
  logTableLocked(s: number, old: number): void {
    this.views.i32[shardWord(s, S_LOG_TABLE_WAS)] = old;
  }

  /** Records a block the mutation allocated (freed if it is rolled back); tables log -bytes. */
  logAllocLocked(s: number, block: number, bytes: number): void {
    const i32 = this.views.i32;
    for (let i = 0; i < LOG_ALLOCS; i++) {
      if (i32[logAllocWord(s, i, 0)] !== 0) continue;
      i32[logAllocWord(s, i, 1)] = bytes;
      i32[logAllocWord(s, i, 0)] = block; // only now is the record complete
      return;
    }
  }

  /**
   * A mutation that failed normally (a full heap) before publishing anything: frees the non-table
   * blocks it allocated, each unlisted before it is freed (a kill in between leaks the block,
   * never frees it twice). The caller then commits.
   */
  abortAllocsLocked(s: number): void {
    const i32 = this.views.i32;
    for (let i = 0; i < LOG_ALLOCS; i++) {
      const block = i32[logAllocWord(s, i, 0)]!;
      const bytes = i32[logAllocWord(s, i, 1)]!;
      if (block === 0 || bytes <= 0) continue;
      i32[logAllocWord(s, i, 0)] = 0;
      this.heap.free(s, block, bytes);
    }
  }

  /** Log 3: undoes the mutation in flight (if any); returns the table offset to restore (0: none). */
  rollbackLocked(s: number): number {
    const v = this.views;
    const i32 = v.i32;
    const base = shardWord(s, 0);
    if (i32[base + S_LOG_STATE] !== IN_FLIGHT) return 0;
    const tableWas = i32[base + S_LOG_TABLE_WAS]!;
    const slot = i32[base + S_LOG_SLOT]!;
    if (slot > 0 && v.covers(slot + SLOT_BYTES)) i32.copyWithin(slotWord(slot, 0), base + S_LOG_SLOT_WORDS, base + S_LOG_SLOT_WORDS + SLOT_WORDS);
    const ctrlAt = i32[base + S_LOG_CTRL_AT]!;
    if (ctrlAt > 0 && v.covers(ctrlAt + 1)) v.u8[ctrlAt] = i32[base + S_LOG_CTRL_WAS]!;
    for (let i = 0; i < LOG_ALLOCS; i++) {
      const block = i32[logAllocWord(s, i, 0)]!;
      const bytes = i32[logAllocWord(s, i, 1)]!;
      if (block !== 0 && bytes < 0) this.heap.freeTable(block, -bytes);
      else if (block !== 0) this.heap.free(s, block, bytes);
    }
    i32[base + S_LOG_STATE] = 0;
    return tableWas;
  }

  // --- operations rolled forward (log 5) -------------------------------------------------------

  /** Log 5: engine operation `op` (non-zero) starts with these arguments. */
  beginOpLocked(s: number, op: number, a0: number, a1 = 0, a2 = 0, a3 = 0): void {
    const i32 = this.views.i32;
    const args = shardWord(s, S_LOG_OP_ARGS);
    i32[args] = a0;
    i32[args + 1] = a1;
    i32[args + 2] = a2;
    i32[args + 3] = a3;
    i32[shardWord(s, S_LOG_OP_PROGRESS)] = -1;
    i32[shardWord(s, S_LOG_OP)] = op; // only now is the record complete
  }

  /** Log 5: the operation in flight is about to run step `step`. */
  progressLocked(s: number, step: number): void {
    this.views.i32[shardWord(s, S_LOG_OP_PROGRESS)] = step;
  }

  endOpLocked(s: number): void {
    this.views.i32[shardWord(s, S_LOG_OP)] = 0;
  }

  /** The operation in flight (0: none). */
  opLocked(s: number): number {
    return this.views.i32[shardWord(s, S_LOG_OP)]!;
  }

  /** Argument `i` (< LOG_OP_ARGS) of the operation in flight. */
  opArgLocked(s: number, i: number): number {
    return i < LOG_OP_ARGS ? this.views.i32[shardWord(s, S_LOG_OP_ARGS) + i]! : 0;
  }

  /** The step the operation in flight was about to run (-1: none yet). */
  opProgressLocked(s: number): number {
    return this.views.i32[shardWord(s, S_LOG_OP_PROGRESS)]!;
  }
}
