/**
 * One demo run: a fresh map, N Web Workers running the mixed read/write/iterate workload on it,
 * and this page's main thread running its own share of the same workload in small slices between
 * frames — reads lock-free, writes spinning briefly when a worker holds the shard (the main thread
 * may never block in `Atomics.wait`). Live throughput comes from the progress counters the workers
 * publish in the map itself, read here by the main thread.
 */
import { ShardedMap, type ShardedMapStats } from '@shardmap/core';
import {
  MIXED_COUNTER_KEY,
  MixedWorkload,
  defaultProgressKey,
  verifyMixedWorkload,
  type MixedWorkloadReport,
} from '@shardmap/harness/mixed-workload';
import { startMapWorkers } from '@shardmap/workers/browser';
import type { WorkerFunctions } from './worker.js';

export interface DemoOptions {
  workers: number;
  durationMs: number;
}

export interface ParticipantView {
  owner: string;
  ops: number;
  /** Over the last `RATE_WINDOW_MS`. */
  opsPerSecond: number;
  report: MixedWorkloadReport | undefined;
}

export interface DemoSnapshot {
  participants: ParticipantView[];
  stats: ShardedMapStats;
  elapsedMs: number;
}

export interface DemoResult extends DemoSnapshot {
  counterExpected: number;
  counterActual: unknown;
  workersIsolated: boolean[];
  problems: string[];
  verified: boolean;
}

/** Ops the main thread runs per tick: ~0.5 ms of work, so the page stays responsive. */
const MAIN_SLICE_OPS = 256;
const TICK_MS = 16;
const RATE_WINDOW_MS = 500;
/** Deliberately small so the run has to grow the buffer while every thread is using it. */
const INITIAL_CAPACITY = 64;

export async function runDemo(options: DemoOptions, onSnapshot: (snapshot: DemoSnapshot) => void): Promise<DemoResult> {
  const map = ShardedMap.create({ capacity: INITIAL_CAPACITY });
  const workerOwners = Array.from({ length: options.workers }, (_, index) => `w${index}`);
  const owners = [...workerOwners, 'main'];
  const group = await startMapWorkers<WorkerFunctions>(map, options.workers, (index) =>
    new Worker(new URL('./worker.js', import.meta.url), { type: 'module', name: `shardmap-w${index}` }),
  );
  try {
    const workersIsolated = await Promise.all(group.workers.map((worker) => worker.crossOriginIsolated()));
    const reports = new Map<string, MixedWorkloadReport>();
    const runs = group.workers.map(async (worker, index) => {
      const owner = workerOwners[index] as string;
      reports.set(owner, await worker.runMixedWorkload({ owner, peers: owners, durationMs: options.durationMs }));
    });
    let finished = false;
    const allRuns = Promise.all(runs).finally(() => {
      finished = true;
    });

    const main = new MixedWorkload(map, { owner: 'main', peers: owners, iterateEvery: 20_000 });
    const rates = new RateMeter(owners);
    const started = performance.now();
    const snapshot = (): DemoSnapshot => {
      const now = performance.now();
      const participants = owners.map((owner) => {
        const ops = owner === 'main' ? main.report().ops : Number(map.get(defaultProgressKey(owner)) ?? 0);
        const report = owner === 'main' ? undefined : reports.get(owner);
        return { owner, ops: report?.ops ?? ops, opsPerSecond: report ? 0 : rates.sample(owner, now, ops), report };
      });
      return { participants, stats: map.stats(), elapsedMs: now - started };
    };
    while (!finished) {
      main.step(MAIN_SLICE_OPS);
      onSnapshot(snapshot());
      await sleep(TICK_MS);
    }
    await allRuns;
    reports.set('main', main.verify());
    return verify(map, snapshot(), reports, workersIsolated);
  } finally {
    await group.close();
  }
}

function verify(
  map: ShardedMap,
  snapshot: DemoSnapshot,
  reports: Map<string, MixedWorkloadReport>,
  workersIsolated: boolean[],
): DemoResult {
  const participants = snapshot.participants.map((p) => ({ ...p, opsPerSecond: 0, report: reports.get(p.owner) }));
  const all = [...reports.values()];
  const counterExpected = all.reduce((sum, report) => sum + report.counterAdded, 0);
  const counterActual = map.get(MIXED_COUNTER_KEY);
  const problems = [...verifyMixedWorkload(all, counterActual).failures];
  workersIsolated.forEach((isolated, index) => {
    if (!isolated) problems.push(`worker w${index} is not cross-origin isolated`);
  });
  const stats = map.stats();
  return { ...snapshot, participants, stats, counterExpected, counterActual, workersIsolated, problems, verified: problems.length === 0 };
}

/** Ops per second over a sliding window, from (time, running op count) samples. */
class RateMeter {
  readonly #samples = new Map<string, { at: number; ops: number }[]>();

  constructor(owners: readonly string[]) {
    for (const owner of owners) this.#samples.set(owner, []);
  }

  sample(owner: string, at: number, ops: number): number {
    const samples = this.#samples.get(owner) ?? [];
    samples.push({ at, ops });
    while (samples.length > 2 && at - (samples[0] as { at: number }).at > RATE_WINDOW_MS) samples.shift();
    const first = samples[0] as { at: number; ops: number };
    return at > first.at ? ((ops - first.ops) * 1000) / (at - first.at) : 0;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
