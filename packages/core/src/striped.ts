/**
 * The striped engine (mode 'striped', the default): each shard is one Swiss table (table.ts)
 * behind the shard's lock/sequence word (shard.ts).
 *
 * Writers take the shard's lock: one compareExchange, one exchange to release — two Atomics calls
 * per write. Readers take no lock: seqBegin, plain bounds-checked reads of the table, seqValidate
 * (shard-lock.ts's seqlock read) — two Atomics calls per read — and retry, then lockForRead, if a
 * writer got in. Work under a lock that runs user code (update() callbacks, comparing with an object) or
 * decodes many entries (iteration, snapshot()) holds the lock HELD (lock.ts invariant 6), so
 * readers read on; a holder touches the lock (one compareExchange) before it mutates.
 *
 * Invariants this engine keeps (with shard.ts's):
 *  1. Every entry is one full slot of the shard's current table; its key never changes while it
 *     is there. An insert writes the free slot's words first and publishes them with the control
 *     byte last (commitInsertLocked), so a reader never finds a half-written entry.
 *  2. A value is replaced in place only inline over inline (payload, then tag: a crash between
 *     leaves the old tag, whose inline payload, if any, is read only as that tag's). Any other
 *     replacement writes the new blob first, logs the slot, then rewrites it; the old blob is
 *     freed after the commit (shard.ts invariant 5), so a full heap changes nothing.
 *     Those two logged writes, insert and replace, are striped-writes.ts's.
 *  3. Iteration copies one shard at a time (Shards.readShard: under its lock held HELD, or against
 *     another holder's HELD word), then calls back with no lock held. snapshot() and clear() hold
 *     every lock at once, taken in index order and each held HELD until all are taken (lock.ts
 *     invariant 7: no deadlock, and readers read on). Those walks are striped-whole.ts's.
 *
 * The number paths (getNumber, setNumber) repeat the generic lookup's protocol in compact
 * functions the JIT inlines whole: the generic path's dispatch and decoding exceed V8's inlining
 * budget, which costs ~40 ns a lookup.
 */
import { SLOT_VALUE, TBL_CAPACITY, slotF64, slotOffset, tableWord } from './layout.js';
import { type EncodedValue, type ProbeKey, T_NUMBER, T_STRING, finishValue, numberProbe, plausibleValue, stringProbe } from './codecs.js';
import { hashString } from './hash.js';
import { corruptError, tableError } from './errors.js';
import type { Views } from './views.js';
import { BUSY, READ_ATTEMPTS, lockWord, seqBegin, seqBeginSpinning, seqValidate, tableOf, type Shards } from './shard.js';
import { removeShrinkingLocked } from './shard-table.js';
import { RawValue, readValueRaw, valueTagAt } from './slots.js';
import { NOT_FOUND, TORN, findNumber, findSlot, tableCapacity } from './table.js';
import { ABSENT, RMW_DELETE, RMW_KEEP, RMW_STORE, type Engine, type RmwCompute, type RmwDecision, type UserUpdate, type ShardFigures } from './engine.js';
import type { EngineConfig } from './buffer.js';
import { StripedWhole } from './striped-whole.js';
import { insertEntryLocked, replaceValueLocked } from './striped-writes.js';
import { HAS_SLOW, SET_LOCKED, SET_STORED, STATUS_ABSENT, STATUS_NAN, getShortStringIn, hasShortStringIn, setShortStringIn, wasmHotPaths, type WasmHotPaths } from './wasm/hot.js';

export class StripedEngine implements Engine {
  readonly name = 'striped';
  readonly extraStats: readonly string[] = [];
  readonly #c: EngineConfig;
  readonly #views: Views;
  readonly #shards: Shards;
  readonly #shardMask: number;
  readonly #shardBits: number;
  /** The value codec accepts every number (so a stored number needs no plausibility check). */
  readonly #anyNumber: boolean;
  readonly #raw = new RawValue();
  /** The front's scratch objects, for the number paths' fall-backs to the generic ones. */
  readonly #probe: ProbeKey;
  readonly #value: EncodedValue;
  readonly #whole: StripedWhole;
  /** The WebAssembly hot paths (wasm/hot.wat): getNumber's first attempt, setNumber's lock fast path. */
  readonly #wasm: WasmHotPaths;

