/**
 * The default workload adapter: a `ShardedMap` attached from its handle (`config = { handle }`).
 *
 * `set` goes through `swap` rather than `set` so the runner learns whether the key was new — the
 * size check needs it — at the cost of decoding the previous value on replace.
 */
import { ShardedMap, type ShardedMapHandle } from '@shardmap/core';
import type { MapTarget, TargetContext } from '../target.js';

/** The config this adapter expects. */
export interface ShardedMapAdapterConfig {
  readonly handle: ShardedMapHandle;
}

/** Attaches the map once for this thread and exposes the workload operations on it. */
export function open(config: ShardedMapAdapterConfig, _context?: TargetContext): MapTarget {
  const map = ShardedMap.attach<number, number>(config.handle);
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
