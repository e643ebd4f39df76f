/**
 * What each workload thread sends back when it is done (one structured-cloned message), and what
 * the main thread needs to start one. Plain data only.
 */
import type { WorkloadPlan } from './options.js';

/** `workerData` of a workload thread. */
export interface ThreadData {
  readonly plan: WorkloadPlan;
  readonly worker: number;
  readonly control: Int32Array;
  /** Adapter module as a `file:` URL. */
  readonly adapter: string;
  readonly config: unknown;
}

/** The state of the target after the run, read by thread 0 once every thread has finished. */
export interface FinalState {
  /** `size()` between the prefill and the start barrier. */
  sizeAfterPrefill?: number;
  /** `size()` after the run. */
  size?: number;
  /** `get(counter key)` for each counter key, in order. */
  counters?: unknown[];
  /** A full `range()` over the target, checked entry by entry. */
  scan?: { entries: number; badValues: number; duplicates: number };
}

/** One thread's counts, tallies and latency samples. */
export interface ThreadReport {
  readonly worker: number;
  /** Epoch ms (performance.timeOrigin + now) when the timed phase started / ended in this thread. */
  readonly startedAt: number;
  readonly endedAt: number;
  /** Ops done in the timed phase. */
  readonly ops: number;
  /** Ops per kind, indexed like OP_NAMES. */
  readonly opCounts: number[];
  /** `set` calls that reported a new key / `delete` calls that reported a removed key. */
  readonly inserted: number;
  readonly deleted: number;
  /** `set` calls whose result was neither true nor false (the target cannot tell). */
  readonly setUnknown: number;
  /** Prefill `set`s that reported a new key / an existing key (should be none) / nothing. */
  readonly prefillInserted: number;
  readonly prefillExisting: number;
  /** Sum of the deltas this thread added, per counter key. */
  readonly addDeltas: number[];
  /** `add` results below this thread's previous result on that key plus its delta. */
  readonly addNotIncreasing: number;
  /** Values read (get, update, range) that do not belong to their key. */
  readonly badValues: number;
  /** Keys one `range` call visited twice. */
  readonly rangeDuplicates: number;
  readonly rangeVisited: number;
  /** Results that disagree with the exact local model (disjoint partition only). */
  readonly modelMismatches: number;
  /** The first few problems, described. */
  readonly examples: string[];
  /** Sampled op latencies (ns) per op code, hdr-histogram compressed. */
  readonly latencyByOp: string[];
  /** Time spent in `range` calls, every one timed (each costs ~100 gets, so timing is cheap), ms. */
  readonly rangeTimeMs: number;
  /** Thread 0 only. */
  readonly final?: FinalState;
}
