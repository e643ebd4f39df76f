/**
 * syncmap mode: Go's read-snapshot sync.Map (Go 1.9–1.23, src/sync/map.go), per shard, in shared
 * memory. Chosen per shard rather than per map: new keys then contend only on their shard's lock,
 * and a promotion copies (and a rebuild walks) one shard's entries, not the whole map's.
 *
 * Per shard:
 *  - the READ SNAPSHOT (S_SNAPSHOT): an immutable table, published by one Atomics.store of its
 *    offset | AMENDED, read by anyone with no lock;
 *  - the DIRTY table (S_TABLE): a table under the shard lock (null after a promotion);
 *  - both map a key to the same CELL: one word whose state is NIL (deleted), EXPUNGED (deleted and
 *    absent from dirty), an inline value (small int, undefined/null/boolean) or the offset of an
 *    immutable value RECORD. Updating or deleting a key already in the snapshot is one
 *    compareExchange on its cell, with no lock, when neither the old nor the new state is a
 *    record (a record must be allocated and retired, which needs the shard's heap: those writes
 *    take the lock and then do the same compareExchange).
 *
 * Invariants (the lock is the shard's lock; "published" = in some read snapshot ever stored):
 *  1. A snapshot table is never written after it is published.
 *  2. Every non-EXPUNGED cell of the current snapshot is in dirty, when dirty exists. EXPUNGED
 *     cells are in no dirty table. Only lock holders move a cell to or from EXPUNGED, and one that
 *     leaves EXPUNGED is put back into dirty first.
 *  3. Hence a cell that is not EXPUNGED, found through ANY snapshot (even an old one a thread
 *     still caches), is its key's one live cell: a cell leaves the current snapshot only through
 *     a promotion that drops it, which needs it EXPUNGED, and it never leaves that state again.
 *     Readers may keep a stale snapshot while pinned: a non-EXPUNGED hit is current; a miss or an
 *     EXPUNGED hit re-reads S_SNAPSHOT before concluding anything.
 *  3'. A hit whose cell holds an inline int reads the cell with a plain load, not Atomics.load
 *     (a builtin call of ~100 instructions, half as many as the probe). An aligned Int32 read is
 *     tear-free, so it yields a state the cell held during the call: a racing compareExchange
 *     linearizes on either side of it, and a write that happens-before the get is seen (the
 *     memory model's coherent reads). Only the int itself is used. Any other state goes through
 *     Atomics.load, whose synchronizes-with edge is what makes a record's contents visible.
 *  4. clear() and snapshot() hold every lock and touch every cell with compareExchange: clear
 *     expunges them all (so stale snapshots see nothing), snapshot() SEALS them (a flag lock-free
 *     writers must not pass; readers ignore it), which freezes the map for one instant.
 *     update()/add() seal the one cell they read-modify-write, under its lock. A cell is sealed
 *     only while its shard's lock is held, so a recovery that takes that lock over from a dead
 *     owner unseals every cell of the shard (the sealer's write never happened: the old state
 *     stays, as if the call had not been made).
 *  5. misses >= dirty's size promotes dirty to the snapshot (dirty becomes null); the first new
 *     key after that rebuilds dirty from the snapshot, first expunging its NIL cells.
 *  5'. A lookup that misses an amended snapshot reads dirty as striped readers read their table
 *     (shard.ts, map.ts #lookup): the lock word before and after, equal and unlocked, means no
 *     lock holder ran in between, so the snapshot word, dirty, the key's slot and (for a key
 *     only dirty holds, which no lock-free writer can reach) its cell were all as read at one
 *     instant. The miss is counted (Atomics.add) and the lookup that brings misses to dirty's
 *     size promotes under the lock. Go takes the mutex for this lookup; the answer is the same.
 *  5a. S_DIRTY_ONLY counts dirty's slots whose key the snapshot lacks; AMENDED is set whenever it
 *     is > 0. When a delete takes it back to 0, every key of dirty is in the snapshot: the
 *     snapshot already answers every lookup, so AMENDED is cleared (misses reset) instead of a
 *     promotion, and dirty is KEPT (invariant 2 still holds: no cell changed). The next new key
 *     then amends again with no rebuild. This departs from Go, whose Delete of the one new key
 *     counts a miss that promotes, so its next Store copies the whole snapshot: a store+delete
 *     of a fresh key (SwapMostlyMisses) would cost a promotion and a rebuild every time.
 *
 * Reclamation (quiescent-state based, Linux RCU's QSBR): a snapshot table, a dropped cell, a
 * replaced record may still be read by a thread that loaded its offset earlier. Invariants:
 *  6. A thread pins before its first operation in a task: it stores the global epoch
 *     (H_SYNC_EPOCH) into its owner entry (OWNER_EPOCH), then reads offsets. It unpins (stores 0,
 *     forgets its cached snapshots) in a microtask, so between tasks it holds nothing; it re-pins
 *     every REPIN_OPS operations of a long synchronous run (never inside range()).
 *  7. A retired block is unlinked first, then tagged with the epoch G read after unlinking; it is
 *     freed (under its shard's lock) only when every pinned owner shows an epoch > G. Any owner
 *     that pinned at > G pinned after the unlink, so it never saw the block.
 *  A thread that stays pinned (blocked inside a task) or dies without recoverThread() holds back
 *  reclamation (never correctness): memory then grows until it unpins or is recovered.
 */
import {
  AMENDED_BIT,
  CELL_BYTES,
  CELL_STATE,
  H_CHECKSUM,
  H_NEXT_OWNER_ID,
  H_SEED,
  MIN_CAPACITY,
  H_SYNC_EPOCH,
  OWNER_EPOCH,
  OWNER_SLOTS,
  RECORD_BYTES,
  RECORD_PAYLOAD,
  RECORD_TAG,
  RETIRED_CAPACITY,
  RETIRED_COUNT,
  RETIRED_ENTRY_WORDS,
  RETIRED_HEADER_WORDS,
  RETIRED_RECLAIM_AT,
  SLOT_BYTES,
  SLOT_CELL,
  SLOT_HASH,
  SLOT_KEY,
  SLOT_TAGS,
  S_COUNT,
  S_DIRTY_ONLY,
  S_LIVE,
  S_LOCK,
  S_MISSES,
  S_PROMOTIONS,
  S_RETIRED,
  S_SNAPSHOT,
  S_TABLE,
  S_TOMBSTONES,
  TBL_CAPACITY,
  ctrlStart,
  ownerWord,
  shardWord,
  slotIndex,
  slotOffset,
  tableBytes,
} from './layout.js';
import { EncodedValue, ProbeKey, T_NUMBER, finishValue, isInlineTag, inlineValue, plausibleValue, sameValue } from './codecs.js';
import { corruptError, fullError, tableError } from './errors.js';
import type { Views } from './memory.js';
import type { Shards } from './shard.js';
import { RawValue, freeBlob, payloadBlob, readKeyLocked, readPayload, setTags, storeKey, storePayload, writeBlob, type BlobAllocator } from './slots.js';
import { TORN, eraseSlot, findNumber, findSlot, initTable, isFull, tableCapacity } from './table.js';
import { DELETED } from './control.js';
import { hashNumber } from './hash.js';
import { LOCKED } from './lock.js';

