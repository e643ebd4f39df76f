/**
 * HashDoS: key sets built to collide cost at most MAX_RATIO× random keys of the same shape per
 * operation, and keep `stats().maxProbeLength` near what random keys give.
 *
 * Attacks (each against a baseline of the same codec and key length):
 *  - int32 keys with the same low 16 bits (`i << 16`);
 *  - int32 keys crafted to share shard, home group and tag under a FIXED seed (fmix32 inverted),
 *    then used on a map with its own random seed (the attacker does not know it);
 *  - strings crafted (brute force) to share shard and home group under the fixed seed;
 *  - strings with the same hash under EVERY seed: MurmurHash3's block function leaks a one-bit
 *    difference that a second block cancels (Aumasson, Bernstein, Boßlet, "Hash-flooding DoS
 *    reloaded", 2012), so n two-block chunks give 2^n keys of one full 32-bit hash, whatever the seed;
 *  - the same construction on Uint8Array keys (4-byte blocks);
 *  - strings sharing a 256-unit prefix.
 *
 * Cost is CPU time (process.cpuUsage) of insert + PASSES lookups + delete of every key, measured
 * in ROUNDS interleaved rounds (every set once per round, on a fresh map); the figure is the median.
 * SHARDMAP_SEED fixes the key generator's seed; it is printed with every figure and failure.
 */
import { describe, expect, it } from 'vitest';
import { ShardedMap } from '@shardmap/core';
import { SEED, rng } from './helpers/seed.js';

const LOG2_KEYS = Number(process.env.SHARDMAP_HASHDOS_LOG2 ?? 11);
const N = 2 ** LOG2_KEYS;
const ROUNDS = 5;
const PASSES = 12;
const MAX_RATIO = 3;
/** An attack already this far past the bound after one round is not measured again (it is slow). */
const HOPELESS = 10 * MAX_RATIO;
/** The attacker's guess of the seed; maps under test draw their own. */
const ATTACKER_SEED = 0x5eed1234;


// --- MurmurHash3_x86_32 pieces (the public algorithm; used only to build attacks) --------------
const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;
/** Multiplicative inverse mod 2^32 of an odd number (Newton: x ← x(2 − ax), 5 steps). */
function inverse(a: number): number {
  let x = a;
  for (let i = 0; i < 5; i++) x = Math.imul(x, 2 - Math.imul(a, x));
  return x;
}
const rotl = (x: number, r: number) => (x << r) | (x >>> (32 - r));
const rotr = (x: number, r: number) => (x >>> r) | (x << (32 - r));
/** The 32-bit block k whose mixed form rotl(k·C1, 15)·C2 is x. */
const unmixBlock = (x: number) => Math.imul(rotr(Math.imul(x, inverse(C2)), 15), inverse(C1));
function mixBlock(h: number, k: number): number {
  k = Math.imul(rotl(Math.imul(k, C1), 15), C2);
  h = rotl(h ^ k, 13);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}
function fmix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}
function fmix32Inverse(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, inverse(0xc2b2ae35));
  h ^= (h >>> 13) ^ (h >>> 26);
  h = Math.imul(h, inverse(0x85ebca6b));
  return h ^ (h >>> 16);
}
function murmurString(s: string, seed: number): number {
  let h = seed;
  let i = 0;
  for (; i + 1 < s.length; i += 2) h = mixBlock(h, s.charCodeAt(i) | (s.charCodeAt(i + 1) << 16));
  if (i < s.length) h = mixBlock(h, s.charCodeAt(i));
  return fmix32(h ^ (s.length << 1));
}

/**
 * Pairs of two-block chunks with equal hash state after them, for any state before: the first
 * blocks differ by bit 18 after mixing (rotl 13 moves it to bit 31, where ×5 and +c keep it a
 * one-bit difference); the second blocks differ by bit 31 after mixing, which cancels it.
 */
