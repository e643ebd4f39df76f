/**
 * Entry point of a Node workload thread (dist/node/thread.js; `runWorkload` starts one per
 * thread): the thread's whole life is `runThread` (thread-loop.ts); this file only reads its
 * `workerData` and posts the report back.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { ThreadData } from '../report.js';
import { runThread } from '../thread-loop.js';

parentPort!.postMessage(await runThread(workerData as ThreadData));
