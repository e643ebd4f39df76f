/**
 * Every error the workload harness throws on purpose, as factories with a Node-style `.code`.
 * Keeping them in one place keeps the messages consistent and greppable.
 */
import type { WorkloadResult } from './node/runner.js';

/** Error codes thrown by the harness. */
export type HarnessErrorCode =
  | 'ERR_SHARDMAP_HARNESS_OPTION'
  | 'ERR_SHARDMAP_HARNESS_TARGET'
  | 'ERR_SHARDMAP_HARNESS_BARRIER'
  | 'ERR_SHARDMAP_HARNESS_WORKER_FAILED'
  | 'ERR_SHARDMAP_HARNESS_STALLED'
  | 'ERR_SHARDMAP_HARNESS_VERIFY';

/** An `Error` (or subclass) carrying one of the codes above. */
export type HarnessError<E extends Error = Error> = E & { code: HarnessErrorCode };

function withCode<E extends Error>(error: E, code: HarnessErrorCode): HarnessError<E> {
  return Object.assign(error, { code });
}

/** An option has the wrong type or value; the message names the option. */
export function invalidOption(option: string, problem: string): HarnessError<TypeError> {
  return withCode(new TypeError(`option "${option}" ${problem}`), 'ERR_SHARDMAP_HARNESS_OPTION');
}

/** A target module is missing `open()`, or a target lacks an operation the workload needs. */
export function badTarget(adapter: string, problem: string): HarnessError<TypeError> {
  return withCode(new TypeError(`workload target ${adapter}: ${problem}`), 'ERR_SHARDMAP_HARNESS_TARGET');
}

/** The start/finish barrier did not complete (a worker died or hung). */
export function barrierFailed(problem: string): HarnessError {
  return withCode(new Error(`workload barrier: ${problem}`), 'ERR_SHARDMAP_HARNESS_BARRIER');
}

/** A workload worker threw or exited before reporting. */
export function workerFailed(worker: number, cause: unknown): HarnessError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return withCode(
    new Error(`workload worker ${worker} failed: ${reason}`, { cause }),
    'ERR_SHARDMAP_HARNESS_WORKER_FAILED',
  );
}

/** Threads of a timed workload did not finish long after they were told to stop. */
export function runStalled(threads: readonly number[], graceMs: number): HarnessError {
  return withCode(
    new Error(`workload thread${threads.length > 1 ? 's' : ''} ${threads.join(', ')} did not finish within ${graceMs} ms ` +
      'of the stop request (a deadlock or a lost wake-up in the target?); all threads were terminated'),
    'ERR_SHARDMAP_HARNESS_STALLED',
  );
}

/**
 * A workload ran to the end but its results do not add up. Carries the whole result, so a caller
 * can still print the numbers; `message` lists every failed check.
 */
export class WorkloadVerificationError extends Error {
  readonly code = 'ERR_SHARDMAP_HARNESS_VERIFY' satisfies HarnessErrorCode;
  readonly result: WorkloadResult;

  constructor(result: WorkloadResult) {
    super(`workload verification failed:\n  ${result.verification.failures.join('\n  ')}`);
    this.name = 'WorkloadVerificationError';
    this.result = result;
  }
}
