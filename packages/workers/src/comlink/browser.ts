/**
 * `@shardmap/workers/browser`: the comlink helpers without anything Node-only, for pages and
 * Web Workers. Bundle it (or map `comlink` and `@shardmap/core` in an import map) like any ESM.
 */
export { exposeMapWorker, createMapWorkerApi } from './map-worker.js';
export type {
  AttachReport,
  BoundMapFunction,
  BoundMapFunctions,
  MapFunction,
  MapFunctions,
  MapWorkerApi,
  MapWorkerControls,
} from './map-worker.js';
export { shareMap, startMapWorkers, wrapMapWorker } from './map-client.js';
export type { MapWorker, MapWorkerEndpoint, MapWorkerGroup } from './map-client.js';
export { fillValue, standardMapFunctions } from './map-functions.js';
export type { StandardMapFunctions } from './map-functions.js';
