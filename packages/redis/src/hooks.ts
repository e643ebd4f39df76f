/**
 * Test hooks, set through the `@shardmap/redis/testing` entry and read by near-cache.ts. Empty in
 * production: a WeakMap lookup per miss.
 */

/** Runs after a miss's GET reply arrived and before it is settled: a delayed reply, on demand. */
export const afterGetHooks = new WeakMap<object, (key: string) => Promise<void> | void>();

/** Runs after the tracking connection applied an invalidation (null: a flush), by coherence block. */
export const invalidateHooks = new WeakMap<SharedArrayBuffer, (key: string | null) => void>();
