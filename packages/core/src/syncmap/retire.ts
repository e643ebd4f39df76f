/**
 * syncmap's retire lists: blocks (old snapshots with their dead cells, replaced records, their
 * blobs, dropped dirty tables) that a pinned thread may still read, kept per shard until no pin
 * can reach them.
 *
 * Invariant 7 (epoch.ts has 6): a retired block is unlinked first, then tagged with the epoch G
 * read after unlinking; it is freed (under its shard's lock) only when every pinned owner shows
 * an epoch > G. Any owner that pinned at > G pinned after the unlink, so it never saw the block.
 * A list that cannot grow (heap full) leaks the block: it is never freed early.
 *
 * Crash consistency (invariant 9):
 *  - An append writes the entry, then publishes it with one store of the count: a death in
 *    between leaks the block, never frees it.
 *  - A snapshot table is retired as ONE entry flagged SNAPSHOT_FLAG; the cells it owns (state
 *    deadIn(table), set by whoever retired it) and their key blobs are freed with it. So a
 *    promotion or a clear appends once, and recovery can tell whether it did (the last entry).
 *  - A reclamation pass is an operation rolled forward (intent-log.ts, log 5): it frees one entry
 *    at a time, logging the step about to run (each cell of a flagged table, then the block, then
 *    the entry's removal). Recovery resumes after the step in flight, so a block is never freed
 *    twice; at worst the one block being freed when the thread died leaks.
 *
 * Each list is one heap block (layout.ts, RETIRED_*): [capacity, count, reclaimAt, pad, (block,
 * bytes, epoch) x count], found through the shard's S_RETIRED word, all under the shard's lock.
 */
import { CELL_BYTES, H_NEXT_OWNER_ID, H_SYNC_EPOCH, OWNER_EPOCH, OWNER_SLOTS, RETIRED_BLOCK, RETIRED_BYTES, RETIRED_CAPACITY, RETIRED_COUNT, RETIRED_ENTRY_WORDS } from '../layout.js';
import { RETIRED_EPOCH, RETIRED_HEADER_WORDS, RETIRED_RECLAIM_AT, SLOT_KEY, SLOT_TAGS, cellAt, ownerWord, retiredEntry, retiredListBytes, retiredWord, slotOffset, slotWord, tableBytes } from '../layout.js';
import type { Shards } from '../shard.js';
import { payloadBlob } from '../slots.js';
import { isFull, tableCapacity } from '../table.js';
import { killPoint } from '../kill-points.js';
import { deadIn, type Cells } from './cells.js';
import { OP_RECLAIM } from './recovery-ops.js';

const RETIRED_FIRST_CAPACITY = 64;
/** Retirements between reclamation passes: each pass scans what is kept, so batch them. */
const RECLAIM_BATCH = 256;
/** A reclamation's logged steps past its cells (#freeEntryLocked); -1 is the log's "none yet". */
const STEP_FREE_BLOCK = -2;
const STEP_REMOVE = -3;
/** Low bit of an entry's block: a snapshot table whose dead cells are freed with it. */
const SNAPSHOT_FLAG = 1;

/** Epochs wrap: `a` is older than `b` (valid while live epochs span less than 2^31). */
function olderEpoch(a: number, b: number): boolean {
  return ((a - b) | 0) < 0;
}

export class Retirement {
  readonly #shards: Shards;
  readonly #cells: Cells;

  constructor(shards: Shards, cells: Cells) {
    this.#shards = shards;
    this.#cells = cells;
  }

  /** Retires `block` (`bytes`; negative: a table) of shard `s` after the caller unlinked it. */
  retireLocked(s: number, block: number, bytes: number): void {
    this.#appendLocked(s, block, bytes);
    this.reclaimIfDueLocked(s);
  }

  /** Retires snapshot table `table` with its dead cells, unless it is already the last entry. */
  retireSnapshotOnceLocked(s: number, table: number): void {
    this.#appendOnceLocked(s, table | SNAPSHOT_FLAG, -tableBytes(this.#tableCapacity(table)));
  }

  /** Retires table `table` alone (its cells belong to others), unless it is the last entry. */
  retireTableOnceLocked(s: number, table: number): void {
    this.#appendOnceLocked(s, table, -tableBytes(this.#tableCapacity(table)));
  }

  #tableCapacity(table: number): number {
    const capacity = tableCapacity(this.#shards.views, table);
    if (capacity === 0) this.#cells.cover(-1, 0, 'retired table');
    return capacity;
  }

  #appendOnceLocked(s: number, block: number, bytes: number): void {
    const list = this.#shards.retireListLocked(s);
    const count = list === 0 ? 0 : this.#count(list);
    if (count > 0 && this.#shards.views.i32[retiredEntry(list, count - 1) + RETIRED_BLOCK] === block) return;
    this.#appendLocked(s, block, bytes);
  }

