/**
 * Every error `@shardmap/workers` throws on purpose, as factories with a Node-style `.code`.
 * Keeping them in one place keeps the messages consistent and greppable.
 */
import type { WorkloadResult } from './workload/runner.js';

/** Error codes thrown by `@shardmap/workers`. */
export type WorkersErrorCode =
  | 'ERR_SHARDMAP_WORKERS_OPTION'
  | 'ERR_SHARDMAP_WORKERS_NOT_IN_POOL'
  | 'ERR_SHARDMAP_WORKERS_ATTACH'
  | 'ERR_SHARDMAP_WORKERS_NO_HANDLER'
  | 'ERR_SHARDMAP_WORKERS_CLOSED'
  | 'ERR_SHARDMAP_WORKERS_ADAPTER'
  | 'ERR_SHARDMAP_WORKERS_BARRIER'
  | 'ERR_SHARDMAP_WORKERS_WORKER_FAILED'
  | 'ERR_SHARDMAP_WORKERS_STALLED'
  | 'ERR_SHARDMAP_WORKERS_VERIFY';

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

/** A workload adapter module is missing `open()` or an operation the mix needs. */
export function badAdapter(adapter: string, problem: string): WorkersError<TypeError> {
  return withCode(new TypeError(`workload adapter ${adapter}: ${problem}`), 'ERR_SHARDMAP_WORKERS_ADAPTER');
}

/** The start/finish barrier did not complete (a worker died or hung). */
export function barrierFailed(problem: string): WorkersError {
  return withCode(new Error(`workload barrier: ${problem}`), 'ERR_SHARDMAP_WORKERS_BARRIER');
}

/** A workload worker threw or exited before reporting. */
export function workerFailed(worker: number, cause: unknown): WorkersError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return withCode(
    new Error(`workload worker ${worker} failed: ${reason}`, { cause }),
    'ERR_SHARDMAP_WORKERS_WORKER_FAILED',
  );
}

/** Threads of a timed workload did not finish long after they were told to stop. */
export function runStalled(threads: readonly number[], graceMs: number): WorkersError {
  return withCode(
    new Error(`workload thread${threads.length > 1 ? 's' : ''} ${threads.join(', ')} did not finish within ${graceMs} ms ` +
      'of the stop request (a deadlock or a lost wake-up in the target?); all threads were terminated'),
    'ERR_SHARDMAP_WORKERS_STALLED',
  );
}

/**
 * A workload ran to the end but its results do not add up. Carries the whole result, so a caller
 * can still print the numbers; `message` lists every failed check.
 */
export class WorkloadVerificationError extends Error {
  readonly code = 'ERR_SHARDMAP_WORKERS_VERIFY' satisfies WorkersErrorCode;
  readonly result: WorkloadResult;

  constructor(result: WorkloadResult) {
    super(`workload verification failed:\n  ${result.verification.failures.join('\n  ')}`);
    this.name = 'WorkloadVerificationError';
    this.result = result;
  }
}
