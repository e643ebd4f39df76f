/**
 * This thread's depth of user code running under a shard lock (lock.ts invariants 6 and 7): an
 * update() callback, the getters of a value it returns, the getters of an object a compare path
 * compares. While it is above 0, every write entry of every shardmap structure throws
 * ERR_SHARDMAP_REENTRANT: a writer waits for a lock's holder, so a callback that could write could
 * wait for another thread's callback that waits for it (the two-map deadlock). Reads stay allowed:
 * they never wait for a HELD lock.
 *
 * The counter lives on globalThis under a registered symbol, so two copies of this module in one
 * thread (the bundle and the modules, two package versions) share it. Written and read by this
 * thread only: a plain object property, no Atomics.
 */
interface Depth {
  n: number;
}

const KEY = Symbol.for('shardmap.userCodeDepth');
const slot = globalThis as unknown as Record<symbol, Depth | undefined>;

/** `userCode.n`: how deep this thread is in user code run under a shard lock (0: not). */
export const userCode: Depth = (slot[KEY] ??= { n: 0 });
