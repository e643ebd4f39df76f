/**
 * The ShardedMap target: `shardedMapTarget(map)` over a map this thread already has (the mixed
 * workload's), and the default workload adapter `open`, which attaches one from its handle
 * (`config = { handle }`).
 *
 * `set` goes through `swap` rather than `set` so the workload learns whether the key was new — the
 * size check and the mixed workload's model check need it — at the cost of decoding the previous
 * value on replace.
 */
import { ShardedMap, type ShardedMapHandle } from '@shardmap/core';
import type { SyncMapTarget, TargetContext, TargetWith } from '../target.js';

/** The config this adapter expects. */
export interface ShardedMapAdapterConfig {
  readonly handle: ShardedMapHandle;
}

/** What a ShardedMap offers of the target interface. */
export type ShardedMapTarget<K = number> = TargetWith<'update' | 'add' | 'range' | 'size', SyncMapTarget<K>>;

/** The workload operations on `map`, for the thread that holds it. */
export function shardedMapTarget<K = number>(map: ShardedMap<K, number>): ShardedMapTarget<K> {
  return {
    get: (key) => map.get(key),
    set: (key, value) => !map.swap(key, value).loaded,
    delete: (key) => map.delete(key),
    update: (key, fn) => map.update(key, fn),
    add: (key, delta) => map.add(key, delta),
    range: (visit) => map.range(visit),
    size: () => map.size,
  };
}

/** Attaches the map once for this thread and exposes the workload operations on it. */
export function open(config: ShardedMapAdapterConfig, _context?: TargetContext): ShardedMapTarget {
  return shardedMapTarget(ShardedMap.attach<number, number>(config.handle));
}
