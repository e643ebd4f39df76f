/**
 * syncmap's retire lists: blocks (old snapshots, dropped cells, replaced records, their blobs)
 * that a pinned thread may still read, kept per shard until no pin can reach them.
 *
 * Invariant 7 (epoch.ts has 6): a retired block is unlinked first, then tagged with the epoch G
 * read after unlinking; it is freed (under its shard's lock) only when every pinned owner shows
 * an epoch > G. Any owner that pinned at > G pinned after the unlink, so it never saw the block.
 * A list that cannot grow (heap full) leaks the block: it is never freed early.
 *
 * Each list is one heap block (layout.ts, RETIRED_*): [capacity, count, reclaimAt, pad, (block,
 * bytes, epoch) x count], found through the shard's S_RETIRED word, all under the shard's lock.
 */
import { H_NEXT_OWNER_ID, H_SYNC_EPOCH, OWNER_EPOCH, OWNER_SLOTS, RETIRED_BLOCK, RETIRED_BYTES, RETIRED_CAPACITY, RETIRED_COUNT, RETIRED_ENTRY_WORDS, RETIRED_EPOCH, RETIRED_HEADER_WORDS, RETIRED_RECLAIM_AT, ownerWord, retiredEntry, retiredListBytes, retiredWord } from '../layout.js';
import type { Shards } from '../shard.js';
import type { Cells } from './cells.js';

const RETIRED_FIRST_CAPACITY = 64;
/** Retirements between reclamation passes: each pass scans what is kept, so batch them. */
const RECLAIM_BATCH = 256;

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

  /**
   * Retires `block` (`bytes`; negative: a table, freed to the heap's table lists) of shard `s`,
   * under its lock, after the caller unlinked it (invariant 7).
   */
  retireLocked(s: number, block: number, bytes: number): void {
    const i32 = this.#shards.views.i32;
    const epoch = Atomics.load(i32, H_SYNC_EPOCH); // read after the unlink (invariant 7)
    let list = this.#shards.retireListLocked(s);
    if (list !== 0) {
      this.#cells.cover(list, 4 * RETIRED_HEADER_WORDS, 'retire list');
      this.#cells.cover(list, retiredListBytes(this.#capacity(list)), 'retire list');
    }
    if (list === 0 || this.#count(list) === this.#capacity(list)) {
      if (list !== 0) this.#reclaimLocked(s, list);
      if (list === 0 || this.#count(list) === this.#capacity(list)) list = this.#growLocked(s, list);
      if (list === 0) return;
    }
    const v = this.#shards.views.i32;
    const count = this.#count(list);
    const e = retiredEntry(list, count);
    v[e + RETIRED_BLOCK] = block;
    v[e + RETIRED_BYTES] = bytes;
    v[e + RETIRED_EPOCH] = epoch;
    v[retiredWord(list, RETIRED_COUNT)] = count + 1;
    if (count + 1 >= v[retiredWord(list, RETIRED_RECLAIM_AT)]!) this.#reclaimLocked(s, list);
  }

  #count(list: number): number {
    return this.#shards.views.i32[retiredWord(list, RETIRED_COUNT)]!;
  }

  #capacity(list: number): number {
    return this.#shards.views.i32[retiredWord(list, RETIRED_CAPACITY)]!;
  }

  /** A list of twice the capacity holding `list`'s entries (0 if the heap is full). */
  #growLocked(s: number, list: number): number {
    const heap = this.#shards.heap;
    const old = list === 0 ? 0 : this.#capacity(list);
    const capacity = Math.max(RETIRED_FIRST_CAPACITY, old * 2);
    const fresh = heap.alloc(s, retiredListBytes(capacity));
    if (fresh === 0) return list !== 0 && this.#count(list) < old ? list : 0;
    const i32 = this.#shards.views.i32;
    i32[retiredWord(fresh, RETIRED_CAPACITY)] = capacity;
    const count = list === 0 ? 0 : this.#count(list);
    if (count > 0) i32.copyWithin(retiredEntry(fresh, 0), retiredEntry(list, 0), retiredEntry(list, count));
    i32[retiredWord(fresh, RETIRED_COUNT)] = count;
    i32[retiredWord(fresh, RETIRED_RECLAIM_AT)] = count + RECLAIM_BATCH;
    this.#shards.setRetireListLocked(s, fresh);
    if (list !== 0) heap.free(s, list, retiredListBytes(old));
    return fresh;
  }

  /** Frees every retired block no pinned owner can still hold; advances the epoch if some remain. */
  #reclaimLocked(s: number, list: number): void {
    const i32 = this.#shards.views.i32;
    const epoch = Atomics.load(i32, H_SYNC_EPOCH);
    const oldestPinned = this.#oldestPinnedEpoch();
    const heap = this.#shards.heap;
    const count = this.#count(list);
    let kept = 0;
    for (let i = 0; i < count; i++) {
      const e = retiredEntry(list, i);
      const block = i32[e + RETIRED_BLOCK]!;
      const bytes = i32[e + RETIRED_BYTES]!;
      const retiredAt = i32[e + RETIRED_EPOCH]!;
      if (oldestPinned === 0 || olderEpoch(retiredAt, oldestPinned)) {
        if (bytes < 0) heap.freeTable(block, -bytes);
        else heap.free(s, block, bytes);
        continue;
      }
      const k = retiredEntry(list, kept);
      this.#shards.views.i32.copyWithin(k, e, e + RETIRED_ENTRY_WORDS);
      kept++;
    }
    const after = this.#shards.views.i32;
    after[retiredWord(list, RETIRED_COUNT)] = kept;
    after[retiredWord(list, RETIRED_RECLAIM_AT)] = kept + RECLAIM_BATCH;
    // Owners pinned at `epoch` move past it when they next pin (at most REPIN_OPS operations or
    // one task later); a later pass frees what is kept now. 0 is skipped: it means "not pinned".
    if (kept > 0) Atomics.compareExchange(after, H_SYNC_EPOCH, epoch, ((epoch + 1) | 0) || 1);
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