/** Cell states. Low two bits: 0 record offset (8-aligned) or NIL, 1 small int, 2 constant, 3 EXPUNGED. */
export const NIL = 0;
const EXPUNGED = 3;
/** Set on a cell by a lock holder that must see it unchanged (invariant 4); readers mask it off. */
const SEALED = 4;
const KIND_INT = 1;
const KIND_CONSTANT = 2;
/** Ints stored in the cell itself: 29 bits of the 32 (the low three are kind and SEALED). */
const SMALL_INT_MIN = -(2 ** 28);
const SMALL_INT_MAX = 2 ** 28 - 1;
const SLOT_WORDS = SLOT_BYTES >> 2;
/** Operations between re-pins of a thread in one long synchronous run (invariant 6). */
const REPIN_OPS = 1024;
const NOT_LOADED = -1;
/** #loadDirtyOptimistic's "no answer": never a visible state (kind 3 is EXPUNGED alone, never visible). */
const MUST_LOCK = 0x7fffffff;
const RETIRED_FIRST_CAPACITY = 64;
/** Retirements between reclamation passes: each pass scans what is kept, so batch them. */
const RECLAIM_BATCH = 256;

/** Epochs wrap: `a` is older than `b` (valid while live epochs span less than 2^31). */
function olderEpoch(a: number, b: number): boolean {
  return ((a - b) | 0) < 0;
}

/** What a read-modify-write callback decided. */
export const RMW_KEEP = 0;
export const RMW_STORE = 1;
export const RMW_DELETE = 2;

/** True if state `st` holds a value (not NIL, not EXPUNGED; SEALED ignored). */
export function present(st: number): boolean {
  return st !== EXPUNGED && (st & ~SEALED) !== NIL;
}

function isRecord(st: number): boolean {
  return (st & 3) === 0 && (st & ~7) !== 0;
}

/** The cell state holding `value` with no record, or -1 if it needs one. */
function inlineState(value: EncodedValue): number {
  if (value.tag === T_NUMBER) {
    const n = value.num;
    if ((n | 0) === n && n >= SMALL_INT_MIN && n <= SMALL_INT_MAX && (n !== 0 || 1 / n > 0)) return (n << 3) | KIND_INT;
    return -1;
  }
  return isInlineTag(value.tag) ? ((value.tag - 1) << 3) | KIND_CONSTANT : -1;
}

/**
 * This thread's syncmap instances, per buffer (its seed and checksum words). When one re-pins in a
 * long synchronous run it re-pins its idle siblings too: they run no code until the run ends, so
 * their microtask never comes, and their old pins would hold back reclamation (invariant 6).
 */
const threadInstances = new Map<string, Set<WeakRef<SnapshotMode>>>();

export interface SnapshotConfig {
  readonly shardCount: number;
  readonly keyCodec: number;
  readonly valueCodec: number;
  readonly seed: number;
  readonly hashMask: number;
  readonly maxBytes: number;
}

export class SnapshotMode {
  readonly #views: Views;
  readonly #shards: Shards;
  readonly #c: SnapshotConfig;
  readonly #shardMask: number;
  readonly #shardBits: number;
  readonly #anyNumber: boolean;
  readonly #epochWord: number;
  /** Per shard: the snapshot word this thread loaded while pinned (NOT_LOADED otherwise). */
  readonly #cache: Int32Array;
  /** Per shard: the capacity of the cached snapshot's table (valid with #cache). */
  readonly #capacities: Int32Array;
  #budget = 0;
  #unpinQueued = false;
  #rangeDepth = 0;
  /** Set by #liveCellLocked: whether the key was in the snapshot (else dirty, where Go counts a miss). */
  #foundInSnapshot = false;
  /** >0 while user code runs inside one of this instance's operations (an update callback). */
  #busy = 0;
  #pinned = false;
  readonly #siblings: Set<WeakRef<SnapshotMode>>;
  readonly #raw = new RawValue();
  readonly #keyRaw = new RawValue();
  readonly #probe = new ProbeKey();
  readonly #alloc: BlobAllocator;

  constructor(views: Views, shards: Shards, config: SnapshotConfig, ownerId: number) {
    this.#views = views;
    this.#shards = shards;
    this.#c = config;
    this.#shardMask = config.shardCount - 1;
    this.#shardBits = shards.shardBits;
    this.#anyNumber = config.valueCodec === 0 || config.valueCodec === 2;
    this.#epochWord = ownerWord(config.shardCount, ownerId, OWNER_EPOCH);
    this.#cache = new Int32Array(config.shardCount).fill(NOT_LOADED);
    this.#capacities = new Int32Array(config.shardCount);
    this.#alloc = { allocLocked: (s: number, bytes: number): number => shards.heap.alloc(s, bytes) };
    shards.afterRecoveryLocked = (s) => this.#unsealLocked(s);
    const key = `${views.i32[H_SEED]}:${views.i32[H_CHECKSUM]}`;
    let siblings = threadInstances.get(key);
    if (siblings === undefined) threadInstances.set(key, (siblings = new Set()));
    siblings.add(new WeakRef(this));
    this.#siblings = siblings;
  }

  // --- pinning (invariant 6) ------------------------------------------------------------------

