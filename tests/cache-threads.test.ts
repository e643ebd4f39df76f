/**
 * ShardedCache shared by workers: bounds under a write storm, single-flight fetch across threads
 * (one load per key, failures reach every waiter, a dead loader's waiters take over).
 */
import { Worker } from 'node:worker_threads';
import { ShardedCache } from '@shardmap/core';
import { describe, expect, it } from 'vitest';
import { runWorkers } from './helpers/workers.js';

const SEED = (Math.random() * 2 ** 32) >>> 0;

describe('ShardedCache under a 4-worker write storm', () => {
  for (const bound of ['maxEntries', 'maxBytes'] as const) {
    it(`stays within ${bound}, every read is the key's own value (seed ${SEED})`, async () => {
      const cache = ShardedCache.create<number, string>(bound === 'maxEntries' ? { maxEntries: 2000, shards: 8 } : { maxBytes: 2 << 20, shards: 8 });
      const results = await runWorkers<{ reads: number; hits: number }>(
        'cache-storm.mjs',
        Array.from({ length: 4 }, (_, i) => ({ handle: cache.handle, seed: SEED + i, ops: 40_000, keys: 20_000, bytes: bound === 'maxBytes' ? 300 : 8 })),
        120_000,
      );
      const stats = cache.stats();
      if (bound === 'maxEntries') expect(stats.size).toBeLessThanOrEqual(2000);
      expect(stats.bytesUsed).toBeLessThanOrEqual(2 << 20);
      expect(stats.bytesCommitted).toBeLessThanOrEqual(2 << 20);
      expect(results.reduce((n, r) => n + r.hits, 0)).toBeGreaterThan(0);
      expect(stats.evictions).toBeGreaterThan(0);
      let entries = 0;
      for (const [k, v] of cache) {
        entries++;
        expect(v.startsWith(`${k}:`)).toBe(true);
      }
      expect(entries).toBe(stats.size);
    });
  }
});

describe('ShardedCache.fetch across 4 workers', () => {
  it('runs each of 200 keys\' loader once, every caller gets its value', async () => {
    const cache = ShardedCache.create<number, string>({ maxEntries: 1000, shards: 8 });
    const runs = new SharedArrayBuffer(4 * 200);
    const results = await runWorkers<{ wrong: string[] }>('cache-fetch.mjs', Array.from({ length: 4 }, (_, i) => ({ handle: cache.handle, seed: SEED + i, mode: 'slow', keys: 200, runs })), 60_000);
    for (const r of results) expect(r.wrong).toEqual([]);
    expect([...new Int32Array(runs)].filter((n) => n !== 1).length, 'keys loaded more than once or never').toBe(0);
    const stats = cache.stats();
    expect(stats.loads).toBe(200);
    expect(stats.loadWaits).toBeGreaterThan(0);
    for (let k = 0; k < 200; k++) expect(cache.get(k)).toBe(`L${k}`);
  });

  it('rejects every caller in every worker when the loader fails, storing nothing', async () => {
    const cache = ShardedCache.create<number, string>({ maxEntries: 1000, shards: 8 });
    const runs = new SharedArrayBuffer(4 * 200);
    const results = await runWorkers<{ wrong: string[] }>('cache-fetch.mjs', Array.from({ length: 4 }, (_, i) => ({ handle: cache.handle, seed: SEED + i, mode: 'fail', keys: 200, runs })), 60_000);
    for (const r of results) expect(r.wrong).toEqual([]);
    expect(cache.size).toBe(0);
    expect(cache.stats().loadFailures).toBeGreaterThanOrEqual(200);
  });

  it('lets a waiter take the load over when the loading thread dies', async () => {
    const cache = ShardedCache.create<string, string>({ maxEntries: 100 });
    const fixture = new URL('./fixtures/cache-fetch.mjs', import.meta.url);
    const loader = new Worker(fixture, { workerData: { handle: cache.handle, mode: 'hang' } });
    const { token } = await new Promise<{ token: number }>((resolve) => loader.on('message', (m: { started?: boolean; token: number }) => m.started && resolve(m)));
    const waiter = new Worker(fixture, { workerData: { handle: cache.handle, mode: 'takeover' } });
    const done = new Promise<{ ok: boolean; result?: { value: string } }>((resolve) => waiter.on('message', (m: { ok?: boolean; result?: { value: string } }) => m.ok !== undefined && resolve(m as { ok: boolean })));
    await new Promise<void>((resolve) => waiter.on('message', (m: { waiting?: boolean }) => m.waiting && resolve()));
    await new Promise((r) => setTimeout(r, 100)); // the waiter is waiting on the hung load
    expect(cache.has('hung')).toBe(false);
    await loader.terminate();
    ShardedCache.recoverThread(cache.handle, token);
    const outcome = await done;
    await waiter.terminate();
    expect(outcome).toEqual({ ok: true, result: { value: 'loaded by the waiter' } });
    expect(cache.get('hung')).toBe('loaded by the waiter');
  });
});
