// Public surface of @shardmap/workers: the map pool and the comlink helpers. (The concurrent
// workload harness behind `pnpm start` is the private @shardmap/harness.) Worker-side helpers
// (`mapsInWorker`) live in the `@shardmap/workers/worker` entry: importing them here would pull
// worker-only code into the main thread.
export { createMapPool } from './pool/create.js';
export type { MapPool, MapPoolOptions, MapPoolRunOptions } from './pool/create.js';
export type { MapRecord } from './worker.js';

export type { WorkersError, WorkersErrorCode } from './errors.js';

// comlink helpers: a page or parent thread hands a map to workers and calls their functions.
// The same set without Node-only code is the `@shardmap/workers/browser` entry.
export {
  MIXED_COUNTER_KEY,
  MixedWorkload,
  createMapWorkerApi,
  defaultProgressKey,
  exposeMapWorker,
  fillValue,
  mixedKey,
  nodeEndpoint,
  runMixedWorkload,
  shareMap,
  standardMapFunctions,
  startMapWorkers,
  wrapMapWorker,
} from './comlink/index.js';
export type {
  AttachReport,
  BoundMapFunction,
  BoundMapFunctions,
  MapFunction,
  MapFunctions,
  MapWorker,
  MapWorkerApi,
  MapWorkerControls,
  MapWorkerEndpoint,
  MapWorkerGroup,
  MixedWorkloadOptions,
  MixedWorkloadReport,
  NodeEndpoint,
  NodeMessagePort,
  RunMixedWorkloadOptions,
  StandardMapFunctions,
} from './comlink/index.js';
