// table.ts over a plain SharedArrayBuffer region, with no lock, heap or map: a Map model, tombstones,
// rehashing, colliding hashes, and the header's promise that torn or corrupt tables end every probe.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  NOT_FOUND,
  TORN,
  claimSlot,
  eraseSlot,
  findInsertSlot,
  findSlot,
  initTable,
  isFull,
  onlyNumbers,
  rehashInto,
  tableCapacity,
} from '../../src/table.js';
import { DELETED, EMPTY, matchEmpty, tagOf } from '../../src/control.js';
import { H_PUBLISHED_LENGTH, SLOT_BYTES, SLOT_HASH, SLOT_KEY, SLOT_TAGS, SLOT_VALUE, TBL_CAPACITY, ctrlStart, maxLoad, slotOffset, tableBytes } from '../../src/layout.js';
import { ProbeKey, T_BYTES, T_NUMBER, T_STRING } from '../../src/codecs.js';
import { hashNumber } from '../../src/hash.js';
import { Views } from '../../src/views.js';
import { sharedMemory } from '../helpers/memory.js';

const SHARD_BITS = 2;
const A = 256; // two table regions, swapped by every rehash
const B = A + tableBytes(128);
const BLOBS = B + tableBytes(128);

type Key = number | string | Uint8Array;
const probeOf = (key: Key, hash: number): ProbeKey => {
  const p = Object.assign(new ProbeKey(), { hash });
  if (typeof key === 'number') Object.assign(p, { tag: T_NUMBER, num: key });
  else if (typeof key === 'string') Object.assign(p, { tag: T_STRING, str: key });
  else Object.assign(p, { tag: T_BYTES, bytes: key });
  return p;
};

/** How often the properties below reached the cases they are about. */
const coverage = { tombstones: 0, reused: 0 };

/** The slot writes a shard makes around claimSlot, on one table; the control bytes are table.ts's. */
class Harness {
  readonly v: Views;
  table = A;
  count = 0;
  tombstones = 0;
  private blobEnd = BLOBS;
  constructor(public capacity = 8, bytes = 1 << 16) {
    this.v = new Views(sharedMemory(bytes), bytes);
    initTable(this.v, this.table, capacity);
  }
  find(key: Key, hash: number): number {
    return findSlot(this.v, this.table, tableCapacity(this.v, this.table), probeOf(key, hash), hash >>> SHARD_BITS);
  }
  words(slot: number): number[] {
    const w = slotOffset(this.table, this.capacity, slot) >> 2;
    return Array.from(this.v.i32.subarray(w, w + SLOT_BYTES / 4));
  }
  value(slot: number): number {
    return this.v.f64[(slotOffset(this.table, this.capacity, slot) >> 3) + (SLOT_VALUE >> 1)]!;
  }
  ctrl(slot: number): number {
    return this.v.u8[ctrlStart(this.table) + slot]!;
  }
  rehash(toCapacity: number): void {
    const to = this.table === A ? B : A;
    rehashInto(this.v, this.table, this.capacity, to, toCapacity, SHARD_BITS);
    [this.table, this.capacity, this.tombstones] = [to, toCapacity, 0];
  }
  insert(key: Key, hash: number, value: number): number {
    if (this.count + this.tombstones >= maxLoad(this.capacity)) this.rehash(this.count + 1 > maxLoad(this.capacity) >> 1 ? this.capacity * 2 : this.capacity);
    const slot = findInsertSlot(this.v, this.table, this.capacity, hash >>> SHARD_BITS);
    expect(slot).toBeGreaterThanOrEqual(0);
    expect(slot).toBeLessThan(this.capacity);
    const wasTombstone = this.ctrl(slot) === DELETED;
    expect(this.ctrl(slot) & 0x80).toBe(0x80); // a free slot
    expect(claimSlot(this.v, this.table, slot, hash)).toBe(wasTombstone);
    if (wasTombstone) this.tombstones--, coverage.reused++;
    expect(this.ctrl(slot)).toBe(tagOf(hash));
    const at = slotOffset(this.table, this.capacity, slot);
    const i32 = this.v.i32;
    i32[(at >> 2) + SLOT_HASH] = hash;
    if (typeof key === 'number') {
      i32[(at >> 2) + SLOT_TAGS] = T_NUMBER | (T_NUMBER << 8);
      this.v.f64[(at >> 3) + (SLOT_KEY >> 1)] = key;
    } else {
      const units = typeof key === 'string';
      const blob = this.blobEnd;
      if (units) for (let i = 0; i < key.length; i++) this.v.u16[(blob >> 1) + i] = key.charCodeAt(i);
      else this.v.u8.set(key, blob);
      this.blobEnd += (key.length * 2 + 7) & ~7;
      i32[(at >> 2) + SLOT_TAGS] = (units ? T_STRING : T_BYTES) | (T_NUMBER << 8);
      i32[(at >> 2) + SLOT_KEY] = blob;
      i32[(at >> 2) + SLOT_KEY + 1] = key.length;
    }
    this.v.f64[(at >> 3) + (SLOT_VALUE >> 1)] = value;
    this.count++;
    return slot;
  }
  erase(slot: number): void {
    const group = this.v.i32[(ctrlStart(this.table) >> 2) + (slot >> 2)]!;
    const tombstone = eraseSlot(this.v, this.table, slot);
    expect(tombstone).toBe(matchEmpty(group) === 0); // the group had no EMPTY byte
    expect(this.ctrl(slot)).toBe(tombstone ? DELETED : EMPTY);
    if (tombstone) this.tombstones++, coverage.tombstones++;
    this.count--;
  }
  countCtrl(pred: (b: number) => boolean): number {
    let n = 0;
    for (let s = 0; s < this.capacity; s++) if (pred(this.ctrl(s))) n++;
    return n;
  }
}

