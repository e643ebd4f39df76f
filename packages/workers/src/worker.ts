import { threadId } from 'node:worker_threads';
import { registerThreadToken } from './pool/recovery.js';
/**
 * Worker-side half of `createMapPool`: the maps a pool attached in this thread.
 *
 * Import it from task modules as `@shardmap/workers/worker`. Each pool thread attaches every map
 * exactly once, when the thread starts (see `pool/entry.ts`); `mapsInWorker()` only returns those
 * instances, so calling it per task costs a property read.
 *
 * The attached maps live on `globalThis` under a registered symbol rather than in a module
 * variable: if a task module resolves this file through another path (a second copy of the
 * package, a symlink not followed), it still sees the same instances instead of attaching again.
 */
import { workerData } from 'node:worker_threads';
import { ShardedCache, ShardedMap } from '@shardmap/core';
import { attachFailed, notInPool } from './errors.js';
import { ATTACHED_MAPS, POOL_WORKER_DATA, type PoolWorkerData } from './pool/protocol.js';

/** The maps (and caches) of a pool, by the names given to `createMapPool({ maps })`. */
export type MapRecord = { readonly [name: string]: ShardedMap<unknown, unknown> | ShardedCache<unknown, unknown> };

/** What this thread's attach step produced: the maps, or the error to report on every task. */
type AttachState = { readonly maps: MapRecord } | { readonly error: Error };

type GlobalWithMaps = typeof globalThis & { [ATTACHED_MAPS]?: AttachState };

/** The pool settings in this thread's `workerData`, or undefined outside a pool thread. */
export function poolWorkerData(): PoolWorkerData | undefined {
  if (typeof workerData !== 'object' || workerData === null) return undefined;
  const data = (workerData as Record<string, unknown>)[POOL_WORKER_DATA];
  return data === undefined ? undefined : (data as PoolWorkerData);
}

/**
 * Attaches every map named in `workerData` — once per thread; later calls return the same state.
 * A failure is kept, not thrown, so the thread stays alive and each task reports it clearly
 * (a thread dying at startup would just be respawned by the fixed pool, forever).
 */
export function attachPoolMapsOnce(): AttachState {
  const global = globalThis as GlobalWithMaps;
  const existing = global[ATTACHED_MAPS];
  if (existing !== undefined) return existing;
  const data = poolWorkerData();
  if (data === undefined) throw notInPool();
  // Publish this thread's token before attaching: from then on its locks are recoverable.
  if (data.tokens instanceof Int32Array) registerThreadToken(data.tokens, threadId);
  const state = attachAll(data.maps);
  global[ATTACHED_MAPS] = state;
  return state;
}

function attachAll(handles: PoolWorkerData['maps']): AttachState {
  const maps: Record<string, ShardedMap<unknown, unknown> | ShardedCache<unknown, unknown>> = {};
  for (const [name, handle] of Object.entries(handles)) {
    try {
      maps[name] = handle.kind === 'shardmap-cache' ? ShardedCache.attach(handle) : ShardedMap.attach(handle);
    } catch (cause) {
      return { error: attachFailed(name, cause) };
    }
  }
  return { maps: Object.freeze(maps) };
}

/**
 * The maps this pool thread attached at startup, by name. Same instances on every call.
 *
 * @typeParam M - the shape you gave `createMapPool({ maps })`, e.g.
 *   `mapsInWorker<{ users: ShardedMap<string, User> }>()`. Not checked at run time.
 * @throws `ERR_SHARDMAP_WORKERS_NOT_IN_POOL` outside a pool thread;
 *   `ERR_SHARDMAP_WORKERS_ATTACH` if a map could not be attached.
 */
export function mapsInWorker<M extends MapRecord = MapRecord>(): M {
  const state = attachPoolMapsOnce();
  if ('error' in state) throw state.error;
  return state.maps as M;
}
