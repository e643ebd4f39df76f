/**
 * `using map = ShardedMap.attach(handle)`: disposing an instance gives its entry in the buffer's
 * owner registry (1024 entries) back at once instead of at its garbage collection, and nothing of
 * the instance writes that entry afterwards — in syncmap mode not even its queued unpin, once
 * another instance has claimed the entry. The map and its other instances live on. Runs in both
 * modes (the node-syncmap project).
 */
import { ShardedMap } from '@shardmap/core';
import { describe, expect, it } from 'vitest';
import * as L from '../packages/core/dist/layout.js';
import { createTestMap, TEST_MODE } from './helpers/modes.js';

/** The owner registry's words of `map`'s buffer (layout.ts owns the offsets). */
function registry(map: ShardedMap<unknown, unknown>) {
  const i32 = new Int32Array(map.handle.memory.buffer as SharedArrayBuffer);
  const shards = map.stats().shards;
  const word = (id: number, field: number): number => Atomics.load(i32, L.ownerWord(shards, id, field));
  const ids = Array.from({ length: L.OWNER_SLOTS }, (_, i) => i + 1);
  return {
    alive: () => ids.filter((id) => word(id, L.OWNER_STATE) === L.OWNER_ALIVE),
    pinned: () => ids.filter((id) => word(id, L.OWNER_EPOCH) !== 0),
    epoch: (id: number) => word(id, L.OWNER_EPOCH),
  };
}

/** Attaches until the registry is full (1024 live instances, `map` included); keeps them all. */
function fill(map: ShardedMap<number, number>): ShardedMap<number, number>[] {
  const held: ShardedMap<number, number>[] = [];
  for (;;) {
    try {
      held.push(ShardedMap.attach(map.handle));
    } catch (error) {
      expect(error).toMatchObject({ code: 'ERR_SHARDMAP_FULL' });
      expect(held.length).toBe(L.OWNER_SLOTS - 1);
      return held;
    }
  }
}

