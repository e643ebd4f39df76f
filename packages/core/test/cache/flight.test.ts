/**
 * fetch()'s failure hand-off in one thread, between two instances (two owners): a waiter takes
 * the failure of the flight it waited on only from that flight's own error record
 * (cache/flight.ts invariant 4). tests/cache-flight-pause.test.ts stages the cross-thread race.
 */
import { describe, expect, it } from 'vitest';
import { ShardedCache } from '../../src/cache/cache.js';
import { C_LANES, L_STATE, S_CACHE_REGION, cacheLaneWord, shardWord } from '../../src/layout.js';

describe('a fetch waiter', () => {
  it("never revives an older flight's error when its own flight failed without recording one (its store threw)", async () => {
    const loader = ShardedCache.create<number, number>({ maxEntries: 100, values: 'number', shards: 1, seed: 1 });
    const waiterSide = ShardedCache.attach<number, number>(loader.handle);
    // Flight 1 of the lane records an error.
    await expect(loader.fetch(7, () => Promise.reject(new Error('no 7, flight 1')))).rejects.toThrow('no 7, flight 1');
    // Flight 2: its load succeeds, its store throws (not a number); it records nothing.
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const second = loader.fetch(7, () => gate.then(() => 'not a number' as unknown as number));
    const waiter = waiterSide.fetch(7, () => 42); // waits on flight 2 (another owner holds the lane)
    expect(waiterSide.stats().loadWaits).toBe(1);
    release();
    await expect(second).rejects.toMatchObject({ code: 'ERR_SHARDMAP_VALUE' });
    await expect(waiter).resolves.toBe(42); // it loads itself, never flight 1's "no 7"
  });

  it("takes its own flight's recorded error", async () => {
    const loader = ShardedCache.create<number, number>({ maxEntries: 100, shards: 1, seed: 1 });
    const waiterSide = ShardedCache.attach<number, number>(loader.handle);
    let fail!: (e: Error) => void;
    const first = loader.fetch(3, () => new Promise<number>((_, reject) => (fail = reject)));
    const waiter = waiterSide.fetch(3, () => 42);
    fail(Object.assign(new TypeError('no 3'), { code: 'E_LOAD' }));
    await expect(first).rejects.toThrow('no 3');
    await expect(waiter).rejects.toMatchObject({ name: 'TypeError', message: 'no 3', code: 'E_LOAD' });
  });
});

describe('a fetch lane overwritten with the id of an instance of this thread', () => {
  /** The lane word `key`'s loads take in `cache` (shards: 1), and the owner id `cache` loads under: read while its loader runs. */
  async function laneOf(cache: ShardedCache<number, number>, key: number): Promise<{ word: number; id: number }> {
    const i32 = new Int32Array(cache.handle.memory.buffer);
    const region = i32[shardWord(0, S_CACHE_REGION)]!;
    const held: { word: number; id: number }[] = [];
    await cache.fetch(key, () => {
      for (let lane = 0; lane < C_LANES; lane++) {
        const word = cacheLaneWord(region, lane, L_STATE);
        if (i32[word] !== 0) held.push({ word, id: i32[word]! });
      }
      return 1;
    });
    expect(held).toHaveLength(1);
    return held[0]!;
  }

  it('is corrupt: the fetch throws ERR_SHARDMAP_CORRUPT instead of waiting for ever (its own id, or another instance\'s)', async () => {
    const cache = ShardedCache.create<number, number>({ maxEntries: 100, shards: 1, seed: 1 });
    const other = ShardedCache.attach<number, number>(cache.handle);
    const i32 = new Int32Array(cache.handle.memory.buffer);
    const lane = await laneOf(cache, 9);
    cache.delete(9);
    for (const holder of [lane.id, (await laneOf(other, 6)).id]) {
      i32[lane.word] = holder;
      await expect(cache.fetch(9, () => 1)).rejects.toMatchObject({ code: 'ERR_SHARDMAP_CORRUPT' });
      await expect(other.fetch(9, () => 1)).rejects.toMatchObject({ code: 'ERR_SHARDMAP_CORRUPT' });
      expect(cache.has(9)).toBe(false); // nothing was loaded
      i32[lane.word] = 0;
    }
    await expect(cache.fetch(9, () => 2)).resolves.toBe(2);
  });

  it('is not corrupt while that instance is loading in it: a second fetch of the same key waits and takes the value', async () => {
    const cache = ShardedCache.create<number, number>({ maxEntries: 100, shards: 1, seed: 1 });
    const other = ShardedCache.attach<number, number>(cache.handle);
    let release!: (v: number) => void;
    const first = cache.fetch(4, () => new Promise<number>((resolve) => (release = resolve)));
    const mine = cache.fetch(4, () => -1); // same instance, same lane
    const theirs = other.fetch(4, () => -2); // another instance of this thread
    await new Promise((r) => setTimeout(r, 120)); // past a WAIT_MS re-check
    release(44);
    await expect(Promise.all([first, mine, theirs])).resolves.toEqual([44, 44, 44]);
  });
});
