/**
 * What the main thread and the pool's worker threads say to each other.
 *
 * `workerData` (sent once, when each thread starts):
 *   { [POOL_WORKER_DATA]: { maps: { name → ShardedMapHandle | ShardedCacheHandle }, filename, name } }
 *   The handles are plain structured-cloneable objects holding the shared WebAssembly.Memory;
 *   they are cloned into every worker (the memory itself is shared, never copied) and must never
 *   appear in a transferList: shared memory cannot be transferred (DataCloneError).
 *
 * Each task is wrapped in a `TaskEnvelope` so one built entry point (`pool/entry.js`) can route
 * it to the user's module and hand it the maps attached at startup.
 */
import type { ShardedCacheHandle, ShardedMapHandle } from '@shardmap/core';

/** Key under which the pool's settings sit in `workerData` (a string: workerData is cloned). */
export const POOL_WORKER_DATA = '@shardmap/workers:pool';

/** Key on `globalThis` holding the attached maps, shared by every copy of the worker module. */
export const ATTACHED_MAPS = Symbol.for('@shardmap/workers:attached-maps');

/** The pool's part of `workerData`. */
export interface PoolWorkerData {
  /** Map (or cache) name → handle, attached once per thread at startup (by the handle's kind). */
  readonly maps: Readonly<Record<string, ShardedMapHandle | ShardedCacheHandle>>;
  /** Default task module (file: URL), or null when every `run()` names its own. */
  readonly filename: string | null;
  /** Default export name called in the task module. */
  readonly name: string;
  /** Where each thread publishes its shardmap thread token (pool/recovery.ts). */
  readonly tokens: Int32Array;
}

/** One task as it crosses to a worker. */
export interface TaskEnvelope {
  /** Task module (file: URL); null means the pool's default. */
  readonly filename: string | null;
  /** Export name to call; null means the pool's default. */
  readonly name: string | null;
  /** The user's task, passed as the first argument. */
  readonly task: unknown;
}