describe(`ShardedMap [Symbol.dispose] (${TEST_MODE})`, () => {
  it('is Symbol.dispose, so `using` disposes: 5000 attach-use-dispose cycles never fill the 1024-entry registry', () => {
    const map = createTestMap<number, number>({ keys: 'number', values: 'number' });
    expect(typeof map[Symbol.dispose]).toBe('function');
    const before = registry(map).alive().length;
    for (let i = 0; i < 5000; i++) {
      using view = ShardedMap.attach<number, number>(map.handle);
      view.set(i, i);
      expect(view.get(i)).toBe(i);
    }
    expect(registry(map).alive().length).toBe(before);
    expect(map.size).toBe(5000);
    expect(map.get(4999)).toBe(4999);
  });

  it('frees the entry at once: with the registry full, disposing one instance lets the next attach succeed', () => {
    const map = createTestMap<number, number>({ keys: 'number', values: 'number' });
    const held = fill(map);
    expect(() => ShardedMap.attach(map.handle)).toThrow(expect.objectContaining({ code: 'ERR_SHARDMAP_FULL' }));
    held[500]![Symbol.dispose]();
    const next = ShardedMap.attach<number, number>(map.handle);
    next.set(1, 1);
    expect(held[0]!.get(1)).toBe(1);
    expect(() => ShardedMap.attach(map.handle)).toThrow(expect.objectContaining({ code: 'ERR_SHARDMAP_FULL' }));
  });

  it('leaves the map and its other instances working; the disposed instance throws ERR_SHARDMAP_DISPOSED on every call', () => {
    const map = createTestMap<string, number>({ keys: 'string', values: 'number' });
    const view = ShardedMap.attach<string, number>(map.handle);
    view.set('a', 1);
    const walk = view.keys();
    view[Symbol.dispose]();
    view[Symbol.dispose](); // idempotent
    const disposed = expect.objectContaining({ code: 'ERR_SHARDMAP_DISPOSED' });
    const calls: [string, () => unknown][] = [
      ['get', () => view.get('a')],
      ['has', () => view.has('a')],
      ['set', () => view.set('b', 2)],
      ['delete', () => view.delete('a')],
      ['size', () => view.size],
      ['add', () => view.add('a', 1)],
      ['update', () => view.update('a', (v) => v)],
      ['loadOrStore', () => view.loadOrStore('a', 3)],
      ['swap', () => view.swap('a', 3)],
      ['compareAndSwap', () => view.compareAndSwap('a', 1, 3)],
      ['range', () => view.range(() => true)],
      ['forEach', () => view.forEach(() => {})],
      ['entries', () => [...view.entries()]],
      ['a live iterator', () => walk.next()],
      ['snapshot', () => view.snapshot()],
      ['clear', () => view.clear()],
      ['stats', () => view.stats()],
    ];
    for (const [name, call] of calls) expect(call, name).toThrow(disposed);
    expect(String((view as unknown as Record<symbol, () => string>)[Symbol.for('nodejs.util.inspect.custom')]!())).toContain('disposed');
    expect(map.get('a')).toBe(1);
    expect(map.size).toBe(1);
    expect(ShardedMap.attach<string, number>(view.handle).get('a')).toBe(1); // its handle still attaches
  });

  it('refuses inside its own update(), range() and forEach() callbacks (ERR_SHARDMAP_REENTRANT), and works after them', () => {
    const map = createTestMap<string, number>({ keys: 'string', values: 'number' });
    map.set('a', 1);
    const reentrant = expect.objectContaining({ code: 'ERR_SHARDMAP_REENTRANT' });
    expect(() => map.update('a', () => map[Symbol.dispose]() as never)).toThrow(reentrant);
    expect(() => map.range(() => map[Symbol.dispose]())).toThrow(reentrant);
    expect(() => map.forEach(() => map[Symbol.dispose]())).toThrow(reentrant);
    expect(map.get('a')).toBe(1);
    const other = ShardedMap.attach<string, number>(map.handle);
    map.update('a', () => (other[Symbol.dispose](), 2)); // another instance, which holds no lock: allowed
    expect(map.get('a')).toBe(2);
    expect(() => other.get('a')).toThrow(expect.objectContaining({ code: 'ERR_SHARDMAP_DISPOSED' }));
  });

  it('unpins at once, and its queued unpin never writes the entry once another instance has claimed it', async () => {
    const map = createTestMap<number, number>({ keys: 'number', values: 'number' });
    map.set(1, 1);
    await Promise.resolve(); // map's own pin (syncmap) ends
    const held = fill(map);
    const r = registry(map);
    const a = held.pop()!;
    await Promise.resolve();
    expect(r.pinned()).toEqual([]);
    a.get(1); // syncmap: pins a's entry, unpin queued for the end of this task
    const pinnedByA = r.pinned();
    expect(pinnedByA.length).toBe(TEST_MODE === 'syncmap' ? 1 : 0);
    a[Symbol.dispose]();
    expect(r.pinned()).toEqual([]); // unpinned before the entry was freed
    const b = ShardedMap.attach<number, number>(map.handle); // the only free entry: a's
    const seen = new Promise<number[]>((resolve) => queueMicrotask(() => resolve(r.pinned()))); // runs after a's queued unpin, before b's
    b.get(1);
    const pinnedByB = r.pinned();
    if (TEST_MODE === 'syncmap') expect(pinnedByB).toEqual(pinnedByA);
    expect(await seen).toEqual(pinnedByB); // a's late unpin left b's pin alone
    expect(held.length).toBe(L.OWNER_SLOTS - 2);
  });
});

describe(`the owner registry (${TEST_MODE})`, () => {
  // Fresh ids come from a counter; once it passes OWNER_SLOTS, attach scans for a free entry. A
  // scan may claim an entry whose fresh id another thread was handed but has not stored yet: the
  // fresh id must therefore be claimed by CAS too, or two instances would share one owner id.
  it('never takes a fresh id whose entry another instance has claimed meanwhile', () => {
    const map = createTestMap<number, number>({ keys: 'number', values: 'number' });
    const i32 = new Int32Array(map.handle.memory.buffer as SharedArrayBuffer);
    const shards = map.stats().shards;
    const next = Atomics.load(i32, L.H_NEXT_OWNER_ID) + 1; // the fresh id the next attach is handed
    Atomics.store(i32, L.ownerWord(shards, next, L.OWNER_STATE), L.OWNER_ALIVE); // claimed by a scan
    const before = registry(map).alive();
    using other = ShardedMap.attach<number, number>(map.handle);
    const after = registry(map).alive();
    expect(after.length).toBe(before.length + 1); // a new entry, not `next` claimed a second time
    expect(after).toContain(next);
    other.set(1, 1);
    expect(map.get(1)).toBe(1);
  });
});