  /** Invariant 9: the entry first, then the count that publishes it. */
  #appendLocked(s: number, block: number, bytes: number): void {
    const epoch = Atomics.load(this.#shards.views.i32, H_SYNC_EPOCH); // read after the unlink (invariant 7)
    let list = this.#listLocked(s);
    if (list === 0 || this.#count(list) === this.#capacity(list)) {
      list = this.#growLocked(s, list);
      if (list === 0 || this.#count(list) === this.#capacity(list)) return; // no room: the block leaks
    }
    const v = this.#shards.views.i32;
    const count = this.#count(list);
    const e = retiredEntry(list, count);
    v[e + RETIRED_BLOCK] = block;
    v[e + RETIRED_BYTES] = bytes;
    v[e + RETIRED_EPOCH] = epoch;
    killPoint('syncmap.retire.written');
    v[retiredWord(list, RETIRED_COUNT)] = count + 1;
  }

  /** The shard's retire list (0: none), checked against the buffer. */
  #listLocked(s: number): number {
    const list = this.#shards.retireListLocked(s);
    if (list !== 0) {
      this.#cells.cover(list, 4 * RETIRED_HEADER_WORDS, 'retire list');
      this.#cells.cover(list, retiredListBytes(this.#capacity(list)), 'retire list');
    }
    return list;
  }

