/**
 * Seeded 32-bit hashes, identical in every thread (pure integer arithmetic on Math.imul).
 *
 * Strings are hashed as UTF-16 code units read in place with charCodeAt, two units per 32-bit
 * block: no TextEncoder (~90 ns a call) on any lookup path. The block function and finaliser are
 * MurmurHash3_x86_32's; the seed is random per map.
 *
 * HashDoS. Plain Murmur3 has seed-INDEPENDENT collisions (Aumasson & Bernstein, "Hash-flooding DoS
 * reloaded", 2012): its per-block mix is a fixed bijection, so an attacker inverts it and picks two
 * blocks whose mixed differences cancel, whatever the seed. Here every block is XORed with a key
 * derived from the seed BEFORE the mix: the multiplications then carry the difference differently
 * for every seed, and the attacker, not knowing the key, cannot choose blocks that cancel. (A
 * heuristic defence, not SipHash's proof; SipHash costs several times more per block in 32-bit JS.)
 *
 * Hash bit budget (used by the map and the table):
 *   [31..25] 7-bit tag stored in the control byte  | [..shardBits] group index | [shardBits-1..0] shard
 */

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

const mixBlock = (h: number, k: number): number => {
  k = Math.imul(k, C1);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, C2);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
};

/** Murmur3's fmix32: every input bit affects every output bit. */
export const finalize = (h: number): number => {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
};

/** Integers take fmix32 alone (a bijection, ~5 ns): it already spreads every input bit over the
 *  low bits (shard, group) and the top bits (tag); the seed XORed in first makes which keys
 *  collide in those bits unpredictable. */
export const hashInt32 = (n: number, seed: number): number => finalize(n ^ seed);

const f64 = new Float64Array(1);
const f64Words = new Int32Array(f64.buffer);

/**
 * Numbers by SameValueZero: -0 hashes as 0, every NaN alike, integers as their int32 value.
 * Small on purpose (the rest is hashNonInt32): V8 then inlines it into hot lookups whole.
 */
export const hashNumber = (n: number, seed: number): number => (n | 0) === n ? hashInt32(n, seed) : hashNonInt32(n, seed);

const hashNonInt32 = (n: number, seed: number): number => {
  if (n !== n) return hashInt32(0x7ff80000, seed ^ 0x5bd1e995);
  f64[0] = n;
  return finalize(mixBlock(mixBlock(seed, f64Words[0]!), f64Words[1]!) ^ 8);
};

/** The per-block key: a different word from the seed itself, so neither reveals the other. */
export const blockKey = (seed: number): number => finalize(seed ^ 0x6a09e667) | 1;

/** The last seed's block key: a thread almost always hashes for one map, and finalize per call is ~12 instructions. */
let keyedSeed = 0;
let keyOfSeed = blockKey(0);
const blockKeySlow = (seed: number): number => {
  keyOfSeed = blockKey(seed);
  keyedSeed = seed;
  return keyOfSeed;
};

export const hashString = (s: string, seed: number): number => {
  const n = s.length;
  const key = seed === keyedSeed ? keyOfSeed : blockKeySlow(seed);
  let h = seed;
  let i = 0;
  for (; i + 1 < n; i += 2) h = mixBlock(h, (s.charCodeAt(i) | (s.charCodeAt(i + 1) << 16)) ^ key);
  if (i < n) h = mixBlock(h, s.charCodeAt(i) ^ key);
  return finalize(h ^ (n << 1));
};

export const hashBytes = (b: Uint8Array, seed: number): number => {
  const n = b.length;
  const key = blockKey(seed);
  let h = seed;
  let i = 0;
  for (; i + 3 < n; i += 4) h = mixBlock(h, (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) ^ key);
  let tail = 0;
  for (let shift = 0; i < n; i++, shift += 8) tail |= b[i]! << shift;
  if (n & 3) h = mixBlock(h, tail ^ key);
  return finalize(h ^ n);
};

/** A seed from the platform's CSPRNG where there is one. */
export const randomSeed = (): number => {
  const c = (globalThis as { crypto?: { getRandomValues?: (a: Int32Array) => Int32Array } }).crypto;
  if (c?.getRandomValues) return c.getRandomValues(new Int32Array(1))[0]!;
  return (Math.random() * 2 ** 32) | 0;
};
