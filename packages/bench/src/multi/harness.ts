/**
 * The multi-thread harness: runs one cell (workload × target × thread count) several times.
 *
 * A pool of `threads` workers serves every run of every cell of one target. Per run the main
 * thread creates a fresh target instance and sends each worker its attach info; every worker
 * prepares (keys, prefill, setup) and arrives at the start barrier of a fresh harness control
 * block (@shardmap/harness), and the last one in releases them all at once. Each worker runs a fixed number of operations; the run's throughput is
 * total ops / (last worker's end − first worker's start).
 */
import { Worker } from 'node:worker_threads';
import { abortRun, createControl, phaseReleased } from '@shardmap/harness';
import { START_PHASE, type RunRequest, type WorkerReply } from './protocol.js';
import type { TargetModule } from './target.js';
import type { TargetSpec } from './targets/registry.js';
import type { SuiteSettings, ThreadOutcome, Workload } from './workloads/types.js';
import { deriveSeed } from '../util/rng.js';
import { collectGarbage } from '../util/gc.js';

export interface CellSpec {
  readonly workload: Workload;
  readonly target: TargetSpec;
  readonly threads: number;
  /** Measured runs. */
  readonly runs: number;
  /** Runs made first and discarded (JIT warm-up of the workers' loops). */
  readonly warmupRuns: number;
  readonly settings: SuiteSettings;
  readonly seed: number;
  /** A run that takes longer than this is abandoned and the cell reported as failed. */
  readonly runTimeoutMs: number;
}

export interface RunMeasurement {
  readonly opsPerSec: number;
  readonly wallMs: number;
  readonly ops: number;
  /** ops/s of each thread over its own timed span. */
  readonly perThreadOpsPerSec: readonly number[];
  readonly checkFailures: number;
  /**
   * Worker CPU time ÷ (threads × wall time): near 1 when every worker had a CPU to itself for the
   * whole run; well below 1 when the machine was oversubscribed (other processes, or more threads
   * than cores). Undefined off Linux.
   */
  readonly cpuShare?: number;
  /** For workloads that can know it: the size the map must have after the run. */
  readonly expectedSize?: number;
  readonly actualSize?: number;
}

export interface CellOutcome {
  readonly runs: readonly RunMeasurement[];
  /** Set when the cell could not complete; `runs` then holds what completed before. */
  readonly error?: string;
}

/**
 * Workers for one target at one thread count, reused by every workload of that target: the
 * workers' code sees a single target class, so it stays monomorphic, and the report does not pay
 * a thread start-up per cell. A failed or timed-out cell breaks the pool (its workers may be stuck
 * inside the target); the runner then opens a new one.
 */
export class WorkerPool {
  private readonly workers: Worker[];
  private isBroken = false;

  /** `execArgv` is passed to every worker (e.g. `--cpu-prof`, see the CLI's --cpu-prof). */
  constructor(
    readonly threads: number,
    execArgv: readonly string[] = [],
  ) {
    this.workers = Array.from(
      { length: threads },
      () => new Worker(new URL('./worker.js', import.meta.url), { execArgv: [...execArgv] }),
    );
  }

  get broken(): boolean {
    return this.isBroken;
  }

