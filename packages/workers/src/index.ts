// Public surface of @shardmap/workers. Worker-side helpers (`mapsInWorker`) live in the
// `@shardmap/workers/worker` entry: importing them here would pull worker-only code into the main thread.
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

export { runWorkload } from './workload/runner.js';
export type { ThreadResult, WorkloadResult } from './workload/runner.js';
export { planWorkload } from './workload/options.js';
export type { WorkloadOptions, WorkloadPlan, WorkloadProgress, WorkloadTarget } from './workload/options.js';
export { MIX_PRESETS, OP_NAMES, parseMix } from './workload/mix.js';
export type { MixPresetName, OpMix, OpName } from './workload/mix.js';
export type { AdapterContext, MaybePromise, WorkloadAdapterModule, WorkloadTargetOps } from './workload/adapter.js';
export type { LatencySummary } from './workload/latency.js';
export type { Verification, VerificationCheck } from './workload/verify.js';

export { WorkloadVerificationError } from './errors.js';
export type { WorkersError, WorkersErrorCode } from './errors.js';

// The comlink helpers need comlink, an optional peer dependency: they are the
// `@shardmap/workers/comlink` entry (Node) and `@shardmap/workers/browser` (pages, Web Workers).
// `nodeEndpoint` imports nothing of comlink's, so Node code can also take it from here.
export { nodeEndpoint } from './comlink/node-endpoint.js';
export type { EndpointListener, NodeEndpoint, NodeMessagePort } from './comlink/node-endpoint.js';
