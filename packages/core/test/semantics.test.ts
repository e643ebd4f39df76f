/**
 * Map-surface details that a random walk checks only loosely: exact size, iteration visiting
 * each key once, range stopping on `false` (and only on false), snapshot as an independent Map,
 * stats() fields and their relations, and options accepted by create.
 */
import { describe, expect, it } from 'vitest';
import { ShardedMap } from '@shardmap/core';
import { createWithHashMask } from '@shardmap/core/testing';
import { prng, testSeed } from './helpers/model.js';

const STAT_FIELDS = ['size', 'shards', 'capacity', 'bytesUsed', 'bytesFree', 'bytesCommitted', 'bytesReserved', 'loadFactor', 'maxProbeLength', 'lockAcquisitions', 'lockContended', 'lockWaits', 'optimisticRetries'];

describe('size and iteration', () => {
  it('size is exact through inserts, overwrites, deletes and clear (seeded)', () => {
    const seed = testSeed();
    const rnd = prng(seed);
    const m = ShardedMap.create<number, number>({ keys: 'int32', values: 'int32', capacity: 1, shards: 4 });
    const model = new Map<number, number>();
    for (let i = 0; i < 20_000; i++) {
      const k = Math.floor(rnd() * 3000);
      if (rnd() < 0.6) {
        m.set(k, i);
        model.set(k, i);
      } else {
        expect(m.delete(k), `seed ${seed} step ${i}`).toBe(model.delete(k));
      }
      if (i % 997 === 0) expect(m.size, `seed ${seed} step ${i}`).toBe(model.size);
    }
    expect(m.size, `seed ${seed}`).toBe(model.size);
    m.clear();
    expect(m.size).toBe(0);
    expect([...m]).toEqual([]);
  });

  it('keys(), values(), entries(), [Symbol.iterator](), forEach and range each visit every key once', () => {
    const m = ShardedMap.create<string, number>({ keys: 'string', values: 'number', capacity: 1, shards: 8 });
    for (let i = 0; i < 5000; i++) m.set(`k${i}`, i);
    for (let i = 0; i < 5000; i += 3) m.delete(`k${i}`);
    const want = new Set<string>();
    for (let i = 0; i < 5000; i++) if (i % 3 !== 0) want.add(`k${i}`);
    const lists: Record<string, string[]> = {
      keys: [...m.keys()],
      values: [...m.values()].map((v) => `k${v}`),
      entries: [...m.entries()].map(([k, v]) => (expect(k).toBe(`k${v}`), k)),
      iterator: [...m].map(([k]) => k),
      forEach: [],
      range: [],
    };
    m.forEach((v, k) => lists.forEach!.push(k));
    m.range((k) => void lists.range!.push(k));
    for (const [name, list] of Object.entries(lists)) {
      expect(list.length, name).toBe(want.size);
      expect(new Set(list).size, `${name} repeated a key`).toBe(want.size);
      for (const k of list) expect(want.has(k), `${name} yielded ${k}`).toBe(true);
    }
  });

  it('iterators are iterable iterators and can be abandoned without harm', () => {
    const m = ShardedMap.create<number, number>();
    for (let i = 0; i < 100; i++) m.set(i, i);
    const it = m.entries();
    expect(it[Symbol.iterator]()).toBe(it);
    expect(it.next().done).toBe(false);
    for (const k of m.keys()) if (k >= 0) break;
    m.set(1000, 1); // no lock may be left held by the abandoned iterators
    expect(m.get(1000)).toBe(1);
    expect(m.set(1001, 2)).toBe(m);
  });

  it('range stops exactly when fn returns false; undefined and other falsy values continue', () => {
    const m = ShardedMap.create<number, number>({ shards: 4 });
    for (let i = 0; i < 200; i++) m.set(i, i);
    for (const stopAt of [1, 2, 57, 200]) {
      let calls = 0;
      m.range(() => ++calls < stopAt);
      expect(calls, `stop at ${stopAt}`).toBe(stopAt);
    }
    let calls = 0;
    m.range(() => {
      calls++;
    });
    expect(calls).toBe(200);
    calls = 0;
    m.range(() => (calls++, 0 as unknown as boolean));
    expect(calls, 'range stopped on 0, not on false').toBe(200);
  });
});

