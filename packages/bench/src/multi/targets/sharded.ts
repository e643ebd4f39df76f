/**
 * ShardedMap as a benchmark target, in every configuration the report compares:
 * the default (striped, shard count from the machine), `{ shards: 1 }` (one lock: the
 * RWMutexMap analog) and `{ mode: 'syncmap' }` (the sync.Map analog). Registry params are passed
 * to `ShardedMap.create` unchanged, so a new configuration is one registry line.
 */
import { ShardedMap, type ShardedMapHandle, type ShardedMapOptions } from '@shardmap/core';
import type { MapTarget, TargetCreateOptions, TargetHost } from '../target.js';

// bustle's update writes "the same default value"; one shared callback keeps the hot loop free
// of per-call closures.
const bumpIfPresent = (current: number | undefined): number | undefined =>
  current === undefined ? undefined : current + 1;

class ShardedTarget implements MapTarget {
  readonly deferredResults = false;
  constructor(private readonly map: ShardedMap<number, number>) {}

  get(key: number): unknown {
    return this.map.get(key);
  }
  set(key: number, value: number): void {
    this.map.set(key, value);
  }
  insert(key: number, value: number): boolean {
    return !this.map.swap(key, value).loaded;
  }
  updateIfPresent(key: number, _value: number): boolean {
    return this.map.update(key, bumpIfPresent) !== undefined;
  }
  delete(key: number): boolean {
    return this.map.delete(key);
  }
  loadOrStore(key: number, value: number): boolean {
    return this.map.loadOrStore(key, value).loaded;
  }
  loadAndDelete(key: number): boolean {
    return this.map.loadAndDelete(key).loaded;
  }
  swap(key: number, value: number): boolean {
    return this.map.swap(key, value).loaded;
  }
  compareAndSwap(key: number, expected: number, replacement: number): boolean {
    return this.map.compareAndSwap(key, expected, replacement);
  }
  compareAndDelete(key: number, expected: number): boolean {
    return this.map.compareAndDelete(key, expected);
  }
  rangeAll(): number {
    let visited = 0;
    this.map.range(() => {
      visited++;
    });
    return visited;
  }
  rangeDeleteFirst(): void {
    // The contract lets range callbacks call any method, exactly like Go's Range.
    const map = this.map;
    map.range((key) => {
      map.delete(key);
      return false;
    });
  }
  clear(): void {
    this.map.clear();
  }
  size(): number {
    return this.map.size;
  }
  bulkInsert(keys: Float64Array, from: number, to: number, value: number): void {
    for (let i = from; i < to; i++) this.map.set(keys[i]!, value);
  }
  flush(): void {}
  close(): void {}
}

export async function create(options: TargetCreateOptions): Promise<TargetHost> {
  const mapOptions: ShardedMapOptions = { ...(options.params as ShardedMapOptions) };
  if (options.capacityHint !== undefined) mapOptions.capacity = options.capacityHint;
  const map = ShardedMap.create(mapOptions) as ShardedMap<number, number>; // codecs chosen at run time
  return {
    attachInfo: () => ({ handle: map.handle }),
    size: async () => map.size,
    close: async () => {},
  };
}

export async function attach(handle: unknown): Promise<MapTarget> {
  return new ShardedTarget(ShardedMap.attach<number, number>(handle as ShardedMapHandle));
}
