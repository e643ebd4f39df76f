/**
 * Every error `@shardmap/workers` throws on purpose, as factories with a Node-style `.code`.
 * Keeping them in one place keeps the messages consistent and greppable.
 */

/** Error codes thrown by `@shardmap/workers`. */
export type WorkersErrorCode =
  | 'ERR_SHARDMAP_WORKERS_OPTION'
  | 'ERR_SHARDMAP_WORKERS_NOT_IN_POOL'
  | 'ERR_SHARDMAP_WORKERS_ATTACH'
  | 'ERR_SHARDMAP_WORKERS_NO_HANDLER'
  | 'ERR_SHARDMAP_WORKERS_CLOSED';

/** An `Error` (or subclass) carrying one of the codes above. */
export type WorkersError<E extends Error = Error> = E & { code: WorkersErrorCode };

function withCode<E extends Error>(error: E, code: WorkersErrorCode): WorkersError<E> {
  return Object.assign(error, { code });
}

/** An option has the wrong type or value; the message names the option. */
export function invalidOption(option: string, problem: string): WorkersError<TypeError> {
  return withCode(new TypeError(`option "${option}" ${problem}`), 'ERR_SHARDMAP_WORKERS_OPTION');
}

/** `mapsInWorker()` was called outside a thread started by `createMapPool`. */
export function notInPool(): WorkersError {
  return withCode(
    new Error('mapsInWorker() must be called in a worker thread started by createMapPool()'),
    'ERR_SHARDMAP_WORKERS_NOT_IN_POOL',
  );
}

/** A worker could not attach one of the pool's maps. */
export function attachFailed(name: string, cause: unknown): WorkersError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return withCode(
    new Error(`worker could not attach map "${name}": ${reason}`, { cause }),
    'ERR_SHARDMAP_WORKERS_ATTACH',
  );
}

/** The task module has no function under the requested export name. */
export function noHandler(filename: string, name: string): WorkersError<TypeError> {
  return withCode(
    new TypeError(`task module ${filename} has no exported function "${name}"`),
    'ERR_SHARDMAP_WORKERS_NO_HANDLER',
  );
}

/** `run()` was called on a pool that is closing or closed. */
export function poolClosed(): WorkersError {
  return withCode(new Error('the map pool is closed'), 'ERR_SHARDMAP_WORKERS_CLOSED');
}
