/**
 * `@shardmap/workers/comlink`: the comlink helpers for Node, the browser set plus the
 * `worker_threads` endpoint. Needs `comlink` (an optional peer dependency) installed.
 */
export * from './browser.js';
export { nodeEndpoint } from './node-endpoint.js';
export type { EndpointListener, NodeEndpoint, NodeMessagePort } from './node-endpoint.js';
