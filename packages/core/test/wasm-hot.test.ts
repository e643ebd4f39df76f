/**
 * wasm/hot.wat's getNumber against the map it reads: every answer it gives plainly equals the map's, and
 * everything it cannot answer plainly (a held lock, a value JavaScript decodes, an impossible
 * table) is SLOW, never a trap or a guess. Its restated layout constants match layout.ts.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { countAtomicsCalls } from './helpers/atomics.js';
import fc from 'fast-check';
import { ShardedMap } from '@shardmap/core';
import { HAS_SLOW, SET_LOCKED, SET_NOT_LOCKED, SET_STORED, setShortStringIn, STATUS_ABSENT, STATUS_NAN, STATUS_SLOW, wasmHotPaths } from '../src/wasm/hot.js';
import { hashNumber, hashString } from '../src/hash.js';
import * as layout from '../src/layout.js';
import { HELD, LOCKED, SEQUENCE_STEP, WAITERS, lockedBy } from '../src/lock.js';
import { T_LATIN1, T_NUMBER, T_STRING } from '../src/tags.js';

const shardBitsOf = (shards: number) => Math.log2(shards);

/** An owner id no map instance here has: the locked word setNumber's acquires show. */
const mine = lockedBy(7);

function reader(map: ShardedMap<number, unknown>, shards: number) {
  const i32 = () => new Int32Array(map.handle.memory.buffer);
  const seed = i32()[layout.H_SEED]!;
  const mask = i32()[layout.H_HASH_MASK]!;
  const wasm = wasmHotPaths(map.handle.memory, shardBitsOf(shards), seed, mask, mine);
  const ask = (key: number): { value: number; status: number | undefined } => {
    const value = wasm.getNumber(key, hashNumber(key, seed) & mask);
    return { value, status: value === value ? undefined : wasm.status() };
  };
  return { ask, i32, wasm, hash: (key: number) => hashNumber(key, seed) & mask };
}

