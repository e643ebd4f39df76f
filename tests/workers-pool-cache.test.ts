// createMapPool with a ShardedCache among its maps: every thread attaches it once (by its handle's
// kind), fetch() is single-flight across the pool's threads, and a thread killed mid-load (an
// aborted task) is recovered so that a waiter loads instead of waiting for it forever.
import { ShardedCache, ShardedMap } from '@shardmap/core';
import { createMapPool } from '@shardmap/workers';
import { describe, expect, it } from 'vitest';

const TASKS = new URL('./fixtures/workers-pool-cache-task.mjs', import.meta.url);
const KEYS = 50;

describe('createMapPool with a ShardedCache', () => {
  it('4 threads fetch the same 50 keys 4 times each through one cache: each key loads once', async () => {
    const c = ShardedCache.create<number, number>({ maxEntries: 1000, keys: 'int32', values: 'int32' });
    const loads = ShardedMap.create<number, number>({ keys: 'int32', values: 'int32' });
    await using pool = createMapPool({ maps: { c, loads }, threads: 4, filename: TASKS });
    const tasks = Array.from({ length: 4 * KEYS }, (_, i) => pool.run<{ threadId: number; value: number; kind: string }>({ key: i % KEYS, ms: 20 }));
    const results = await Promise.all(tasks);
    results.forEach((r, i) => expect(r.value).toBe((i % KEYS) * 10));
    expect(new Set(results.map((r) => r.kind))).toEqual(new Set(['ShardedCache']));
    expect(new Set(results.map((r) => r.threadId)).size).toBeGreaterThan(1);
    for (let k = 0; k < KEYS; k++) {
      expect(loads.get(k), `loads of key ${k}`).toBe(1);
      expect(c.get(k)).toBe(k * 10); // the threads' fills, seen by the main thread
    }
    expect(c.stats().loads).toBe(KEYS);
  });

  it('a task aborted mid-load: the pool recovers the cache and a waiter in the main thread loads instead', async () => {
    const c = ShardedCache.create<number, number>({ maxEntries: 100, keys: 'int32', values: 'int32' });
    await using pool = createMapPool({ maps: { c }, threads: 2, filename: TASKS });
    const gate = new SharedArrayBuffer(8);
    const abort = new AbortController();
    const hung = pool.run({ key: 5, gate }, { name: 'hangLoad', signal: abort.signal });
    hung.catch(() => undefined);
    const g = new Int32Array(gate);
    for (const deadline = Date.now() + 10_000; Atomics.load(g, 0) === 0; ) {
      if (Date.now() > deadline) throw new Error('the load never started');
      await new Promise((r) => setTimeout(r, 5));
    }
    const waiter = c.fetch(5, () => 55); // waits on the thread's lane
    abort.abort();
    await expect(hung).rejects.toThrow(/abort/i);
    const timeout = new Promise((_, reject) => setTimeout(() => reject(new Error('waiter still waiting after 5 s')), 5000));
    await expect(Promise.race([waiter, timeout])).resolves.toBe(55);
    expect(c.get(5)).toBe(55);
  });
});
