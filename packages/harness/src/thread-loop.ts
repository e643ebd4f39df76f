/**
 * One workload thread's life, platform-neutral: it needs only Atomics and a target, so a Node
 * worker thread (node/thread.ts) and a Web Worker run the same code. In barrier phases shared with
 * every other thread:
 *
 *   open the target → prefill its share → PREFILLED → (thread 0: read size) → START →
 *   timed ops until STOP or its quota → FINISHED → (thread 0: read the final state) → report
 *
 * Everything slow (importing the adapter, opening it, building the Zipf table, prefilling) happens
 * before START, so the timed phase measures operations only and every thread begins together.
 */
import { badTarget } from './errors.js';
import { missingOps, requireOps, type MapTarget, type OptionalOp, type TargetModule } from './target.js';
import { arriveAndWait, Phase, publishProgress, readStop, Stop, PROGRESS_UNIT, STOP_CHECK_EVERY } from './control.js';
import { createLatencyHistogram, encodeHistogram } from './latency.js';
import { createRandom, keySlice, prefillKeys, uniformSampler, valueFor, zipfSampler } from './keys.js';
import { buildOpVector, OP_NAMES } from './mix.js';
import type { WorkloadPlan } from './options.js';
import type { FinalState, ThreadData, ThreadReport } from './report.js';
import { entryIsValid, WorkloadThread } from './thread-ops.js';

const RANGE_CODE = OP_NAMES.indexOf('range');

/** The optional ops each mix entry needs from the target. */
const NEEDS: Partial<Record<(typeof OP_NAMES)[number], OptionalOp>> = { update: 'update', add: 'add', range: 'range' };

/** Imports the target module of `data`, opens it and runs the thread: what a Node or Web Worker calls. */
export async function runThread(data: ThreadData): Promise<ThreadReport> {
  const target = await openTarget(data.adapter, data.config, data.plan, data.worker);
  return runOpenedThread(target, data);
}

/** Runs one thread on a target it has opened. */
export async function runOpenedThread(target: MapTarget, { plan, worker, control }: ThreadData): Promise<ThreadReport> {
  const random = createRandom(plan.seed, worker);
  const slice = keySlice(plan.partition, plan.keys, worker, plan.threads);
  const sampler = plan.distribution === 'zipf' ? zipfSampler(slice.count, plan.zipfTheta, random) : uniformSampler(slice.count, random);
  const thread = new WorkloadThread(target, plan, slice, sampler, random);
  const prefill = await prefillShare(target, thread, plan, worker);
  const opVector = buildOpVector(plan.mix, random);
  const histograms = OP_NAMES.map(() => createLatencyHistogram());
  const final: FinalState = {};

  arriveAndWait(control, worker, Phase.PREFILLED, plan.threads, plan.barrierTimeoutMs);
  if (worker === 0 && target.size) final.sizeAfterPrefill = await target.size();
  arriveAndWait(control, worker, Phase.START, plan.threads, plan.barrierTimeoutMs);
  const startedAt = performance.timeOrigin + performance.now();
  const { done: ops, rangeTimeMs } = await runOps(thread, { control, plan, worker, opVector, histograms, quota: quotaOf(plan, worker), random: createRandom(plan.seed, plan.threads + worker) });
  const endedAt = performance.timeOrigin + performance.now();
  publishProgress(control, worker, ops);
  arriveAndWait(control, worker, Phase.FINISHED, plan.threads, plan.barrierTimeoutMs);
  if (worker === 0) Object.assign(final, await readFinalState(target, plan));
  await target.close?.();

  return {
    worker, startedAt, endedAt, ops,
    opCounts: thread.opCounts, inserted: thread.inserted, deleted: thread.deleted, setUnknown: thread.setUnknown,
    prefillInserted: prefill.inserted, prefillExisting: prefill.existing,
    addDeltas: thread.addDeltas, addNotIncreasing: thread.addNotIncreasing,
    badValues: thread.badValues, rangeDuplicates: thread.rangeDuplicates, rangeVisited: thread.rangeVisited,
    modelMismatches: thread.modelMismatches, examples: thread.examples,
    latencyByOp: histograms.map(encodeHistogram),
    rangeTimeMs,
    ...(worker === 0 ? { final } : {}),
  };
}

async function openTarget(adapter: string, config: unknown, plan: WorkloadPlan, worker: number): Promise<MapTarget> {
  const module = (await import(adapter)) as Partial<TargetModule>;
  if (typeof module.open !== 'function') throw badTarget(adapter, 'does not export a function open(config, context)');
  const target = requireOps(await module.open(config, { worker, threads: plan.threads }), [], adapter);
  for (const [op, method] of Object.entries(NEEDS)) {
    if (plan.mix[op as keyof typeof NEEDS]! > 0 && missingOps(target, [method]).length > 0) {
      throw badTarget(adapter, `the mix runs "${op}" but the target has no ${method}()`);
    }
  }
  return target;
}

