/**
 * Worker entry of the multi-thread harness. Each worker serves the runs of one cell (one
 * workload × target × thread count), so the code it runs stays monomorphic: one target class,
 * one workload loop.
 */
import { parentPort } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import type { RunRequest, WorkerReply } from './protocol.js';
import { ARRIVED, GO, GO_ABORT } from './protocol.js';
import type { MapTarget, TargetModule } from './target.js';
import { findWorkload } from './workloads/index.js';
import { threadCpuMs } from '../util/thread-cpu.js';
import { collectGarbage } from '../util/gc.js';

const port = parentPort!;

async function serve(req: RunRequest): Promise<WorkerReply> {
  if (req.collectFirst) collectGarbage(); // the previous cell's maps: see util/gc.ts
  const mod = (await import(req.targetModuleUrl)) as TargetModule;
  const target: MapTarget = await mod.attach(req.handle);
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

    const barrier = new Int32Array(req.barrier);
    Atomics.add(barrier, ARRIVED, 1);
    Atomics.notify(barrier, ARRIVED);
    while (Atomics.load(barrier, GO) === 0) Atomics.wait(barrier, GO, 0);
    if (Atomics.load(barrier, GO) === GO_ABORT) return { type: 'aborted' };

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
      // Release peers still waiting at the barrier before reporting.
      const barrier = new Int32Array(req.barrier);
      Atomics.add(barrier, ARRIVED, 1);
      Atomics.notify(barrier, ARRIVED);
      port.postMessage({ type: 'error', message: e.message, stack: e.stack } satisfies WorkerReply);
    },
  );
});
