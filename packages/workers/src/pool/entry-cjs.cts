/**
 * The file piscina loads in every pool thread (its `filename`): a CommonJS door to the ESM entry
 * (entry.ts). piscina first require()s its filename, and on Node 20 require() of an ES module
 * (require(esm)) sometimes aborts the whole process on an internal assertion
 * (CreateRequiredModuleFacade). A CommonJS file is required the plain way; the entry is imported
 * at once, so its top-level attach still runs as the thread starts, and every task awaits it.
 */
import type { TaskEnvelope } from './protocol.js';

const entry = import('./entry.js');

async function runTask(envelope: TaskEnvelope): Promise<unknown> {
  return (await entry).default(envelope);
}

export = runTask;