  /** Called first by every operation. */
  enter(): void {
    if (--this.#budget < 0) this.#pin();
  }

  #pin(): void {
    this.#budget = REPIN_OPS;
    if (this.#rangeDepth > 0) return; // a range still walks what it pinned
    const i32 = this.#views.i32;
    const epoch = Atomics.load(i32, H_SYNC_EPOCH);
    Atomics.store(i32, this.#epochWord, epoch);
    this.#cache.fill(NOT_LOADED);
    this.#pinned = true;
    for (const ref of this.#siblings) {
      const sibling = ref.deref();
      if (sibling === undefined) this.#siblings.delete(ref);
      else if (sibling !== this) sibling.#repinIfIdle(epoch);
    }
    if (!this.#unpinQueued) {
      this.#unpinQueued = true;
      queueMicrotask(this.#unpin);
    }
  }

  /** A sibling's re-pin: forget every cached offset and take the newer epoch, unless in use. */
  #repinIfIdle(epoch: number): void {
    if (!this.#pinned || this.#rangeDepth > 0 || this.#busy > 0) return;
    Atomics.store(this.#views.i32, this.#epochWord, epoch);
    this.#cache.fill(NOT_LOADED);
  }

  readonly #unpin = (): void => {
    this.#unpinQueued = false;
    if (this.#rangeDepth > 0) return;
    this.#pinned = false;
    Atomics.store(this.#views.i32, this.#epochWord, 0);
    this.#cache.fill(NOT_LOADED);
    this.#budget = 0;
  };

  /** Shard `s`'s snapshot word as this thread last loaded it in this pin. */
  #snap(s: number): number {
    const w = this.#cache[s]!;
    return w !== NOT_LOADED ? w : this.#reload(s);
  }

  #reload(s: number): number {
    const w = Atomics.load(this.#views.i32, shardWord(s, S_SNAPSHOT));
    this.#remember(s, w);
    return w;
  }

  #remember(s: number, w: number): void {
    const table = w & ~AMENDED_BIT;
    const capacity = table === 0 ? 0 : tableCapacity(this.#views, table);
    if (table !== 0 && capacity === 0) throw corruptError('snapshot', `table at ${table} is impossible`);
    this.#capacities[s] = capacity; // a published snapshot never changes (invariant 1)
    this.#cache[s] = w;
  }

  #publishSnapshot(s: number, w: number): void {
    Atomics.store(this.#views.i32, shardWord(s, S_SNAPSHOT), w);
    this.#remember(s, w);
  }

  // --- finding cells ----------------------------------------------------------------------------

  /** The slot offset of `probe` in the table at `table` (0: none, or no table). */
  #findIn(table: number, probe: ProbeKey): number {
    if (table === 0) return 0;
    const capacity = tableCapacity(this.#views, table);
    if (capacity === 0) throw tableError('snapshot', -1, table, 'impossible');
    const slot = findSlot(this.#views, table, capacity, probe, probe.hash >>> this.#shardBits);
    if (slot === TORN) throw tableError('snapshot', -1, table, 'unreadable key or no empty group');
    return slot < 0 ? 0 : slotOffset(table, capacity, slot);
  }

  /** The cell's word index, after checking it lies in the buffer. */
  #cellOf(at: number): number {
    const cell = this.#views.i32[(at >> 2) + SLOT_CELL]!;
    if (cell <= 0 || (cell & 7) !== 0 || !this.#views.covers(cell + CELL_BYTES)) throw corruptError('snapshot', `cell ${cell} outside the buffer`);
    return (cell >> 2) + CELL_STATE;
  }

  /**
   * Makes this thread's views cover [block, block + bytes): blocks another thread allocated may lie
   * beyond them, and a typed-array store out of range is silently dropped.
   */
  #cover(block: number, bytes: number, what: string): void {
    if (block <= 0 || (block & 7) !== 0 || !this.#views.covers(block + bytes)) throw corruptError('snapshot', `${what} ${block} outside the buffer`);
  }

  /**
   * The state of the cell of slot `at`. #cellOf may rebuild the views (catching up with growth),
   * so the view is read after it: `this.#stateAt(at)` would take
   * the old, shorter view first and index past its end.
   */
  #stateAt(at: number): number {
    const cell = this.#cellOf(at);
    return Atomics.load(this.#views.i32, cell);
  }

  #dirty(s: number): number {
    return this.#views.i32[shardWord(s, S_TABLE)]!;
  }

  /** The dirty slot offset of `probe` (0: none). Under the lock. */
  #findDirty(s: number, probe: ProbeKey): number {
    return this.#findIn(this.#dirty(s), probe);
  }

  // --- decoding -------------------------------------------------------------------------------

  /** The value a present state stands for (records stay valid while this thread is pinned). */
  decode(st: number): unknown {
    const kind = st & 3;
    if (kind === KIND_INT) return st >> 3;
    if (kind === KIND_CONSTANT) return inlineValue(((st >> 3) & 3) + 1);
    const record = st & ~7;
    const v = this.#views;
    if (record <= 0 || !v.covers(record + RECORD_BYTES)) throw corruptError('snapshot', `value record ${record} outside the buffer`);
    const raw = this.#raw;
    const tag = v.i32[(record >> 2) + RECORD_TAG]!;
    if (!readPayload(v, record, RECORD_PAYLOAD, tag, raw)) throw corruptError('snapshot', `value record ${record} unreadable`);
    if (raw.tag === T_NUMBER && this.#anyNumber) return raw.num;
    if (!plausibleValue(this.#c.valueCodec, raw.tag, raw.num)) throw corruptError('snapshot', `a stored value has tag ${raw.tag}, impossible for this codec`);
    return finishValue(raw.tag, raw.num, raw.str, raw.bytes);
  }

  // --- reads ----------------------------------------------------------------------------------

  /**
   * get() of a number key: the snapshot hit of a small int costs no Atomics call (invariant 3').
   * Kept small in bytecode on purpose: V8 inlines callees into a hot caller only up to a
   * cumulative bytecode budget, so the rest of a lookup lives in #getNumberMissed.
   */
  getNumber(num: number): unknown {
    const c = this.#c;
    const hash = hashNumber(num, c.seed) & c.hashMask;
    const s = hash & this.#shardMask;
    let w = this.#cache[s]!; // #snap(s), spelled out to stay within the inlining budget
    if (w === NOT_LOADED) w = this.#reload(s);
    const table = w & ~AMENDED_BIT;
    let slot = -1;
    if (table !== 0) {
      const v = this.#views;
      const capacity = this.#capacities[s]!; // checked against the views when cached
      slot = findNumber(v, table, capacity, hash, hash >>> this.#shardBits, num);
      if (slot >= 0) {
        const cell = v.i32[(slotOffset(table, capacity, slot) >> 2) + SLOT_CELL]!;
        if (cell > 0 && cell + CELL_BYTES <= v.length) {
          const st = v.i32[(cell >> 2) + CELL_STATE]!; // a plain read: invariant 3'
          if ((st & 3) === KIND_INT) return st >> 3;
        }
      }
    }
    return this.#getNumberMissed(num, hash, s, w, slot);
  }

  /** getNumber past its fast path: `slot` is the probe's answer in snapshot `w` (-1: none). */
  #getNumberMissed(num: number, hash: number, s: number, w: number, slot: number): unknown {
    const probe = this.#probe;
    probe.tag = T_NUMBER;
    probe.num = num === 0 ? 0 : num;
    probe.hash = hash;
    // Not in this snapshot: carry on from the probe just made (absent keys probe once, not twice).
    const st = slot === -1 ? this.#loadMissed(s, w, 0, probe) : this.load(probe);
    return st === NIL ? undefined : this.decode(st);
  }

  /** Load: the key's state (NIL if absent), SEALED masked off. */
  load(probe: ProbeKey): number {
    const s = probe.hash & this.#shardMask;
    const w = this.#snap(s);
    const at = this.#findIn(w & ~AMENDED_BIT, probe);
    if (at !== 0) {
      const st = this.#stateAt(at);
      if (st !== EXPUNGED) return st & ~SEALED; // invariant 3
    }
    return this.#loadMissed(s, w, at, probe);
  }

  /**
   * Load, after snapshot word `w` was probed and held nothing live for `probe` (`at`: 0, or its
   * EXPUNGED slot). A table already probed is not probed again: it never changes (invariant 1).
   */
  #loadMissed(s: number, w: number, at: number, probe: ProbeKey): number {
    const current = this.#reload(s);
    if ((current & ~AMENDED_BIT) !== (w & ~AMENDED_BIT)) {
      at = this.#findIn(current & ~AMENDED_BIT, probe);
      if (at !== 0) return this.#visible(this.#stateAt(at));
    } else if (at !== 0) return NIL; // EXPUNGED in the current snapshot: absent
    if ((current & AMENDED_BIT) === 0) return NIL;
    const optimistic = this.#loadDirtyOptimistic(s, current, probe);
    if (optimistic !== MUST_LOCK) return optimistic;
    const shards = this.#shards;
    shards.lock(s);
    try {
      const locked = this.#reload(s);
      if ((locked & ~AMENDED_BIT) !== (current & ~AMENDED_BIT)) {
        at = this.#findIn(locked & ~AMENDED_BIT, probe);
        if (at !== 0) return this.#visible(this.#stateAt(at));
      }
      if ((locked & AMENDED_BIT) === 0) return NIL;
      const dirtyAt = this.#findDirty(s, probe);
      const st = dirtyAt !== 0 ? this.#stateAt(dirtyAt) : NIL;
      this.#missLocked(s);
      return this.#visible(st);
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
    const lockWord = shardWord(s, S_LOCK);
    const seq = Atomics.load(v.i32, lockWord);
    if ((seq & LOCKED) !== 0 || Atomics.load(v.i32, shardWord(s, S_SNAPSHOT)) !== w) return MUST_LOCK;
    const dirty = v.i32[shardWord(s, S_TABLE)]!;
    const capacity = tableCapacity(v, dirty); // 0 for null or implausible: take the lock
    if (capacity === 0) return MUST_LOCK;
    const slot = findSlot(v, dirty, capacity, probe, probe.hash >>> this.#shardBits);
    if (slot === TORN) return MUST_LOCK;
    let st = NIL;
    if (slot >= 0) {
      const i32 = v.i32; // after tableCapacity, which may have grown the views
      const cell = i32[(slotOffset(dirty, capacity, slot) >> 2) + SLOT_CELL]!;
      if (cell <= 0 || (cell & 7) !== 0 || cell + CELL_BYTES > v.length) return MUST_LOCK;
      st = Atomics.load(i32, (cell >> 2) + CELL_STATE);
    }
    const i32 = v.i32;
    if (Atomics.load(i32, lockWord) !== seq) return MUST_LOCK;
    if (Atomics.add(i32, shardWord(s, S_MISSES), 1) + 1 >= i32[shardWord(s, S_COUNT)]!) this.#promoteIfDue(s);
    return this.#visible(st);
  }

  /** Promotes shard `s` if it is still amended and its misses reached dirty's size (Go's missLocked). */
  #promoteIfDue(s: number): void {
    const shards = this.#shards;
    shards.lock(s);
    try {
      const i32 = this.#views.i32;
      if ((this.#reload(s) & AMENDED_BIT) !== 0 && Atomics.load(i32, shardWord(s, S_MISSES)) >= i32[shardWord(s, S_COUNT)]!) this.#promoteLocked(s);
    } finally {
      shards.unlock(s);
    }
  }

  #visible(st: number): number {
    return st === EXPUNGED ? NIL : st & ~SEALED;
  }

  size(): number {
    let size = 0;
    for (let s = 0; s < this.#c.shardCount; s++) size += Math.max(0, Atomics.load(this.#views.i32, shardWord(s, S_LIVE)));
    return size;
  }

  // --- lock-free attempts on a snapshot cell ----------------------------------------------------

  /**
   * The cell word index of `probe` in this thread's snapshot of its shard, or -1. Lock-free
   * writers act on it only while its state is neither EXPUNGED nor SEALED (invariants 3, 4).
   */
  #snapshotCell(s: number, probe: ProbeKey): number {
    const at = this.#findIn(this.#snap(s) & ~AMENDED_BIT, probe);
    return at === 0 ? -1 : this.#cellOf(at);
  }

  /** True if the writer must take the lock for a cell in state `st`. */
  static #needsLock(st: number): boolean {
    return st === EXPUNGED || (st & SEALED) !== 0 || isRecord(st);
  }

  #live(s: number, delta: number): void {
    if (delta !== 0) Atomics.add(this.#views.i32, shardWord(s, S_LIVE), delta);
  }

  // --- writes ---------------------------------------------------------------------------------

  /** Store (set): Swap without its answer (Go's Store is the same since 1.20). */
  store(probe: ProbeKey, value: EncodedValue): void {
    this.swap(probe, value);
  }

  /**
   * Under the lock: the cell of `probe` (word index) from the current snapshot or dirty, or -1.
   * An EXPUNGED snapshot cell is put back into dirty and made NIL when `revive` (Go's
   * unexpungeLocked), else reported as -1 - 1 = -2 ("absent, expunged").
   */
  #liveCellLocked(s: number, probe: ProbeKey, revive: boolean): number {
    const w = this.#reload(s);
    const at = this.#findIn(w & ~AMENDED_BIT, probe);
    this.#foundInSnapshot = at !== 0;
    if (at !== 0) {
      const cell = this.#cellOf(at);
      if (Atomics.load(this.#views.i32, cell) !== EXPUNGED) return cell;
      if (!revive) return -2;
      this.#reviveLocked(s, at, cell);
      return cell;
    }
    if ((w & AMENDED_BIT) === 0) return -1;
    const dirtyAt = this.#findDirty(s, probe);
    return dirtyAt === 0 ? -1 : this.#cellOf(dirtyAt);
  }

  /** Puts the EXPUNGED cell of snapshot slot `at` back into dirty, then makes it NIL (invariant 2). */
  #reviveLocked(s: number, at: number, cell: number): void {
    this.#dirtyLocked(s);
    const hash = this.#views.i32[(at >> 2) + SLOT_HASH]!;
    const slot = this.#insertSlot(s, hash, (dst) => {
      const i32 = this.#views.i32;
      i32.copyWithin(dst >> 2, at >> 2, (at >> 2) + SLOT_WORDS); // shares the key blob: the cell owns it
    });
    if (slot < 0) throw fullError(0, this.#c.maxBytes, 'no room to grow the dirty table');
    Atomics.store(this.#views.i32, cell, NIL); // only lock holders change an EXPUNGED cell
  }

  /** Inserts a dirty slot for `hash`, filled by `fill(slotOffset)`; -1 if the heap is full. */
  #insertSlot(s: number, hash: number, fill: (at: number) => void): number {
    const shards = this.#shards;
    shards.beginLocked(s);
    try {
      const slot = shards.insertSlotLocked(s, hash);
      if (slot === TORN) throw corruptError('snapshot', `shard ${s}: dirty table has no free slot below its load limit`);
      if (slot < 0) return -1;
      fill(shards.slotAt(s, slot));
      shards.commitInsertLocked(s, slot, hash);
      return slot;
    } finally {
      shards.commitLocked(s);
    }
  }

  /** A state for `value`: inline, or a fresh record (unpublished). Throws FULL with nothing allocated. */
  #newState(s: number, value: EncodedValue): number {
    const inline = inlineState(value);
    if (inline >= 0) return inline;
    const heap = this.#shards.heap;
    const record = heap.alloc(s, RECORD_BYTES);
    if (record === 0) throw fullError(RECORD_BYTES, this.#c.maxBytes);
    const blob = writeBlob(this.#views, this.#alloc, s, value.tag, value.str, value.bytes);
    if (blob < 0) {
      heap.free(s, record, RECORD_BYTES);
      throw fullError(value.str.length * 2 + value.bytes.length, this.#c.maxBytes);
    }
    this.#views.i32[(record >> 2) + RECORD_TAG] = value.tag;
    storePayload(this.#views, record, RECORD_PAYLOAD, value, blob);
    return record;
  }

  /** Frees a state #newState made that was never published. */
  #discard(s: number, st: number): void {
    if (!isRecord(st)) return;
    this.#cover(st, RECORD_BYTES, 'value record');
    const [blob, bytes] = payloadBlob(this.#views, st, RECORD_PAYLOAD, this.#views.i32[(st >> 2) + RECORD_TAG]!);
    if (bytes > 0) this.#shards.heap.free(s, blob, bytes);
    this.#shards.heap.free(s, st, RECORD_BYTES);
  }

  /** Bookkeeping after a cell went from `was` to `now`: retire the old record, count presence. */
  #replaced(s: number, was: number, now: number): void {
    if (isRecord(was & ~SEALED)) this.#retireRecord(s, was & ~SEALED);
    this.#live(s, (present(now) ? 1 : 0) - (present(was) ? 1 : 0));
  }

  /** Sets a (non-EXPUNGED) cell to `value` under the lock; returns the state it replaced. */
  #setLocked(s: number, cell: number, value: EncodedValue): number {
    const next = this.#newState(s, value);
    const i32 = this.#views.i32;
    for (;;) {
      const st = Atomics.load(i32, cell);
      if (Atomics.compareExchange(i32, cell, st, next) === st) {
        this.#replaced(s, st, next);
        return st;
      }
    }
  }

  /** Adds a new key to dirty (marking the snapshot amended first, as Go's Store does). */
  #addLocked(s: number, probe: ProbeKey, value: EncodedValue): void {
    const w = this.#reload(s);
    if ((w & AMENDED_BIT) === 0) {
      this.#dirtyLocked(s);
      this.#publishSnapshot(s, w | AMENDED_BIT);
    }
    this.#dirtyLocked(s); // a no-op unless a failed rebuild left dirty null
    const heap = this.#shards.heap;
    const cell = heap.alloc(s, CELL_BYTES);
    if (cell === 0) throw fullError(CELL_BYTES, this.#c.maxBytes);
    let st = NIL;
    let keyBlob = 0;
    try {
      st = this.#newState(s, value);
      keyBlob = writeBlob(this.#views, this.#alloc, s, probe.tag, probe.str, probe.bytes);
      if (keyBlob < 0) throw fullError(probe.str.length * 2 + probe.bytes.length, this.#c.maxBytes);
      this.#views.i32[(cell >> 2) + CELL_STATE] = st;
      const slot = this.#insertSlot(s, probe.hash, (at) => {
        const v = this.#views;
        v.i32[(at >> 2) + SLOT_HASH] = probe.hash;
        setTags(v, at, probe.tag, 0);
        storeKey(v, at, probe, keyBlob);
        v.i32[(at >> 2) + SLOT_CELL] = cell;
      });
      if (slot < 0) throw fullError(0, this.#c.maxBytes, 'no room to grow the dirty table');
    } catch (error) {
      if (keyBlob > 0) freeBlob(heap, s, keyBlob, probe.tag, probe.str, probe.bytes);
      this.#discard(s, st);
      heap.free(s, cell, CELL_BYTES);
      throw error;
    }
    this.#views.i32[shardWord(s, S_DIRTY_ONLY)]!++; // invariant 5a
    this.#live(s, present(st) ? 1 : 0);
  }

  /**
   * Go's dirtyLocked: if dirty is null, build it from the snapshot, expunging NIL cells and leaving
   * them out (invariant 2). The snapshot's table is copied whole (one memcpy: both tables have the
   * same layout) and the expunged slots erased, rather than re-inserting every entry. Throws FULL
   * with nothing changed.
   */
  #dirtyLocked(s: number): void {
    if (this.#dirty(s) !== 0) return;
    const v = this.#views;
    const table = this.#reload(s) & ~AMENDED_BIT;
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
        const cell = this.#cellOf(slotOffset(fresh, capacity, slot));
        const i32 = v.i32; // after #cellOf, which may have grown the views
        let st = Atomics.load(i32, cell);
        while (st === NIL && Atomics.compareExchange(i32, cell, NIL, EXPUNGED) !== NIL) st = Atomics.load(i32, cell);
        if (st !== NIL && st !== EXPUNGED) count++;
        else if (eraseSlot(v, fresh, slot)) tombstones++;
      }
    }
    const i32 = v.i32;
    i32[shardWord(s, S_COUNT)] = count;
    i32[shardWord(s, S_TOMBSTONES)] = tombstones;
    i32[shardWord(s, S_DIRTY_ONLY)] = 0; // a copy of the snapshot
    i32[shardWord(s, S_TABLE)] = fresh; // dirty is only read under the lock: plain store
  }

  /** Go's missLocked: count a miss; promote dirty once misses reach its size. */
  #missLocked(s: number): void {
    const i32 = this.#views.i32;
    const misses = Atomics.add(i32, shardWord(s, S_MISSES), 1) + 1; // lock-free lookups count too (5')
    if (misses < i32[shardWord(s, S_COUNT)]!) return;
    this.#promoteLocked(s);
  }

  /**
   * Dirty becomes the read snapshot (one store), dirty becomes null; the old snapshot and its
   * EXPUNGED cells (the ones no new table holds, invariant 2) are retired.
   */
  #promoteLocked(s: number): void {
    const v = this.#views;
    const dirty = this.#dirty(s);
    if (dirty === 0) return;
    const old = this.#reload(s) & ~AMENDED_BIT;
    this.#publishSnapshot(s, dirty);
    this.#dropDirtyLocked(s);
    v.i32[shardWord(s, S_PROMOTIONS)]!++;
    if (old === 0) return;
    const capacity = tableCapacity(v, old);
    for (let slot = 0; slot < capacity; slot++) {
      if (!isFull(v, old, slot)) continue;
      const at = slotOffset(old, capacity, slot);
      const cell = this.#cellOf(at);
      if (Atomics.load(v.i32, cell) === EXPUNGED) this.#retireCell(s, at, cell);
    }
    this.#retire(s, old, -tableBytes(capacity));
  }

  /** Dirty becomes null (its table is the caller's to publish or free), with its counts and misses. */
  #dropDirtyLocked(s: number): void {
    const i32 = this.#views.i32;
    i32[shardWord(s, S_TABLE)] = 0;
    i32[shardWord(s, S_COUNT)] = 0;
    i32[shardWord(s, S_TOMBSTONES)] = 0;
    i32[shardWord(s, S_DIRTY_ONLY)] = 0;
    Atomics.store(i32, shardWord(s, S_MISSES), 0);
  }

  /** Retires the cell at word `cell` of slot `at` and the key blob it owns. */
  #retireCell(s: number, at: number, cell: number): void {
    const v = this.#views;
    const [blob, bytes] = payloadBlob(v, at, SLOT_KEY, v.i32[(at >> 2) + SLOT_TAGS]! & 0xff);
    if (bytes > 0) this.#retire(s, blob, bytes);
    this.#retire(s, (cell - CELL_STATE) << 2, CELL_BYTES);
  }

  #retireRecord(s: number, record: number): void {
    this.#cover(record, RECORD_BYTES, 'value record');
    const v = this.#views;
    const [blob, bytes] = payloadBlob(v, record, RECORD_PAYLOAD, v.i32[(record >> 2) + RECORD_TAG]!);
    if (bytes > 0) this.#retire(s, blob, bytes);
    this.#retire(s, record, RECORD_BYTES);
  }

