/**
 * syncmap's cells: each entry's value lives in one CELL (layout.ts: CELL_BYTES), shared by the
 * read snapshot's slot and the dirty table's slot of the same key. Its state word is one of
 *
 *   NIL        (0)                 deleted; the key may come back through this cell
 *   EXPUNGED   (3)                 deleted and absent from dirty (engine.ts, invariant 2)
 *   small int  (n << 3 | 1)        an int within ±2^28, inline
 *   constant   ((tag - 1) << 3 | 2) undefined, null, false, true, inline
 *   record     (offset, 8-aligned) an immutable value RECORD (tag, payload) for any other value
 *   | SEALED   (4)                 set by a lock holder that must see the cell unchanged; readers
 *                                  mask it off, lock-free writers do not pass it
 *   DEAD(T)    (T | 7)             unreachable from every current table: owned by the retired
 *                                  snapshot table T, freed with it (retire.ts). Like EXPUNGED to
 *                                  readers of a stale snapshot; never changes again.
 *
 * "Gone" is EXPUNGED or DEAD (kind bits 3): absent, and only lock holders act on such a cell.
 *
 * A record is written completely before the compareExchange that publishes its offset in a cell,
 * and never written again: a reader that loaded the state with Atomics.load (synchronizes-with
 * the publishing CAS) reads a complete record. It is retired (retire.ts) when replaced.
 */
import { CELL_BYTES, RECORD_BYTES, RECORD_PAYLOAD, RECORD_TAG, SLOT_CELL, cellWord, recordWord, slotOffset, slotWord } from '../layout.js';
import { type EncodedValue, type ProbeKey, T_NUMBER, finishValue, inlineValue, isInlineTag, plausibleValue } from '../codecs.js';
import { corruptError, fullError, tableError } from '../errors.js';
import type { Views } from '../views.js';
import type { Shards } from '../shard.js';
import type { EngineConfig } from '../buffer.js';
import { RawValue, payloadBlob, readPayload, storePayload, writeBlob, type BlobAllocator } from '../slots.js';
import { TORN, findNumber, findSlot, tableCapacity } from '../table.js';

export const NIL = 0;
export const EXPUNGED = 3;
export const SEALED = 4;
export const KIND_INT = 1;
const KIND_CONSTANT = 2;
/** Ints stored in the cell itself: 29 bits of the 32 (the low three are kind and SEALED). */
const SMALL_INT_MIN = -(2 ** 28);
const SMALL_INT_MAX = 2 ** 28 - 1;

/** The state of a cell owned by retired snapshot table `table` (8-aligned, so the low bits are free). */
export const deadIn = (table: number): number => table | 7;

/** True if state `st` is EXPUNGED or DEAD: absent, and changed only by lock holders. */
export const gone = (st: number): boolean => (st & 3) === 3;

/** True if state `st` holds a value (not NIL, not gone; SEALED ignored). */
export const present = (st: number): boolean => !gone(st) && (st & ~SEALED) !== NIL;

export const isRecord = (st: number): boolean => (st & 3) === 0 && (st & ~7) !== 0;

/** True if state `st` is an inline value (small int or constant; SEALED ignored): kind 1 or 2. */
export const isInline = (st: number): boolean => (st & 3) === KIND_INT || (st & 3) === KIND_CONSTANT;

/** What a reader reports for state `st`: EXPUNGED is NIL, SEALED is masked off. */
export const visible = (st: number): number => gone(st) ? NIL : st & ~SEALED;

/** True if a writer must take the lock for a cell in state `st` (engine.ts, invariants 3-4). */
export const needsLock = (st: number): boolean => gone(st) || (st & SEALED) !== 0 || isRecord(st);

/** The cell state holding `value` with no record, or -1 if it needs one. */
export const inlineState = (value: EncodedValue): number => {
  if (value.tag === T_NUMBER) {
    const n = value.num;
    if ((n | 0) === n && n >= SMALL_INT_MIN && n <= SMALL_INT_MAX && (n !== 0 || 1 / n > 0)) return (n << 3) | KIND_INT;
    return -1;
  }
  return isInlineTag(value.tag) ? ((value.tag - 1) << 3) | KIND_CONSTANT : -1;
};

/** Finding, decoding and allocating cells and records over one map's buffer. */
export class Cells {
  readonly #views: Views;
  readonly #shards: Shards;
  readonly #c: EngineConfig;
  readonly #anyNumber: boolean;
  readonly #raw = new RawValue();
  readonly #alloc: BlobAllocator;

  /** Inline ints are values this codec can hold ('any', 'number', 'int32', 'json'). */
  readonly intsPlausible: boolean;

  constructor(config: EngineConfig, shards: Shards) {
    this.#views = shards.views;
    this.#shards = shards;
    this.#c = config;
    this.#anyNumber = config.valueCodec === 0 || config.valueCodec === 2;
    this.intsPlausible = plausibleValue(config.valueCodec, T_NUMBER, 0);
    // Record blobs are not intent-logged: a record is unreachable until its cell's CAS publishes it.
    this.#alloc = { allocLocked: (s: number, bytes: number): number => shards.heap.alloc(s, bytes) };
  }

