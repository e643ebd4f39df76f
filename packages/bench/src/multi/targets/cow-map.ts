/**
 * CowMap: a copy-on-write map of number → number in one SharedArrayBuffer — the cross-thread
 * analog of Go's DeepCopyMap (src/sync/map_reference_test.go), which the Go benchmarks run
 * beside sync.Map and RWMutexMap.
 *
 * Design, as in DeepCopyMap: readers take no lock; they read the currently published immutable
 * table. A writer takes the mutex, copies the whole table with its change applied into a spare
 * table, and publishes it. Reads are cheap and scale; every write costs O(size), which is why Go
 * skips DeepCopyMap on its write-heavy workloads (the registry skips the same ones).
 *
 * Reclaiming tables (Go has a GC; we do not): there are TABLES table slots used round-robin.
 * Each slot has a sequence word, odd while a writer rewrites it. A reader loads CURRENT, then the
 * slot's sequence, reads, and re-checks the sequence; if a writer recycled the slot meanwhile the
 * reader retries (a seqlock per slot). With 4 slots a reader must be overtaken by 3 whole writes
 * to retry. Reads of a slot being rewritten are racy plain reads, allowed by the JS memory model;
 * every index is masked into the slot and every probe loop is bounded, so a torn read can only
 * produce a wrong answer that the sequence check then throws away.
 *
 * Layout (one non-growable SharedArrayBuffer; offsets computed only in `layoutOf`):
 *
 *   Int32 header, 16 words per line:
 *   line 0   [LOCK, CURRENT, ...pad]
 *   line 1+s [SEQ, CAP, COUNT, ...pad]          for each table slot s < TABLES
 *   then for each slot s:  keys: Float64[maxCap] | values: Float64[maxCap] | used: Uint8[maxCap]
 */

/** Table slots in rotation: see "Reclaiming tables" above. */
const TABLES = 4;
/** Int32 words per header line: 64 bytes, so writers' words and each slot's words do not share lines. */
const LINE = 16;
const LOCK = 0; // writers' mutex: 0 free, 1 held, 2 held with sleepers (Drepper's futex mutex)
const CURRENT = 1; // published slot; stored (Atomics) by the lock holder only, loaded by anyone
const SEQ = 0; // per slot: odd while being rewritten; bumped by the lock holder only
const CAP = 1; // per slot: table size (power of two); written while SEQ is odd
const COUNT = 2; // per slot: live entries; written while SEQ is odd
/** Spins on the mutex before sleeping: a copy of a 1k-entry table takes ~10 µs, a futex hand-off ~3 µs. */
const SPINS = 64;

interface Layout {
  readonly maxCap: number;
  readonly headerBytes: number;
  readonly slotBytes: number;
  readonly totalBytes: number;
}

function layoutOf(maxCap: number): Layout {
  const headerBytes = (1 + TABLES) * LINE * 4;
  const slotBytes = maxCap * (8 + 8 + 1) + ((8 - ((maxCap * 17) % 8)) % 8); // keep Float64 alignment
  return { maxCap, headerBytes, slotBytes, totalBytes: headerBytes + TABLES * slotBytes };
}

