/**
 * The module every pool thread runs, imported when the thread starts by piscina's `filename`,
 * entry-cjs.cts (a CommonJS door: see why there). Built to `dist/pool/entry.js`:
 * code in worker threads is never transpiled on the fly.
 *
 * The door imports this module when a thread starts, and every task awaits it, so the
 * top-level `attachPoolMapsOnce()` below is the one and only attach of each map in this thread.
 * Every task then arrives as a `TaskEnvelope` and is routed to the user's module, which is called
 * as `handler(task, maps)`.
 */
import { noHandler } from '../errors.js';
import { encodeError } from '../remote-error.js';
import { attachPoolMapsOnce, poolWorkerData, type MapRecord } from '../worker.js';
import type { TaskEnvelope } from './protocol.js';

type TaskModule = Record<string, unknown>;

// Attach at thread startup, not per task. A failure is kept and reported by each task.
const attached = attachPoolMapsOnce();
const settings = poolWorkerData();

/** Task modules by URL; a module is imported once per thread, like piscina's own cache. */
const modules = new Map<string, Promise<TaskModule>>();

function loadTaskModule(url: string): Promise<TaskModule> {
  let loading = modules.get(url);
  if (loading === undefined) {
    loading = import(url) as Promise<TaskModule>;
    modules.set(url, loading);
  }
  return loading;
}

// Start importing the default task module now, so the first task does not pay for it;
// an import error surfaces on that first task, not as an unhandled rejection here.
if (settings?.filename != null && !('error' in attached)) {
  loadTaskModule(settings.filename).catch(() => undefined);
}

/**
 * Runs one task: the user's export, called with the task and this thread's attached maps. An error
 * it throws goes back encoded (remote-error.ts), so the pool rethrows it with its code and class:
 * piscina's reply is structured-cloned, which drops `code`.
 */
export default async function runTask(envelope: TaskEnvelope): Promise<unknown> {
  try {
    return await route(envelope);
  } catch (error) {
    throw encodeError(error);
  }
}

async function route(envelope: TaskEnvelope): Promise<unknown> {
  if ('error' in attached) throw attached.error;
  const filename = envelope.filename ?? settings?.filename ?? null;
  const name = envelope.name ?? settings?.name ?? 'default';
  if (filename === null) throw noHandler('(none: give createMapPool or run() a filename)', name);
  const handler = (await loadTaskModule(filename))[name];
  if (typeof handler !== 'function') throw noHandler(filename, name);
  return (handler as (task: unknown, maps: MapRecord) => unknown)(envelope.task, attached.maps);
}
