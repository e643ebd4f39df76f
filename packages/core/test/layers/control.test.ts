// control.ts: SWAR group matching checked byte by byte against a naive model of its header.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  DELETED,
  EMPTY,
  EMPTY_GROUP_WORD,
  lowestByte,
  matchEmpty,
  matchEmptyOrDeleted,
  matchTag,
  tagOf,
  withoutLowest,
} from '../../src/control.js';
import { NOT_FOUND, findSlot, initTable } from '../../src/table.js';
import { SLOT_HASH, SLOT_KEY, SLOT_TAGS, ctrlStart, slotOffset, tableBytes } from '../../src/layout.js';
import { ProbeKey, T_NUMBER } from '../../src/codecs.js';
import { Views } from '../../src/views.js';
import { sharedMemory } from '../helpers/memory.js';

const wordOf = (bytes: number[]): number => (bytes[0]! | (bytes[1]! << 8) | (bytes[2]! << 16) | (bytes[3]! << 24)) | 0;
const bytesOf = (word: number): number[] => [0, 1, 2, 3].map((i) => (word >>> (8 * i)) & 0xff);
/** The mask with the high bit of byte i set for each i in `positions`. */
const maskOf = (positions: number[]): number => positions.reduce((m, i) => m | (0x80 << (8 * i)), 0) | 0;
/** The byte indexes a mask flags, lowest first, read the way table.ts reads them. */
function iterate(mask: number): number[] {
  const out: number[] = [];
  for (let m = mask; m !== 0; m = withoutLowest(m)) out.push(lowestByte(m));
  return out;
}

const tag = fc.integer({ min: 0, max: 0x7f });
const ctrlByte = fc.oneof(tag, fc.constant(EMPTY), fc.constant(DELETED));
const group = fc.array(ctrlByte, { minLength: 4, maxLength: 4 });

/** matchTag's exact result, as the header explains it: zero bytes of word ^ tag, plus a byte
 *  0x01 that a borrow out of the byte below reaches (the documented false positive). */
function naiveMatchTag(bytes: number[], t: number): number[] {
  const out: number[] = [];
  let borrow = false;
  for (let i = 0; i < 4; i++) {
    const x = bytes[i]! ^ t;
    const flagged = x === 0 || (x === 1 && borrow);
    if (flagged) out.push(i);
    borrow = flagged;
  }
  return out;
}

describe('control bytes', () => {
  it('EMPTY and DELETED have bit 7 set, every tag has it clear; the empty group is four EMPTY bytes', () => {
    expect(EMPTY & 0x80).toBe(0x80);
    expect(DELETED & 0x80).toBe(0x80);
    expect(bytesOf(EMPTY_GROUP_WORD)).toEqual([EMPTY, EMPTY, EMPTY, EMPTY]);
    expect(iterate(matchEmpty(EMPTY_GROUP_WORD))).toEqual([0, 1, 2, 3]);
  });

  it('tagOf is the top 7 bits of the hash, never a byte with bit 7 set', () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), (h) => {
        const t = tagOf(h);
        expect(t).toBe(Math.floor((h >>> 0) / 2 ** 25));
        expect(t & 0x80).toBe(0);
        expect(tagOf(h ^ 0x01ffffff)).toBe(t); // the low 25 bits play no part
      }),
    );
    expect(tagOf(-1)).toBe(0x7f);
    expect(tagOf(0x01ffffff)).toBe(0);
  });

  it('lowestByte and withoutLowest visit each flagged byte once, lowest first', () => {
    for (let set = 1; set < 16; set++) {
      const positions = [0, 1, 2, 3].filter((i) => set & (1 << i));
      expect(iterate(maskOf(positions))).toEqual(positions);
    }
    expect(withoutLowest(maskOf([2]))).toBe(0);
  });
});

