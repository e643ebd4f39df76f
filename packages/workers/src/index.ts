// Public surface of @shardmap/workers: the map pool and the comlink helpers. (The concurrent
// workload harness behind `pnpm start` is the private @shardmap/harness.) Worker-side helpers
// (`mapsInWorker`) live in the `@shardmap/workers/worker` entry: importing them here would pull
// worker-only code into the main thread.
export { createMapPool } from './pool/create.js';
export type {
  MapPool,
  MapPoolOptions,
  MapPoolPiscinaOptions,
  MapPoolRunOptions,
  MapPoolStats,
  PiscinaHistogramSummary,
  PiscinaOptions,
} from './pool/create.js';
export type { ThreadRecovery } from './pool/recovery.js';
export type { MapRecord } from './worker.js';

export type { WorkersError, WorkersErrorCode } from './errors.js';

// The comlink helpers need comlink, an optional peer dependency: they are the
// `@shardmap/workers/comlink` entry (Node) and `@shardmap/workers/browser` (pages, Web Workers).
// `nodeEndpoint` imports nothing of comlink's, so Node code can also take it from here.
export { nodeEndpoint } from './comlink/node-endpoint.js';
export type { EndpointListener, NodeEndpoint, NodeMessagePort } from './comlink/node-endpoint.js';
