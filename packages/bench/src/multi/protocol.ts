/**
 * Messages between the bench's pool (main thread) and its workers. The start barrier is the
 * harness's control block (@shardmap/harness `createControl`, one per run): each worker arrives at
 * `START_PHASE` once prepared and the last one in releases them all; the main thread aborts it
 * (`abortRun`) when a worker fails while preparing.
 */
import type { Suite, SuiteSettings, ThreadOutcome } from './workloads/types.js';

/** How long a prepared worker waits at the start barrier for the others. */
export const BARRIER_TIMEOUT_MS = 120_000;

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
  /** The run's control block (createControl(threads)). */
  readonly control: Int32Array;
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

/**
 * The one barrier phase of a bench run. The control block counts arrivals cumulatively (phase p
 * is complete at threads × p arrivals), so a single barrier is phase 1.
 */
export const START_PHASE = 1;
