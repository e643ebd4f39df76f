/**
 * mode 'syncmap': a snapshot hit reads an int value's cell with a plain load (syncmap/engine.ts,
 * invariant 3'). That is only right if a write that happens-before the get is always seen: a
 * writer and a reader hand each round over through Atomics, and every get must see that round's
 * value. The keys sit in the snapshot and their values are small ints, so both the writes (a
 * compareExchange on the cell) and the gets take no lock: the plain-load path is the one tested.
 */
import { ShardedMap } from '@shardmap/core';
import { describe, expect, it } from 'vitest';
import { runWorkers } from './helpers/workers.js';

const ROUNDS = 20_000;

describe("mode 'syncmap': a hit sees every write that happens before it", () => {
  it(`${ROUNDS} rounds of store-then-flag / wait-then-get across two threads see no stale value, with no lock taken`, async () => {
    const map = ShardedMap.create<number, number>({ mode: 'syncmap', keys: 'int32', values: 'int32', shards: 4 });
    const keys = Array.from({ length: 8 }, (_, i) => i * 7919);
    for (const k of keys) map.set(k, 0);
    map.range(() => true); // promote: every key in its shard's snapshot
    const before = map.stats();
    const ctrl = new SharedArrayBuffer(8);
    const common = { handle: map.handle, ctrl, keys, rounds: ROUNDS };
    const results = await runWorkers<{ stale: number }>('handoff.mjs', [
      { ...common, role: 'writer' },
      { ...common, role: 'reader' },
    ]);
    expect(results.map((r) => r.stale)).toEqual([0, 0]);
    const after = map.stats();
    expect(after.lockAcquisitions - before.lockAcquisitions - after.shards).toBe(0); // minus stats()' own, one per shard
    expect(after.promotions).toBe(before.promotions);
    for (let i = 0; i < keys.length; i++) {
      const lastRound = ROUNDS - ((ROUNDS - i) % keys.length); // the last round that wrote keys[i]
      expect(map.get(keys[i]!)).toBe(lastRound);
    }
  });
});