  #count(list: number): number {
    return this.#shards.views.i32[retiredWord(list, RETIRED_COUNT)]!;
  }

  #capacity(list: number): number {
    return this.#shards.views.i32[retiredWord(list, RETIRED_CAPACITY)]!;
  }

  /** A list of twice the capacity holding `list`'s entries (`list` if the heap is full). */
  #growLocked(s: number, list: number): number {
    const heap = this.#shards.heap;
    const old = list === 0 ? 0 : this.#capacity(list);
    const capacity = Math.max(RETIRED_FIRST_CAPACITY, old * 2);
    const fresh = heap.alloc(s, retiredListBytes(capacity));
    if (fresh === 0) return list;
    const i32 = this.#shards.views.i32;
    i32[retiredWord(fresh, RETIRED_CAPACITY)] = capacity;
    const count = list === 0 ? 0 : this.#count(list);
    if (count > 0) i32.copyWithin(retiredEntry(fresh, 0), retiredEntry(list, 0), retiredEntry(list, count));
    i32[retiredWord(fresh, RETIRED_COUNT)] = count;
    i32[retiredWord(fresh, RETIRED_RECLAIM_AT)] = list === 0 ? RECLAIM_BATCH : i32[retiredWord(list, RETIRED_RECLAIM_AT)]!;
    this.#shards.setRetireListLocked(s, fresh); // one store publishes the copy; a death after it leaks the old list
    killPoint('syncmap.retire.grown');
    if (list !== 0) heap.free(s, list, retiredListBytes(old));
    return fresh;
  }

  /** Advances the epoch (from `epoch`, as last read): owners that pin after this pin past it. */
  advanceEpoch(): void {
    const i32 = this.#shards.views.i32;
    const epoch = Atomics.load(i32, H_SYNC_EPOCH);
    Atomics.compareExchange(i32, H_SYNC_EPOCH, epoch, ((epoch + 1) | 0) || 1);
  }

  /** Runs a reclamation pass now, due or not (clear(): what it retired is most of the map). */
  reclaimNowLocked(s: number): void {
    const list = this.#listLocked(s);
    if (list !== 0 && this.#count(list) > 0) this.#reclaimLocked(s, list);
  }

  /** Runs a reclamation pass if enough has been retired since the last one. */
  reclaimIfDueLocked(s: number): void {
    const list = this.#listLocked(s);
    if (list !== 0 && this.#count(list) >= this.#shards.views.i32[retiredWord(list, RETIRED_RECLAIM_AT)]!) this.#reclaimLocked(s, list);
  }

  /** Frees every retired block no pinned owner can still hold; advances the epoch if some remain. */
  #reclaimLocked(s: number, list: number): void {
    const epoch = Atomics.load(this.#shards.views.i32, H_SYNC_EPOCH);
    const oldestPinned = this.#oldestPinnedEpoch();
    const log = this.#shards.log;
    for (let i = 0; i < this.#count(list); ) {
      const e = retiredEntry(list, i);
      const i32 = this.#shards.views.i32;
      const block = i32[e + RETIRED_BLOCK]!;
      const bytes = i32[e + RETIRED_BYTES]!;
      if (oldestPinned !== 0 && !olderEpoch(i32[e + RETIRED_EPOCH]!, oldestPinned)) {
        i++;
        continue;
      }
      log.beginOpLocked(s, OP_RECLAIM, list, i, block, bytes);
      this.#freeEntryLocked(s, list, i, block, bytes, 0);
      log.endOpLocked(s);
    }
    const i32 = this.#shards.views.i32;
    const kept = this.#count(list);
    i32[retiredWord(list, RETIRED_RECLAIM_AT)] = kept + RECLAIM_BATCH;
    // Owners pinned at `epoch` move past it when they next pin (at most REPIN_OPS operations or
    // one task later); a later pass frees what is kept now. 0 is skipped: it means "not pinned".
    if (kept > 0) Atomics.compareExchange(i32, H_SYNC_EPOCH, epoch, ((epoch + 1) | 0) || 1);
  }

  /**
   * Frees entry `i` of `list` from step `from` on, logging each step before it runs (invariant 9).
   * Steps: 2 per slot of a flagged table (its dead cell's key blob, then the cell: `from` >= 0
   * starts there), then the block (STEP_FREE_BLOCK), then the entry's removal (STEP_REMOVE). The
   * last two are logged by name, not by slot count: once the block is freed its table header is
   * another block's, and the slot count cannot be read back from it.
   */
  #freeEntryLocked(s: number, list: number, i: number, block: number, bytes: number, from: number): void {
    const shards = this.#shards;
    const heap = shards.heap;
    const log = shards.log;
    const table = block & ~SNAPSHOT_FLAG;
    const slots = from >= 0 && (block & SNAPSHOT_FLAG) !== 0 ? this.#tableCapacity(table) : 0;
    for (let step = Math.max(from, 0); step < 2 * slots; step++) {
      const v = shards.views;
      const slot = step >> 1;
      if (!isFull(v, table, slot)) continue;
      const at = slotOffset(table, slots, slot);
      const cell = this.#cells.cellOf(at);
      if (Atomics.load(v.i32, cell) !== deadIn(table)) continue;
      log.progressLocked(s, step);
      if ((step & 1) === 0) {
        const [blob, blobBytes] = payloadBlob(v, at, SLOT_KEY, v.i32[slotWord(at, SLOT_TAGS)]! & 0xff);
        if (blobBytes > 0) heap.free(s, blob, blobBytes);
      } else heap.free(s, cellAt(cell), CELL_BYTES);
      killPoint('syncmap.reclaim.cell');
    }
    if (from !== STEP_REMOVE) {
      log.progressLocked(s, STEP_FREE_BLOCK);
      if (bytes < 0) heap.freeTable(table, -bytes);
      else heap.free(s, table, bytes);
      killPoint('syncmap.reclaim.freed');
    }
    log.progressLocked(s, STEP_REMOVE);
    this.#removeEntryLocked(list, i, block);
  }

  /**
   * Removes entry `i` (holding `block`): the last entry moves into it, then the count is cut.
   * Idempotent, for recovery: a copy made but not yet cut shows as entry `i` equal to the last.
   */
  #removeEntryLocked(list: number, i: number, block: number): void {
    const i32 = this.#shards.views.i32;
    const count = this.#count(list);
    if (i >= count) return; // done already
    const e = retiredEntry(list, i);
    const last = retiredEntry(list, count - 1);
    const copied = i < count - 1 && i32[e + RETIRED_BLOCK] === i32[last + RETIRED_BLOCK] && i32[e + RETIRED_EPOCH] === i32[last + RETIRED_EPOCH];
    if (!copied) {
      if (i32[e + RETIRED_BLOCK] !== block) return; // done already
      if (i < count - 1) i32.copyWithin(e, last, last + RETIRED_ENTRY_WORDS);
      killPoint('syncmap.reclaim.moved'); // entry i and the last hold the same block until the cut
    }
    i32[retiredWord(list, RETIRED_COUNT)] = count - 1;
  }

  /** Recovery of a reclamation pass a dead owner left in flight: finish freeing its entry. */
  resumeReclaimLocked(s: number): void {
    const log = this.#shards.log;
    const list = log.opArgLocked(s, 0);
    const i = log.opArgLocked(s, 1);
    const block = log.opArgLocked(s, 2);
    const bytes = log.opArgLocked(s, 3);
    if (list === this.#shards.retireListLocked(s) && list !== 0) {
      const progress = log.opProgressLocked(s);
      // The step in flight may have run: resume after it (a leak at worst, never a double free),
      // except the removal, which is idempotent and is redone. A cell step's table is not freed
      // yet, so its slot count can still be read.
      const from = progress === -1 ? 0 : progress >= 0 ? progress + 1 : STEP_REMOVE;
      this.#freeEntryLocked(s, list, i, block, bytes, from);
    }
    log.endOpLocked(s);
  }

  /** The oldest epoch any owner has pinned (0 if none is pinned). */
  #oldestPinnedEpoch(): number {
    const i32 = this.#shards.views.i32;
    const owners = Math.min(OWNER_SLOTS, Math.max(0, Atomics.load(i32, H_NEXT_OWNER_ID)));
    let oldest = 0;
    for (let id = 1; id <= owners; id++) {
      const pinned = Atomics.load(i32, ownerWord(this.#shards.shardCount, id, OWNER_EPOCH));
      if (pinned !== 0 && (oldest === 0 || olderEpoch(pinned, oldest))) oldest = pinned;
    }
    return oldest;
  }
}
