/**
 * The workload's control block: one small SharedArrayBuffer shared by the main thread and every
 * workload worker. This module owns every offset in it; nothing else indexes it.
 *
 *   Int32 word  0  ARRIVED   cumulative barrier arrivals       Atomics.add by workers
 *   Int32 word 16  PHASE     highest released barrier phase    Atomics.store by the last arriver
 *                                                              (or main, to abort); Atomics.wait/
 *                                                              waitAsync by everyone else
 *   Int32 word 32  STOP      0 run · 1 stop · 2 abort          Atomics.store by main; Atomics.load
 *                                                              by workers every STOP_CHECK_EVERY ops
 *   Int32 word 48 + 16·w     PROGRESS of worker w, in units    Atomics.store by worker w only;
 *                            of PROGRESS_UNIT ops              Atomics.load by main (progress line)
 *   Int32 word 49 + 16·w     REACHED: the last barrier phase   Atomics.store by worker w only;
 *                            worker w arrived at               Atomics.load by main (to name a
 *                                                              thread that is stuck)
 *
 * Each word sits on its own 64-byte line (16 words apart) so the workers' progress stores do not
 * bounce the line the others poll for STOP.
 *
 * The barrier counts arrivals cumulatively instead of resetting a counter: phase p is complete when
 * ARRIVED reaches parties × p, so there is no reset step to race with early arrivals of phase p+1.
 */
import { barrierFailed } from './errors.js';

/** Words per 64-byte cache line; every control word gets a line of its own. */
const LINE_WORDS = 16;
const ARRIVED = 0;
const PHASE = LINE_WORDS;
const STOP = 2 * LINE_WORDS;
const PROGRESS_BASE = 3 * LINE_WORDS;
/** Offset of REACHED within a worker's line. */
const REACHED = 1;

/** Barrier phases, in the order every worker passes them. */
export const Phase = { PREFILLED: 1, START: 2, FINISHED: 3 } as const;

/** PHASE value that releases every waiter at once when the run is aborted. */
const ABORTED_PHASE = 0x3fffffff;

/** STOP values. */
export const Stop = { RUN: 0, STOP: 1, ABORT: 2 } as const;

/** Ops between two progress publications (and the unit PROGRESS is counted in). */
export const PROGRESS_UNIT = 1024;
/** Ops between two STOP checks: one Atomics.load (~11 ns) per 64 ops is noise. */
export const STOP_CHECK_EVERY = 64;

/** Allocates a control block for `threads` workers. */
export function createControl(threads: number): Int32Array {
  return new Int32Array(new SharedArrayBuffer((PROGRESS_BASE + threads * LINE_WORDS) * 4));
}

/**
 * Worker `worker` arrives at barrier `phase` and blocks until all `parties` workers have (worker
 * threads only: uses Atomics.wait). Throws if the run was aborted or the barrier does not fill in time.
 */
export function arriveAndWait(control: Int32Array, worker: number, phase: number, parties: number, timeoutMs: number): void {
  Atomics.store(control, PROGRESS_BASE + worker * LINE_WORDS + REACHED, phase);
  const arrived = Atomics.add(control, ARRIVED, 1) + 1;
  if (arrived === parties * phase) {
    // Last one in: publish the phase, then wake everyone waiting on it.
    Atomics.store(control, PHASE, phase);
    Atomics.notify(control, PHASE);
  }
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const released = Atomics.load(control, PHASE);
    if (Atomics.load(control, STOP) === Stop.ABORT) throw barrierFailed('the run was aborted');
    if (released >= phase) return;
    const left = deadline - performance.now();
    if (left <= 0) throw barrierFailed(`timed out after ${timeoutMs} ms at phase ${phase} (${parties} workers expected)`);
    // Sleeps only while PHASE still equals what we read: no lost wake-up.
    Atomics.wait(control, PHASE, released, left);
  }
}

/** Resolves once barrier `phase` has been released (main thread: uses Atomics.waitAsync). */
export async function phaseReleased(control: Int32Array, phase: number): Promise<void> {
  for (;;) {
    const released = Atomics.load(control, PHASE);
    if (released >= phase) return;
    const wait = Atomics.waitAsync(control, PHASE, released);
    if (wait.async) await wait.value;
  }
}

/** Whether the run was aborted. */
export function isAborted(control: Int32Array): boolean {
  return Atomics.load(control, STOP) === Stop.ABORT;
}

/** Tells every worker to finish its current op and stop (duration elapsed). */
export function requestStop(control: Int32Array): void {
  Atomics.compareExchange(control, STOP, Stop.RUN, Stop.STOP);
}

/** Aborts the run: stops the workers and releases every barrier waiter, who then throw. */
export function abortRun(control: Int32Array): void {
  Atomics.store(control, STOP, Stop.ABORT);
  Atomics.store(control, PHASE, ABORTED_PHASE);
  Atomics.notify(control, PHASE);
}

/** The STOP word, read by the op loop. */
export function readStop(control: Int32Array): number {
  return Atomics.load(control, STOP);
}

/** Publishes worker `worker`'s progress (its own word only). */
export function publishProgress(control: Int32Array, worker: number, ops: number): void {
  Atomics.store(control, PROGRESS_BASE + worker * LINE_WORDS, Math.floor(ops / PROGRESS_UNIT));
}

/** Workers that have not yet arrived at barrier `phase`. */
export function workersBefore(control: Int32Array, threads: number, phase: number): number[] {
  const behind: number[] = [];
  for (let w = 0; w < threads; w++) {
    if (Atomics.load(control, PROGRESS_BASE + w * LINE_WORDS + REACHED) < phase) behind.push(w);
  }
  return behind;
}

/** Approximate ops done so far by all workers (lags by < PROGRESS_UNIT per worker). */
export function readProgress(control: Int32Array, threads: number): number {
  let units = 0;
  for (let w = 0; w < threads; w++) units += Atomics.load(control, PROGRESS_BASE + w * LINE_WORDS);
  return units * PROGRESS_UNIT;
}