function collidingChunks(next: () => number): [number, number][][] {
  return Array.from({ length: LOG2_KEYS }, () => {
    const x0 = next() | 0;
    const x1 = next() | 0;
    return [
      [unmixBlock(x0), unmixBlock(x1)],
      [unmixBlock(x0 ^ (1 << 18)), unmixBlock(x1 ^ (1 << 31))],
    ] as [number, number][];
  });
}

/** All 2^LOG2_KEYS combinations of the chunk pairs, rendered by `render`. */
function combinations<T>(chunks: [number, number][][], render: (blocks: number[]) => T): T[] {
  return Array.from({ length: N }, (_, m) => render(chunks.flatMap((pair, j) => pair[(m >> j) & 1]!)));
}
const blocksToString = (blocks: number[]) => blocks.map((k) => String.fromCharCode(k & 0xffff, k >>> 16)).join('');
const blocksToBytes = (blocks: number[]) => new Uint8Array(new Int32Array(blocks).buffer); // little-endian, like the hash reads

function randomString(next: () => number, length: number, prefix = ''): string {
  let s = prefix;
  while (s.length < length) s += String.fromCharCode(next() & 0xffff);
  return s;
}

// --- key sets ----------------------------------------------------------------------------------
interface KeySet {
  name: string;
  keys: 'int32' | 'string' | 'bytes';
  /** Baseline set this one is compared with (absent: it is a baseline). */
  against?: string;
  make: (next: () => number) => unknown[];
}

const STRING_UNITS = 4 * LOG2_KEYS; // the colliding strings' length: two blocks of two units per chunk
const SETS: KeySet[] = [
  { name: 'int32 random', keys: 'int32', make: (next) => distinct(() => next() | 0) },
  { name: 'int32 i<<16', keys: 'int32', against: 'int32 random', make: () => Array.from({ length: N }, (_, i) => i << 16) },
  {
    // Shard, home group (low 14 bits) and tag (top 7 bits) equal under ATTACKER_SEED.
    name: 'int32 crafted for a fixed seed',
    keys: 'int32',
    against: 'int32 random',
    make: () => Array.from({ length: N }, (_, i) => fmix32Inverse((0x55 << 25) | (i << 14) | 0x1abc) ^ ATTACKER_SEED),
  },
  { name: 'string random', keys: 'string', make: (next) => distinct(() => randomString(next, STRING_UNITS)) },
  {
    name: 'string same hash for every seed',
    keys: 'string',
    against: 'string random',
    make: (next) => combinations(collidingChunks(next), blocksToString),
  },
  {
    // Same low 10 bits (shard and home group) under ATTACKER_SEED, by brute force.
    name: 'string crafted for a fixed seed',
    keys: 'string',
    against: 'string random',
    make: (next) => distinct(() => {
      for (;;) {
        const s = randomString(next, STRING_UNITS);
        if ((murmurString(s, ATTACKER_SEED) & 0x3ff) === 0x2a5) return s;
      }
    }),
  },
  { name: 'string random, 260 units', keys: 'string', make: (next) => distinct(() => randomString(next, 260)) },
  {
    name: 'string 256-unit common prefix',
    keys: 'string',
    against: 'string random, 260 units',
    make: (next) => distinct(() => randomString(next, 260, 'p'.repeat(256))),
  },
  { name: 'bytes random', keys: 'bytes', make: (next) => distinct(() => blocksToBytes(Array.from({ length: 2 * LOG2_KEYS }, () => next() | 0))) },
  {
    name: 'bytes same hash for every seed',
    keys: 'bytes',
    against: 'bytes random',
    make: (next) => combinations(collidingChunks(next), blocksToBytes),
  },
];

function distinct<T>(make: () => T): T[] {
  const seen = new Set<string>();
  const out: T[] = [];
  while (out.length < N) {
    const k = make();
    const id = k instanceof Uint8Array ? k.join(',') : String(k);
    if (!seen.has(id)) {
      seen.add(id);
      out.push(k);
    }
  }
  return out;
}

// --- measurement -------------------------------------------------------------------------------
interface Measure {
  microsPerOp: number;
  maxProbeLength: number;
}