  /** Runs one cell (its warm-up runs, then its measured runs). Never throws. */
  async measure(spec: CellSpec): Promise<CellOutcome> {
    if (spec.threads !== this.threads) throw new Error('WorkerPool: thread count mismatch');
    const runs: RunMeasurement[] = [];
    try {
      const targetUrl = new URL(`./targets/${spec.target.module}`, import.meta.url).href;
      const mod = (await import(targetUrl)) as TargetModule;
      collectGarbage(); // the previous cell's maps: see util/gc.ts
      for (let r = 0; r < spec.warmupRuns + spec.runs; r++) {
        const m = await withTimeout(runOnce(spec, mod, targetUrl, this.workers, r), spec.runTimeoutMs);
        if (r >= spec.warmupRuns) runs.push(m);
      }
      return { runs };
    } catch (err) {
      this.isBroken = true;
      return { runs, error: err instanceof Error ? err.message : String(err) };
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

async function runOnce(
  spec: CellSpec,
  mod: TargetModule,
  targetUrl: string,
  workers: readonly Worker[],
  runIndex: number,
): Promise<RunMeasurement> {
  const { workload, target, threads, settings } = spec;
  const shape = workload.shape(settings, threads, target.opsScale);
  const host = await mod.create({
    capacityHint: shape.capacityHint,
    maxKeys: shape.maxKeys,
    threads,
    pipelined: !workload.usesResults,
    params: target.params,
  });
  try {
    const control = createControl(threads);
    const seed = deriveSeed(spec.seed, runIndex);
    const replies = workers.map((w, i) => {
      const attach = host.attachInfo(i);
      const req: RunRequest = {
        type: 'run',
        targetModuleUrl: targetUrl,
        handle: attach.handle,
        suite: workload.suite,
        workload: workload.name,
        threadIndex: i,
        threads,
        totalOps: shape.totalOps,
        seed,
        settings,
        control,
        collectFirst: runIndex === 0,
      };
      const reply = nextReply(w);
      w.postMessage(req, attach.transfer ? [...attach.transfer] : []);
      return reply;
    });

    const failed = firstError(replies);
    const started = await Promise.race([phaseReleased(control, START_PHASE).then(() => true), failed]);
    if (!started) abortRun(control);
    const results = await Promise.all(replies);

    const outcomes: ThreadOutcome[] = [];
    let startedAt = Infinity;
    let endedAt = -Infinity;
    const perThreadOpsPerSec: number[] = [];
    let cpuMs: number | undefined = 0;
    for (const reply of results) {
      if (reply.type === 'error') throw new Error(reply.message);
      if (reply.type === 'aborted') throw new Error('run aborted: a worker failed while preparing');
      outcomes.push(reply.outcome);
      startedAt = Math.min(startedAt, reply.startedAt);
      endedAt = Math.max(endedAt, reply.endedAt);
      perThreadOpsPerSec.push(reply.outcome.ops / ((reply.endedAt - reply.startedAt) / 1000));
      cpuMs = cpuMs === undefined || reply.cpuMs === undefined ? undefined : cpuMs + reply.cpuMs;
    }
    const ops = outcomes.reduce((s, o) => s + o.ops, 0);
    const wallMs = endedAt - startedAt;
    const checkFailures = outcomes.reduce((s, o) => s + o.checkFailures, 0);
    let sizes: { expectedSize: number; actualSize: number } | undefined;
    if (workload.checksSize) {
      sizes = {
        expectedSize: outcomes.reduce((s, o) => s + (o.sizeDelta ?? 0), 0),
        actualSize: await host.size(),
      };
    }
    const cpuShare = cpuMs === undefined ? undefined : cpuMs / (threads * wallMs);
    return {
      opsPerSec: ops / (wallMs / 1000),
      wallMs,
      ops,
      perThreadOpsPerSec,
      checkFailures,
      ...(cpuShare !== undefined ? { cpuShare } : {}),
      ...sizes,
    };
  } finally {
    await host.close();
  }
}

function nextReply(worker: Worker): Promise<WorkerReply> {
  return new Promise((resolve) => {
    const onMessage = (msg: WorkerReply): void => {
      cleanup();
      resolve(msg);
    };
    const onError = (err: Error): void => {
      cleanup();
      resolve({ type: 'error', message: `worker crashed: ${err.message}`, stack: err.stack });
    };
    const onExit = (code: number): void => {
      cleanup();
      resolve({ type: 'error', message: `worker exited with code ${code}` });
    };
    const cleanup = (): void => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
  });
}

/** Resolves false as soon as any reply is an error (never resolves otherwise). */
function firstError(replies: readonly Promise<WorkerReply>[]): Promise<false> {
  return new Promise((resolve) => {
    for (const p of replies) void p.then((r) => r.type === 'error' && resolve(false));
  });
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`run exceeded ${Math.round(ms / 1000)} s`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
