/**
 * The map mode the cross-thread core tests run in. The `node-syncmap` vitest project reruns
 * tests/core-*.test.ts with SHARDMAP_TEST_MODE=syncmap, so every multi-worker invariant is
 * checked against both modes without copying the tests.
 */
import { ShardedMap, type ShardedMapOptions } from '@shardmap/core';

const requested = process.env.SHARDMAP_TEST_MODE ?? 'striped';
if (requested !== 'striped' && requested !== 'syncmap') throw new Error(`SHARDMAP_TEST_MODE must be striped or syncmap, got ${requested}`);
export const TEST_MODE: 'striped' | 'syncmap' = requested;

/** ShardedMap.create in this run's mode. */
export function createTestMap<K = unknown, V = unknown>(options: ShardedMapOptions = {}): ShardedMap<K, V> {
  return ShardedMap.create<K, V>({ mode: TEST_MODE, ...options });
}