  constructor(config: EngineConfig, shards: Shards, probe: ProbeKey, value: EncodedValue) {
    this.#c = config;
    this.#views = shards.views;
    this.#shards = shards;
    this.#shardMask = config.shardCount - 1;
    this.#shardBits = shards.shardBits;
    this.#anyNumber = config.valueCodec === 0 || config.valueCodec === 2;
    this.#probe = probe;
    this.#value = value;
    this.#whole = new StripedWhole(config, shards, (s, slot) => this.#readLocked(s, slot));
    this.#wasm = wasmHotPaths(shards.views.memory, shards.shardBits, config.seed, config.hashMask, shards.lockedWord);
  }

  // --- reads ---------------------------------------------------------------------------------

  getNumber(num: number, hash: number): unknown {
    if (this.#anyNumber) {
      // One validated attempt in WebAssembly (two atomic loads that are instructions, not
      // builtin calls); anything it cannot answer plainly is asked again below.
      const value = this.#wasm.getNumber(num, hash);
      if (value === value) return value;
      const status = this.#wasm.status();
      if (status === STATUS_ABSENT) return undefined;
      if (status === STATUS_NAN) return NaN;
    }
    return this.#getNumberSlow(num, hash);
  }

  /**
   * get() of a string key of at most SHORT_STRING code units: hashed, probed and compared in
   * WebAssembly, the units crossing as eight numbers (no copy into memory, no TextEncoder). A
   * value it does not decode, and anything else it hands back, goes the generic way with its hash.
   */
  getShortString(key: string): unknown {
    const wasm = this.#wasm;
    if (this.#anyNumber) {
      const value = getShortStringIn(wasm, key);
      if (value === value) return value;
      const status = wasm.status();
      if (status === STATUS_ABSENT) return undefined;
      if (status === STATUS_NAN) return NaN;
    }
    return this.#getStringSlow(key);
  }

