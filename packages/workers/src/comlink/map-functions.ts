/**
 * A ready-made set of worker functions: the map's own single-key operations, a repeated `add` for
 * counting under contention, and bulk fill/check for growth. A worker script exposes it as is or
 * spreads it into its own set:
 *
 *     exposeMapWorker({ ...standardMapFunctions, myWorkload });
 *
 * Every function returns something structured-cloneable (`set` answers nothing instead of the map).
 */
import type { ShardedMap, ShardedMapStats } from '@shardmap/core';

/** How `fill` spells the value it stores under `${prefix}${index}`, so any thread can check it. */
export function fillValue(prefix: string, index: number, valueLength: number): string {
  const stem = `${prefix}${index}:`;
  return stem.length >= valueLength ? stem : stem.padEnd(valueLength, '.');
}

export const standardMapFunctions = {
  get(map: ShardedMap, key: unknown): unknown {
    return map.get(key);
  },
  has(map: ShardedMap, key: unknown): boolean {
    return map.has(key);
  },
  set(map: ShardedMap, key: unknown, value: unknown): void {
    map.set(key, value);
  },
  delete(map: ShardedMap, key: unknown): boolean {
    return map.delete(key);
  },
  add(map: ShardedMap, key: unknown, delta: number): number {
    return map.add(key, delta);
  },
  /**
   * A barrier in the map: counts this thread in under `key`, then spins (lock-free reads) until
   * `parties` threads have arrived. Call it without awaiting, then queue the real work: comlink
   * runs a worker's calls in order, so every worker starts the work at about the same instant.
   * Answers how long this thread waited. Reusing a key needs `delete(key)` first.
   */
  arriveAndWait(map: ShardedMap, key: unknown, parties: number, timeoutMs = 10_000): number {
    const started = performance.now();
    map.add(key, 1);
    while (Number(map.get(key)) < parties) {
      if (performance.now() - started > timeoutMs) {
        throw new Error(`arriveAndWait: ${String(map.get(key))} of ${parties} parties arrived within ${timeoutMs} ms`);
      }
    }
    return performance.now() - started;
  },
  /** `add(key, delta)` `times` times in a row; answers the last value this thread saw. */
  addRepeatedly(map: ShardedMap, key: unknown, delta: number, times: number): number {
    let last = 0;
    for (let i = 0; i < times; i++) last = map.add(key, delta);
    return last;
  },
  size(map: ShardedMap): number {
    return map.size;
  },
  stats(map: ShardedMap): ShardedMapStats {
    return map.stats();
  },
  /** Stores `count` string values of `valueLength` chars under `${prefix}0…`; grows the map. */
  fill(map: ShardedMap, prefix: string, count: number, valueLength: number): ShardedMapStats {
    for (let i = 0; i < count; i++) map.set(`${prefix}${i}`, fillValue(prefix, i, valueLength));
    return map.stats();
  },
  /** How many of the keys `fill` wrote are present with exactly the value it wrote. */
  countFilled(map: ShardedMap, prefix: string, count: number, valueLength: number): number {
    let found = 0;
    for (let i = 0; i < count; i++) {
      if (map.get(`${prefix}${i}`) === fillValue(prefix, i, valueLength)) found++;
    }
    return found;
  },
};

/** The type to give `wrapMapWorker<…>` for a worker that exposes `standardMapFunctions`. */
export type StandardMapFunctions = typeof standardMapFunctions;
