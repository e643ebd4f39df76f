/** The comlink helpers for Node: the browser set plus the `worker_threads` endpoint. */
export * from './browser.js';
export { nodeEndpoint } from './node-endpoint.js';
export type { NodeEndpoint, NodeMessagePort } from './node-endpoint.js';
