/**
 * The cache bench's replays through the real ShardedCache (not the policy simulation of
 * replay.ts): its hit ratio on a trace, and the cost of a hit against ShardedMap.get and
 * lru-cache.get in one thread. The runs on worker threads (sharing, 2-thread throughput) are
 * threads.ts's.
 */
import { LRUCache } from 'lru-cache';
import { ShardedCache, ShardedMap } from '@shardmap/core';

/** The real cache's hit ratio with room for `size` keys (get, and set on a miss). */
export function shardedCacheHitRatio(keys: Int32Array, size: number, shards: number, seed: number): number {
  const cache = ShardedCache.create<number, number>({ maxEntries: size, shards, keys: 'int32', values: 'int32', seed });
  let hits = 0;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    if (cache.get(k) !== undefined) hits++;
    else cache.set(k, 1);
  }
  return hits / keys.length;
}

export interface HitCostRow {
  readonly subject: string;
  /** ns per get hit, one per run. */
  readonly ns: number[];
}

/**
 * ns per get hit over 1023 present int keys, single thread, RUNS interleaved runs of `ops` gets
 * each: ShardedCache.get, ShardedMap.get, lru-cache get. Side by side in one process, so the
 * ratios are fair even on a noisy machine; the spread is the runs' min..max.
 */
export function hitCosts(ops: number, runs: number): HitCostRow[] {
  const K = 1023;
  const cache = ShardedCache.create<number, number>({ maxEntries: 4096, shards: 8, seed: 1 });
  const map = ShardedMap.create<number, number>({ shards: 8, seed: 1 });
  const lru = new LRUCache<number, number>({ max: 4096 });
  for (let k = 0; k < K; k++) {
    cache.set(k, k);
    map.set(k, k);
    lru.set(k, k);
  }
  const subjects: [string, (k: number) => number | undefined][] = [
    ['ShardedCache.get', (k) => cache.get(k)],
    ['ShardedMap.get', (k) => map.get(k)],
    ['lru-cache get', (k) => lru.get(k)],
  ];
  const rows = subjects.map(([subject]) => ({ subject, ns: [] as number[] }));
  let sink = 0;
  for (let run = -1; run < runs; run++) {
    subjects.forEach(([, get], i) => {
      const t0 = process.hrtime.bigint();
      for (let j = 0; j < ops; j++) sink += get(j % K)!;
      const ns = Number(process.hrtime.bigint() - t0) / ops;
      if (run >= 0) rows[i]!.ns.push(ns); // run -1 warms every subject up
    });
  }
  if (sink === -1) console.log(sink);
  return rows;
}
