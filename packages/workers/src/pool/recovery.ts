/**
 * Lock recovery for pool threads. Aborting a running piscina task terminates its thread — possibly
 * while it holds a shard lock or is half-way through a write. Every pool thread records, at
 * startup, its `threadId` next to its shardmap `threadToken()` in a small shared table; when
 * piscina reports a thread destroyed, the pool looks up its token and calls
 * `ShardedMap.recoverThread(handle, token)` for every map (`ShardedCache.recoverThread` for a
 * cache, which also frees the lanes of loads the thread was running, so their waiters load): locks
 * the thread held are taken over, its in-flight write is rolled back, and the other threads carry on.
 *
 * Table layout (Int32Array over a SharedArrayBuffer): word 0 counts registrations; entry i sits
 * at words 1 + 2i (threadId) and 2 + 2i (token). Entries wrap around after TOKEN_ENTRIES
 * registrations: by then the threads they describe are long gone (the pool is fixed-size).
 */
import { ShardedCache, ShardedMap, threadToken, type ShardedCacheHandle, type ShardedMapHandle } from '@shardmap/core';

export const TOKEN_ENTRIES = 256;

export function createTokenTable(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(4 * (1 + 2 * TOKEN_ENTRIES)));
}

/** In a pool thread: publish this thread's token under its threadId. */
export function registerThreadToken(table: Int32Array, threadId: number): void {
  const entry = Atomics.add(table, 0, 1) % TOKEN_ENTRIES;
  Atomics.store(table, 2 + 2 * entry, threadToken()); // the token first: a reader matches the id last
  Atomics.store(table, 1 + 2 * entry, threadId);
}

export function tokenOf(table: Int32Array, threadId: number): number | undefined {
  for (let entry = TOKEN_ENTRIES - 1; entry >= 0; entry--) {
    if (Atomics.load(table, 1 + 2 * entry) === threadId) return Atomics.load(table, 2 + 2 * entry);
  }
  return undefined;
}

export interface ThreadRecovery {
  threadId: number;
  shardsRecovered: number;
  heapRecovered: boolean;
}

/** In the main thread, once a pool thread is gone: recover every map from whatever it held. */
export function recoverPoolThread(table: Int32Array, threadId: number, handles: readonly (ShardedMapHandle | ShardedCacheHandle)[]): ThreadRecovery {
  const recovery: ThreadRecovery = { threadId, shardsRecovered: 0, heapRecovered: false };
  const token = tokenOf(table, threadId);
  if (token === undefined) return recovery; // it died before attaching anything
  for (const handle of handles) {
    const report = handle.kind === 'shardmap-cache' ? ShardedCache.recoverThread(handle, token) : ShardedMap.recoverThread(handle, token);
    recovery.shardsRecovered += report.shardsRecovered;
    recovery.heapRecovered ||= report.heapRecovered;
  }
  return recovery;
}