const masks = { full: -1, 'few positions, tags differ': 0xfe00000f | 0, 'tag 0, 4 groups': 0x3c, 'one hash for all': 0 };

describe('table against a Map model', () => {
  for (const [name, mask] of Object.entries(masks)) {
    it(`insert / find / erase / claim, hashes masked: ${name}`, () => {
      const command = fc.record({ del: fc.boolean(), key: fc.integer({ min: 0, max: 40 }) });
      const before = { ...coverage };
      fc.assert(
        fc.property(fc.array(command, { minLength: 30, maxLength: 200 }), fc.integer(), (commands, seed) => {
          const h = new Harness();
          const model = new Map<number, number>();
          const hashOf = (k: number) => hashNumber(k, seed) & mask;
          commands.forEach(({ del, key }, i) => {
            const slot = h.find(key, hashOf(key));
            if (model.has(key)) expect(slot, `find ${key}`).toBeGreaterThanOrEqual(0);
            else expect(slot, `find ${key}`).toBe(NOT_FOUND);
            if (del) {
              if (slot >= 0) h.erase(slot);
              model.delete(key);
            } else {
              if (slot >= 0) h.v.f64[(slotOffset(h.table, h.capacity, slot) >> 3) + (SLOT_VALUE >> 1)] = i;
              else h.insert(key, hashOf(key), i);
              model.set(key, i);
            }
            expect(h.countCtrl((b) => (b & 0x80) === 0)).toBe(model.size);
            expect(h.countCtrl((b) => b === DELETED)).toBe(h.tombstones);
          });
          for (let key = 0; key <= 40; key++) {
            const slot = h.find(key, hashOf(key));
            if (!model.has(key)) expect(slot, `absent ${key}`).toBe(NOT_FOUND);
            else {
              expect(slot).toBeGreaterThanOrEqual(0);
              expect(isFull(h.v, h.table, slot)).toBe(true);
              expect(h.value(slot)).toBe(model.get(key));
            }
          }
          expect(onlyNumbers(h.v, h.table, h.capacity)).toBe(true);
        }),
        { numRuns: 60 },
      );
      // The runs made tombstones and reused them (else this test could not see those bugs).
      expect(coverage.tombstones).toBeGreaterThan(before.tombstones);
      expect(coverage.reused).toBeGreaterThan(before.reused);
    });
  }
});