/** Inserts this thread's share of the prefill (and, thread 0, the counters at 0). */
async function prefillShare(target: MapTarget, thread: WorkloadThread, plan: WorkloadPlan, worker: number) {
  const counts = { inserted: 0, existing: 0 };
  const insert = async (key: number, value: number): Promise<void> => {
    const result = await target.set(key, value);
    if (result === true) counts.inserted++;
    else if (result === false) counts.existing++;
  };
  const slice = keySlice(plan.partition, plan.keys, worker, plan.threads);
  for (const key of prefillKeys(plan.partition, slice, plan.prefill, worker, plan.threads)) {
    const value = valueFor(key, plan.keys, 1);
    await insert(key, value);
    thread.prefilled(key, value);
  }
  if (worker === 0) {
    for (let c = 0; c < plan.counters; c++) await insert(plan.keys + c, 0);
  }
  return counts;
}

function quotaOf(plan: WorkloadPlan, worker: number): number {
  if (plan.totalOps === undefined) return Infinity;
  const base = Math.floor(plan.totalOps / plan.threads);
  return base + (worker < plan.totalOps % plan.threads ? 1 : 0);
}

interface LoopContext {
  readonly control: Int32Array;
  readonly plan: WorkloadPlan;
  readonly worker: number;
  readonly opVector: Uint8Array;
  /** One latency histogram per op code. */
  readonly histograms: ReturnType<typeof createLatencyHistogram>[];
  readonly quota: number;
  /** Draws the sampling gaps; a stream of its own so sampling does not change the keys drawn. */
  readonly random: () => number;
}

/**
 * The timed loop. Every STOP_CHECK_EVERY ops it polls STOP; every PROGRESS_UNIT ops it publishes
 * progress; about one op in sampleEvery is timed. Awaits only results that are thenables.
 * Every `range` call is timed too, into a sum of its own (the CLI reports range's share of the
 * thread time apart from the single-key ops). Returns the number of ops done and that sum.
 *
 * Which ops get timed is drawn at random (gaps uniform in [1, 2·sampleEvery − 1], mean
 * sampleEvery): a fixed period would alias with the op vector's length — every 64th op of a
 * 100-slot vector only ever lands on 25 of its slots, and some op kinds would never be timed.
 */
async function runOps(thread: WorkloadThread, { control, plan, worker, opVector, histograms, quota, random }: LoopContext): Promise<{ done: number; rangeTimeMs: number }> {
  const maxGap = 2 * plan.sampleEvery - 1;
  let nextTimed = Math.floor(random() * plan.sampleEvery);
  let at = 0;
  let done = 0;
  let rangeTimeMs = 0;
  for (; done < quota; done++) {
    if ((done & (STOP_CHECK_EVERY - 1)) === 0) {
      if (readStop(control) !== Stop.RUN) break;
      if ((done & (PROGRESS_UNIT - 1)) === 0) publishProgress(control, worker, done);
    }
    const code = opVector[at]!;
    if (++at === opVector.length) at = 0;
    const timed = done === nextTimed;
    const isRange = code === RANGE_CODE;
    const t0 = timed || isRange ? performance.now() : 0;
    let result = thread.begin(code);
    if (isThenable(result)) result = await result;
    if (timed || isRange) {
      const ms = performance.now() - t0;
      if (isRange) rangeTimeMs += ms;
      if (timed) {
        histograms[code]!.recordValue(Math.max(1, Math.round(ms * 1e6)));
        nextTimed = done + 1 + Math.floor(random() * maxGap);
      }
    }
    thread.end(code, result);
  }
  return { done, rangeTimeMs };
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

/** Thread 0, after FINISHED: size, counter values and a checked full scan, as far as the target allows. */
async function readFinalState(target: MapTarget, plan: WorkloadPlan): Promise<FinalState> {
  const final: FinalState = {};
  if (target.size) final.size = await target.size();
  final.counters = [];
  for (let c = 0; c < plan.counters; c++) final.counters.push(await target.get(plan.keys + c));
  if (target.range) {
    const scan = { entries: 0, badValues: 0, duplicates: 0 };
    const seen = new Set<unknown>();
    await target.range((key, value) => {
      scan.entries++;
      if (seen.has(key)) scan.duplicates++;
      seen.add(key);
      if (!entryIsValid(key, value, plan)) scan.badValues++;
    });
    final.scan = scan;
  }
  return final;
}
