/**
 * `@shardmap/harness` (private to the workspace): the one concurrent workload harness. `pnpm start`
 * (cli.ts), the bench's multi-thread suite and the mixed workload of the browser example all run on it.
 *
 * Why a package of its own: the harness is a tool for measuring and checking maps, not part of
 * any map's API. Before, three copies lived in `@shardmap/workers` (the runner), the bench (its
 * multi-thread harness) and the comlink helpers (the mixed workload), each with its own threads,
 * barrier and target interface. Here there is one of each:
 *
 *   target.ts        the one target interface: required get/set/delete, optional ops a target may
 *                    lack, checked (and the type narrowed) by requireOps before the start barrier
 *   mix.ts           op mixes as data (presets, mix strings) and the shuffled op vector
 *   keys.ts          seeded PRNG, uniform/Zipf samplers, key partition, self-describing values
 *   control.ts       the shared control block: barrier, stop word, per-thread progress
 *   thread-ops.ts    one thread's ops with per-op checks; thread-loop.ts its life across barriers
 *   verify.ts        the checks over every thread's report (exact totals, sizes, model, …)
 *   latency.ts       sampled latency histograms
 *   mixed-workload.ts the mixed workload: owner-named keys, slice-stepped so a page's main thread
 *                    runs it between frames; pages import `@shardmap/harness/mixed-workload`,
 *                    as this entry also loads node/
 *   node/            what only Node has: worker_threads spawning and supervision (runWorkload)
 *   adapters/        the ShardedMap target (`shardedMapTarget(map)`) and target module (`open`)
 *
 * Everything outside node/ and cli* uses only Atomics and plain JS, so Web Workers and Node
 * worker threads drive the same code.
 */
export { runWorkload } from './node/runner.js';
export type { ThreadResult, WorkloadResult } from './node/runner.js';
export { planWorkload } from './options.js';
export type { WorkloadOptions, WorkloadPlan, WorkloadProgress, WorkloadTarget } from './options.js';
export { MIX_PRESETS, OP_NAMES, buildOpVector, checkMix, parseMix } from './mix.js';
export type { MixPresetName, OpMix, OpName } from './mix.js';
export { REQUIRED_OPS, missingOps, requireOps } from './target.js';
export type { MapTarget, MaybePromise, OptionalOp, SyncMapTarget, TargetContext, TargetModule, TargetWith } from './target.js';
export { abortRun, arriveAndWait, createControl, isAborted, phaseReleased, Phase } from './control.js';
export { createRandom, isValueOf, keySlice, prefillKeys, splitMix32, uniformSampler, valueFor, zipfSampler } from './keys.js';
export type { LatencySummary } from './latency.js';
export type { Verification, VerificationCheck } from './verify.js';
export { MIXED_COUNTER_KEY, MixedWorkload, defaultProgressKey, mixedKey, runMixedWorkload, verifyMixedWorkload } from './mixed-workload.js';
export type { MixedTarget, MixedWorkloadOptions, MixedWorkloadReport, RunMixedWorkloadOptions } from './mixed-workload.js';
export { shardedMapTarget } from './adapters/sharded-map.js';
export type { ShardedMapTarget } from './adapters/sharded-map.js';
export { runOpenedThread, runThread } from './thread-loop.js';
export type { ThreadData, ThreadReport } from './report.js';
export { WorkloadVerificationError } from './errors.js';
export type { HarnessError, HarnessErrorCode } from './errors.js';
