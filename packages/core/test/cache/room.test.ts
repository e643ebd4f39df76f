/**
 * Evicting for room (maxBytes, a full heap) when a set replaces a value: the entry being written
 * is never the one dropped, and every other entry of its shard may be.
 */
import { describe, expect, it } from 'vitest';
import { ShardedCache } from '../../src/cache/cache.js';
import { laneOf } from '../../src/cache/flight.js';
import { PROBATION, WINDOW } from '../../src/cache/policy.js';
import { ProbeKey, prepareKey } from '../../src/codecs.js';
import { C_BYTES_BUDGET, S_CACHE_REGION, cacheWord, shardWord } from '../../src/layout.js';

const budgetOf = (cache: ShardedCache): number => {
  const i32 = new Int32Array(cache.handle.memory.buffer);
  return i32[cacheWord(i32[shardWord(0, S_CACHE_REGION)]!, C_BYTES_BUDGET)]!;
};

describe('a replacing set that needs room', () => {
  it('evicts from the other lists when the entry it replaces is the last of its own (maxBytes)', () => {
    const cache = ShardedCache.create<number, string>({ maxBytes: 2 ** 20, shards: 1, seed: 3 });
    const policy = cache._engine.policyOf(0);
    const budget = budgetOf(cache);
    const windowMax = policy.windowMax;
    // Key 0 first, then a full window: the window's overflow moves key 0, alone, to probation.
    const filler = '\u0107'.repeat(Math.floor(budget / 2 / windowMax / 2));
    for (let key = 0; key <= windowMax; key++) cache.set(key, key === 0 ? 'a' : filler);
    expect(policy.after(policy.first(PROBATION))).toBe(-1);
    expect(policy.first(WINDOW)).toBeGreaterThanOrEqual(0);
    // A value that fits the budget alone, but not beside the window's entries.
    const big = '\u0108'.repeat(Math.floor((budget * 0.6) / 2));
    cache.set(0, big);
    expect(cache.get(0)).toBe(big);
    expect(cache.stats().evictions).toBeGreaterThan(0);
    expect(cache.stats().entryBytes, `entry bytes within the shard's budget of ${budget}`).toBeLessThanOrEqual(budget);
  });

  it('evicts other entries, not the one replaced, when the heap itself is full', async () => {
    const seed = 3;
    const cache = ShardedCache.create<number, string>({ maxBytes: 2 ** 20, shards: 1, seed });
    for (let key = 1; key <= 20; key++) cache.set(key, '\u0107'.repeat(5000)); // wide strings: 10 KB blobs
    cache.set(0, 'a');
    // Fill the heap outside the entries' budget: one long error record in each of the 32 lanes.
    const lanes = new Set<number>();
    const probe = new ProbeKey();
    for (let key = 1000; lanes.size < 32; key++) {
      prepareKey(0, key, probe, seed, -1);
      if (lanes.has(laneOf(probe.hash, 0))) continue;
      lanes.add(laneOf(probe.hash, 0));
      await expect(cache.fetch(key, () => Promise.reject(new Error('e'.repeat(16_000))))).rejects.toThrow();
    }
    expect(cache.stats().bytesFree).toBeLessThan(20_000); // no room for a 10 KB blob
    cache.set(0, '\u0108'.repeat(5000)); // threw ERR_SHARDMAP_FULL with 20 entries to evict
    expect(cache.get(0)).toBe('\u0108'.repeat(5000));
    expect(cache.stats().evictions).toBeGreaterThan(0);
  });
});