function measure(set: KeySet, keys: unknown[]): Measure {
  const map = ShardedMap.create<unknown, number>({ keys: set.keys, values: 'int32', shards: 4 });
  const start = process.cpuUsage();
  for (let i = 0; i < keys.length; i++) map.set(keys[i], i);
  for (let p = 0; p < PASSES; p++) {
    for (let i = 0; i < keys.length; i++) if (map.get(keys[i]) !== i) throw new Error(`${set.name}: key ${i} lost (seed ${SEED})`);
  }
  const mid = process.cpuUsage(start);
  const maxProbeLength = map.stats().maxProbeLength; // outside the timed part
  const resume = process.cpuUsage();
  for (let i = 0; i < keys.length; i++) map.delete(keys[i]);
  const end = process.cpuUsage(resume);
  const micros = mid.user + mid.system + end.user + end.system;
  expect(map.size, `${set.name}: not empty after deleting every key (seed ${SEED})`).toBe(0);
  return { microsPerOp: micros / (keys.length * (PASSES + 2)), maxProbeLength };
}

/** maxProbeLength of `keys` on a map that uses the attacker's seed: shows the crafted sets are real attacks. */
function probeUnderAttackerSeed(set: KeySet, keys: unknown[]): number {
  const map = ShardedMap.create<unknown, number>({ keys: set.keys, values: 'int32', shards: 4, seed: ATTACKER_SEED });
  keys.forEach((k, i) => map.set(k, i));
  return map.stats().maxProbeLength;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

describe('HashDoS: adversarial keys against random keys of the same shape', () => {
  it(`${N} keys per set, ${ROUNDS} interleaved rounds: ≤ ${MAX_RATIO}× per op, short probes`, { timeout: 240_000 }, () => {
    const keysOf = new Map(SETS.map((s, i) => [s.name, s.make(rng(SEED + i))]));
    const samples = new Map<string, Measure[]>(SETS.map((s) => [s.name, []]));
    for (const s of SETS) measure(s, keysOf.get(s.name)!.slice(0, 256)); // warm up every path
    for (let round = 0; round < ROUNDS; round++) {
      for (const s of SETS) {
        const got = samples.get(s.name)!;
        const base = s.against === undefined ? undefined : samples.get(s.against)![0];
        if (round > 0 && base !== undefined && got[0]!.microsPerOp > HOPELESS * base.microsPerOp) continue;
        got.push(measure(s, keysOf.get(s.name)!));
      }
    }
    const failures: string[] = [];
    for (const s of SETS.filter((x) => x.against !== undefined)) {
      const adv = samples.get(s.name)!;
      const base = samples.get(s.against!)!;
      const ratio = median(adv.map((m) => m.microsPerOp)) / median(base.map((m) => m.microsPerOp));
      const probe = Math.max(...adv.map((m) => m.maxProbeLength));
      const baseProbe = Math.max(...base.map((m) => m.maxProbeLength));
      const probeBound = 2 * baseProbe + 4;
      const known = s.name.includes('fixed seed') ? ` maxProbeUnderAttackerSeed=${probeUnderAttackerSeed(s, keysOf.get(s.name)!)}` : '';
      console.log(
        `FIGURE hashdos: set="${s.name}" keys=${N} ratio=${ratio.toFixed(2)} ` +
          `us/op=${median(adv.map((m) => m.microsPerOp)).toFixed(3)} baseline_us/op=${median(base.map((m) => m.microsPerOp)).toFixed(3)} ` +
          `maxProbe=${probe} baselineMaxProbe=${baseProbe}${known} rounds=${adv.length} seed=${SEED}`,
      );
      if (ratio > MAX_RATIO) failures.push(`${s.name}: ${ratio.toFixed(1)}× the cost per op of "${s.against}" (bound ${MAX_RATIO}×)`);
      if (probe > probeBound) failures.push(`${s.name}: maxProbeLength ${probe} (random keys: ${baseProbe}; bound ${probeBound})`);
    }
    expect(failures, `HashDoS (SHARDMAP_SEED=${SEED})`).toEqual([]);
  });
});
