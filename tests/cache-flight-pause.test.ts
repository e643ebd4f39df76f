/**
 * fetch()'s failure hand-off (cache/flight.ts invariant 4), with the race staged exactly: a
 * waiter of key A's flight wakes late, after A's loader failed and freed the lane, and after a
 * flight of key B took the same lane and recorded B's error but before it stored L_DONE_*. The
 * waiter must not take B's error (cache-threads once saw key 139's waiter rejected with
 * "no 162"): it gets A's failure or loads A itself. The waiter parks at `flight.wait.woken`, B's
 * loader at `flight.fail.recorded` (kill-points.ts: a point is also a pause).
 */
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { ShardedCache } from '../packages/core/src/cache/cache.js';
import { laneOf } from '../packages/core/src/cache/flight.js';
import { ProbeKey, prepareKey } from '../packages/core/src/codecs.js';
import { resumeKillPoint } from '../packages/core/src/kill-points.js';

const SEED = 0x5eed;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function laneOfKey(key: number): number {
  const probe = new ProbeKey();
  prepareKey(0, key, probe, SEED, -1);
  return laneOf(probe.hash, 0);
}

interface Paused {
  flag: SharedArrayBuffer;
  outcome: Promise<{ value?: string; error?: string }>;
  settled: () => boolean;
  worker: Worker;
}

function start(cache: ShardedCache, role: 'waiter' | 'loader', key: number, point: string): Paused {
  const flag = new SharedArrayBuffer(8);
  const worker = new Worker(new URL('./fixtures/cache-flight-pause.mjs', import.meta.url), { workerData: { handle: cache.handle, role, key, point, flag } });
  let done = false;
  const outcome = new Promise<{ value?: string; error?: string }>((resolve, reject) => {
    worker.once('message', (m: { value?: string; error?: string }) => {
      done = true;
      resolve(m);
    });
    worker.once('error', reject);
  });
  return { flag, outcome, settled: () => done, worker };
}

async function parked(p: Paused, what: string): Promise<void> {
  const f = new Int32Array(p.flag);
  const deadline = Date.now() + 10_000;
  while (Atomics.load(f, 0) === 0) {
    if (Date.now() > deadline) throw new Error(`${what} never reached its point`);
    await sleep(5);
  }
}

describe('a fetch waiter that wakes late', () => {
  it("takes its own flight's failure or loads, never the error a later flight of another key recorded in the lane", async () => {
    const cache = ShardedCache.create<number, string>({ maxEntries: 100, shards: 1, seed: SEED });
    const a = 139;
    let b = a + 1;
    while (laneOfKey(b) !== laneOfKey(a)) b++;
    // A's loader, in this thread: holds the lane until released.
    let fail!: (e: Error) => void;
    const loaderA = cache.fetch(a, () => new Promise<string>((_, reject) => (fail = reject)));
    const waiter = start(cache, 'waiter', a, 'flight.wait.woken');
    try {
      await parked(waiter, 'the waiter'); // woken (or timed out) once, with A's flight in hand
      fail(Object.assign(new Error(`no ${a}`), { code: 'E_LOAD' }));
      await expect(loaderA).rejects.toThrow(`no ${a}`); // A's flight ended: the lane is free
      const loaderB = start(cache, 'loader', b, 'flight.fail.recorded');
      await parked(loaderB, "B's loader"); // B's error recorded, its L_DONE_* not yet stored
      try {
        resumeKillPoint(waiter.flag);
        await sleep(200); // a waiter that takes B's record settles now; a correct one waits for B
        resumeKillPoint(loaderB.flag);
        expect(await loaderB.outcome).toEqual({ error: `no ${b}` });
      } finally {
        await loaderB.worker.terminate();
      }
      const got = await waiter.outcome;
      expect(got.error, `key ${a}'s waiter took key ${b}'s error`).not.toBe(`no ${b}`);
      expect([`no ${a}`, undefined]).toContain(got.error);
      if (got.error === undefined) expect(got.value).toBe(`loaded by the waiter of ${a}`);
    } finally {
      await waiter.worker.terminate();
    }
  }, 30_000);
});
