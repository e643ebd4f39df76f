/** One single-thread case in a fresh worker (suite.ts runSingleSuite): runs it, posts the outcome. */
import { parentPort, workerData } from 'node:worker_threads';
import { runCaseHere, type SingleCase } from './suite.js';

parentPort!.postMessage(runCaseHere(workerData as SingleCase));
