/**
 * CONTRACT "no program can deadlock through the map": inside an update() callback, a write to any
 * shardmap structure throws ERR_SHARDMAP_REENTRANT — another map, another instance of the same
 * map — while reads of them are allowed and answer from the shard as it was (its lock is held
 * untouched, lock.ts invariant 6). The same holds for the getters of an object a compare path
 * compares with, which run under the key's lock too. A refused write changes nothing.
 */
import { describe, expect, it } from 'vitest';
import { ShardedMap } from '@shardmap/core';

const code = (f: () => unknown): string => {
  try {
    f();
    return 'returned';
  } catch (e) {
    return (e as { code?: string }).code ?? String(e);
  }
};

describe.each(['striped', 'syncmap'] as const)("mode '%s': user code under a lock", (mode) => {
  it('an update() callback reads other instances and maps, and every write it tries throws ERR_SHARDMAP_REENTRANT', () => {
    const a = ShardedMap.create<string, number>({ mode, shards: 1 });
    const other = ShardedMap.attach<string, number>(a.handle); // same buffer, another instance
    const b = ShardedMap.create<string, number>({ mode });
    a.set('k', 1);
    a.set('j', 2);
    b.set('x', 3);
    const seen: unknown[] = [];
    const result = a.update('k', (v) => {
      seen.push(other.get('k'), other.get('j'), other.has('k'), other.size, b.get('x'), [...other.keys()].sort());
      seen.push(other.stats().lockHolders.length);
      seen.push(code(() => other.set('j', 20)), code(() => b.set('x', 30)), code(() => b.delete('x')));
      seen.push(code(() => b.update('x', () => 31)), code(() => b.add('x', 1)), code(() => b.clear()), code(() => b.snapshot()));
      seen.push(code(() => a.get('k'))); // the same object: every call throws (its scratch state is in use)
      return (v ?? 0) + 10;
    });
    expect(result).toBe(11);
    expect(seen).toEqual([1, 2, true, 2, 3, ['j', 'k'], 1, ...Array(8).fill('ERR_SHARDMAP_REENTRANT')]);
    expect([a.get('k'), a.get('j'), b.get('x')]).toEqual([11, 2, 3]);
    expect(a.stats().lockHolders).toEqual([]);
  });

  it("compare paths run an object's getters with the lock held untouched and writes refused", () => {
    const a = ShardedMap.create<string, unknown>({ mode, shards: 1 });
    const other = ShardedMap.attach<string, unknown>(a.handle);
    const b = ShardedMap.create<string, number>({ mode });
    a.set('k', { n: 1 });
    const seen: unknown[] = [];
    const expected = {
      get n() {
        seen.push(other.get('k'), code(() => b.set('y', 1)));
        return 1;
      },
    };
    expect(a.compareAndSwap('k', expected, { n: 2 })).toBe(true);
    expect(seen).toEqual([{ n: 1 }, 'ERR_SHARDMAP_REENTRANT']);
    expect(a.get('k')).toEqual({ n: 2 });
    expect(b.has('y')).toBe(false);
    b.set('y', 2); // writes work again once the comparison is over
    expect(b.get('y')).toBe(2);
  });
});