describe('snapshot', () => {
  it('is a Map independent of the live map in both directions', () => {
    const m = ShardedMap.create<string, any>();
    for (let i = 0; i < 300; i++) m.set(`k${i}`, { i });
    const s = m.snapshot();
    expect(s).toBeInstanceOf(Map);
    expect(s.size).toBe(300);
    m.set('later', 1);
    m.delete('k0');
    m.set('k1', 'changed');
    expect(s.size).toBe(300);
    expect(s.get('k0')).toEqual({ i: 0 });
    expect(s.get('k1')).toEqual({ i: 1 });
    s.get('k2').i = 99;
    s.delete('k3');
    expect(m.get('k2')).toEqual({ i: 2 });
    expect(m.has('k3')).toBe(true);
  });
});

describe('stats', () => {
  it('has the contract fields with sane values and relations', () => {
    const m = ShardedMap.create<number, string>({ keys: 'int32', values: 'string', shards: 4, capacity: 1, maxBytes: 64 * 2 ** 20 });
    const s0 = m.stats() as unknown as Record<string, number>;
    for (const f of STAT_FIELDS) expect(Number.isFinite(s0[f]) && s0[f]! >= 0, `stats().${f} = ${s0[f]}`).toBe(true);
    expect(s0.size).toBe(0);
    expect(s0.shards).toBe(4);
    for (let i = 0; i < 5000; i++) m.set(i, `value ${i}`);
    const s1 = m.stats() as unknown as Record<string, number>;
    expect(s1.size).toBe(5000);
    expect(s1.capacity).toBeGreaterThanOrEqual(5000);
    expect(s1.loadFactor).toBeGreaterThan(0);
    expect(s1.loadFactor).toBeLessThanOrEqual(1);
    expect(s1.bytesUsed).toBeGreaterThan(s0.bytesUsed!);
    expect(s1.bytesUsed).toBeLessThanOrEqual(s1.bytesReserved!);
    expect(s1.bytesReserved).toBeLessThanOrEqual(64 * 2 ** 20);
    expect(s1.lockAcquisitions! - s0.lockAcquisitions!, 'lockAcquisitions after 5000 inserts').toBeGreaterThanOrEqual(5000);
    for (const f of ['lockAcquisitions', 'lockContended', 'lockWaits', 'optimisticRetries']) {
      expect(Number.isInteger(s1[f]), f).toBe(true);
      expect(s1[f]!, `${f} went down`).toBeGreaterThanOrEqual(s0[f]!);
    }
    expect(s1.lockContended).toBeLessThanOrEqual(s1.lockAcquisitions!);
    for (let i = 0; i < 5000; i++) m.delete(i);
    expect(m.stats().size).toBe(0);
  });

  it('maxProbeLength reflects collisions', () => {
    const plain = ShardedMap.create<number, number>({ keys: 'int32', values: 'int32', shards: 1 });
    const collide = createWithHashMask({ keys: 'int32', values: 'int32', shards: 1 }, 0) as ShardedMap<number, number>;
    for (let i = 0; i < 300; i++) {
      plain.set(i, i);
      collide.set(i, i);
    }
    expect(collide.stats().maxProbeLength).toBeGreaterThan(plain.stats().maxProbeLength);
    expect(collide.stats().maxProbeLength).toBeGreaterThan(1);
  });
});

describe('options', () => {
  for (const shards of [1, 2, 64]) {
    it(`shards: ${shards} is accepted and reported`, () => {
      const m = ShardedMap.create<number, number>({ shards });
      for (let i = 0; i < 1000; i++) m.set(i, i);
      expect(m.stats().shards).toBe(shards);
      expect(m.size).toBe(1000);
      expect(m.get(999)).toBe(999);
    });
  }

  it('maxBytes of 1 MiB and an explicit seed are valid; capacity is only a hint', () => {
    const m = ShardedMap.create<number, number>({ maxBytes: 2 ** 20, seed: 42 });
    for (let i = 0; i < 1000; i++) m.set(i, i);
    expect(m.size).toBe(1000);
    const tiny = ShardedMap.create<number, number>({ capacity: 1 });
    for (let i = 0; i < 10_000; i++) tiny.set(i, -i);
    expect(tiny.get(9999)).toBe(-9999);
    expect(tiny.size).toBe(10_000);
  });
});
