/**
 * wasm/hot.wat's cacheGetNumber against the cache it reads: a hit names the node the engine's
 * own lookup finds and the value stored; an entry whose expiry is not after `now` (any expiry, for
 * now = +Infinity), a held shard and a value JavaScript decodes are SLOW; an absent key is a
 * validated miss. And the cache's get takes that path: hits counted, expiry kept to the ms.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { countAtomicsCalls } from './helpers/atomics.js';
import { ShardedCache } from '../src/cache/cache.js';
import { CACHE_MISS, CACHE_SLOW, wasmHotPaths } from '../src/wasm/hot.js';
import { hashNumber } from '../src/hash.js';
import { numberProbe, ProbeKey } from '../src/codecs.js';
import * as layout from '../src/layout.js';
import { LOCKED, lockedBy } from '../src/lock.js';
import { MISS } from '../src/cache/reads.js';
import { SEED } from './helpers/seed.js';

const SHARDS = 4;

function reader(cache: ShardedCache<number, unknown>) {
  const i32 = () => new Int32Array(cache.handle.memory.buffer);
  const seed = i32()[layout.H_SEED]!;
  const mask = i32()[layout.H_HASH_MASK]!;
  const wasm = wasmHotPaths(cache.handle.memory, Math.log2(SHARDS), seed, mask, lockedBy(7));
  const hash = (key: number) => hashNumber(key, seed) & mask;
  const engine = cache._engine;
  /** cacheGetNumber of `key` at `now`, with the shard's expiry array as the engine passes it. */
  const ask = (key: number, now: number): { node: number; value?: number } => {
    const h = hash(key);
    const s = h & (SHARDS - 1);
    const nodes = engine.maximum(s) + 1;
    const node = wasm.cacheGetNumber(key, h, now, 8 * layout.cacheExpiryF64(engine.region(s), nodes, 0), nodes);
    return node >= 0 ? { node, value: wasm.value() } : { node };
  };
  /** The engine's own answer, without recording: the node, or MISS. */
  const nodeOf = (key: number): number => engine.lookup(numberProbe(new ProbeKey(), key, hash(key)), false, false);
  const expiryOf = (key: number, node: number): number => {
    const s = hash(key) & (SHARDS - 1);
    return new Float64Array(cache.handle.memory.buffer)[layout.cacheExpiryF64(engine.region(s), engine.maximum(s) + 1, node)]!;
  };
  return { ask, nodeOf, expiryOf, i32, hash };
}

describe('wasm cacheGetNumber', () => {
  it('answers as the engine does: the node and value of a live entry, SLOW for one whose expiry is not after now, a miss for an absent key', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: -40, max: 40 }), fc.double(), fc.constantFrom(0, 0, 5, 10, 20)), { maxLength: 120 }),
        fc.array(fc.integer({ min: -50, max: 50 }), { minLength: 1, maxLength: 40 }),
        fc.constantFrom(1000, 1005, 1010, 1015, 1020, 1021, Infinity),
        (entries, probes, now) => {
          const cache = ShardedCache.create<number, number>({ maxEntries: 64, shards: SHARDS, keys: 'number', values: 'number' });
          cache._engine.now = () => 1000;
          for (const [key, value, ttl] of entries) cache.set(key, value, { ttl });
          const { ask, nodeOf, expiryOf } = reader(cache);
          for (const key of [...probes, ...entries.map(([k]) => k)]) {
            const node = nodeOf(key);
            const answer = ask(key, now);
            if (node === MISS) {
              expect(answer, `key ${key}`).toEqual({ node: CACHE_MISS });
              continue;
            }
            const expiry = expiryOf(key, node);
            // expiry <= now is expired (reads.ts); +Infinity: every entry with an expiry is SLOW
            if (expiry !== 0 && !(expiry > now)) expect(answer, `key ${key}, expiry ${expiry}, now ${now}`).toEqual({ node: CACHE_SLOW });
            else expect(answer, `key ${key}`).toEqual({ node, value: cache.peek(key) });
          }
        },
      ),
      { seed: SEED, numRuns: 150 },
    );
  });

  it('is SLOW while the shard is locked and for a value it does not decode', () => {
    const cache = ShardedCache.create<number, unknown>({ maxEntries: 64, shards: SHARDS });
    cache.set(7, 14);
    cache.set(8, 'text');
    const { ask, nodeOf, i32, hash } = reader(cache);
    expect(ask(7, Infinity)).toEqual({ node: nodeOf(7), value: 14 });
    expect(ask(8, Infinity).node).toBe(CACHE_SLOW);
    const lock = layout.shardWord(hash(7) & (SHARDS - 1), layout.S_LOCK);
    const word = Atomics.load(i32(), lock);
    Atomics.store(i32(), lock, word | LOCKED);
    expect(ask(7, Infinity).node).toBe(CACHE_SLOW);
    Atomics.store(i32(), lock, word);
    expect(ask(7, Infinity).value).toBe(14);
  });
});