describe('wasm reads', () => {
  it('restates layout.ts exactly', () => {
    const wat = readFileSync(new URL('../src/wasm/hot.wat', import.meta.url), 'utf8');
    const block = wat.slice(wat.indexOf('restated (checked'), wat.indexOf('(func'));
    const stated = new Map([...block.matchAll(/([A-Z][A-Z0-9_]+)(?: word)? (2\^\d+|\d+)/g)].map((m) => [m[1]!, m[2]!.startsWith('2^') ? 2 ** Number(m[2]!.slice(2)) : Number(m[2])]));
    const actual: Record<string, number> = {
      HEADER_BYTES: layout.HEADER_BYTES, SHARD_BYTES: layout.SHARD_BYTES, S_TABLE: layout.S_TABLE, TABLE_HEADER_BYTES: layout.TABLE_HEADER_BYTES,
      TBL_CAPACITY: layout.TBL_CAPACITY, SLOT_BYTES: layout.SLOT_BYTES, SLOT_HASH: layout.SLOT_HASH, SLOT_TAGS: layout.SLOT_TAGS, T_NUMBER, LOCKED,
      T_STRING, T_LATIN1, PAYLOAD_LENGTH: layout.PAYLOAD_LENGTH,
      S_LAST_SEQUENCE: layout.S_LAST_SEQUENCE, S_LOCK_ACQUISITIONS: layout.S_LOCK_ACQUISITIONS, WAITERS, HELD, SEQUENCE_STEP,
      GROUP_WIDTH: layout.GROUP_WIDTH, MAX_CAPACITY: 2 ** 26, VALUE_TAG_BYTE: layout.SLOT_TAGS * 4 + 1,
      SLOT_NODE_SHIFT: layout.SLOT_NODE_SHIFT,
    };
    expect(stated.size).toBeGreaterThanOrEqual(Object.keys(actual).length);
    for (const [name, value] of Object.entries(actual)) expect(stated.get(name), name).toBe(value);
    expect(layout.slotF64(0, layout.SLOT_KEY) * 8).toBe(8); // SLOT_KEY f64 at byte 8
    expect(layout.slotF64(0, layout.SLOT_VALUE) * 8).toBe(16); // SLOT_VALUE f64 at byte 16
    expect(layout.shardWord(1, layout.S_LOCK) * 4).toBe(layout.HEADER_BYTES + layout.SHARD_BYTES);
    expect(layout.slotWord(0, layout.SLOT_KEY + layout.PAYLOAD_LENGTH) * 4).toBe(12); // a string key's length
  });

  it('answers as a model Map does (and as the map does) for random int and double keys with number values, NaN and -0 among them', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.oneof(fc.integer({ min: -50, max: 50 }), fc.double(), fc.constantFrom(NaN, -0, 0, Infinity)), fc.double()), { maxLength: 300 }),
        fc.array(fc.oneof(fc.integer({ min: -60, max: 60 }), fc.double()), { maxLength: 50 }),
        (entries, probes) => {
          const map = ShardedMap.create<number, number>({ keys: 'number', values: 'number', shards: 4 });
          const model = new Map<number, number>();
          for (const [k, v] of entries) {
            map.set(k, v);
            model.set(k, v);
          }
          const { ask } = reader(map, 4);
          for (const key of [...entries.map(([k]) => k), ...probes, NaN, -0, 0]) {
            const { value, status } = ask(key);
            const expected = model.get(key);
            expect(map.get(key)).toBe(expected);
            if (status === STATUS_SLOW) return false; // nothing here should need the slow path
            if (expected === undefined) expect(status, `key ${key}`).toBe(STATUS_ABSENT);
            else if (Number.isNaN(expected)) expect(status).toBe(STATUS_NAN);
            else expect(value).toBe(expected);
          }
          return true;
        },
      ),
      { numRuns: 150 },
    );
  });

  it('is SLOW, not an answer, while the shard is locked, for a value it does not decode, and for impossible tables', () => {
    const map = ShardedMap.create<number, unknown>({ keys: 'number', values: 'any', shards: 4 });
    for (let i = 0; i < 100; i++) map.set(i, i * 2);
    map.set(1000, 'text');
    const { ask, i32, wasm, hash } = reader(map, 4);
    expect(ask(7)).toEqual({ value: 14, status: undefined });
    expect([wasm.hasNumber(7, hash(7)), wasm.hasNumber(1000, hash(1000)), wasm.hasNumber(4242, hash(4242))]).toEqual([1, 1, 0]);
    expect(ask(1000).status).toBe(STATUS_SLOW);
    const shard = hash(7) & 3;
    const lock = layout.shardWord(shard, layout.S_LOCK);
    const word = Atomics.load(i32(), lock);
    Atomics.store(i32(), lock, word | LOCKED);
    expect(ask(7).status).toBe(STATUS_SLOW);
    expect(wasm.hasNumber(7, hash(7))).toBe(HAS_SLOW);
    Atomics.store(i32(), lock, word);
    expect(ask(7).value).toBe(14);
    const tableWord = layout.shardWord(shard, layout.S_TABLE);
    const table = i32()[tableWord]!;
    for (const scribbled of [0, 4, -8, 0x7ffffff8, map.handle.memory.buffer.byteLength - 8]) {
      i32()[tableWord] = scribbled;
      expect(ask(7).status, `table at ${scribbled}`).toBe(STATUS_SLOW);
    }
    i32()[tableWord] = table;
    const capacityWord = (table >> 2) + layout.TBL_CAPACITY;
    const capacity = i32()[capacityWord]!;
    for (const scribbled of [0, 4, 12, -16, 2 ** 27, 2 ** 25]) {
      i32()[capacityWord] = scribbled;
      expect(ask(7).status, `capacity ${scribbled}`).toBe(STATUS_SLOW);
    }
    i32()[capacityWord] = capacity;
    expect(ask(7).value).toBe(14);
  });

  it('setNumber: a free lock is taken by one compareExchange from the word loaded; a number over a number is stored and released, anything else keeps the lock unchanged', () => {
    const map = ShardedMap.create<number, unknown>({ keys: 'number', values: 'any', shards: 4 });
    for (let i = 0; i < 100; i++) map.set(i, i * 2);
    map.set(1000, 'text');
    const { ask, i32, wasm, hash } = reader(map, 4);
    const words = (key: number) => {
      const lock = layout.shardWord(hash(key) & 3, layout.S_LOCK);
      return { lock, word: Atomics.load(i32(), lock), last: i32()[lock + layout.S_LAST_SEQUENCE]!, acquisitions: i32()[lock + layout.S_LOCK_ACQUISITIONS]! };
    };
    const before = words(5);
    expect(wasm.setNumber(5, hash(5), 55.5)).toBe(SET_STORED);
    expect(words(5)).toEqual({ ...before, word: before.word + SEQUENCE_STEP, last: before.word, acquisitions: before.acquisitions + 1 });
    expect(map.get(5)).toBe(55.5);
    for (const key of [1000, 4242]) { // a value JavaScript encodes; an absent key
      const at = words(key);
      expect(wasm.setNumber(key, hash(key), 1)).toBe(SET_LOCKED);
      expect(words(key)).toEqual({ ...at, word: mine, last: at.word, acquisitions: at.acquisitions + 1 });
      Atomics.store(i32(), at.lock, at.word); // released unchanged, for the next case
    }
    expect(map.get(1000)).toBe('text');
    expect(map.has(4242)).toBe(false);
    // A taken word (another's LOCKED, a HELD one, with or without WAITERS) is never acquired.
    const taken = words(6);
    for (const word of [lockedBy(3), lockedBy(3) | WAITERS, taken.word | HELD, taken.word | HELD | WAITERS]) {
      Atomics.store(i32(), taken.lock, word);
      expect(wasm.setNumber(6, hash(6), 1), `word ${word}`).toBe(SET_NOT_LOCKED);
      expect(words(6)).toEqual({ ...taken, word });
    }
    Atomics.store(i32(), taken.lock, taken.word);
    expect(ask(6).value).toBe(12);
  });

  it('the map adopts a lock setNumber kept: an insert, a replaced value and a delete after it each advance the sequence by one step', () => {
    const map = ShardedMap.create<number, unknown>({ keys: 'number', values: 'any', shards: 4 });
    for (let i = 0; i < 40; i++) map.set(i, i);
    map.set(1000, 'text');
    const { i32, hash } = reader(map, 4);
    const lockOf = (key: number) => layout.shardWord(hash(key) & 3, layout.S_LOCK);
    let beside = 5000; // an absent key in 5's shard
    while ((hash(beside) & 3) !== (hash(5) & 3)) beside++;
    for (const [key, write] of [
      [4242, () => map.set(4242, 1)], // absent: SET_LOCKED, inserted under the adopted lock
      [1000, () => map.set(1000, 2)], // a string value: SET_LOCKED, replaced
      [5, () => map.set(5, 3)], // SET_STORED: this instance's hint for the shard is now stale
      [beside, () => map.set(beside, 4)], // SET_LOCKED after it: adopted over the word it took, not the hint
      [5, () => map.set(5, 3.5)], // SET_STORED again
      [5, () => map.delete(5)], // JavaScript's lock() after it, its hint stale
      [6, () => map.set(6, 'six')], // and JavaScript's set
    ] as const) {
      const before = Atomics.load(i32(), lockOf(key));
      write();
      expect(Atomics.load(i32(), lockOf(key)), `key ${key}`).toBe(before + SEQUENCE_STEP);
    }
    expect([map.get(4242), map.get(1000), map.get(beside), map.has(5), map.get(6), map.size]).toEqual([1, 2, 4, false, 'six', 42]);
  });

  it('the map takes the WebAssembly paths: get and has of int keys and set over a number run no Atomics call', () => {
    const map = ShardedMap.create<number, number>({ keys: 'number', values: 'number', shards: 4 });
    for (let i = 0; i < 100; i++) map.set(i, i + 0.5);
    let sum = 0;
    const calls = countAtomicsCalls(() => {
      for (let i = 0; i < 100; i++) map.set(i, i + 1);
      for (let i = 0; i < 100; i++) sum += map.get(i)!;
      expect(map.get(1000)).toBeUndefined();
      for (let i = 0; i < 100; i++) expect(map.has(i)).toBe(true);
      expect(map.has(1000)).toBe(false);
    });
    expect(sum).toBe(5050);
    expect(calls).toBe(0);
  });

  const pack = (key: string): number[] => {
    const words: number[] = [];
    for (let k = 0; k < 8; k++) words.push(key.charCodeAt(2 * k) | (key.charCodeAt(2 * k + 1) << 16));
    return words;
  };
  // Strings of every width: ASCII, Latin-1 (stored one byte a unit), BMP, astral, lone surrogates.
  const unit = fc.oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0x80, max: 0xff }), fc.integer({ min: 0, max: 0xffff }));
  const shortString = fc.array(unit, { maxLength: 16 }).map((units) => String.fromCharCode(...units));

  it('getString hashes a key of up to 16 units exactly as hashString does', () => {
    const map = ShardedMap.create<string, number>({ keys: 'string', values: 'number', shards: 4 });
    const i32 = new Int32Array(map.handle.memory.buffer);
    const seed = i32[layout.H_SEED]!;
    const wasm = wasmHotPaths(map.handle.memory, 2, seed, -1, mine);
    fc.assert(
      fc.property(fc.oneof(shortString, fc.string({ maxLength: 16, unit: 'binary' })), (key) => {
        fc.pre(key.length <= 16);
        wasm.getString(key.length, ...(pack(key) as [number, number, number, number, number, number, number, number]));
        return wasm.lastHash() === hashString(key, seed);
      }),
      { numRuns: 2000 },
    );
  });

  it('map.get of short string keys answers as a model Map, in both stored forms, in both modes', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<'striped' | 'syncmap'>('striped', 'syncmap'),
        fc.constantFrom<'string' | 'any'>('string', 'any'),
        fc.array(fc.tuple(fc.oneof(shortString, fc.string({ minLength: 15, maxLength: 20 })), fc.oneof(fc.double(), fc.integer())), { maxLength: 200 }),
        fc.array(shortString, { maxLength: 40 }),
        (mode, keys, entries, probes) => {
          const map = ShardedMap.create<string, number>({ keys, values: 'number', shards: 4, mode });
          const model = new Map<string, number>();
          for (const [k, v] of entries) {
            map.set(k, v);
            model.set(k, v);
          }
          for (const key of [...model.keys(), ...probes, '']) {
            expect(map.get(key), JSON.stringify(key)).toBe(model.get(key));
            expect(map.has(key), JSON.stringify(key)).toBe(model.has(key));
          }
        },
      ),
      { numRuns: 120 },
    );
  });

  it("a string key's value that getString does not decode, and a held shard, go the generic way with the hash it computed", () => {
    const map = ShardedMap.create<string, unknown>({ shards: 4 });
    map.set('user:1:profile', { name: 'a' });
    map.set('user:2:profile', 2.5);
    map.set('café', Number.NaN);
    expect(map.get('user:1:profile')).toEqual({ name: 'a' });
    expect(map.get('user:2:profile')).toBe(2.5);
    expect(map.get('café')).toBeNaN();
    expect(map.get('user:3:profile')).toBeUndefined();
    const i32 = new Int32Array(map.handle.memory.buffer);
    const seed = i32[layout.H_SEED]!;
    const lock = layout.shardWord(hashString('user:2:profile', seed) & 3, layout.S_LOCK);
    const word = Atomics.load(i32, lock);
    Atomics.store(i32, lock, word | HELD); // a holder running user code: readers read through it
    expect(map.get('user:2:profile')).toBe(2.5);
    Atomics.store(i32, lock, word);
  });

  it('hasString answers 1 and 0 plainly whatever the value, 2 while the shard is locked, and keeps the hash', () => {
    const map = ShardedMap.create<string, unknown>({ shards: 4 });
    map.set('user:1:profile', { name: 'a' });
    map.set('café', 'text');
    const i32 = new Int32Array(map.handle.memory.buffer);
    const seed = i32[layout.H_SEED]!;
    const mask = i32[layout.H_HASH_MASK]!;
    const wasm = wasmHotPaths(map.handle.memory, 2, seed, mask, mine);
    const has = (key: string) => wasm.hasString(key.length, ...(pack(key) as [number, number, number, number, number, number, number, number]));
    expect([has('user:1:profile'), has('café'), has('user:3:profile'), has('')]).toEqual([1, 1, 0, 0]);
    expect(wasm.lastHash()).toBe(hashString('', seed) & mask);
    const lock = layout.shardWord(hashString('café', seed) & 3, layout.S_LOCK);
    const word = Atomics.load(i32, lock);
    Atomics.store(i32, lock, word | LOCKED);
    expect(has('café')).toBe(HAS_SLOW);
    expect(wasm.lastHash()).toBe(hashString('café', seed) & mask);
    Atomics.store(i32, lock, word);
    expect([map.has('café'), map.has('user:1:profile'), map.has('nope')]).toEqual([true, true, false]);
  });

  it('setString: the lock fast path of setNumber, for a short string key; a number over a number stored and released, anything else keeps the lock', () => {
    const map = ShardedMap.create<string, unknown>({ shards: 4 });
    map.set('café', 1.5); // Latin-1, stored one byte a unit
    map.set('user:1:profile', 'text');
    map.set('😀x', 2);
    const i32 = new Int32Array(map.handle.memory.buffer);
    const seed = i32[layout.H_SEED]!;
    const mask = i32[layout.H_HASH_MASK]!;
    const wasm = wasmHotPaths(map.handle.memory, 2, seed, mask, mine);
    const hash = (key: string) => hashString(key, seed) & mask;
    const words = (key: string) => {
      const lock = layout.shardWord(hash(key) & 3, layout.S_LOCK);
      return { lock, word: Atomics.load(i32, lock), last: i32[lock + layout.S_LAST_SEQUENCE]!, acquisitions: i32[lock + layout.S_LOCK_ACQUISITIONS]! };
    };
    for (const [key, value] of [['café', 7.25], ['😀x', -0]] as const) {
      const before = words(key);
      expect(setShortStringIn(wasm, key, value)).toBe(SET_STORED);
      expect(wasm.lastHash()).toBe(hash(key));
      expect(words(key)).toEqual({ ...before, word: before.word + SEQUENCE_STEP, last: before.word, acquisitions: before.acquisitions + 1 });
      expect(Object.is(map.get(key), value)).toBe(true);
    }
    for (const key of ['user:1:profile', 'absent']) { // a value JavaScript encodes; an absent key
      const at = words(key);
      expect(setShortStringIn(wasm, key, 1)).toBe(SET_LOCKED);
      expect(words(key)).toEqual({ ...at, word: mine, last: at.word, acquisitions: at.acquisitions + 1 });
      Atomics.store(i32, at.lock, at.word);
    }
    const taken = words('café');
    for (const word of [lockedBy(3), taken.word | HELD]) {
      Atomics.store(i32, taken.lock, word);
      expect(setShortStringIn(wasm, 'café', 9)).toBe(SET_NOT_LOCKED);
      expect(words('café')).toEqual({ ...taken, word });
    }
    Atomics.store(i32, taken.lock, taken.word);
    expect([map.get('café'), map.get('user:1:profile'), map.has('absent'), map.size]).toEqual([7.25, 'text', false, 3]);
  });

  it('map.set of short string keys to numbers answers as a model Map, over values of every kind, in both modes', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<'striped' | 'syncmap'>('striped', 'syncmap'),
        fc.array(fc.tuple(fc.oneof(shortString, fc.constantFrom('a', 'b', 'café', '')), fc.oneof(fc.double(), fc.integer(), fc.string())), { maxLength: 200 }),
        (mode, entries) => {
          const map = ShardedMap.create<string, unknown>({ shards: 4, mode });
          const model = new Map<string, unknown>();
          for (const [k, v] of entries) {
            map.set(k, v);
            model.set(k, v);
            expect(map.get(k), JSON.stringify(k)).toBe(v);
          }
          expect(map.size).toBe(model.size);
          for (const [k, v] of model) expect(map.get(k), JSON.stringify(k)).toBe(v);
        },
      ),
      { numRuns: 120 },
    );
  });
});