describe('rehashInto', () => {
  it('keeps every entry (all its slot words), drops tombstones, at any capacity', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer(), { minLength: 1, maxLength: 13 }), fc.integer({ min: 0, max: 13 }), fc.constantFrom(16, 32, 64), (keys, erased, to) => {
        const h = new Harness(16);
        const hashOf = (k: number) => hashNumber(k, 7) & 0xfe00003f;
        const slots = keys.map((k, i) => h.insert(k, hashOf(k), i));
        for (let i = 0; i < erased && i < keys.length; i++) h.erase(slots[i]!);
        const before = new Map(keys.slice(erased).map((k) => [k, h.words(h.find(k, hashOf(k)))]));
        h.rehash(to);
        expect(h.countCtrl((b) => b === DELETED)).toBe(0);
        expect(h.countCtrl((b) => (b & 0x80) === 0)).toBe(before.size);
        for (const [k, words] of before) expect(h.words(h.find(k, hashOf(k)))).toEqual(words);
        for (const k of keys.slice(0, erased)) expect(h.find(k, hashOf(k))).toBe(NOT_FOUND);
      }),
    );
  });
});

describe('colliding hashes', () => {
  it('keys with one hash (same group, same tag) are told apart by their keys, of every kind', () => {
    const h = new Harness(32);
    const hash = 0x55000003 | 0;
    const keys: Key[] = [0, 1, -0.5, NaN, '', 'a', 'b', 'ab', 'ba', 'abc', new Uint8Array([1]), new Uint8Array([1, 2]), new Uint8Array([2, 1])];
    const slots = keys.map((k, i) => h.insert(k, hash, i));
    expect(new Set(slots).size).toBe(keys.length);
    keys.forEach((k, i) => expect(h.find(k, hash), String(k)).toBe(slots[i]));
    for (const k of [2, 'c', 'aa', 'abd', new Uint8Array([1, 3]), new Uint8Array(0)]) expect(h.find(k, hash), String(k)).toBe(NOT_FOUND);
    for (let i = 0; i < keys.length; i += 2) h.erase(slots[i]!);
    keys.forEach((k, i) => expect(h.find(k, hash)).toBe(i % 2 ? slots[i] : NOT_FOUND));
    expect(onlyNumbers(h.v, h.table, h.capacity)).toBe(false);
  });

  it('a key with the same hash low bits and tag as an entry, but another hash, is not found', () => {
    const h = new Harness(8);
    h.insert(5, 0x12000004, 0);
    expect(h.find(5, 0x12000004)).toBeGreaterThanOrEqual(0);
    expect(h.find(5, 0x12100004)).toBe(NOT_FOUND); // same tag and group, middle bits differ
  });
});

/** Views whose arrays throw on any index outside them (a typed array would quietly read undefined),
 *  and after READ_BUDGET reads (a probe that does not end). These buffers never grow, so covers()
 *  needs no catch-up, whose Atomics.load a Proxy cannot take. */
const READ_BUDGET = 1_000_000;
function guarded(v: Views): Views {
  v.covers = (end: number) => end <= v.length;
  let reads = 0;
  for (const name of ['i32', 'u8', 'u16', 'f64'] as const) {
    const target = v[name];
    (v as unknown as Record<string, unknown>)[name] = new Proxy(target, {
      get(t, p) {
        if (++reads > READ_BUDGET) throw new Error('a probe did not end');
        if (typeof p === 'string' && /^-?\d+$/.test(p) && (Number(p) < 0 || Number(p) >= t.length)) throw new RangeError(`${name}[${p}] outside the views`);
        const value = Reflect.get(t, p, t) as unknown;
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(t) : value;
      },
    });
  }
  return v;
}

