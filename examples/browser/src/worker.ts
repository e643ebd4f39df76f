/**
 * The example's Web Worker: offers the standard map functions (get/set/add, fill, …) and the
 * harness's mixed workload over comlink. The page attaches its map here with `attachMap(map.handle)`.
 */
import type { ShardedMap } from '@shardmap/core';
import { runMixedWorkload } from '@shardmap/harness/mixed-workload';
import { exposeMapWorker, standardMapFunctions } from '@shardmap/workers/browser';

export const workerFunctions = {
  ...standardMapFunctions,
  runMixedWorkload,
  /** Whether this worker got SharedArrayBuffer too: it needs the headers on its own script. */
  crossOriginIsolated: (): boolean => globalThis.crossOriginIsolated,
  /** The shared buffer's committed size as this worker sees it: growth by any thread shows here. */
  bufferByteLength: (map: ShardedMap): number => map.handle.memory.buffer.byteLength,
};

export type WorkerFunctions = typeof workerFunctions;

exposeMapWorker(workerFunctions);
