/** Seeded randomness for tests: the run's seed (SHARDMAP_SEED replays one) and a xorshift32 stream. */

/** This run's seed: SHARDMAP_SEED if set, else random. Print it with every failure. */
export const SEED = process.env.SHARDMAP_SEED !== undefined ? Number(process.env.SHARDMAP_SEED) >>> 0 : (Math.random() * 2 ** 32) >>> 0;

/** xorshift32 from `seed` (0 is replaced: xorshift never leaves 0). */
export function rng(seed: number): () => number {
  let x = seed >>> 0 || 0x9e3779b9;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>>= 0);
  };
}
