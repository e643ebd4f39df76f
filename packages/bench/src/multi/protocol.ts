/**
 * Messages between the harness (main thread) and its workers, and the run barrier.
 *
 * Barrier (one Int32Array over a fresh SharedArrayBuffer per run):
 *   [ARRIVED] each worker adds 1 (Atomics) once prepared, then notifies; the main thread waits
 *             for it to reach the thread count.
 *   [GO]      0 until the main thread stores 1 (start) or -1 (abort: a peer failed while
 *             preparing) and notifies every waiter. Workers wait on it with Atomics.wait.
 */
import type { Suite, SuiteSettings, ThreadOutcome } from './workloads/types.js';

export const ARRIVED = 0;
export const GO = 1;
export const BARRIER_INTS = 2;
export const GO_START = 1;
export const GO_ABORT = -1;

export interface RunRequest {
  readonly type: 'run';
  readonly targetModuleUrl: string;
  readonly handle: unknown;
  readonly suite: Suite;
  readonly workload: string;
  readonly threadIndex: number;
  readonly threads: number;
  readonly totalOps: number;
  readonly seed: number;
  readonly settings: SuiteSettings;
  readonly barrier: SharedArrayBuffer;
  /** First run of a cell: collect garbage first (util/gc.ts). */
  readonly collectFirst: boolean;
}

export type WorkerReply =
  | {
      readonly type: 'done';
      /** Epoch milliseconds (performance.timeOrigin + now()) when the timed part began/ended. */
      readonly startedAt: number;
      readonly endedAt: number;
      /** CPU milliseconds this thread used during the timed part (undefined off Linux). */
      readonly cpuMs: number | undefined;
      readonly outcome: ThreadOutcome;
    }
  | { readonly type: 'aborted' }
  | { readonly type: 'error'; readonly message: string; readonly stack?: string };
