/**
 * hash.ts on its own: hashString keeps the last seed's block key, so a thread that hashes for
 * maps of different seeds, interleaved, must get what a hash with no cached key gives; and the string hash
 * depends on the seed and on every code unit.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { finalize, hashString } from '../../src/hash.js';

/** hash.ts's string hash written out with no cached key: Murmur3's blocks, each XORed with the seed's key first. */
function referenceHash(s: string, seed: number): number {
  const key = finalize(seed ^ 0x6a09e667) | 1;
  const mix = (h: number, k: number): number => {
    k = Math.imul(k, 0xcc9e2d51);
    k = Math.imul((k << 15) | (k >>> 17), 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    return (Math.imul(h, 5) + 0xe6546b64) | 0;
  };
  let h = seed;
  let i = 0;
  for (; i + 1 < s.length; i += 2) h = mix(h, (s.charCodeAt(i) | (s.charCodeAt(i + 1) << 16)) ^ key);
  if (i < s.length) h = mix(h, s.charCodeAt(i) ^ key);
  return finalize(h ^ (s.length << 1));
}

describe('hashString', () => {
  it('gives what the uncached hash gives, whether seeds alternate or repeat', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.string({ unit: 'binary', maxLength: 40 }), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })), { minLength: 1, maxLength: 20 }), (cases) => {
        const alone = cases.map(([s, a]) => referenceHash(s, a));
        const alternating = cases.map(([s, a, b]) => (hashString(s, b), hashString(s, a)));
        expect(alternating).toEqual(alone);
        const twice = cases.map(([s, a]) => hashString(s, a));
        expect(twice).toEqual(alone);
      }),
    );
  });

  it('depends on the seed and on every code unit', () => {
    const key = 'user:12345:profile';
    const h = hashString(key, 7);
    expect(hashString(key, 8)).not.toBe(h);
    for (let i = 0; i < key.length; i++) {
      const changed = key.slice(0, i) + String.fromCharCode(key.charCodeAt(i) ^ 1) + key.slice(i + 1);
      expect(hashString(changed, 7)).not.toBe(h);
    }
    expect(hashString(key + '\u0000', 7)).not.toBe(h); // the length is mixed in
  });
});