  loadOrStore(probe: ProbeKey, value: EncodedValue): number {
    const s = probe.hash & this.#shardMask;
    const cell = this.#snapshotCell(s, probe);
    if (cell >= 0) {
      const i32 = this.#views.i32;
      const next = inlineState(value);
      for (;;) {
        const st = Atomics.load(i32, cell);
        if (st === EXPUNGED) break;
        if (present(st)) return st & ~SEALED;
        if (st !== NIL || next < 0) break;
        if (Atomics.compareExchange(i32, cell, NIL, next) === NIL) {
          this.#live(s, 1);
          return NIL;
        }
      }
    }
    const shards = this.#shards;
    shards.lock(s);
    try {
      const found = this.#liveCellLocked(s, probe, true);
      if (found < 0) {
        this.#addLocked(s, probe, value);
        return NIL;
      }
      const inSnapshot = this.#foundInSnapshot;
      const st = this.#loadOrStoreLocked(s, found, value);
      if (!inSnapshot) this.#missLocked(s);
      return st;
    } finally {
      shards.unlock(s);
    }
  }

  #loadOrStoreLocked(s: number, cell: number, value: EncodedValue): number {
    const i32 = this.#views.i32;
    let next = NIL;
    for (;;) {
      const st = Atomics.load(i32, cell);
      if (present(st)) {
        if (next !== NIL) this.#discard(s, next);
        return st & ~SEALED;
      }
      if (next === NIL) next = this.#newState(s, value);
      if (Atomics.compareExchange(i32, cell, st, next) === st) {
        this.#replaced(s, st, next);
        return NIL;
      }
    }
  }

  /** LoadAndDelete: the state removed (NIL if the key was absent). */
  loadAndDelete(probe: ProbeKey): number {
    const s = probe.hash & this.#shardMask;
    const w = this.#snap(s);
    const cell = this.#snapshotCell(s, probe);
    if (cell >= 0) {
      const i32 = this.#views.i32;
      for (;;) {
        const st = Atomics.load(i32, cell);
        if (st === NIL) return NIL; // a non-EXPUNGED cell is current (invariant 3)
        if (SnapshotMode.#needsLock(st)) break;
        if (Atomics.compareExchange(i32, cell, st, NIL) === st) {
          this.#live(s, -1);
          return st;
        }
      }
    } else if (this.#reload(s) === w && (w & AMENDED_BIT) === 0) return NIL;
    const shards = this.#shards;
    shards.lock(s);
    try {
      const locked = this.#reload(s);
      const at = this.#findIn(locked & ~AMENDED_BIT, probe);
      if (at !== 0) return this.#clearCellLocked(s, this.#cellOf(at));
      if ((locked & AMENDED_BIT) === 0) return NIL;
      const dirtyAt = this.#findDirty(s, probe);
      let st = NIL;
      if (dirtyAt !== 0) st = this.#removeDirtyLocked(s, dirtyAt);
      if ((this.#cache[s]! & AMENDED_BIT) !== 0) this.#missLocked(s); // else settled (invariant 5a)
      return st;
    } finally {
      shards.unlock(s);
    }
  }

  /** Makes a snapshot cell NIL under the lock; the state it had (NIL if absent or EXPUNGED). */
  #clearCellLocked(s: number, cell: number): number {
    const i32 = this.#views.i32;
    for (;;) {
      const st = Atomics.load(i32, cell);
      if (!present(st)) return NIL;
      if (Atomics.compareExchange(i32, cell, st, NIL) === st) {
        this.#replaced(s, st, NIL);
        return st;
      }
    }
  }

  /**
   * Removes a key that only dirty holds (never published, so no lock-free thread can reach its
   * cell): the slot goes (its key blob freed), the cell is freed, the record retired (the caller
   * still decodes it). If it was the last such key, the snapshot is complete again: AMENDED is
   * cleared and dirty kept (invariant 5a). Returns the state it had.
   */
  #removeDirtyLocked(s: number, at: number): number {
    const cell = this.#cellOf(at);
    const st = Atomics.load(this.#views.i32, cell);
    const shards = this.#shards;
    const dirty = this.#dirty(s);
    shards.removeLocked(s, slotIndex(dirty, tableCapacity(this.#views, dirty), at)); // `at` came from probing dirty
    this.#replaced(s, st, NIL);
    shards.heap.free(s, (cell - CELL_STATE) << 2, CELL_BYTES);
    const i32 = this.#views.i32;
    if (--i32[shardWord(s, S_DIRTY_ONLY)]! === 0) {
      Atomics.store(i32, shardWord(s, S_MISSES), 0);
      this.#publishSnapshot(s, this.#reload(s) & ~AMENDED_BIT);
    }
    return st & ~SEALED;
  }

  swap(probe: ProbeKey, value: EncodedValue): number {
    const s = probe.hash & this.#shardMask;
    const next = inlineState(value);
    if (next >= 0) {
      const cell = this.#snapshotCell(s, probe);
      if (cell >= 0) {
        const i32 = this.#views.i32;
        for (;;) {
          const st = Atomics.load(i32, cell);
          if (SnapshotMode.#needsLock(st)) break;
          if (Atomics.compareExchange(i32, cell, st, next) === st) {
            this.#live(s, st === NIL ? 1 : 0);
            return st;
          }
        }
      }
    }
    const shards = this.#shards;
    shards.lock(s);
    try {
      const cell = this.#liveCellLocked(s, probe, true);
      if (cell >= 0) return this.#setLocked(s, cell, value) & ~SEALED;
      this.#addLocked(s, probe, value);
      return NIL;
    } finally {
      shards.unlock(s);
    }
  }

  /** CompareAndSwap / CompareAndDelete (`value` undefined): Go's semantics, values compared by content. */
  compareAnd(probe: ProbeKey, expected: unknown, value: EncodedValue | undefined): boolean {
    const s = probe.hash & this.#shardMask;
    const w = this.#snap(s);
    const cell = this.#snapshotCell(s, probe);
    const next = value === undefined ? NIL : inlineState(value);
    if (cell >= 0) {
      const i32 = this.#views.i32;
      for (;;) {
        const st = Atomics.load(i32, cell);
        if (st === EXPUNGED || (st & SEALED) !== 0) break;
        if (st === NIL) return false;
        if (!sameValue(this.decode(st), expected)) return false;
        if (next < 0 || isRecord(st)) break;
        if (Atomics.compareExchange(i32, cell, st, next) === st) {
          this.#live(s, next === NIL ? -1 : 0);
          return true;
        }
      }
    } else if (this.#reload(s) === w && (w & AMENDED_BIT) === 0) return false;
    const shards = this.#shards;
    shards.lock(s);
    try {
      const found = this.#liveCellLocked(s, probe, false);
      if (found < 0) {
        if (found === -1 && (this.#cache[s]! & AMENDED_BIT) !== 0) this.#missLocked(s);
        return false;
      }
      const inSnapshot = this.#foundInSnapshot;
      const swapped = this.#compareLocked(s, found, expected, value);
      if (!inSnapshot) this.#missLocked(s);
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
      if (!present(st) || !sameValue(this.decode(st), expected)) {
        if (next > 0) this.#discard(s, next);
        return false;
      }
      if (next < 0) next = value === undefined ? NIL : this.#newState(s, value);
      if (Atomics.compareExchange(i32, cell, st, next) === st) {
        this.#replaced(s, st, next);
        return true;
      }
    }
  }

  /**
   * update()/add(): read-modify-write of one key under its lock. The cell is SEALED while
   * `compute` runs, so no lock-free writer changes it in between (invariant 4). `compute` fills
   * `value` when it returns RMW_STORE. Returns what it decided.
   */
  readModifyWrite(probe: ProbeKey, value: EncodedValue, compute: (current: unknown, present: boolean) => number): number {
    const s = probe.hash & this.#shardMask;
    const shards = this.#shards;
    shards.lock(s);
    try {
      const cell = this.#liveCellLocked(s, probe, true); // a key may have one cell only: revive it
      if (cell < 0) {
        this.#busy++;
        let decision: number;
        try {
          decision = compute(undefined, false);
        } finally {
          this.#busy--;
        }
        if (decision === RMW_STORE) this.#addLocked(s, probe, value);
        return decision === RMW_STORE ? RMW_STORE : RMW_KEEP;
      }
      const i32 = this.#views.i32;
      let st = Atomics.load(i32, cell);
      while (Atomics.compareExchange(i32, cell, st, st | SEALED) !== st) st = Atomics.load(i32, cell);
      let unsealed = false;
      try {
        let decision: number;
        this.#busy++;
        try {
          decision = compute(present(st) ? this.decode(st) : undefined, present(st));
        } finally {
          this.#busy--;
        }
        if (decision === RMW_KEEP || (decision === RMW_DELETE && !present(st))) return RMW_KEEP;
        const next = decision === RMW_DELETE ? NIL : this.#newState(s, value);
        Atomics.store(this.#views.i32, cell, next); // sealed: no one else writes it
        unsealed = true;
        this.#replaced(s, st, next);
        return decision;
      } finally {
        if (!unsealed) Atomics.store(this.#views.i32, cell, st);
      }
    } finally {
      shards.unlock(s);
    }
  }

  // --- iteration ------------------------------------------------------------------------------

  /** Go's Range: promote an amended shard first, then walk its snapshot with no lock. */
  #promoteForRange(s: number): number {
    const w = this.#reload(s);
    if ((w & AMENDED_BIT) === 0) return w;
    const shards = this.#shards;
    shards.lock(s);
    try {
      if ((this.#reload(s) & AMENDED_BIT) !== 0) this.#promoteLocked(s);
      return this.#reload(s);
    } finally {
      shards.unlock(s);
    }
  }

  /** Calls fn(key, value) for the present entries of shard `s`; false if fn stopped. */
  rangeShard(s: number, fn: (key: unknown, value: unknown) => boolean | void): boolean {
    const table = this.#promoteForRange(s) & ~AMENDED_BIT;
    if (table === 0) return true;
    const v = this.#views;
    const capacity = tableCapacity(v, table);
    this.#rangeDepth++;
    try {
      for (let slot = 0; slot < capacity; slot++) {
        if (!isFull(v, table, slot)) continue;
        const at = slotOffset(table, capacity, slot);
        const st = this.#stateAt(at);
        if (!present(st)) continue;
        const key = readKeyLocked(v, at, this.#keyRaw, this.#c.keyCodec); // immutable slot (invariant 1)
        if (fn(key, this.decode(st)) === false) return false;
      }
      return true;
    } finally {
      this.#rangeDepth--;
    }
  }

  /** Shard `s`'s present entries, copied (for iterators that may be resumed in a later task). */
  copyShard(s: number, out: [unknown, unknown][]): void {
    this.rangeShard(s, (key, value) => void out.push([key, value]));
  }

  // --- whole-map operations (every lock held, invariant 4) --------------------------------------

  #lockAll(): void {
    for (let s = 0; s < this.#c.shardCount; s++) this.#shards.lock(s);
  }

  #unlockAll(): void {
    for (let s = this.#c.shardCount - 1; s >= 0; s--) this.#shards.unlock(s);
  }

  /** The table holding every present cell of shard `s`: dirty when amended, else the snapshot. */
  #completeTable(s: number): number {
    const w = this.#reload(s);
    return (w & AMENDED_BIT) !== 0 ? this.#dirty(s) : w & ~AMENDED_BIT;
  }

  /** One instant of the whole map: all locks, then every cell SEALED, read, and unsealed. */
  snapshotAll(): [unknown, unknown][] {
    const sealed: number[] = []; // pairs (cell word, state before sealing)
    const slots: number[] = [];
    const out: [unknown, unknown][] = [];
    this.#lockAll();
    try {
      const v = this.#views;
      for (let s = 0; s < this.#c.shardCount; s++) {
        const table = this.#completeTable(s);
        if (table === 0) continue;
        const capacity = tableCapacity(v, table);
        for (let slot = 0; slot < capacity; slot++) {
          if (!isFull(v, table, slot)) continue;
          const at = slotOffset(table, capacity, slot);
          const cell = this.#cellOf(at);
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
        if (present(st)) out.push([readKeyLocked(v, slots[i]!, this.#keyRaw, this.#c.keyCodec), this.decode(st)]);
      }
    } finally {
      for (let i = 0; i < sealed.length; i += 2) Atomics.store(this.#views.i32, sealed[i]!, sealed[i + 1]!);
      this.#unlockAll();
    }
    return out;
  }

  /** Clear: expunge every cell (so no stale snapshot sees it), then empty every shard. */
  clearAll(): void {
    this.#lockAll();
    try {
      for (let s = 0; s < this.#c.shardCount; s++) this.#clearShardLocked(s);
    } finally {
      this.#unlockAll();
    }
  }

  #clearShardLocked(s: number): void {
    const v = this.#views;
    const heap = this.#shards.heap;
    const snapshot = this.#reload(s) & ~AMENDED_BIT;
    const published = new Set<number>();
    const snapshotCapacity = snapshot === 0 ? 0 : tableCapacity(v, snapshot);
    for (let slot = 0; slot < snapshotCapacity; slot++) {
      if (!isFull(v, snapshot, slot)) continue;
      const at = slotOffset(snapshot, snapshotCapacity, slot);
      const cell = this.#cellOf(at);
      published.add(cell);
      let st = Atomics.load(v.i32, cell);
      while (st !== EXPUNGED && Atomics.compareExchange(v.i32, cell, st, EXPUNGED) !== st) st = Atomics.load(v.i32, cell);
      if (st !== EXPUNGED) this.#replaced(s, st, NIL);
    }
    const dirty = this.#dirty(s);
    if (dirty !== 0) {
      const capacity = tableCapacity(v, dirty);
      for (let slot = 0; slot < capacity; slot++) {
        if (!isFull(v, dirty, slot)) continue;
        const at = slotOffset(dirty, capacity, slot);
        const cell = this.#cellOf(at);
        if (published.has(cell)) continue;
        // Dirty only: never published, no lock-free thread can reach it.
        this.#replaced(s, Atomics.load(v.i32, cell), NIL);
        const [blob, bytes] = payloadBlob(v, at, SLOT_KEY, v.i32[(at >> 2) + SLOT_TAGS]! & 0xff);
        if (bytes > 0) heap.free(s, blob, bytes);
        heap.free(s, (cell - CELL_STATE) << 2, CELL_BYTES);
      }
    }
    this.#publishSnapshot(s, 0);
    this.#dropDirtyLocked(s);
    const i32 = v.i32;
    Atomics.store(i32, shardWord(s, S_LIVE), 0);
    if (dirty !== 0) heap.freeTable(dirty, tableBytes(i32[(dirty >> 2) + TBL_CAPACITY]!));
    if (snapshot !== 0) {
      for (let slot = 0; slot < snapshotCapacity; slot++) {
        if (!isFull(v, snapshot, slot)) continue;
        const at = slotOffset(snapshot, snapshotCapacity, slot);
        this.#retireCell(s, at, this.#cellOf(at));
      }
      this.#retire(s, snapshot, -tableBytes(snapshotCapacity));
    }
  }

  /** After a takeover of shard `s`'s lock from a dead owner: unseal what it sealed (invariant 4). */
  #unsealLocked(s: number): void {
    for (const table of [this.#reload(s) & ~AMENDED_BIT, this.#dirty(s)]) {
      if (table === 0) continue;
      const capacity = tableCapacity(this.#views, table);
      for (let slot = 0; slot < capacity; slot++) {
        if (!isFull(this.#views, table, slot)) continue;
        const cell = this.#cellOf(slotOffset(table, capacity, slot));
        const i32 = this.#views.i32; // after #cellOf, which may have grown the views
        let st = Atomics.load(i32, cell);
        while (st !== EXPUNGED && (st & SEALED) !== 0 && Atomics.compareExchange(i32, cell, st, st & ~SEALED) !== st) st = Atomics.load(i32, cell);
      }
    }
  }

  // --- reclamation (invariants 6, 7) -------------------------------------------------------------

  /**
   * Retires `block` (`bytes`; negative: a table, freed to the heap's table lists) of shard `s`,
   * under its lock. If the retire list cannot grow, the block leaks (never freed early).
   */
  #retire(s: number, block: number, bytes: number): void {
    const epoch = Atomics.load(this.#views.i32, H_SYNC_EPOCH); // read after the unlink (invariant 7)
    let list = this.#views.i32[shardWord(s, S_RETIRED)]!;
    if (list !== 0) {
      this.#cover(list, 4 * RETIRED_HEADER_WORDS, 'retire list');
      this.#cover(list, this.#listBytes(this.#listCapacity(list)), 'retire list');
    }
    if (list === 0 || this.#listCount(list) === this.#listCapacity(list)) {
      if (list !== 0) this.#reclaimLocked(s, list);
      if (list === 0 || this.#listCount(list) === this.#listCapacity(list)) list = this.#growList(s, list);
      if (list === 0) return;
    }
    const i32 = this.#views.i32;
    const count = this.#listCount(list);
    const e = (list >> 2) + RETIRED_HEADER_WORDS + count * RETIRED_ENTRY_WORDS;
    i32[e] = block;
    i32[e + 1] = bytes;
    i32[e + 2] = epoch;
    i32[(list >> 2) + RETIRED_COUNT] = count + 1;
    if (count + 1 >= i32[(list >> 2) + RETIRED_RECLAIM_AT]!) this.#reclaimLocked(s, list);
  }

  #listCount(list: number): number {
    return this.#views.i32[(list >> 2) + RETIRED_COUNT]!;
  }

  #listCapacity(list: number): number {
    return this.#views.i32[(list >> 2) + RETIRED_CAPACITY]!;
  }

  #listBytes(capacity: number): number {
    return 4 * (RETIRED_HEADER_WORDS + capacity * RETIRED_ENTRY_WORDS);
  }

  /** A list of twice the capacity holding `list`'s entries (0 if the heap is full). */
  #growList(s: number, list: number): number {
    const heap = this.#shards.heap;
    const old = list === 0 ? 0 : this.#listCapacity(list);
    const capacity = Math.max(RETIRED_FIRST_CAPACITY, old * 2);
    const fresh = heap.alloc(s, this.#listBytes(capacity));
    if (fresh === 0) return list !== 0 && this.#listCount(list) < old ? list : 0;
    const i32 = this.#views.i32;
    i32[(fresh >> 2) + RETIRED_CAPACITY] = capacity;
    const count = list === 0 ? 0 : this.#listCount(list);
    if (count > 0) i32.copyWithin((fresh >> 2) + RETIRED_HEADER_WORDS, (list >> 2) + RETIRED_HEADER_WORDS, (list >> 2) + RETIRED_HEADER_WORDS + count * RETIRED_ENTRY_WORDS);
    i32[(fresh >> 2) + RETIRED_COUNT] = count;
    i32[(fresh >> 2) + RETIRED_RECLAIM_AT] = count + RECLAIM_BATCH;
    i32[shardWord(s, S_RETIRED)] = fresh;
    if (list !== 0) heap.free(s, list, this.#listBytes(old));
    return fresh;
  }

  /** Frees every retired block no pinned owner can still hold; advances the epoch if some remain. */
  #reclaimLocked(s: number, list: number): void {
    const i32 = this.#views.i32;
    const epoch = Atomics.load(i32, H_SYNC_EPOCH);
    const oldestPinned = this.#oldestPinnedEpoch();
    const heap = this.#shards.heap;
    const count = this.#listCount(list);
    let kept = 0;
    for (let i = 0; i < count; i++) {
      const e = (list >> 2) + RETIRED_HEADER_WORDS + i * RETIRED_ENTRY_WORDS;
      const block = i32[e]!;
      const bytes = i32[e + 1]!;
      const retiredAt = i32[e + 2]!;
      if (oldestPinned === 0 || olderEpoch(retiredAt, oldestPinned)) {
        if (bytes < 0) heap.freeTable(block, -bytes);
        else heap.free(s, block, bytes);
        continue;
      }
      const k = (list >> 2) + RETIRED_HEADER_WORDS + kept * RETIRED_ENTRY_WORDS;
      this.#views.i32.copyWithin(k, e, e + RETIRED_ENTRY_WORDS);
      kept++;
    }
    this.#views.i32[(list >> 2) + RETIRED_COUNT] = kept;
    this.#views.i32[(list >> 2) + RETIRED_RECLAIM_AT] = kept + RECLAIM_BATCH;
    // Owners pinned at `epoch` move past it when they next pin (at most REPIN_OPS operations or
    // one task later); a later pass frees what is kept now. 0 is skipped: it means "not pinned".
    if (kept > 0) Atomics.compareExchange(this.#views.i32, H_SYNC_EPOCH, epoch, ((epoch + 1) | 0) || 1);
  }

  /** The oldest epoch any owner has pinned (0 if none is pinned). */
  #oldestPinnedEpoch(): number {
    const i32 = this.#views.i32;
    const owners = Math.min(OWNER_SLOTS, Math.max(0, Atomics.load(i32, H_NEXT_OWNER_ID)));
    let oldest = 0;
    for (let id = 1; id <= owners; id++) {
      const pinned = Atomics.load(i32, ownerWord(this.#c.shardCount, id, OWNER_EPOCH));
      if (pinned !== 0 && (oldest === 0 || olderEpoch(pinned, oldest))) oldest = pinned;
    }
    return oldest;
  }

  // --- stats ----------------------------------------------------------------------------------

  /** Slots of shard `s`'s snapshot and dirty tables. Under the lock. */
  capacityLocked(s: number): number {
    const v = this.#views;
    const snapshot = this.#reload(s) & ~AMENDED_BIT;
    const dirty = this.#dirty(s);
    return (snapshot === 0 ? 0 : tableCapacity(v, snapshot)) + (dirty === 0 ? 0 : tableCapacity(v, dirty));
  }

  liveCount(s: number): number {
    return Math.max(0, Atomics.load(this.#views.i32, shardWord(s, S_LIVE)));
  }
}
