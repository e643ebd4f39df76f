/**
 * Test-only entry points (`@shardmap/redis/testing`). Not part of the public contract.
 */
import { afterGetHooks, invalidateHooks } from './hooks.js';
import type { NearCache } from './near-cache.js';

/**
 * Makes `cache`'s misses run `hook(key)` after their GET reply arrived and before it is settled
 * (coherence.ts invariant 3): the reply of a GET that Redis ran before a write can be held back
 * until the write's invalidation has been applied. `undefined` removes the hook.
 */
export function setAfterGetHook(cache: NearCache<unknown>, hook: ((key: string) => Promise<void> | void) | undefined): void {
  if (hook === undefined) afterGetHooks.delete(cache);
  else afterGetHooks.set(cache, hook);
}

/**
 * Calls `hook(key)` (null for a flush) on the creating thread each time the host's tracking
 * connection has applied an invalidation: tests count them to know a write has reached a host.
 */
export function setInvalidateHook(cache: NearCache<unknown>, hook: ((key: string | null) => void) | undefined): void {
  if (hook === undefined) invalidateHooks.delete(cache.handle.coherence);
  else invalidateHooks.set(cache.handle.coherence, hook);
}
