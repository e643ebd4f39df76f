/**
 * The worker side of the comlink helpers: a worker exposes a set of functions over one
 * `ShardedMap`; the page (or a Node parent) attaches the map once and then calls them.
 *
 * Protocol, all plain comlink calls:
 *   1. the page calls `attachMap(map.handle)`. The handle is structured-cloned, which shares its
 *      shared memory (both threads now see the same memory); it is never transferred, so the
 *      page keeps using its map. The worker runs `ShardedMap.attach(handle)`.
 *   2. the page calls any exposed function by name; the worker runs it with its attached map as
 *      the first argument. Arguments and results are structured-cloned.
 *
 * A worker serves one map at a time; attaching again replaces it.
 */
import { expose, type Endpoint } from 'comlink';
import { ShardedMap, type ShardedMapHandle } from '@shardmap/core';
import { preserveErrorsOverComlink } from './errors.js';

/** A function a worker offers: gets the attached map first, then the caller's arguments. */
export type MapFunction<K = unknown, V = unknown> = (map: ShardedMap<K, V>, ...args: never[]) => unknown;

/** The functions a worker script offers, by name. */
export type MapFunctions<K = unknown, V = unknown> = Record<string, MapFunction<K, V>>;

/** A `MapFunction` as the caller sees it: the map argument is supplied by the worker. */
export type BoundMapFunction<F> = F extends (map: never, ...args: infer A) => infer R ? (...args: A) => R : never;

/** What `attachMap` answers, so the page can check the worker sees the same map. */
export interface AttachReport {
  /** `size` of the map as the worker sees it right after attaching. */
  readonly size: number;
  /** `stats().bytesReserved` as the worker sees it: the same buffer gives the same number. */
  readonly bytesReserved: number;
}

/** The calls every map worker answers, whatever functions it offers. */
export interface MapWorkerControls {
  /** Attaches the map whose `handle` is given (shared, not transferred). Replaces any earlier one. */
  attachMap(handle: ShardedMapHandle): AttachReport;
  /** Forgets the attached map; calls after this fail until the next `attachMap`. */
  detachMap(): void;
}

/** A worker's own functions as callers see them: same names, map argument bound. */
export type BoundMapFunctions<F> = {
  readonly [N in keyof F]: BoundMapFunction<F[N]>;
};

/** Everything a map worker exposes: the controls plus its own functions with the map bound. */
export type MapWorkerApi<F> = MapWorkerControls & BoundMapFunctions<F>;

const CONTROL_NAMES: ReadonlySet<string> = new Set<keyof MapWorkerControls>(['attachMap', 'detachMap']);

/**
 * Exposes `functions` over `endpoint` with comlink. In a Web Worker the endpoint defaults to the
 * worker's global scope; in a Node worker pass `nodeEndpoint(parentPort)`. Errors the functions
 * throw reach the caller with their `code` and class (see `./errors.ts`).
 */
export function exposeMapWorker<K = unknown, V = unknown>(
  functions: MapFunctions<K, V>,
  endpoint: Endpoint = defaultWorkerEndpoint(),
): void {
  for (const name of Object.keys(functions)) {
    if (CONTROL_NAMES.has(name)) {
      throw new Error(`exposeMapWorker: "${name}" is reserved for the map worker's own controls`);
    }
  }
  preserveErrorsOverComlink();
  expose(createMapWorkerApi(functions), endpoint);
}

/** Builds the object `exposeMapWorker` exposes; exported for tests that call it without a thread. */
export function createMapWorkerApi<K, V>(functions: MapFunctions<K, V>): Record<string, (...args: never[]) => unknown> {
  let map: ShardedMap<K, V> | undefined;
  const requireMap = (name: string): ShardedMap<K, V> => {
    if (map === undefined) throw new Error(`map worker: "${name}" was called before attachMap(handle)`);
    return map;
  };
  const api: Record<string, (...args: never[]) => unknown> = {
    attachMap(handle: ShardedMapHandle): AttachReport {
      map = ShardedMap.attach<K, V>(handle);
      return { size: map.size, bytesReserved: map.stats().bytesReserved };
    },
    detachMap(): void {
      map = undefined;
    },
  };
  for (const [name, fn] of Object.entries(functions)) {
    api[name] = (...args: never[]) => fn(requireMap(name), ...args);
  }
  return api;
}

/** A Web Worker's global scope is its endpoint; anything else must be passed explicitly. */
function defaultWorkerEndpoint(): Endpoint {
  const scope = globalThis as Partial<Endpoint>;
  if (typeof scope.postMessage !== 'function' || typeof scope.addEventListener !== 'function') {
    throw new Error(
      'exposeMapWorker: no endpoint given and this is not a Web Worker; in a Node worker pass nodeEndpoint(parentPort)',
    );
  }
  return scope as Endpoint;
}
