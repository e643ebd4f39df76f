/**
 * Seeded randomness for key generation and op-vector shuffles. Every run prints its seed in the
 * results so a surprising number can be reproduced with `--seed`.
 *
 * splitmix32 (the harness's `splitMix32`) is used because it is tiny, fast in JS (all 32-bit
 * integer ops) and passes the usual statistical batteries well enough for picking benchmark keys;
 * nothing here is security sensitive.
 */
import { splitMix32 } from '@shardmap/harness';

export type Rng = () => number;

/** Returns a generator of uniform 32-bit unsigned integers. */
export const splitmix32: (seed: number) => Rng = splitMix32;

/** Uniform integer in [0, 2^48): two draws, so keys look like bustle's random u64 keys while
 * staying exactly representable as JS numbers (and distinct with overwhelming probability). */
export function randomKey48(rng: Rng): number {
  return (rng() & 0xffff) * 0x1_0000_0000 + rng();
}

/** Fisher–Yates shuffle in place. */
export function shuffle<T>(items: T[], rng: Rng): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng() % (i + 1);
    const tmp = items[i]!;
    items[i] = items[j]!;
    items[j] = tmp;
  }
  return items;
}

/** Derives an independent seed for a sub-stream (per thread, per run). */
export function deriveSeed(seed: number, ...salt: number[]): number {
  let h = seed >>> 0;
  for (const s of salt) h = splitmix32(h ^ Math.imul(s + 1, 0x27d4eb2d))();
  return h;
}
