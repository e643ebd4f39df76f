/**
 * The harness's mixed workload over the comlink helpers on Node worker threads: two workers offer
 * it next to the standard map functions (tests/fixtures/workers-mixed-comlink.mjs), as the browser
 * example's worker does, and this thread runs its own share in slices meanwhile.
 */
import { Worker } from 'node:worker_threads';
import { ShardedMap } from '@shardmap/core';
import { MIXED_COUNTER_KEY, MixedWorkload, type runMixedWorkload } from '@shardmap/harness/mixed-workload';
import { nodeEndpoint, startMapWorkers, type MapWorkerGroup, type StandardMapFunctions } from '@shardmap/workers/comlink';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const WORKER_SCRIPT = new URL('./fixtures/workers-mixed-comlink.mjs', import.meta.url);

type MixedMapFunctions = StandardMapFunctions & { runMixedWorkload: typeof runMixedWorkload };

describe('the mixed workload on comlink workers', () => {
  let map: ShardedMap;
  let group: MapWorkerGroup<MixedMapFunctions>;

  beforeAll(async () => {
    map = ShardedMap.create({ capacity: 64 });
    group = await startMapWorkers<MixedMapFunctions>(map, 2, () => nodeEndpoint(new Worker(WORKER_SCRIPT)));
  });
  afterAll(async () => group?.close());

  it('runs the mixed workload in both workers and here at once, verified', async () => {
    const owners = ['w0', 'w1', 'main'];
    const runs = group.workers.map((worker, index) => worker.runMixedWorkload({ owner: `w${index}`, peers: owners, durationMs: 500 }));
    const main = new MixedWorkload(map, { owner: 'main', peers: owners, iterateEvery: 5_000 });
    let finished = false;
    const all = Promise.all(runs).finally(() => {
      finished = true;
    });
    while (!finished) {
      main.step(256);
      await new Promise((resolve) => setImmediate(resolve));
    }
    const reports = [...(await all), main.verify()];
    expect(reports.flatMap((report) => report.errors)).toEqual([]);
    expect(map.get(MIXED_COUNTER_KEY)).toBe(reports.reduce((sum, report) => sum + report.counterAdded, 0));
    for (const report of reports) expect(report.ops).toBeGreaterThan(0);
  });
});