describe('ShardedCache.get of number keys through WebAssembly', () => {
  it('with a default ttl (the clock passed in): entries expire at their ms, per-entry ttls included, and every hit is counted', () => {
    const cache = ShardedCache.create<number, number>({ maxEntries: 100, shards: 2, keys: 'number', values: 'number', ttl: 100 });
    let now = 50_000;
    cache._engine.now = () => now;
    cache.set(1, 10);
    cache.set(2, 20, { ttl: 10 });
    cache.set(3, 30, { ttl: 0 });
    now += 9;
    expect([cache.get(1), cache.get(2), cache.get(3), cache.get(4)]).toEqual([10, 20, 30, undefined]);
    now += 1; // 2 expires at 50_010: expiry <= now
    expect([cache.get(1), cache.get(2), cache.get(3)]).toEqual([10, undefined, 30]);
    now += 89;
    expect(cache.get(1)).toBe(10);
    now += 1;
    expect([cache.get(1), cache.get(3)]).toEqual([undefined, 30]);
    const stats = cache.stats();
    expect([stats.hits, stats.misses, stats.expirations, stats.size]).toEqual([7, 3, 2, 1]);
  });

  it('a hit is recorded for the policy: a full hit buffer replays, and the key hit last is its list\'s most recent', () => {
    const cache = ShardedCache.create<number, number>({ maxEntries: 100, shards: 1, keys: 'number', values: 'number' });
    for (let k = 0; k < 10; k++) cache.set(k, k);
    const policy = cache._engine.policyOf(0);
    const { nodeOf } = reader(cache);
    const last = (node: number): number => {
      let n = policy.first(policy.segmentOf(node));
      while (policy.after(n) >= 0) n = policy.after(n);
      return n;
    };
    expect(last(nodeOf(3))).not.toBe(nodeOf(3));
    for (let i = 0; i < 64; i++) expect(cache.get(3)).toBe(3); // the 64th fills the buffer: replayed
    expect(last(nodeOf(3))).toBe(nodeOf(3));
    expect(cache.stats().hits).toBe(64);
  });

  it('takes the WebAssembly path: 63 hits and a miss of int keys run no Atomics call (the 64th hit replays, under the lock)', () => {
    const cache = ShardedCache.create<number, number>({ maxEntries: 1000, shards: 1, keys: 'number', values: 'number' });
    for (let i = 0; i < 100; i++) cache.set(i, i + 1);
    let sum = 0;
    const calls = countAtomicsCalls(() => {
      for (let i = 0; i < 63; i++) sum += cache.get(i)!;
      expect(cache.get(1000)).toBeUndefined();
    });
    expect(sum).toBe(2016);
    expect(calls).toBe(0);
  });

  it('has() of number keys answers as get() does: live true, absent or expired false, a value WebAssembly does not decode true', () => {
    const cache = ShardedCache.create<number, unknown>({ maxEntries: 100, shards: 2, keys: 'number', ttl: 100 });
    let now = 7_000;
    cache._engine.now = () => now;
    cache.set(1, 10);
    cache.set(2, 'text');
    cache.set(3, 30, { ttl: 5 });
    expect([cache.has(1), cache.has(2), cache.has(3), cache.has(4)]).toEqual([true, true, true, false]);
    now += 5;
    expect([cache.has(1), cache.has(2), cache.has(3)]).toEqual([true, true, false]);
    now += 95;
    expect([cache.has(1), cache.has(2)]).toEqual([false, false]);
    const stats = cache.stats();
    expect([stats.hits, stats.misses, stats.expirations, stats.size]).toEqual([5, 4, 3, 0]);
  });
});
