/**
 * Error row "maxBytes would be exceeded": RangeError ERR_SHARDMAP_FULL, map unchanged and usable.
 * A maxBytes of 1 MiB is valid; we fill it until the ceiling and check every writing method there.
 */
import { describe, expect, it } from 'vitest';
import { ShardedMap } from '@shardmap/core';
import { expectCode, expectUnchangedAndUsable, state, thrown } from './helpers/assert.js';

const MiB = 2 ** 20;
const big = (i: number, n = 1000) => `${i}:`.padEnd(n, String.fromCharCode(97 + (i % 26)));

/** Inserts key(i) -> value(i) until the map throws; returns the count that fit and the error. */
function fill(map: ShardedMap<any, any>, key: (i: number) => unknown, value: (i: number) => unknown, limit: number) {
  for (let i = 0; i < limit; i++) {
    const e = thrown(() => map.set(key(i), value(i)));
    if (e !== undefined) return { count: i, error: e };
  }
  return { count: limit, error: undefined };
}

describe('ERR_SHARDMAP_FULL', () => {
  it('variable-width values: fills 1 MiB, then every write of new data throws FULL and changes nothing', () => {
    const map = ShardedMap.create<string, string>({ keys: 'string', values: 'string', maxBytes: MiB, capacity: 1 });
    const { count, error } = fill(map, (i) => `k${i}`, (i) => big(i), 20_000);
    expect(error, `no error after ${count} inserts of 1 KB into maxBytes 1 MiB`).toBeDefined();
    expect(error instanceof RangeError, `expected RangeError, got ${error?.name}: ${error?.message}`).toBe(true);
    expect(error.code).toBe('ERR_SHARDMAP_FULL');
    expect(count, 'less than 10% of a 1 MiB map holds 1 KB values').toBeGreaterThanOrEqual(100);
    expect(map.size).toBe(count);
    expect(map.has(`k${count}`), 'the failing key was inserted anyway').toBe(false);
    for (let i = 0; i < count; i++) expect(map.get(`k${i}`)).toBe(big(i));
    const s = map.stats();
    expect(s.bytesReserved).toBeLessThanOrEqual(MiB);
    expect(s.bytesUsed).toBeLessThanOrEqual(s.bytesReserved);

    const before = state(map);
    const huge = big(0, 300 * 1024);
    const calls: [string, () => unknown][] = [
      ['set new key', () => map.set('new', huge)],
      ['set existing key to a much larger value', () => map.set('k1', huge)],
      ['loadOrStore', () => map.loadOrStore('new', huge)],
      ['swap new key', () => map.swap('new', huge)],
      ['swap existing key', () => map.swap('k2', huge)],
      ['compareAndSwap', () => map.compareAndSwap('k3', big(3), huge)],
      ['update new key', () => map.update('new', () => huge)],
      ['update existing key', () => map.update('k4', () => huge)],
    ];
    for (const [name, call] of calls) {
      expectCode(call, RangeError, 'ERR_SHARDMAP_FULL', name);
      expect(state(map), `${name} changed the map`).toEqual(before);
    }

    // Still usable: deleting frees room that later inserts reuse.
    for (let i = 0; i < count; i += 2) expect(map.delete(`k${i}`)).toBe(true);
    for (let i = 0; i < 10; i++) map.set(`again${i}`, big(i));
    for (let i = 0; i < 10; i++) expect(map.get(`again${i}`)).toBe(big(i));
    expect(map.size).toBe(count - Math.ceil(count / 2) + 10);
  });

  it('fixed-width int32 -> int32: the table itself hits the ceiling', () => {
    const map = ShardedMap.create<number, number>({ keys: 'int32', values: 'int32', maxBytes: MiB, capacity: 1 });
    const { count, error } = fill(map, (i) => i, (i) => -i, 2_000_000);
    expect(error, `no error after ${count} inserts into maxBytes 1 MiB`).toBeDefined();
    expect(error instanceof RangeError && (error as any).code === 'ERR_SHARDMAP_FULL', `got ${error?.name} ${error?.code}`).toBe(true);
    expect(count).toBeGreaterThan(1000);
    expect(map.size).toBe(count);
    expect(map.has(count)).toBe(false);
    for (let i = 0; i < count; i += 97) expect(map.get(i)).toBe(-i);
    expect([...map.keys()].length).toBe(count);
    // Usable: existing keys can be overwritten; after deletes, new keys fit again.
    map.set(5, 55);
    expect(map.get(5)).toBe(55);
    for (let i = 0; i < count; i += 2) expect(map.delete(i)).toBe(true);
    expectUnchangedAndUsable(map, state(map), -1, 12345, 'after FULL and deletes');
  });

  it('a single value larger than maxBytes throws FULL on an empty map, which stays empty and usable', () => {
    const map = ShardedMap.create<any, any>({ maxBytes: MiB });
    expectCode(() => map.set('k', new Uint8Array(2 * MiB)), RangeError, 'ERR_SHARDMAP_FULL', 'huge bytes');
    expectCode(() => map.set('k', 'x'.repeat(2 * MiB)), RangeError, 'ERR_SHARDMAP_FULL', 'huge string');
    expectCode(() => map.set('x'.repeat(2 * MiB), 1), RangeError, 'ERR_SHARDMAP_FULL', 'huge key');
    expectUnchangedAndUsable(map, [], 'k', { small: true }, 'after FULL');
  });
});
