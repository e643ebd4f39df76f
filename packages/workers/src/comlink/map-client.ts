/**
 * The page side of the comlink helpers: wrap workers that called `exposeMapWorker`, hand them a
 * map, call their functions.
 *
 *     const map = ShardedMap.create();
 *     const group = await startMapWorkers<typeof functions>(map, 4,
 *       () => new Worker(new URL('./worker.js', import.meta.url), { type: 'module' }));
 *     await Promise.all(group.workers.map((w) => w.addRepeatedly('hits', 1, 1000)));
 *     map.get('hits'); // 4000
 *
 * The map's handle travels as an ordinary comlink argument. Structured clone shares a
 * shared WebAssembly.Memory instead of copying it, and nothing here marks it for transfer, so the page and
 * every worker keep working on the same memory. (Shared memory cannot be transferred at all:
 * putting one in a transfer list throws `DataCloneError`.)
 */
import { releaseProxy, wrap, type Endpoint, type Remote } from 'comlink';
import type { ShardedMap } from '@shardmap/core';
import { preserveErrorsOverComlink } from './errors.js';
import { ASYNC_DISPOSE } from '../dispose.js';
import type { AttachReport, BoundMapFunctions, MapWorkerApi, MapWorkerControls } from './map-worker.js';

/**
 * A worker that called `exposeMapWorker(functions)`, seen from the page: every call is async.
 * Spelled as two `Remote`s so the controls stay callable where `F` is still generic.
 */
export type MapWorker<F> = Remote<MapWorkerControls> & Remote<BoundMapFunctions<F>>;

/** A browser `Worker`, or `nodeEndpoint(new Worker(…))` in Node: something to talk to and to end. */
export interface MapWorkerEndpoint extends Endpoint {
  terminate?(): unknown;
}

/**
 * Wraps one endpoint. `F` is the type of the functions object the worker exposes. A function that
 * throws in the worker rejects here with the error's class, `name`, `message` and `code`.
 */
export function wrapMapWorker<F>(endpoint: Endpoint): MapWorker<F> {
  preserveErrorsOverComlink();
  return wrap<MapWorkerApi<F>>(endpoint) as MapWorker<F>;
}

/** Attaches `map` in every worker; resolves when all of them have it. */
export async function shareMap<K, V, F>(
  map: ShardedMap<K, V>,
  workers: Iterable<MapWorker<F>>,
): Promise<AttachReport[]> {
  const handle = map.handle;
  return Promise.all(Array.from(workers, (worker) => worker.attachMap(handle)));
}

/** Workers started by `startMapWorkers`, all attached to one map. */
export interface MapWorkerGroup<F> {
  readonly workers: readonly MapWorker<F>[];
  /** What each worker saw when it attached, in worker order. */
  readonly attachReports: readonly AttachReport[];
  /** Releases the comlink proxies and terminates the threads. The map itself lives on. */
  close(): Promise<void>;
  /** `await using group = await startMapWorkers(...)`: close() at the end of the scope. */
  [ASYNC_DISPOSE](): Promise<void>;
}

/**
 * Starts `count` workers with `createWorker(index)`, wraps them and attaches `map` in each.
 * If attaching fails anywhere, every worker started here is terminated before the error propagates.
 */
export async function startMapWorkers<F, K = unknown, V = unknown>(
  map: ShardedMap<K, V>,
  count: number,
  createWorker: (index: number) => MapWorkerEndpoint,
): Promise<MapWorkerGroup<F>> {
  if (!Number.isInteger(count) || count < 1) {
    throw new RangeError(`startMapWorkers: count must be a positive integer, got ${String(count)}`);
  }
  const endpoints: MapWorkerEndpoint[] = [];
  const workers: MapWorker<F>[] = [];
  let closing: Promise<void> | undefined;
  // Idempotent: a released comlink proxy throws on every use, including a second release.
  const close = (): Promise<void> => {
    closing ??= (async () => {
      for (const worker of workers) worker[releaseProxy]();
      await Promise.all(endpoints.map((endpoint) => endpoint.terminate?.()));
    })();
    return closing;
  };
  try {
    for (let index = 0; index < count; index++) {
      const endpoint = createWorker(index);
      endpoints.push(endpoint);
      workers.push(wrapMapWorker<F>(endpoint));
    }
    const attachReports = await shareMap(map, workers);
    return { workers, attachReports, close, [ASYNC_DISPOSE]: close };
  } catch (error) {
    await close();
    throw error;
  }
}