describe('probe termination on torn and corrupt tables', () => {
  const probes = (hash: number) => [probeOf(3, hash), probeOf('xyz', hash), probeOf(new Uint8Array([9, 9]), hash)];

  it('a table of tombstones only: lookups are TORN, inserts reuse a tombstone', () => {
    const h = new Harness(16);
    h.v.u8.fill(DELETED, ctrlStart(h.table), ctrlStart(h.table) + 16);
    guarded(h.v);
    for (const p of probes(0x0f000005)) expect(findSlot(h.v, h.table, 16, p, 1)).toBe(TORN);
    expect(findInsertSlot(h.v, h.table, 16, 1)).toBe(4); // group 1, byte 0
  });

  it('a table with every slot full and no match: lookups and inserts are TORN', () => {
    const h = new Harness(16);
    h.v.u8.fill(0x21, ctrlStart(h.table), ctrlStart(h.table) + 16);
    guarded(h.v);
    for (const p of probes(0x0f000005)) expect(findSlot(h.v, h.table, 16, p, 3)).toBe(TORN);
    expect(findInsertSlot(h.v, h.table, 16, 3)).toBe(TORN);
  });

  it('random control bytes and slot words: every probe ends in range, NOT_FOUND or TORN, never outside the buffer', () => {
    const capacity = 16;
    const bytes = A + tableBytes(capacity) + 64;
    fc.assert(
      fc.property(fc.uint8Array({ minLength: capacity + capacity * SLOT_BYTES, maxLength: capacity + capacity * SLOT_BYTES }), fc.integer(), (garbage, hash) => {
        const v = new Views(sharedMemory(bytes), bytes);
        initTable(v, A, capacity);
        v.u8.set(garbage, ctrlStart(A));
        guarded(v);
        expect(tableCapacity(v, A)).toBe(capacity);
        for (const p of probes(hash)) {
          const r = findSlot(v, A, capacity, p, hash >>> SHARD_BITS);
          expect(r === NOT_FOUND || r === TORN || (r >= 0 && r < capacity && Number.isInteger(r))).toBe(true);
        }
        const ins = findInsertSlot(v, A, capacity, hash >>> SHARD_BITS);
        expect(ins === TORN || (ins >= 0 && ins < capacity)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('a blob offset outside the buffer or misaligned is TORN, not a read', () => {
    const h = new Harness(8, A + tableBytes(8) + 4096);
    guarded(h.v);
    const slot = h.insert('ab', 0x3000_0000, 1);
    const keyWord = (slotOffset(h.table, 8, slot) >> 2) + SLOT_KEY;
    for (const bad of [-8, 0, 3, h.v.length, 2 ** 30]) {
      h.v.i32[keyWord] = bad;
      expect(h.find('ab', 0x3000_0000), `blob ${bad}`).toBe(TORN);
    }
  });

  it('tableCapacity rejects implausible headers and table offsets', () => {
    const h = new Harness(16, 8192);
    const header = (h.table >> 2) + TBL_CAPACITY;
    expect(tableCapacity(h.v, h.table)).toBe(16);
    for (const table of [0, -256, h.table + 4, 8192, 2 ** 30]) expect(tableCapacity(h.v, table), `table ${table}`).toBe(0);
    for (const cap of [0, 4, 12, -16, 2 ** 27, 1024]) {
      h.v.i32[header] = cap; // 1024 slots would run past the buffer's end
      expect(tableCapacity(h.v, h.table), `capacity ${cap}`).toBe(0);
    }
  });

  it('tableCapacity catches up with a buffer grown by another thread', () => {
    const memory = sharedMemory(8192);
    const sab = memory.buffer;
    const v = new Views(memory, 4096);
    const table = 4096;
    new Int32Array(sab)[(table >> 2) + TBL_CAPACITY] = 8;
    expect(tableCapacity(v, table)).toBe(0); // beyond the published length
    Atomics.store(new Int32Array(sab), H_PUBLISHED_LENGTH, 8192);
    expect(tableCapacity(v, table)).toBe(8);
    expect(v.length).toBe(8192);
  });
});
