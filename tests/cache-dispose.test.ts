/**
 * `using cache = ShardedCache.attach(handle)`: as for ShardedMap (core-dispose.test.ts), disposing
 * a cache instance gives its entry in the buffer's owner registry (1024 entries) back at once, the
 * cache and its other instances live on, and the disposed instance throws ERR_SHARDMAP_DISPOSED.
 * Cache-specific: the hits it buffered are replayed first, and a fetch() pending at dispose runs
 * to its end before the entry is given back.
 */
import { ShardedCache } from '@shardmap/core';
import { describe, expect, it } from 'vitest';
import * as L from '../packages/core/dist/layout.js';

function alive(cache: ShardedCache<unknown, unknown>): number {
  const i32 = new Int32Array(cache.handle.memory.buffer as SharedArrayBuffer);
  const shards = cache.stats().shards;
  let n = 0;
  for (let id = 1; id <= L.OWNER_SLOTS; id++) if (Atomics.load(i32, L.ownerWord(shards, id, L.OWNER_STATE)) === L.OWNER_ALIVE) n++;
  return n;
}

const disposed = expect.objectContaining({ code: 'ERR_SHARDMAP_DISPOSED' });

describe('ShardedCache [Symbol.dispose]', () => {
  it('is Symbol.dispose, so `using` disposes: 5000 attach-use-dispose cycles never fill the 1024-entry registry', () => {
    const cache = ShardedCache.create<number, number>({ maxEntries: 10_000 });
    expect(typeof cache[Symbol.dispose]).toBe('function');
    const before = alive(cache);
    for (let i = 0; i < 5000; i++) {
      using view = ShardedCache.attach<number, number>(cache.handle);
      view.set(i, i);
      expect(view.get(i)).toBe(i);
    }
    expect(alive(cache)).toBe(before);
    expect(cache.size).toBe(5000);
    expect(cache.get(4999)).toBe(4999);
  });

  it('frees the entry at once: with the registry full, disposing one instance lets the next attach succeed', () => {
    const cache = ShardedCache.create<number, number>({ maxEntries: 100 });
    const held: ShardedCache<number, number>[] = [];
    for (;;) {
      try {
        held.push(ShardedCache.attach(cache.handle));
      } catch (error) {
        expect(error).toMatchObject({ code: 'ERR_SHARDMAP_FULL' });
        break;
      }
    }
    expect(held.length).toBe(L.OWNER_SLOTS - 1);
    held[500]![Symbol.dispose]();
    const next = ShardedCache.attach<number, number>(cache.handle);
    next.set(1, 1);
    expect(held[0]!.get(1)).toBe(1);
    expect(() => ShardedCache.attach(cache.handle)).toThrow(expect.objectContaining({ code: 'ERR_SHARDMAP_FULL' }));
  });

  it('leaves the cache and its other instances working; the disposed instance throws ERR_SHARDMAP_DISPOSED on every call', async () => {
    const cache = ShardedCache.create<string, number>({ maxEntries: 100, keys: 'string', values: 'number' });
    const view = ShardedCache.attach<string, number>(cache.handle);
    view.set('a', 1);
    view[Symbol.dispose]();
    view[Symbol.dispose](); // idempotent
    const calls: [string, () => unknown][] = [
      ['get', () => view.get('a')],
      ['peek', () => view.peek('a')],
      ['has', () => view.has('a')],
      ['set', () => view.set('b', 2)],
      ['set with ttl', () => view.set('b', 2, { ttl: 100 })],
      ['delete', () => view.delete('a')],
      ['clear', () => view.clear()],
      ['size', () => view.size],
      ['stats', () => view.stats()],
      ['keys', () => [...view.keys()]],
      ['entries', () => [...view]],
      ['forEach', () => view.forEach(() => {})],
    ];
    for (const [name, call] of calls) expect(call, name).toThrow(disposed);
    await expect(view.fetch('a', () => 1)).rejects.toMatchObject({ code: 'ERR_SHARDMAP_DISPOSED' });
    expect(cache.get('a')).toBe(1);
    cache.set('b', 2);
    expect([...cache].sort()).toEqual([['a', 1], ['b', 2]]);
  });

  it("replays the hits it buffered: the cache's stats count them once the instance is disposed", () => {
    const cache = ShardedCache.create<number, number>({ maxEntries: 100, shards: 1 });
    cache.set(1, 1);
    const view = ShardedCache.attach<number, number>(cache.handle);
    for (let i = 0; i < 5; i++) expect(view.get(1)).toBe(1); // under the 16 a buffer replays at
    expect(view.get(2)).toBeUndefined();
    expect(cache.stats()).toMatchObject({ hits: 0, misses: 0 });
    view[Symbol.dispose]();
    expect(cache.stats()).toMatchObject({ hits: 5, misses: 1 });
  });

  it('lets a pending fetch finish: its load is stored once, its waiters get the value, and the entry comes back when it settles', async () => {
    const cache = ShardedCache.create<number, number>({ maxEntries: 100 });
    const before = alive(cache);
    const view = ShardedCache.attach<number, number>(cache.handle);
    let loads = 0;
    let release!: (v: number) => void;
    const loading = view.fetch(7, () => {
      loads++;
      return new Promise<number>((resolve) => (release = resolve));
    });
    const waiting = cache.fetch(7, () => {
      loads++;
      return -1;
    });
    await new Promise((r) => setTimeout(r, 20));
    view[Symbol.dispose]();
    expect(alive(cache)).toBe(before + 1); // still in use by the pending load
    release(42);
    await expect(loading).resolves.toBe(42);
    await expect(waiting).resolves.toBe(42);
    expect(loads).toBe(1);
    expect(cache.get(7)).toBe(42);
    expect(alive(cache)).toBe(before);
    expect(() => view.get(7)).toThrow(disposed);
  });
});
