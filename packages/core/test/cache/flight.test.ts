/**
 * fetch()'s failure hand-off in one thread, between two instances (two owners): a waiter takes
 * the failure of the flight it waited on only from that flight's own error record
 * (cache/flight.ts invariant 4). tests/cache-flight-pause.test.ts stages the cross-thread race.
 */
import { describe, expect, it } from 'vitest';
import { ShardedCache } from '../../src/cache/cache.js';

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
