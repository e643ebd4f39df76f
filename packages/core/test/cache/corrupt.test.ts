/**
 * A scribbled cache buffer: the findings of the byte-flip campaign (tests/reliability-byteflip
 * .test.ts, targets cache-entries and cache-bytes), each staged on purpose. A corrupt word must
 * make calls throw ERR_SHARDMAP_CORRUPT (attach: or ERR_SHARDMAP_BAD_BUFFER), never a RangeError
 * from a typed array, a wrong ERR_SHARDMAP_FULL, or a hang.
 */
import { describe, expect, it } from 'vitest';
import { ShardedCache } from '../../src/cache/cache.js';
import { C_BYTES_BUDGET, C_MAXIMUM, S_CACHE_REGION, cachePolicyBase, cacheWord, shardWord } from '../../src/layout.js';
import { PROTECTED } from '../../src/cache/policy.js';
import { T_BYTES, T_LATIN1, T_NULL, T_NUMBER } from '../../src/codecs.js';

const i32Of = (cache: ShardedCache): Int32Array => new Int32Array(cache.handle.memory.buffer);
const regionOf = (cache: ShardedCache, s: number): number => i32Of(cache)[shardWord(s, S_CACHE_REGION)]!;
const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
};

function filled(options: { maxEntries?: number; maxBytes?: number } = { maxEntries: 64 }): ShardedCache<number, string> {
  const cache = ShardedCache.create<number, string>({ ...options, shards: 2, seed: 7 });
  for (let i = 0; i < 40; i++) cache.set(i, `v${i}`);
  return cache;
}

describe('a scribbled cache region', () => {
  it('a shard word naming another region: attach refuses it, the creator keeps the region it checked', async () => {
    const cache = filled();
    const i32 = i32Of(cache);
    // Flip seed 4060382498, flip 167: the word moved 8-aligned into another block.
    i32[shardWord(1, S_CACHE_REGION)] = regionOf(cache, 1) + 4096;
    expect(codeOf(() => ShardedCache.attach(cache.handle))).toBe('ERR_SHARDMAP_CORRUPT');
    // fetch() and recoverThread read the region through the instance, not the scribbled word.
    for (let i = 0; i < 40; i++) await expect(cache.fetch(i, () => 'loaded')).resolves.toBe(`v${i}`);
    await expect(cache.fetch(1000, () => 'loaded')).resolves.toBe('loaded');
  });

  it('a region outside the heap, or one whose policy disagrees on its maximum, is refused at attach', () => {
    for (const scribble of [(c: ShardedCache) => (i32Of(c)[shardWord(0, S_CACHE_REGION)] = 2 ** 30), (c: ShardedCache) => (i32Of(c)[cacheWord(regionOf(c, 1), C_MAXIMUM)] = 3)]) {
      const cache = filled();
      scribble(cache);
      expect(codeOf(() => ShardedCache.attach(cache.handle))).toBe('ERR_SHARDMAP_CORRUPT');
    }
  });

  it('a byte budget that is not the one create gave every shard is corrupt, not FULL', () => {
    // Flip seed 4060382498, flip 789 (cache-entries): set threw ERR_SHARDMAP_FULL for 584 bytes.
    const cache = filled({ maxBytes: 2 ** 21 });
    for (const s of [0, 1]) i32Of(cache)[cacheWord(regionOf(cache, s), C_BYTES_BUDGET)] = 300;
    expect(codeOf(() => ShardedCache.attach(cache.handle))).toBe('ERR_SHARDMAP_CORRUPT');
    // Flip seed 99, flip 2484: the instance that checked the budget keeps using its copy.
    cache.set(1000, 'x'.repeat(300));
    expect(cache.get(1000)).toBe('x'.repeat(300));
  });
});

describe("a scribbled policy's size", () => {
  it('makes the next write throw ERR_SHARDMAP_CORRUPT instead of moving nodes past the end of a list for good', () => {
    // Flip seed 777, flips 644 and 3032: protected's size word grew past its list; the next
    // replayed hit demoted "overflow" from an empty list forever.
    const cache = ShardedCache.create<number, string>({ maxEntries: 64, shards: 1, seed: 7 });
    for (let i = 0; i < 60; i++) cache.set(i, `v${i}`);
    for (let round = 0; round < 3; round++) for (let i = 0; i < 60; i++) cache.get(i); // probation → protected
    const policy = cache._engine.policyOf(0);
    expect(policy.first(PROTECTED)).toBeGreaterThanOrEqual(0);
    const region = regionOf(cache, 0);
    // policy.ts's header: the three sizes from word 1 (window, probation, protected).
    i32Of(cache)[cachePolicyBase(region, i32Of(cache)[cacheWord(region, C_MAXIMUM)]! + 1) + 1 + PROTECTED - 1]! += 1 << 20;
    // A full hit buffer is replayed under the lock: the 16th get may already meet the check.
    for (let i = 0; i < 16; i++) expect([undefined, 'ERR_SHARDMAP_CORRUPT']).toContain(codeOf(() => cache.get(i)));
    expect(codeOf(() => cache.set(1, 'w'))).toBe('ERR_SHARDMAP_CORRUPT');
    expect(codeOf(() => cache.delete(2))).toBe('ERR_SHARDMAP_CORRUPT');
  });
});

describe('a scribbled value tag', () => {
  // Flip 7021 of the fresh-clone byte-flip run (cache-entries, values 'string'): a value tag with
  // bit 2 flipped (T_LATIN1 12 -> T_BYTES 8; T_STRING 6 -> T_NULL 2) made get and entries() yield
  // an object from a cache of strings. A tag its codec cannot have stored is corruption.
  for (const [name, flipped] of [['bytes', T_BYTES], ['null', T_NULL]] as const) {
    it(`a string cache's value tagged ${name}: get and entries() throw ERR_SHARDMAP_CORRUPT`, () => {
      const cache = ShardedCache.create<number, string>({ maxEntries: 8, shards: 1, keys: 'number', values: 'string', seed: 7 });
      cache.set(1, 'abc');
      const i32 = i32Of(cache);
      const stored = T_NUMBER | (T_LATIN1 << 8);
      const at: number[] = [];
      for (let w = 0; w < i32.length; w++) if ((i32[w]! & 0xffff) === stored) at.push(w);
      expect(at.length, 'the one slot tags word').toBe(1);
      expect(cache.get(1)).toBe('abc');
      i32[at[0]!] = (i32[at[0]!]! & ~0xff00) | (flipped << 8);
      expect(codeOf(() => cache.get(1))).toBe('ERR_SHARDMAP_CORRUPT');
      expect(codeOf(() => [...cache.entries()])).toBe('ERR_SHARDMAP_CORRUPT');
    });
  }
});
