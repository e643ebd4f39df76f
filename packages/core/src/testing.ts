/**
 * Test-only entry points (`@shardmap/core/testing`). Not part of the public contract.
 */
import { ShardedMap, createMap } from './map.js';
import type { ShardedMapOptions } from './buffer.js';
import { setCanWait } from './lock.js';

/**
 * A map whose every key hash is ANDed with `hashMask` (0: every key collides; 0xF: Go's
 * TruncHash). The mask is stored in the buffer, so maps attached in other threads share it.
 */
export function createWithHashMask<K = unknown, V = unknown>(options: ShardedMapOptions | undefined, hashMask: number): ShardedMap<K, V> {
  return createMap<K, V>(options, hashMask);
}

/** Makes this thread's locks spin instead of sleeping in Atomics.wait (as on a browser main thread). */
export const setLocksMaySleep = setCanWait;
