/**
 * The syncmap engine (mode 'syncmap'): Go's read-snapshot sync.Map (Go 1.9–1.23, src/sync/map.go), per shard, in shared
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
 *  4'. update() runs its callback with the lock HELD (lock.ts invariant 6) and touches it before
 *     it mutates, but for one write: an inline state stored over an inline state, which is
 *     exactly what a lock-free writer does with no lock at all (invariant 8). No reader validates
 *     that against the lock word (a snapshot hit reads the cell alone; a validated read of dirty
 *     may see a lock-free writer's CAS in between anyway), so it is stored while still HELD, in
 *     one Atomics.store that also unseals: a holder that dies after it has made its whole write,
 *     one that dies before it has made none (the seal is undone by recovery, as above).
 *  5. misses >= dirty's size promotes dirty to the snapshot (dirty becomes null); the first new
 *     key after that rebuilds dirty from the snapshot, first expunging its NIL cells.
 *  5'. A lookup that misses an amended snapshot reads dirty as striped readers read their table
 *     (shard-lock.ts readBegin/readValidate, as striped.ts does): the lock word before and after, equal and unlocked, means no
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
 *  8. Lock-free writers only replace a PRESENT inline state by another inline state (a cell
 *     compareExchange that changes no presence). Every change of presence (absent <-> present:
 *     a store into a NIL cell, a delete) and every record takes the shard's lock. So S_LIVE and
 *     S_DIRTY_ONLY change only under the lock, and recovery (which holds it) recounts both from
 *     the tables exactly, whatever statement a dead owner stopped at (recovery.ts).
 *
 * Reclamation: epoch.ts (invariant 6, pins) and retire.ts (invariant 7, retire lists).
 * Crash consistency: recovery.ts (what each locked write leaves if its thread dies, and repairs).
 *
 * Files: this one holds the reads and the lock-free writes, and is the Engine; compare.ts the
 * compare paths; rmw.ts update()/add()'s read-modify-write; cells.ts the cell encoding and records; dirty.ts everything done under the lock to the dirty table and cells;
 * whole.ts range, snapshot(), clear() and unsealing; recovery.ts the repair after a death.
 */
import { AMENDED_BIT, CELL_BYTES, SLOT_CELL, cellWord, slotOffset, slotWord } from '../layout.js';
import { type EncodedValue, type ProbeKey, T_NUMBER, numberProbe, stringProbe } from '../codecs.js';
import { hashString } from '../hash.js';
import type { Views } from '../views.js';
import type { Shards } from '../shard.js';
import type { EngineConfig } from '../buffer.js';
import { NOT_FOUND, findNumber } from '../table.js';
import { ABSENT, type Engine, type RmwCompute, type RmwDecision, type UserUpdate, type ShardFigures } from '../engine.js';
import { Cells, KIND_INT, NIL, SEALED, inlineState, needsLock, present } from './cells.js';
import { DirtyTables } from './dirty.js';
import { NOT_LOADED, Pin } from './epoch.js';
import { Retirement } from './retire.js';
import { WholeMap } from './whole.js';
import { SnapshotReads } from './reads.js';
import { CompareOps } from './compare.js';
import { ShardRepair } from './recovery.js';
import { ReadModifyWrite } from './rmw.js';


export class SyncMapEngine implements Engine {
  readonly name = 'syncmap';
  readonly extraStats: readonly string[] = ['misses', 'promotions'];
  readonly #views: Views;
  readonly #shards: Shards;
  readonly #c: EngineConfig;
  readonly #shardMask: number;
  readonly #shardBits: number;
  readonly #cells: Cells;
  readonly #pin: Pin;
  readonly #dirty: DirtyTables;
  readonly #whole: WholeMap;
  readonly #reads: SnapshotReads;
  readonly #compare: CompareOps;
  readonly #rmw: ReadModifyWrite;
  readonly #intsPlausible: boolean;
  /** The front's scratch objects, for the number paths' fall-backs to the generic ones. */
  readonly #probe: ProbeKey;
  readonly #value: EncodedValue;

