/**
 * One shard's hash table over a block of the buffer: a Swiss table that knows nothing of locks,
 * threads or codecs beyond comparing a ProbeKey with a stored key.
 *
 * Probing: the group index starts at the hash's `position` bits (the bits above the shard bits,
 * see hash.ts) and advances triangularly (g, g+1, g+3, g+6, ...), which visits every group once
 * when the group count is a power of two. A lookup stops at the first group with an EMPTY byte.
 *
 * Deletion: a slot becomes EMPTY if its group still has an EMPTY byte (then no probe sequence ever
 * went past this group, so none can be cut short), otherwise DELETED (a tombstone). Groups are
 * aligned, so "the group had an empty byte" is exact, not a heuristic (Abseil needs a window check).
 *
 * Every function here may be called by an optimistic reader on a table that is changing under it,
 * so each read is bounds-checked and each loop bounded: a torn read yields TORN, never an index
 * outside the buffer or an endless loop. Under the lock TORN means corruption.
 */
import { DELETED, EMPTY, lowestByte, matchEmpty, matchEmptyOrDeleted, matchTag, tagOf, withoutLowest } from './control.js';
import { GROUP_WIDTH, SLOT_HASH, SLOT_NODE_SHIFT, SLOT_KEY, SLOT_TAGS, SLOT_WORDS, TABLE_HEADER_BYTES, TBL_CAPACITY, ctrlGroupWord, ctrlStart, slotF64, slotOffset, slotWord, tableBytes, tableWord } from './layout.js';
import { T_BYTES, T_LATIN1, T_NUMBER, T_STRING, T_TUPLE, isTextTag, type ProbeKey } from './codecs.js';
import type { Views } from './views.js';

export const NOT_FOUND = -1;
export const TORN = -2;


/** Largest capacity believed: a torn header beyond this is rejected before any arithmetic. */
const MAX_CAPACITY = 2 ** 26;

/**
 * The capacity of the table at `table` (read from its header), or 0 if the table is implausible
 * or not inside these views (after catching up with growth). Every table access starts here.
 */
export const tableCapacity = (v: Views, table: number): number => {
  // Fast path, small enough to inline into every reader: the table is inside these views.
  const length = v.length;
  if (table > 0 && (table & 7) === 0 && table + TABLE_HEADER_BYTES <= length) {
    const capacity = v.i32[tableWord(table, TBL_CAPACITY)]!;
    if (capacity >= 2 * GROUP_WIDTH && capacity <= MAX_CAPACITY && (capacity & (capacity - 1)) === 0 && table + tableBytes(capacity) <= length) {
      return capacity;
    }
  }
  return tableCapacitySlow(v, table);
};

/** tableCapacity after catching up with growth by other threads (or 0: implausible). */
const tableCapacitySlow = (v: Views, table: number): number => {
  if (table <= 0 || (table & 7) !== 0 || !v.covers(table + TABLE_HEADER_BYTES)) return 0;
  const capacity = v.i32[tableWord(table, TBL_CAPACITY)]!;
  if (capacity < 2 * GROUP_WIDTH || capacity > MAX_CAPACITY || (capacity & (capacity - 1)) !== 0) return 0;
  return v.covers(table + tableBytes(capacity)) ? capacity : 0;
};

/** Writes a fresh table's header and makes every control byte EMPTY. */
export const initTable = (v: Views, table: number, capacity: number): void => {
  v.i32[tableWord(table, TBL_CAPACITY)] = capacity;
  resetControl(v, table, capacity);
};

/**
 * The slot holding `probe`, NOT_FOUND, or TORN. `position` is the hash shifted past the shard bits.
 * The caller got `capacity` from tableCapacity. Numbers and strings (most keys) take loops specialised for
 * them: the generic loop's key comparison is too large for the JIT to inline into every caller.
 */
export const findSlot = (v: Views, table: number, capacity: number, probe: ProbeKey, position: number): number => {
  if (probe.tag === T_NUMBER) return findNumber(v, table, capacity, probe.hash, position, probe.num);
  if (probe.tag === T_STRING || probe.tag === T_LATIN1) return findString(v, table, capacity, probe.hash, position, probe.str);
  return findGeneric(v, table, capacity, probe, position);
};