function nextPow2(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/** Table size for `count` entries: load factor at most 1/2 keeps linear probes short. */
function capFor(count: number): number {
  return Math.max(8, nextPow2(count * 2));
}

/** Hash of an integer-valued number up to 2^53 (the only keys the benchmarks use). */
function hashKey(key: number): number {
  const lo = key >>> 0;
  const hi = (key / 0x1_0000_0000) >>> 0;
  let h = Math.imul(lo ^ Math.imul(hi, 0x9e3779b1), 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

export interface CowMapHandle {
  readonly buffer: SharedArrayBuffer;
  readonly maxCap: number;
}

interface Slot {
  readonly keys: Float64Array;
  readonly values: Float64Array;
  readonly used: Uint8Array;
}

export class CowMap {
  private readonly header: Int32Array;
  private readonly slots: Slot[];
  private readonly maxCap: number;

  /** Sized for at most `maxKeys` live entries; a write beyond that throws RangeError. */
  static create(maxKeys: number): CowMap {
    const maxCap = capFor(maxKeys);
    return new CowMap({ buffer: new SharedArrayBuffer(layoutOf(maxCap).totalBytes), maxCap });
  }

  constructor(readonly handle: CowMapHandle) {
    const layout = layoutOf(handle.maxCap);
    this.maxCap = handle.maxCap;
    this.header = new Int32Array(handle.buffer, 0, layout.headerBytes / 4);
    this.slots = [];
    for (let s = 0; s < TABLES; s++) {
      const base = layout.headerBytes + s * layout.slotBytes;
      this.slots.push({
        keys: new Float64Array(handle.buffer, base, this.maxCap),
        values: new Float64Array(handle.buffer, base + this.maxCap * 8, this.maxCap),
        used: new Uint8Array(handle.buffer, base + this.maxCap * 16, this.maxCap),
      });
    }
    // A zeroed buffer is a valid empty map: slot 0 published with CAP 0 (lookups find nothing).
  }

  get(key: number): number | undefined {
    for (;;) {
      const s = Atomics.load(this.header, CURRENT) & (TABLES - 1);
      const seq = Atomics.load(this.header, (1 + s) * LINE + SEQ);
      if ((seq & 1) === 0) {
        const i = this.find(s, key);
        const value = i < 0 ? undefined : this.slots[s]!.values[i];
        // Validate: the slot was not recycled while we read it.
        if (Atomics.load(this.header, (1 + s) * LINE + SEQ) === seq) return value;
      }
    }
  }

  get size(): number {
    for (;;) {
      const s = Atomics.load(this.header, CURRENT) & (TABLES - 1);
      const seq = Atomics.load(this.header, (1 + s) * LINE + SEQ);
      const count = this.header[(1 + s) * LINE + COUNT]!;
      if ((seq & 1) === 0 && Atomics.load(this.header, (1 + s) * LINE + SEQ) === seq) return count;
    }
  }

  /** Snapshot of the published table, copied out so callbacks run with no lock and no retries. */
  entries(): [number[], number[]] {
    for (;;) {
      const s = Atomics.load(this.header, CURRENT) & (TABLES - 1);
      const seq = Atomics.load(this.header, (1 + s) * LINE + SEQ);
      if ((seq & 1) !== 0) continue;
      const cap = Math.min(this.header[(1 + s) * LINE + CAP]!, this.maxCap);
      const { keys, values, used } = this.slots[s]!;
      const ks: number[] = [];
      const vs: number[] = [];
      for (let i = 0; i < cap; i++) {
        if (used[i] === 1) {
          ks.push(keys[i]!);
          vs.push(values[i]!);
        }
      }
      if (Atomics.load(this.header, (1 + s) * LINE + SEQ) === seq) return [ks, vs];
    }
  }

  /**
   * The write path. Under the mutex, `decide` looks at the current table (through the lookup it
   * is given) and returns the change to make, if any, and the caller's result. A change is
   * applied to a copy of the whole table, which is then published; no change, no copy.
   */
  write<T>(decide: (current: (key: number) => number | undefined) => { change: Change | undefined; result: T }): T {
    this.lock();
    try {
      const s = this.header[CURRENT]! & (TABLES - 1); // we hold the lock: CURRENT cannot move
      const { change, result } = decide((key) => {
        const i = this.find(s, key);
        return i < 0 ? undefined : this.slots[s]!.values[i];
      });
      if (change !== undefined) this.publishLocked(s, change);
      return result;
    } finally {
      this.unlock();
    }
  }

  /** Index of `key` in slot `s`, or -1. Bounded by the slot size even on a torn read. */
  private find(s: number, key: number): number {
    const cap = Math.min(this.header[(1 + s) * LINE + CAP]!, this.maxCap);
    if (cap === 0) return -1;
    const mask = cap - 1;
    const { keys, used } = this.slots[s]!;
    let i = hashKey(key) & mask;
    for (let probes = 0; probes < cap; probes++) {
      if (used[i] !== 1) return -1;
      if (keys[i] === key) return i;
      i = (i + 1) & mask;
    }
    return -1;
  }

  /** Copies slot `from` into the next slot with `change` applied, then publishes it. */
  private publishLocked(from: number, change: Change): void {
    const to = (from + 1) & (TABLES - 1);
    const seqIndex = (1 + to) * LINE + SEQ;
    const src = this.slots[from]!;
    const dst = this.slots[to]!;
    const oldCap = Math.min(this.header[(1 + from) * LINE + CAP]!, this.maxCap);
    let count = this.header[(1 + from) * LINE + COUNT]!;
    if (change.kind === 'set' && this.find(from, change.key) < 0) count++;
    if (change.kind === 'delete') count--;
    if (change.kind === 'clear') count = 0;
    const cap = capFor(count);
    if (cap > this.maxCap) throw new RangeError(`CowMap is full (${this.maxCap / 2} entries)`);

    Atomics.add(this.header, seqIndex, 1); // odd: readers of this slot will retry
    dst.used.fill(0, 0, cap);
    this.header[(1 + to) * LINE + CAP] = cap;
    this.header[(1 + to) * LINE + COUNT] = count;
    const mask = cap - 1;
    const put = (key: number, value: number): void => {
      let i = hashKey(key) & mask;
      while (dst.used[i] === 1) i = (i + 1) & mask;
      dst.keys[i] = key;
      dst.values[i] = value;
      dst.used[i] = 1;
    };
    if (change.kind !== 'clear') {
      for (let i = 0; i < oldCap; i++) {
        if (src.used[i] === 1 && src.keys[i] !== change.key) put(src.keys[i]!, src.values[i]!);
      }
      if (change.kind === 'set') put(change.key, change.value);
    }
    Atomics.add(this.header, seqIndex, 1); // even: the slot is consistent again
    Atomics.store(this.header, CURRENT, to); // publish the new table last
  }

  private lock(): void {
    if (Atomics.compareExchange(this.header, LOCK, 0, 1) !== 0) this.lockSlow();
  }

  private lockSlow(): void {
    for (let i = 0; i < SPINS; i++) {
      if (Atomics.load(this.header, LOCK) === 0 && Atomics.compareExchange(this.header, LOCK, 0, 1) === 0) return;
    }
    // Mark "held with sleepers" and sleep until the holder's unlock wakes us.
    while (Atomics.exchange(this.header, LOCK, 2) !== 0) Atomics.wait(this.header, LOCK, 2);
  }

  private unlock(): void {
    if (Atomics.exchange(this.header, LOCK, 0) === 2) Atomics.notify(this.header, LOCK, 1);
  }
}

export type Change =
  | { readonly kind: 'set'; readonly key: number; readonly value: number }
  | { readonly kind: 'delete'; readonly key: number }
  | { readonly kind: 'clear'; readonly key?: undefined };