  /** The slot offset of `probe` in the table at `table` (0: none, or no table). */
  slotIn(table: number, probe: ProbeKey): number {
    if (table === 0) return 0;
    const capacity = tableCapacity(this.#views, table);
    if (capacity === 0) throw tableError('snapshot', -1, table, 'impossible');
    const slot = findSlot(this.#views, table, capacity, probe, probe.hash >>> this.#shards.shardBits);
    if (slot === TORN) throw tableError('snapshot', -1, table, 'unreadable key or no empty group');
    return slot < 0 ? 0 : slotOffset(table, capacity, slot);
  }

  /**
   * slotIn for the lock-free reads (reads.ts): a number key probes with findNumber directly, so
   * the probe V8 inlines into a lookup is the one its keys take (syncmap has() of an int key 716
   * -> 672 instructions). Writers keep slotIn: findNumber inlined into their snapshot-cell lookup
   * spent the budget its cell check needs (loadOrStore 1148 -> 1254).
   */
  readSlotIn(table: number, probe: ProbeKey): number {
    if (table === 0) return 0;
    const capacity = tableCapacity(this.#views, table);
    if (capacity === 0) throw tableError('snapshot', -1, table, 'impossible');
    const position = probe.hash >>> this.#shards.shardBits;
    const slot = probe.tag === T_NUMBER ? findNumber(this.#views, table, capacity, probe.hash, position, probe.num) : findSlot(this.#views, table, capacity, probe, position);
    if (slot === TORN) throw tableError('snapshot', -1, table, 'unreadable key or no empty group');
    return slot < 0 ? 0 : slotOffset(table, capacity, slot);
  }

  /** The state word index of slot `at`'s cell, after checking the cell lies in the buffer. */
  cellOf(at: number): number {
    const cell = this.#views.i32[slotWord(at, SLOT_CELL)]!;
    if (cell <= 0 || (cell & 7) !== 0 || !this.#views.covers(cell + CELL_BYTES)) throw corruptError('snapshot', `cell ${cell} outside the buffer`);
    return cellWord(cell);
  }

  /**
   * The state of slot `at`'s cell. cellOf may rebuild the views (catching up with growth), so the
   * view is read after it: taking the view first would index past the old, shorter one.
   */
  stateAt(at: number): number {
    const cell = this.cellOf(at);
    return Atomics.load(this.#views.i32, cell);
  }

  /** Checks [block, block + bytes) lies in the buffer, catching the views up with growth. */
  cover(block: number, bytes: number, what: string): void {
    if (block <= 0 || (block & 7) !== 0 || !this.#views.covers(block + bytes)) throw corruptError('snapshot', `${what} ${block} outside the buffer`);
  }

  /**
   * The value a present state stands for (records stay valid while this thread is pinned). An
   * inline int is answered here, in few bytecodes, so that V8 inlines this into its callers; the
   * rest is #decodeSlow (called out of line, decode whole was: string-key get and CAS paid ~60
   * instructions a call for it).
   */
  decode(st: number): unknown {
    return (st & 3) === KIND_INT && this.intsPlausible ? st >> 3 : this.#decodeSlow(st);
  }

  #decodeSlow(st: number): unknown {
    const kind = st & 3;
    if (kind === KIND_INT || kind === KIND_CONSTANT) {
      // Inline states carry no tag of their own: check the codec could have stored them.
      const tag = kind === KIND_INT ? T_NUMBER : ((st >> 3) & 3) + 1;
      if (!plausibleValue(this.#c.valueCodec, tag, st >> 3)) throw corruptError('snapshot', `a cell holds an inline value impossible for this codec`);
      return kind === KIND_INT ? st >> 3 : inlineValue(tag);
    }
    const record = st & ~7;
    const v = this.#views;
    if (record <= 0 || !v.covers(record + RECORD_BYTES)) throw corruptError('snapshot', `value record ${record} outside the buffer`);
    const raw = this.#raw;
    const tag = v.i32[recordWord(record, RECORD_TAG)]!;
    if (!readPayload(v, record, RECORD_PAYLOAD, tag, raw)) throw corruptError('snapshot', `value record ${record} unreadable`);
    if (raw.tag === T_NUMBER && this.#anyNumber) return raw.num;
    if (!plausibleValue(this.#c.valueCodec, raw.tag, raw.num)) throw corruptError('snapshot', `a stored value has tag ${raw.tag}, impossible for this codec`);
    return finishValue(raw.tag, raw.num, raw.str, raw.bytes);
  }

  /**
   * A state for `value`: inline, or a fresh record (unpublished). `logged`: allocate inside the
   * shard's logged mutation (a rollback frees the record; on FULL the caller aborts the mutation,
   * which frees it). Unlogged: throws FULL with nothing allocated; a kill before the record is
   * published leaks it (recovery.ts).
   */
  newState(s: number, value: EncodedValue, logged = false): number {
    const inline = inlineState(value);
    if (inline >= 0) return inline;
    const shards = this.#shards;
    const record = logged ? shards.allocLocked(s, RECORD_BYTES) : shards.heap.alloc(s, RECORD_BYTES);
    if (record === 0) throw fullError(RECORD_BYTES, this.#c.maxBytes);
    const blob = writeBlob(this.#views, logged ? shards : this.#alloc, s, value.tag, value.str, value.bytes);
    if (blob < 0) {
      if (!logged) shards.heap.free(s, record, RECORD_BYTES);
      throw fullError(value.str.length * 2 + value.bytes.length, this.#c.maxBytes);
    }
    this.#views.i32[recordWord(record, RECORD_TAG)] = value.tag;
    storePayload(this.#views, record, RECORD_PAYLOAD, value, blob);
    return record;
  }

  /** Frees a state newState made that was never published. */
  discard(s: number, st: number): void {
    if (!isRecord(st)) return;
    this.cover(st, RECORD_BYTES, 'value record');
    const [blob, bytes] = this.recordBlob(st);
    if (bytes > 0) this.#shards.heap.free(s, blob, bytes);
    this.#shards.heap.free(s, st, RECORD_BYTES);
  }

  /** The blob behind record `record`'s payload: [offset, bytes], bytes 0 if none. */
  recordBlob(record: number): [number, number] {
    return payloadBlob(this.#views, record, RECORD_PAYLOAD, this.#views.i32[recordWord(record, RECORD_TAG)]!);
  }
}