describe('group matching on every byte position', () => {
  it('matchTag flags a tag at any position, alone in an EMPTY or DELETED group', () => {
    for (let t = 0; t <= 0x7f; t++) {
      for (let pos = 0; pos < 4; pos++) {
        for (const filler of [EMPTY, DELETED]) {
          const bytes = [filler, filler, filler, filler];
          bytes[pos] = t;
          expect(iterate(matchTag(wordOf(bytes), t)), `tag ${t} at ${pos}`).toEqual([pos]);
          expect(iterate(matchEmpty(wordOf(bytes)))).toEqual(filler === EMPTY ? [0, 1, 2, 3].filter((i) => i !== pos) : []);
          expect(iterate(matchEmptyOrDeleted(wordOf(bytes)))).toEqual([0, 1, 2, 3].filter((i) => i !== pos));
        }
      }
    }
  });

  it('matchEmpty and matchEmptyOrDeleted equal a byte-by-byte check (no false positives)', () => {
    fc.assert(
      fc.property(group, (bytes) => {
        const w = wordOf(bytes);
        expect(iterate(matchEmpty(w))).toEqual([0, 1, 2, 3].filter((i) => bytes[i] === EMPTY));
        expect(iterate(matchEmptyOrDeleted(w))).toEqual([0, 1, 2, 3].filter((i) => bytes[i] === EMPTY || bytes[i] === DELETED));
      }),
      { numRuns: 2000 },
    );
  });

  it('matchTag never misses a match; its false positives are the documented borrow ones only', () => {
    fc.assert(
      fc.property(group, tag, (bytes, t) => {
        const flagged = iterate(matchTag(wordOf(bytes), t));
        const exact = [0, 1, 2, 3].filter((i) => bytes[i] === t);
        expect(flagged).toEqual(naiveMatchTag(bytes, t));
        for (const i of exact) expect(flagged).toContain(i);
        for (const i of flagged.filter((j) => !exact.includes(j))) {
          expect(bytes[i]! ^ t).toBe(1); // the byte is tag ^ 1 ...
          expect(flagged).toContain(i - 1); // ... just above a flagged byte (the borrow's source)
        }
      }),
      { numRuns: 5000 },
    );
  });

  it('a false positive exists: tag ^ 1 just above a match is flagged', () => {
    expect(iterate(matchTag(wordOf([0x10, 0x11, EMPTY, EMPTY]), 0x10))).toEqual([0, 1]);
    expect(iterate(matchTag(wordOf([0x10, 0x11, 0x11, 0x10]), 0x10))).toEqual([0, 1, 2, 3]);
    expect(iterate(matchTag(wordOf([0x11, 0x10, EMPTY, EMPTY]), 0x10))).toEqual([1]); // no borrow into byte 0
  });
});

describe('the key check catches false positives', () => {
  const capacity = 8;
  const table = 64;
  const bytes = table + tableBytes(capacity) + 64;
  const v = new Views(sharedMemory(bytes), bytes);

  function put(slot: number, hash: number, key: number): void {
    v.u8[ctrlStart(table) + slot] = tagOf(hash);
    const at = slotOffset(table, capacity, slot);
    v.i32[(at >> 2) + SLOT_HASH] = hash;
    v.i32[(at >> 2) + SLOT_TAGS] = T_NUMBER | (T_NUMBER << 8);
    v.f64[(at >> 3) + (SLOT_KEY >> 1)] = key;
  }
  const probe = (hash: number, num: number): ProbeKey => Object.assign(new ProbeKey(), { tag: T_NUMBER, hash, num });

  it('a lookup whose tag also flags the slot above its match finds only what its hash and key name', () => {
    initTable(v, table, capacity);
    const t = 0x10;
    const hashA = (t << 25) | 0; // group 0, tag 0x10
    const hashB = ((t ^ 1) << 25) | 0; // group 0, tag 0x11: flagged by matchTag(.., 0x10) when above A
    put(0, hashA, 1);
    put(1, hashB, 2);
    expect(iterate(matchTag(v.i32[ctrlStart(table) >> 2]!, t))).toEqual([0, 1]);
    expect(findSlot(v, table, capacity, probe(hashA, 1), 0)).toBe(0);
    expect(findSlot(v, table, capacity, probe(hashA, 2), 0)).toBe(NOT_FOUND); // B's key, A's hash
    expect(findSlot(v, table, capacity, probe(hashA, 3), 0)).toBe(NOT_FOUND);
    expect(findSlot(v, table, capacity, probe(hashB, 2), 0)).toBe(1);
    // Same hash as A (so the same tag and group) but another key: only the key tells them apart.
    put(2, hashA, 4);
    expect(findSlot(v, table, capacity, probe(hashA, 4), 0)).toBe(2);
    expect(findSlot(v, table, capacity, probe(hashA, 5), 0)).toBe(NOT_FOUND);
  });
});
