/**
 * Worker entry of the multi-thread harness. Each worker serves the runs of one cell (one
 * workload × target × thread count), so the code it runs stays monomorphic: one target class,
 * one workload loop.
 */
import { parentPort } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { arriveAndWait, isAborted, requireOps } from '@shardmap/harness';
import type { RunRequest, WorkerReply } from './protocol.js';
import { BARRIER_TIMEOUT_MS, START_PHASE } from './protocol.js';
import { BENCH_OPS, type MapTarget, type TargetModule } from './target.js';
import { findWorkload } from './workloads/index.js';
import { threadCpuMs } from '../util/thread-cpu.js';
import { collectGarbage } from '../util/gc.js';

const port = parentPort!;

async function serve(req: RunRequest): Promise<WorkerReply> {
  if (req.collectFirst) collectGarbage(); // the previous cell's maps: see util/gc.ts
  const mod = (await import(req.targetModuleUrl)) as TargetModule;
  const target: MapTarget = requireOps(await mod.attach(req.handle), BENCH_OPS, req.targetModuleUrl);
  try {
    const workload = findWorkload(req.suite, req.workload);
    const ctx = {
      threadIndex: req.threadIndex,
      threads: req.threads,
      totalOps: req.totalOps,
      seed: req.seed,
      settings: req.settings,
    };
    const state = workload.prepare(target, ctx);

    if (isAborted(req.control)) return { type: 'aborted' };
    try {
      arriveAndWait(req.control, req.threadIndex, START_PHASE, req.threads, BARRIER_TIMEOUT_MS);
    } catch (err) {
      if (isAborted(req.control)) return { type: 'aborted' };
      throw err;
    }

    // Epoch-based clock: comparable across threads, so the run's wall time is
    // max(endedAt) - min(startedAt) over its workers.
    const cpuBefore = threadCpuMs();
    const startedAt = performance.timeOrigin + performance.now();
    const outcome = workload.run(target, state, ctx);
    target.flush();
    const endedAt = performance.timeOrigin + performance.now();
    const cpuAfter = threadCpuMs();
    const cpuMs = cpuBefore === undefined || cpuAfter === undefined ? undefined : cpuAfter - cpuBefore;
    return { type: 'done', startedAt, endedAt, cpuMs, outcome };
  } finally {
    target.close();
  }
}

port.on('message', (req: RunRequest) => {
  serve(req).then(
    (reply) => port.postMessage(reply),
    (err: unknown) => {
      const e = err instanceof Error ? err : new Error(String(err));
      // The main thread aborts the barrier (abortRun) for the peers still waiting at it.
      port.postMessage({ type: 'error', message: e.message, stack: e.stack } satisfies WorkerReply);
    },
  );
});
