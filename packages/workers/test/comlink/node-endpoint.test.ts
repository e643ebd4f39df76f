/**
 * The comlink helpers driving Node worker threads through `nodeEndpoint`: the same calls the
 * browser example makes, on `worker_threads` (the mixed workload, the harness's, runs on them in
 * tests/workers-comlink-mixed.test.ts). Workers load the built dist/ script (vitest does not
 * transform code in worker threads).
 */
import { MessageChannel, Worker } from 'node:worker_threads';
import { expose, proxy, wrap } from 'comlink';
import { ShardedMap } from '@shardmap/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeEndpoint, startMapWorkers, type MapWorkerGroup, type StandardMapFunctions } from '../../src/comlink/index.js';

const WORKER_SCRIPT = new URL('../../dist/comlink/node-map-worker.js', import.meta.url);

describe('nodeEndpoint as a comlink endpoint', () => {
  it('carries calls both ways, including proxy() callbacks whose ports must be transferred', async () => {
    const { port1, port2 } = new MessageChannel();
    // On the exposing side the callback is a comlink proxy: calling it answers a promise.
    const api = { twice: async (callback: (n: number) => number | Promise<number>) => (await callback(21)) * 2 };
    expose(api, nodeEndpoint(port1));
    const remote = wrap<typeof api>(nodeEndpoint(port2));
    await expect(remote.twice(proxy((n: number) => n + 1))).resolves.toBe(44);
    port1.close();
  });
});

describe('startMapWorkers on worker_threads', () => {
  let map: ShardedMap;
  let group: MapWorkerGroup<StandardMapFunctions>;
  const threads: Worker[] = [];

  beforeAll(async () => {
    map = ShardedMap.create({ capacity: 64 });
    group = await startMapWorkers<StandardMapFunctions>(map, 2, () => {
      const thread = new Worker(WORKER_SCRIPT);
      threads.push(thread);
      return nodeEndpoint(thread);
    });
  });
  afterAll(async () => group?.close());

  it('attaches the same map in every worker', () => {
    expect(group.attachReports).toHaveLength(2);
    for (const report of group.attachReports) expect(report.bytesReserved).toBe(map.stats().bytesReserved);
  });

  it('counts exactly when both workers add at once', async () => {
    const [a, b] = group.workers;
    const runs = [a!, b!].map((worker) => {
      void worker.arriveAndWait('adds:go', 2);
      return worker.addRepeatedly('adds', 1, 20_000);
    });
    await Promise.all(runs);
    expect(map.get('adds')).toBe(40_000);
  });

  it('shows keys set here to the workers and keys set there here', async () => {
    map.set(['from', 'main'], { text: 'hello', list: [1, 2] });
    for (const worker of group.workers) await expect(worker.get(['from', 'main'])).resolves.toEqual({ text: 'hello', list: [1, 2] });
    await group.workers[0]!.set('from-worker', 7.5);
    expect(map.get('from-worker')).toBe(7.5);
    await expect(group.workers[1]!.get('from-worker')).resolves.toBe(7.5);
  });

  it('close() terminates the threads', async () => {
    const exits = threads.map((thread) => new Promise<number>((resolve) => thread.once('exit', resolve)));
    await group.close();
    await expect(Promise.all(exits)).resolves.toHaveLength(2);
  });
});

describe('a MapWorkerGroup under `await using`', () => {
  it('is closed at the end of the scope: its threads exit, the map lives on', async () => {
    const map = ShardedMap.create({ capacity: 64 });
    const threads: Worker[] = [];
    const exits: Promise<number>[] = [];
    {
      await using group = await startMapWorkers<StandardMapFunctions>(map, 2, () => {
        const thread = new Worker(WORKER_SCRIPT);
        threads.push(thread);
        exits.push(new Promise<number>((resolve) => thread.once('exit', resolve)));
        return nodeEndpoint(thread);
      });
      expect(group[Symbol.asyncDispose]).toBe(group.close);
      await group.workers[0]!.set('k', 1);
    }
    await expect(Promise.all(exits)).resolves.toHaveLength(2);
    expect(map.get('k')).toBe(1);
  });
});