  constructor(config: EngineConfig, shards: Shards, ownerId: number, probe: ProbeKey, value: EncodedValue) {
    this.#views = shards.views;
    this.#shards = shards;
    this.#c = config;
    this.#shardMask = config.shardCount - 1;
    this.#shardBits = shards.shardBits;
    this.#cells = new Cells(config, shards);
    this.#intsPlausible = this.#cells.intsPlausible;
    this.#pin = new Pin(shards, ownerId);
    const retired = new Retirement(shards, this.#cells);
    this.#dirty = new DirtyTables(config, shards, this.#cells, this.#pin, retired);
    this.#reads = new SnapshotReads(shards, this.#cells, this.#pin, this.#dirty);
    this.#compare = new CompareOps(shards, this.#cells, this.#pin, this.#dirty);
    this.#rmw = new ReadModifyWrite(shards, this.#cells, this.#pin, this.#dirty);
    this.#whole = new WholeMap(config, shards, this.#cells, this.#dirty, this.#pin, retired);
    const repair = new ShardRepair(shards, this.#cells, this.#pin, this.#dirty, this.#whole, retired);
    shards.afterRecoveryLocked = (s) => repair.repairLocked(s);
    this.#probe = probe;
    this.#value = value;
  }

  #answer(st: number): unknown {
    return st === NIL ? ABSENT : this.#cells.decode(st);
  }

  // --- reads ----------------------------------------------------------------------------------

  /**
   * get() of a number key: the snapshot hit of a small int costs no Atomics call (invariant 3').
   * Kept small in bytecode on purpose: V8 inlines callees into a hot caller only up to a
   * cumulative bytecode budget, so the rest of a lookup lives in #getNumberMissed.
   */
  getNumber(num: number, hash: number): unknown {
    const pin = this.#pin;
    pin.enter();
    const s = hash & this.#shardMask;
    let w = pin.cache[s]!; // pin.snap(s), spelled out to stay within the inlining budget
    if (w === NOT_LOADED) w = pin.reload(s);
    const table = w & ~AMENDED_BIT;
    const v = this.#views;
    const capacity = pin.capacities[s]!; // checked against the views when cached; 0 for no snapshot
    // Probed even with no snapshot (capacity 0: findNumber returns TORN at once, reading nothing),
    // so this call is never rarer than the miss path's: V8 inlines a function's callees in order
    // of call frequency until its budget is spent, and the probe must be the one inlined.
    const slot = findNumber(v, table, capacity, hash, hash >>> this.#shardBits, num);
    if (slot >= 0) {
      const cell = v.i32[slotWord(slotOffset(table, capacity, slot), SLOT_CELL)]!;
      if (cell > 0 && cell + CELL_BYTES <= v.length) {
        const st = v.i32[cellWord(cell)]!; // a plain read: invariant 3'
        if ((st & 3) === KIND_INT && this.#intsPlausible) return st >> 3;
      }
    }
    return this.#getNumberMissed(num, hash, s, w, table === 0 ? NOT_FOUND : slot);
  }

  /** has() of a number key: the generic lookup. */
  hasNumber(num: number, hash: number): boolean {
    return this.lookup(numberProbe(this.#probe, num, hash), false) !== ABSENT;
  }

  /** get() of a short string key: the generic lookup (syncmap has no WebAssembly path yet). */
  getShortString(key: string): unknown {
    const value = this.lookup(stringProbe(this.#probe, key, hashString(key, this.#c.seed) & this.#c.hashMask), true);
    return value === ABSENT ? undefined : value;
  }

  /** has() of a short string key: the generic lookup. */
  hasShortString(key: string): boolean {
    return this.lookup(stringProbe(this.#probe, key, hashString(key, this.#c.seed) & this.#c.hashMask), false) !== ABSENT;
  }

  /** getNumber past its fast path: `slot` is the probe's answer in snapshot `w` (NOT_FOUND: none, or no snapshot). */
  #getNumberMissed(num: number, hash: number, s: number, w: number, slot: number): unknown {
    const probe = numberProbe(this.#probe, num, hash);
    // Not in this snapshot: carry on from the probe just made (absent keys probe once, not twice).
    const st = slot === NOT_FOUND ? this.#reads.loadMissed(s, w, 0, probe) : this.#reads.load(probe);
    return st === NIL ? undefined : this.#cells.decode(st);
  }

  lookup(probe: ProbeKey, wantValue: boolean): unknown {
    this.#pin.enter();
    const st = this.#reads.load(probe);
    return st === NIL ? ABSENT : wantValue ? this.#cells.decode(st) : true;
  }

  size(): number {
    let size = 0;
    for (let s = 0; s < this.#c.shardCount; s++) size += this.#shards.live(s);
    return size;
  }

  figuresLocked(s: number, out: ShardFigures): void {
    this.#pin.enter();
    this.#whole.figuresLocked(s, out);
  }

  // --- lock-free attempts on a snapshot cell ----------------------------------------------------

  /**
   * The cell word index of `probe` in this thread's snapshot of its shard, or -1. Lock-free
   * writers act on it only while its state is neither EXPUNGED nor SEALED (invariants 3, 4).
   */
  #snapshotCell(s: number, probe: ProbeKey): number {
    const at = this.#cells.slotIn(this.#pin.snap(s) & ~AMENDED_BIT, probe);
    return at === 0 ? -1 : this.#cells.cellOf(at);
  }

  // --- writes ---------------------------------------------------------------------------------

  /** set() of a number to a number key: the generic store (a cell CAS when the value is inline). */
  setNumber(num: number, hash: number, value: number): void {
    const probe = numberProbe(this.#probe, num, hash);
    const encoded = this.#value;
    encoded.tag = T_NUMBER;
    encoded.num = value;
    this.#swapState(probe, encoded);
  }

  /** set() of a number to a short string key: the generic store. */
  setShortString(key: string, value: number): void {
    const probe = stringProbe(this.#probe, key, hashString(key, this.#c.seed) & this.#c.hashMask);
    const encoded = this.#value;
    encoded.tag = T_NUMBER;
    encoded.num = value;
    this.#swapState(probe, encoded);
  }

  /** Store (set): Swap without its answer (Go's Store is the same since 1.20). */
  store(probe: ProbeKey, value: EncodedValue): void {
    this.#swapState(probe, value);
  }

  swap(probe: ProbeKey, value: EncodedValue): unknown {
    return this.#answer(this.#swapState(probe, value));
  }

  /**
   * Swap's state: the lock-free attempt here, the locked write in #swapStateSlow. Split so that
   * this part stays small in bytecode and V8 inlines it, with the front's swap/set, into the
   * caller (syncmap swap of an inline int over an inline int: 2509 -> see the commit).
   */
  #swapState(probe: ProbeKey, value: EncodedValue): number {
    this.#pin.enter();
    const s = probe.hash & this.#shardMask;
    const next = inlineState(value);
    if (next >= 0) {
      const cell = this.#snapshotCell(s, probe);
      if (cell >= 0) {
        const i32 = this.#views.i32;
        for (;;) {
          const st = Atomics.load(i32, cell);
          if (needsLock(st) || st === NIL) break; // presence changes take the lock (invariant 8)
          if (Atomics.compareExchange(i32, cell, st, next) === st) return st;
        }
      }
    }
    return this.#swapStateSlow(s, probe, value);
  }

  /** #swapState under the shard's lock: a record, a change of presence, or a cell a writer sealed. */
  #swapStateSlow(s: number, probe: ProbeKey, value: EncodedValue): number {
    const shards = this.#shards;
    shards.lock(s);
    try {
      const cell = this.#dirty.liveCellLocked(s, probe, true);
      if (cell >= 0) return this.#dirty.setLocked(s, cell, value) & ~SEALED;
      this.#dirty.addLocked(s, probe, value);
      return NIL;
    } finally {
      shards.unlock(s);
    }
  }

  loadOrStore(probe: ProbeKey, value: EncodedValue): unknown {
    this.#pin.enter();
    const s = probe.hash & this.#shardMask;
    const cell = this.#snapshotCell(s, probe);
    if (cell >= 0) {
      const i32 = this.#views.i32;
      const st = Atomics.load(i32, cell);
      if ((st & 3) === KIND_INT && this.#intsPlausible) return st >> 3; // decode's first case, without the call
      if (present(st)) return this.#cells.decode(st & ~SEALED); // a storing loadOrStore takes the lock (invariant 8)
    }
    const shards = this.#shards;
    shards.lock(s);
    try {
      const found = this.#dirty.liveCellLocked(s, probe, true);
      if (found < 0) {
        this.#dirty.addLocked(s, probe, value);
        return ABSENT;
      }
      const inSnapshot = this.#dirty.foundInSnapshot;
      const st = this.#loadOrStoreLocked(s, found, value);
      if (!inSnapshot) this.#dirty.missLocked(s);
      return this.#answer(st);
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
        if (next !== NIL) this.#cells.discard(s, next);
        return st & ~SEALED;
      }
      if (next === NIL) next = this.#cells.newState(s, value);
      if (Atomics.compareExchange(i32, cell, st, next) === st) {
        this.#dirty.replacedLocked(s, st, next);
        return NIL;
      }
    }
  }

  loadAndDelete(probe: ProbeKey, wantValue: boolean): unknown {
    const st = this.#loadAndDeleteState(probe);
    return st === NIL ? ABSENT : wantValue ? this.#cells.decode(st) : true;
  }

  /** LoadAndDelete: the state removed (NIL if the key was absent). */
  #loadAndDeleteState(probe: ProbeKey): number {
    const pin = this.#pin;
    pin.enter();
    const s = probe.hash & this.#shardMask;
    const w = pin.snap(s);
    const cell = this.#snapshotCell(s, probe);
    if (cell >= 0) {
      // A delete changes presence, so it takes the lock (invariant 8); only "absent" is known here.
      if (Atomics.load(this.#views.i32, cell) === NIL) return NIL; // a non-EXPUNGED cell is current (invariant 3)
    } else if (pin.reload(s) === w && (w & AMENDED_BIT) === 0) return NIL;
    const shards = this.#shards;
    shards.lock(s);
    try {
      const locked = pin.reload(s);
      const at = this.#cells.slotIn(locked & ~AMENDED_BIT, probe);
      if (at !== 0) return this.#dirty.clearCellLocked(s, this.#cells.cellOf(at));
      if ((locked & AMENDED_BIT) === 0) return NIL;
      const dirtyAt = this.#dirty.findDirtyLocked(s, probe);
      let st = NIL;
      if (dirtyAt !== 0) st = this.#dirty.removeDirtyLocked(s, dirtyAt);
      if ((pin.cache[s]! & AMENDED_BIT) !== 0) this.#dirty.missLocked(s); // else settled (invariant 5a)
      return st;
    } finally {
      shards.unlock(s);
    }
  }

  // --- compare paths (compare.ts) -------------------------------------------------------------

  compareAndSwap(probe: ProbeKey, expected: unknown, value: EncodedValue): boolean {
    return this.#compare.compareAnd(probe, expected, value);
  }

  compareAndDelete(probe: ProbeKey, expected: unknown): boolean {
    return this.#compare.compareAnd(probe, expected, undefined);
  }



  readModifyWrite(probe: ProbeKey, value: EncodedValue, compute: RmwCompute, userFn: UserUpdate | undefined): RmwDecision {
    this.#pin.enter();
    return this.#rmw.run(probe.hash & this.#shardMask, probe, value, compute, userFn);
  }

  // --- whole shards and the whole map (whole.ts) ------------------------------------------------

  rangeShard(s: number, fn: (key: unknown, value: unknown) => boolean | void): boolean {
    this.#pin.enter();
    return this.#whole.rangeShard(s, fn);
  }

  copyShard(s: number, out: [unknown, unknown][]): void {
    this.#pin.enter();
    this.#whole.rangeShard(s, (key, value) => void out.push([key, value]));
  }

  snapshotAll(out: [unknown, unknown][]): void {
    this.#pin.enter();
    this.#whole.snapshotAll(out);
  }

  clearAll(): void {
    this.#pin.enter();
    this.#whole.clearAll();
  }

  release(): void {
    this.#pin.release();
  }
}