export const findNumber = (v: Views, table: number, capacity: number, hash: number, position: number, num: number): number => {
  const i32 = v.i32;
  const f64 = v.f64;
  const groupMask = (capacity >> 2) - 1;
  const tag = tagOf(hash);
  const ctrlWord = ctrlGroupWord(table, 0);
  let g = position & groupMask;
  for (let step = 1; step <= groupMask + 1; step++) {
    const word = i32[ctrlWord + g]!;
    for (let m = matchTag(word, tag); m !== 0; m = withoutLowest(m)) {
      const slot = (g << 2) + lowestByte(m);
      const at = slotOffset(table, capacity, slot);
      if (i32[slotWord(at, SLOT_HASH)] !== hash || (i32[slotWord(at, SLOT_TAGS)]! & 0xff) !== T_NUMBER) continue;
      const stored = f64[slotF64(at, SLOT_KEY)]!;
      if (stored === num || (stored !== stored && num !== num)) return slot;
    }
    if (matchEmpty(word) !== 0) return NOT_FOUND;
    g = (g + step) & groupMask;
  }
  return TORN;
};

/** Cache mode: the slot of the entry with `hash` whose tags word holds policy node `node`, NOT_FOUND or TORN. */
export const findNodeSlot = (v: Views, table: number, capacity: number, hash: number, position: number, node: number): number => {
  const i32 = v.i32;
  const groupMask = (capacity >> 2) - 1;
  const tag = tagOf(hash);
  const ctrlWord = ctrlGroupWord(table, 0);
  let g = position & groupMask;
  for (let step = 1; step <= groupMask + 1; step++) {
    const word = i32[ctrlWord + g]!;
    for (let m = matchTag(word, tag); m !== 0; m = withoutLowest(m)) {
      const slot = (g << 2) + lowestByte(m);
      const at = slotOffset(table, capacity, slot);
      if (i32[slotWord(at, SLOT_HASH)] === hash && i32[slotWord(at, SLOT_TAGS)]! >>> SLOT_NODE_SHIFT === node) return slot;
    }
    if (matchEmpty(word) !== 0) return NOT_FOUND;
    g = (g + step) & groupMask;
  }
  return TORN;
};

const findString = (v: Views, table: number, capacity: number, hash: number, position: number, str: string): number => {
  const i32 = v.i32;
  const groupMask = (capacity >> 2) - 1;
  const tag = tagOf(hash);
  const ctrlWord = ctrlGroupWord(table, 0);
  const length = str.length;
  let g = position & groupMask;
  for (let step = 1; step <= groupMask + 1; step++) {
    const word = i32[ctrlWord + g]!;
    for (let m = matchTag(word, tag); m !== 0; m = withoutLowest(m)) {
      const slot = (g << 2) + lowestByte(m);
      const at = slotOffset(table, capacity, slot);
      if (i32[slotWord(at, SLOT_HASH)] !== hash || i32[slotWord(at, SLOT_KEY + 1)] !== length) continue;
      const stored = i32[slotWord(at, SLOT_TAGS)]! & 0xff;
      if (stored !== T_LATIN1 && stored !== T_STRING) continue;
      if (length === 0) return slot;
      // One loop for both forms (two would not fit the JIT's inlining limit); a probe unit above
      // 255 never equals a byte.
      const wide = stored === T_STRING;
      const blob = i32[slotWord(at, SLOT_KEY)]!;
      if (blob <= 0 || (wide && (blob & 1) !== 0) || !v.covers(blob + (wide ? 2 * length : length))) return TORN;
      const units = wide ? v.u16 : v.u8;
      const base = wide ? blob >> 1 : blob;
      let i = 0;
      while (i < length && units[base + i] === str.charCodeAt(i)) i++;
      if (i === length) return slot;
    }
    if (matchEmpty(word) !== 0) return NOT_FOUND;
    g = (g + step) & groupMask;
  }
  return TORN;
};

const findGeneric = (v: Views, table: number, capacity: number, probe: ProbeKey, position: number): number => {
  const i32 = v.i32;
  const groups = capacity >> 2;
  const groupMask = groups - 1;
  const tag = tagOf(probe.hash);
  const ctrlWord = ctrlGroupWord(table, 0);
  let g = position & groupMask;
  for (let step = 1; step <= groups; step++) {
    const word = i32[ctrlWord + g]!;
    for (let m = matchTag(word, tag); m !== 0; m = withoutLowest(m)) {
      const slot = (g << 2) + lowestByte(m);
      const at = slotOffset(table, capacity, slot);
      if (i32[slotWord(at, SLOT_HASH)] !== probe.hash) continue;
      const same = keyEquals(v, at, probe);
      if (same === 1) return slot;
      if (same === TORN) return TORN;
    }
    if (matchEmpty(word) !== 0) return NOT_FOUND;
    g = (g + step) & groupMask;
  }
  return TORN; // every group full: impossible below the load limit
};

