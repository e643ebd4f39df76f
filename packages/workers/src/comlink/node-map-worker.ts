/**
 * A ready-made `worker_threads` script that exposes `standardMapFunctions` over comlink:
 *
 *     const worker = new Worker(new URL(import.meta.resolve('@shardmap/workers/node-map-worker')));
 *     const api = wrapMapWorker<StandardMapFunctions>(nodeEndpoint(worker));
 *     await api.attachMap(map.handle);
 */
import { parentPort } from 'node:worker_threads';
import { exposeMapWorker } from './map-worker.js';
import { standardMapFunctions } from './map-functions.js';
import { nodeEndpoint } from './node-endpoint.js';

if (parentPort === null) throw new Error('node-map-worker must be started as a worker thread');
exposeMapWorker(standardMapFunctions, nodeEndpoint(parentPort));