  #getStringSlow(key: string): unknown {
    const probe = this.#probe;
    probe.tag = T_STRING;
    probe.str = key;
    probe.hash = this.#anyNumber ? this.#wasm.lastHash() : hashString(key, this.#c.seed) & this.#c.hashMask;
    const value = this.lookup(probe, true);
    return value === ABSENT ? undefined : value;
  }

  /** has() of a string key of at most SHORT_STRING units: getShortString's path, whatever the value. */
  hasShortString(key: string): boolean {
    const answer = hasShortStringIn(this.#wasm, key);
    if (answer !== HAS_SLOW) return answer === 1;
    return this.lookup(stringProbe(this.#probe, key, this.#wasm.lastHash()), false) !== ABSENT;
  }

  hasNumber(num: number, hash: number): boolean {
    const answer = this.#wasm.hasNumber(num, hash);
    if (answer !== HAS_SLOW) return answer === 1;
    return this.lookup(numberProbe(this.#probe, num, hash), false) !== ABSENT;
  }

  /** getNumber in JavaScript: retries, takes the lock, catches up with growth, reports corruption. */
  #getNumberSlow(num: number, hash: number): unknown {
    const s = hash & this.#shardMask;
    const views = this.#views;
    const lock = lockWord(s);
    for (let attempt = 0; attempt < READ_ATTEMPTS; attempt++) {
      const i32 = views.i32;
      const seq = seqBegin(i32, lock);
      if (seq === BUSY) continue;
      const table = tableOf(i32, s);
      const capacity = tableCapacity(views, table);
      if (capacity === 0) continue;
      const slot = findNumber(views, table, capacity, hash, hash >>> this.#shardBits, num);
      if (slot === TORN) continue;
      let value: number | undefined;
      if (slot !== NOT_FOUND) {
        const at = slotOffset(table, capacity, slot);
        if (valueTagAt(views, at) !== T_NUMBER || !this.#anyNumber) break; // the generic path copies and decodes it
        value = views.f64[slotF64(at, SLOT_VALUE)]!;
      }
      if (seqValidate(i32, lock, seq)) return value; // one validation site: less bytecode to inline
    }
    const value = this.lookup(numberProbe(this.#probe, num, hash), true);
    return value === ABSENT ? undefined : value;
  }

  /**
   * Finds `probe` without a lock (falling back to it). The probe loop itself, probing numbers with
   * findNumber and spinning only after a busy sequence, so that V8 (inlining by call frequency,
   * within a bytecode budget) inlines the probe its keys take rather than a spin loop.
   */
  lookup(probe: ProbeKey, wantValue: boolean): unknown {
    const s = probe.hash & this.#shardMask;
    const views = this.#views;
    const lock = lockWord(s);
    for (let attempt = 0; attempt < READ_ATTEMPTS; attempt++) {
      const i32 = views.i32;
      let seq = seqBegin(i32, lock);
      if (seq === BUSY) seq = seqBeginSpinning(i32, lock); // a holder is mutating: spin a little
      if (seq !== BUSY) {
        const table = tableOf(i32, s);
        const capacity = tableCapacity(views, table);
        if (capacity !== 0) {
          const position = probe.hash >>> this.#shardBits;
          // Number keys probe directly: only the probe a caller's keys take is inlined (and counted).
          const slot = probe.tag === T_NUMBER ? findNumber(views, table, capacity, probe.hash, position, probe.num) : findSlot(views, table, capacity, probe, position);
          const copied = slot < 0 || !wantValue || readValueRaw(views, slotOffset(table, capacity, slot), this.#raw);
          // Validate everything copied above against the sequence before trusting it.
          if (slot !== TORN && copied && seqValidate(i32, lock, seq)) return slot < 0 ? ABSENT : wantValue ? this.#finishRaw() : true;
        }
      }
      this.#shards.countRetry(s);
    }
    if (!this.#lookupLocked(s, probe, wantValue)) return ABSENT;
    return wantValue ? this.#finishRaw() : true;
  }

  /** lookup after READ_ATTEMPTS: under the lock, or against a HELD word (lock.ts invariant 7); copies the value into #raw. */
  #lookupLocked(s: number, probe: ProbeKey, wantValue: boolean): boolean {
    const shards = this.#shards;
    const held = shards.lockForRead(s);
    if (held !== 0) return this.#lookupHeld(s, probe, wantValue, held);
    try {
      const slot = shards.findLocked(s, probe);
      if (slot < 0) return false;
      if (wantValue) this.#readLocked(s, slot);
      return true;
    } finally {
      shards.unlock(s);
    }
  }

  /** A holder runs user code with the table untouched (`held`, its word): read it as at that word. */
  #lookupHeld(s: number, probe: ProbeKey, wantValue: boolean, held: number): boolean {
    const shards = this.#shards;
    const views = this.#views;
    const table = shards.table(s);
    const capacity = tableCapacity(views, table);
    const slot = capacity === 0 ? TORN : findSlot(views, table, capacity, probe, probe.hash >>> this.#shardBits);
    const copied = slot < 0 || !wantValue || readValueRaw(views, slotOffset(table, capacity, slot), this.#raw);
    if (!shards.readValidate(s, held)) return this.#lookupLocked(s, probe, wantValue); // it mutated meanwhile
    if (slot === TORN || !copied) throw tableError('table', s, table, 'unreadable while held untouched');
    return slot >= 0;
  }

  /**
   * The value in #raw as users get it, after checking the codec could have stored it. The number
   * case alone is inlined into lookups; the rest (#decodeRaw) is called when it is needed.
   */
  #finishRaw(): unknown {
    const raw = this.#raw;
    return raw.tag === T_NUMBER && this.#anyNumber ? raw.num : this.#decodeRaw(); // 'any' and 'number' hold every number
  }

  #decodeRaw(): unknown {
    const raw = this.#raw;
    if (!plausibleValue(this.#c.valueCodec, raw.tag, raw.num)) throw corruptError('map', `a stored value has tag ${raw.tag}, impossible for this codec`);
    return finishValue(raw.tag, raw.num, raw.str, raw.bytes);
  }

  #readLocked(s: number, slot: number): unknown {
    if (!readValueRaw(this.#views, this.#shards.slotAt(s, slot), this.#raw)) throw corruptError('slots', `shard ${s} slot ${slot} value unreadable`);
    return this.#finishRaw();
  }

  size(): number {
    let size = 0;
    for (let s = 0; s < this.#c.shardCount; s++) size += this.#shards.count(s);
    return size;
  }

  figuresLocked(s: number, out: ShardFigures): void {
    out.size = this.#shards.countLocked(s);
    this.#shards.tableLocked(s);
    out.capacity = this.#shards.capacity(s);
  }

  // --- writes --------------------------------------------------------------------------------

  store(probe: ProbeKey, value: EncodedValue): void {
    const s = probe.hash & this.#shardMask;
    this.#shards.lock(s);
    this.#storeThenUnlock(s, probe, value);
  }

  /** store() under shard `s`'s lock, taken by the caller (or adopted from WebAssembly), released here. */
  #storeThenUnlock(s: number, probe: ProbeKey, value: EncodedValue): void {
    const shards = this.#shards;
    try {
      const slot = shards.findLocked(s, probe);
      if (slot >= 0) replaceValueLocked(shards, s, slot, value, this.#c.maxBytes);
      else insertEntryLocked(shards, s, probe, value, this.#c.maxBytes);
    } finally {
      shards.unlock(s);
    }
  }

  /** Overwriting a number in place is one store under the lock; the rest takes the shared paths. */
  setNumber(num: number, hash: number, value: number): void {
    // The lock's fast path and a number-over-number overwrite in WebAssembly (three atomic
    // instructions, not builtin calls); otherwise the lock as it left it, and on below.
    const answer = this.#wasm.setNumber(num, hash, value);
    if (answer !== SET_STORED) this.#setNumberSlow(num, hash, value, answer);
  }

  /**
   * setNumber past WebAssembly's overwrite: `answer` says whether it kept the lock. Apart so that
   * setNumber stays small in bytecode and V8 inlines it into the front's set (368 -> 312 instructions a set, cachegrind).
   */
  #setNumberSlow(num: number, hash: number, value: number, answer: number): void {
    const s = hash & this.#shardMask;
    const shards = this.#shards;
    const views = this.#views;
    if (answer === SET_LOCKED) shards.adoptLock(s);
    else shards.lock(s);
    try {
      const table = shards.tableLocked(s);
      const capacity = views.i32[tableWord(table, TBL_CAPACITY)]!;
      const slot = findNumber(views, table, capacity, hash, hash >>> this.#shardBits, num);
      if (slot === TORN) throw tableError('table', s, table, 'probe found no empty group');
      const at = slot >= 0 ? slotOffset(table, capacity, slot) : 0;
      if (slot >= 0 && valueTagAt(views, at) === T_NUMBER) {
        views.f64[slotF64(at, SLOT_VALUE)] = value; // number over number: one store
        return;
      }
      const encoded = this.#value;
      encoded.tag = T_NUMBER;
      encoded.num = value;
      if (slot >= 0) return replaceValueLocked(this.#shards, s, slot, encoded, this.#c.maxBytes);
      insertEntryLocked(this.#shards, s, numberProbe(this.#probe, num, hash), encoded, this.#c.maxBytes);
    } finally {
      shards.unlock(s);
    }
  }

  /** setNumber for a string key of at most SHORT_STRING units: the same WebAssembly fast path. */
  setShortString(key: string, value: number): void {
    const answer = setShortStringIn(this.#wasm, key, value);
    if (answer !== SET_STORED) this.#setStringSlow(key, value, answer);
  }

  /** setShortString past WebAssembly's overwrite, with the hash it computed; `answer` says whether it kept the lock. */
  #setStringSlow(key: string, value: number, answer: number): void {
    const probe = stringProbe(this.#probe, key, this.#wasm.lastHash());
    const s = probe.hash & this.#shardMask;
    const shards = this.#shards;
    const encoded = this.#value;
    encoded.tag = T_NUMBER;
    encoded.num = value;
    if (answer === SET_LOCKED) shards.adoptLock(s);
    else shards.lock(s);
    this.#storeThenUnlock(s, probe, encoded);
  }

  loadOrStore(probe: ProbeKey, value: EncodedValue): unknown {
    // Most calls of a warm cache find the key: look without the lock first (sync.Map does too).
    const found = this.lookup(probe, true);
    if (found !== ABSENT) return found;
    const s = probe.hash & this.#shardMask;
    const shards = this.#shards;
    shards.lock(s);
    try {
      const slot = shards.findLocked(s, probe); // double-check under the lock
      if (slot >= 0) return this.#readLocked(s, slot);
      insertEntryLocked(this.#shards, s, probe, value, this.#c.maxBytes);
      return ABSENT;
    } finally {
      shards.unlock(s);
    }
  }

  swap(probe: ProbeKey, value: EncodedValue): unknown {
    const s = probe.hash & this.#shardMask;
    const shards = this.#shards;
    shards.lock(s);
    try {
      const slot = shards.findLocked(s, probe);
      if (slot < 0) {
        insertEntryLocked(this.#shards, s, probe, value, this.#c.maxBytes);
        return ABSENT;
      }
      const previous = this.#readLocked(s, slot);
      replaceValueLocked(this.#shards, s, slot, value, this.#c.maxBytes);
      return previous;
    } finally {
      shards.unlock(s);
    }
  }

  compareAndSwap(probe: ProbeKey, expected: unknown, value: EncodedValue): boolean {
    const s = probe.hash & this.#shardMask;
    const shards = this.#shards;
    shards.lock(s);
    try {
      const slot = shards.findLocked(s, probe);
      if (slot < 0 || !this.#shards.sameValueLocked(s, this.#readLocked(s, slot), expected)) return false;
      replaceValueLocked(this.#shards, s, slot, value, this.#c.maxBytes);
      return true;
    } finally {
      shards.unlock(s);
    }
  }

  compareAndDelete(probe: ProbeKey, expected: unknown): boolean {
    const s = probe.hash & this.#shardMask;
    const shards = this.#shards;
    shards.lock(s);
    try {
      const slot = shards.findLocked(s, probe);
      if (slot < 0 || !this.#shards.sameValueLocked(s, this.#readLocked(s, slot), expected)) return false;
      removeShrinkingLocked(shards, s, slot);
      return true;
    } finally {
      shards.unlock(s);
    }
  }

  loadAndDelete(probe: ProbeKey, wantValue: boolean): unknown {
    const s = probe.hash & this.#shardMask;
    const shards = this.#shards;
    shards.lock(s);
    try {
      const slot = shards.findLocked(s, probe);
      if (slot < 0) return ABSENT;
      const value = wantValue ? this.#readLocked(s, slot) : true;
      removeShrinkingLocked(shards, s, slot);
      return value;
    } finally {
      shards.unlock(s);
    }
  }

  /**
   * update() and add(). Probes and reads as setNumber does — a number key with findNumber, a
   * number value straight from the slot, a number over a number stored in one write — so that
   * the helpers a counter's path calls fit V8's inlining budget of this function.
   */
  readModifyWrite(probe: ProbeKey, value: EncodedValue, compute: RmwCompute, userFn: UserUpdate | undefined): RmwDecision {
    const s = probe.hash & this.#shardMask;
    const shards = this.#shards;
    const views = this.#views;
    shards.lock(s);
    try {
      const table = shards.tableLocked(s);
      const capacity = views.i32[tableWord(table, TBL_CAPACITY)]!;
      const position = probe.hash >>> this.#shardBits;
      const slot = probe.tag === T_NUMBER ? findNumber(views, table, capacity, probe.hash, position, probe.num) : findSlot(views, table, capacity, probe, position);
      if (slot === TORN) throw tableError('table', s, table, 'probe found an unreadable key or no empty group');
      const at = slot >= 0 ? slotOffset(table, capacity, slot) : 0;
      const isNumber = slot >= 0 && valueTagAt(views, at) === T_NUMBER;
      const current = slot < 0 ? undefined : isNumber && this.#anyNumber ? views.f64[slotF64(at, SLOT_VALUE)]! : this.#readLocked(s, slot);
      if (userFn !== undefined) shards.hold(s); // readers read on while the callback runs (lock.ts invariant 6)
      const decision = compute(current, slot >= 0, userFn);
      if (decision !== RMW_STORE && (decision !== RMW_DELETE || slot < 0)) return RMW_KEEP;
      if (userFn !== undefined) shards.touch(s); // leave HELD: the mutation starts here
      if (decision === RMW_DELETE) {
        removeShrinkingLocked(shards, s, slot);
        return RMW_DELETE;
      }
      // The table stays where it is: it moves only under this lock. The views may have grown.
      if (isNumber && value.tag === T_NUMBER) views.f64[slotF64(at, SLOT_VALUE)] = value.num; // number over number: one store
      else if (slot >= 0) replaceValueLocked(this.#shards, s, slot, value, this.#c.maxBytes);
      else insertEntryLocked(this.#shards, s, probe, value, this.#c.maxBytes);
      return RMW_STORE;
    } finally {
      shards.unlock(s);
    }
  }

  // --- whole shards and the whole map (invariant 3): striped-whole.ts ---------------------------

  copyShard(s: number, out: [unknown, unknown][]): void { this.#whole.copyShard(s, out); }
  rangeShard(s: number, fn: (key: unknown, value: unknown) => boolean | void): boolean { return this.#whole.rangeShard(s, fn); }
  snapshotAll(out: [unknown, unknown][]): void { this.#whole.snapshotAll(out); }
  clearAll(): void { this.#whole.clearAll(); }

  release(): void {} // between calls a striped instance holds nothing but its owner entry
}