/** 1 if the key stored at slot offset `at` equals `probe`, 0 if not, TORN if unreadable. */
const keyEquals = (v: Views, at: number, probe: ProbeKey): number => {
  const tag = v.i32[slotWord(at, SLOT_TAGS)]! & 0xff;
  if (tag !== probe.tag) return 0;
  if (tag === T_NUMBER) {
    const stored = v.f64[slotF64(at, SLOT_KEY)]!;
    return stored === probe.num || (stored !== stored && probe.num !== probe.num) ? 1 : 0;
  }
  if (tag < T_NUMBER) return 1; // undefined, null, booleans: the tag is the whole key
  const blob = v.i32[slotWord(at, SLOT_KEY)]!;
  const length = v.i32[slotWord(at, SLOT_KEY + 1)]!;
  if (isTextTag(tag)) { // bigints (strings, in either form, take findString)
    const s = probe.str;
    if (length !== s.length) return 0;
    if (length === 0) return 1;
    if (blob <= 0 || (blob & 1) !== 0 || !v.covers(blob + 2 * length)) return TORN;
    const u16 = v.u16;
    const base = blob >> 1;
    for (let i = 0; i < length; i++) if (u16[base + i] !== s.charCodeAt(i)) return 0;
    return 1;
  }
  if (tag === T_BYTES || tag === T_TUPLE) {
    const b = probe.bytes;
    if (length !== b.length) return 0;
    if (length === 0) return 1;
    if (blob <= 0 || !v.covers(blob + length)) return TORN;
    const u8 = v.u8;
    for (let i = 0; i < length; i++) if (u8[blob + i] !== b[i]) return 0;
    return 1;
  }
  return TORN;
};

/** A free (EMPTY or DELETED) slot on `hash`'s probe sequence, or TORN if there is none. */
export const findInsertSlot = (v: Views, table: number, capacity: number, position: number): number => {
  const i32 = v.i32;
  const groups = capacity >> 2;
  const groupMask = groups - 1;
  const ctrlWord = ctrlGroupWord(table, 0);
  let g = position & groupMask;
  for (let step = 1; step <= groups; step++) {
    const m = matchEmptyOrDeleted(i32[ctrlWord + g]!);
    if (m !== 0) return (g << 2) + lowestByte(m);
    g = (g + step) & groupMask;
  }
  return TORN;
};

/** True if the slot's control byte is a tombstone it replaces. */
export const claimSlot = (v: Views, table: number, slot: number, hash: number): boolean => {
  const at = ctrlStart(table) + slot;
  const wasDeleted = v.u8[at] === DELETED;
  v.u8[at] = tagOf(hash);
  return wasDeleted;
};

/** Frees a slot's control byte; true if it had to become a tombstone. */
export const eraseSlot = (v: Views, table: number, slot: number): boolean => {
  const groupWord = v.i32[ctrlGroupWord(table, slot >> 2)]!;
  const tombstone = matchEmpty(groupWord) === 0;
  v.u8[ctrlStart(table) + slot] = tombstone ? DELETED : EMPTY;
  return tombstone;
};

/** True if every entry of the table has a number key and a number value (no blobs). */
export const onlyNumbers = (v: Views, table: number, capacity: number): boolean => {
  const numbers = T_NUMBER | (T_NUMBER << 8);
  for (let slot = 0; slot < capacity; slot++) {
    if (isFull(v, table, slot) && v.i32[slotWord(slotOffset(table, capacity, slot), SLOT_TAGS)] !== numbers) return false;
  }
  return true;
};

/** True if slot `slot` holds an entry. */
export const isFull = (v: Views, table: number, slot: number): boolean => (v.u8[ctrlStart(table) + slot]! & 0x80) === 0;

/** Makes every control byte EMPTY. */
const resetControl = (v: Views, table: number, capacity: number): void => {
  v.u8.fill(EMPTY, ctrlStart(table), ctrlStart(table) + capacity);
};

/**
 * Moves every entry of the old table into a fresh one (all EMPTY), keeping slot contents as they
 * are (blobs stay where they were). `shardBits` recovers each entry's position from its hash.
 */
export const rehashInto = (v: Views, from: number, fromCapacity: number, to: number, toCapacity: number, shardBits: number): void => {
  initTable(v, to, toCapacity);
  const i32 = v.i32;
  for (let slot = 0; slot < fromCapacity; slot++) {
    if (!isFull(v, from, slot)) continue;
    const src = slotOffset(from, fromCapacity, slot);
    const hash = i32[slotWord(src, SLOT_HASH)]!;
    const target = findInsertSlot(v, to, toCapacity, hash >>> shardBits);
    claimSlot(v, to, target, hash);
    const dst = slotOffset(to, toCapacity, target);
    i32.copyWithin(slotWord(dst, 0), slotWord(src, 0), slotWord(src, SLOT_WORDS));
  }
};
