/**
 * Issue "Readers never wait for user code, and no program can deadlock through update()".
 *
 * A worker's update() callback takes 1.5 s; meanwhile the main thread reads the same shard
 * (every key collides: hash mask 0) and the key being updated: each read returns within 50 ms,
 * with the old value, and stats() names the worker's thread as the shard's holder. Then the
 * two-map program: two workers each update one map and, from the callback, write the other; it
 * ends with ERR_SHARDMAP_REENTRANT within a few seconds instead of hanging. Both modes.
 */
import { Worker } from 'node:worker_threads';
import { ShardedMap } from '@shardmap/core';
import { createWithHashMask } from '@shardmap/core/testing';
import { describe, expect, it } from 'vitest';

const MODES = ['striped', 'syncmap'] as const;
const CALLBACK_MS = 1500;
const READ_BOUND_MS = 50;

function start(data: object): { worker: Worker; messages: unknown[]; next: () => Promise<any> } {
  const worker = new Worker(new URL('./fixtures/slow-update.mjs', import.meta.url), { workerData: data });
  const messages: unknown[] = [];
  const waiting: ((m: unknown) => void)[] = [];
  worker.on('message', (m) => (waiting.length > 0 ? waiting.shift()!(m) : messages.push(m)));
  const next = () =>
    new Promise<any>((resolve, reject) => {
      if (messages.length > 0) return resolve(messages.shift());
      waiting.push(resolve);
      worker.once('error', reject);
    });
  return { worker, messages, next };
}

async function until(gate: Int32Array, index: number): Promise<void> {
  while (Atomics.load(gate, index) === 0) await Atomics.waitAsync(gate, index, 0, 1000).value;
}

describe.each(MODES)("mode '%s': update() callbacks do not hold readers up", (mode) => {
  it(`every read of the updated shard returns within ${READ_BOUND_MS} ms while a ${CALLBACK_MS} ms callback runs`, async () => {
    const map = createWithHashMask<string, number>({ mode, shards: 2 }, 0); // one shard holds every key
    for (let i = 0; i < 16; i++) map.set(`k${i}`, i);
    map.set('A', -1);
    const gate = new Int32Array(new SharedArrayBuffer(16));
    const { worker, next } = start({ role: 'slow', handle: map.handle, gate: gate.buffer, key: 'A', ms: CALLBACK_MS, next: 100 });
    try {
      const { token } = await next();
      await until(gate, 0);
      const began = performance.now();
      const latencies: number[] = [];
      let reads = 0;
      let holders: unknown;
      while (performance.now() - began < CALLBACK_MS - 300) {
        for (let i = 0; i < 16; i++) {
          const t0 = performance.now();
          const value = map.get(`k${i}`);
          latencies.push(performance.now() - t0);
          expect(value).toBe(i);
        }
        const t0 = performance.now();
        expect(map.get('A')).toBe(-1); // the old value: the update has not happened
        expect(map.has('A')).toBe(true);
        latencies.push(performance.now() - t0);
        const t1 = performance.now();
        expect(map.size).toBe(17);
        expect([...map.keys()].length).toBe(17);
        holders = map.stats().lockHolders;
        latencies.push(performance.now() - t1);
        reads += 20;
        await new Promise((r) => setTimeout(r, 5));
      }
      expect(Atomics.load(gate, 0), 'the callback was still running').toBe(1);
      expect(holders).toEqual([{ shard: 0, owner: expect.any(Number), thread: token }]);
      expect(Math.max(...latencies), `slowest of ${reads} reads, ms`).toBeLessThan(READ_BOUND_MS);
      await next(); // done
      expect(map.get('A')).toBe(100);
      expect(map.stats().lockHolders).toEqual([]);
    } finally {
      await worker.terminate();
    }
  });

  it('a thread killed inside the callback leaves the old value and no lock', async () => {
    const map = createWithHashMask<string, number>({ mode, shards: 2 }, 0);
    for (let i = 0; i < 8; i++) map.set(`k${i}`, i);
    const gate = new Int32Array(new SharedArrayBuffer(16));
    const { worker, next } = start({ role: 'slow', handle: map.handle, gate: gate.buffer, key: 'k3', ms: -1, next: 300 });
    const { token } = await next();
    await until(gate, 0);
    await worker.terminate();
    expect(map.get('k3')).toBe(3); // readable before recovery: the lock is held untouched
    expect(map.stats().lockHolders.map((h) => h.thread)).toEqual([token]);
    const report = ShardedMap.recoverThread(map.handle, token);
    expect(report.shardsRecovered).toBe(1);
    expect(map.stats().lockHolders).toEqual([]);
    expect(map.get('k3')).toBe(3);
    map.set('k3', 30);
    expect(map.update('k3', (v) => (v ?? 0) + 1)).toBe(31);
    for (let i = 0; i < 8; i++) if (i !== 3) expect(map.get(`k${i}`)).toBe(i);
    expect(map.size).toBe(8);
  });
});

describe.each(MODES)("mode '%s': no deadlock through update()", (mode) => {
  it('two workers, each writing the other map from its update() callback, end with ERR_SHARDMAP_REENTRANT', async () => {
    const a = createWithHashMask<string, number>({ mode, shards: 2 }, 0);
    const b = createWithHashMask<string, number>({ mode, shards: 2 }, 0);
    a.set('k', 10);
    b.set('k', 20);
    const gate = new Int32Array(new SharedArrayBuffer(16));
    const workers = [
      start({ role: 'cross', index: 0, mine: a.handle, theirs: b.handle, gate: gate.buffer, key: 'k' }),
      start({ role: 'cross', index: 1, mine: b.handle, theirs: a.handle, gate: gate.buffer, key: 'k' }),
    ];
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('the two-map program still runs after 5 s: deadlock')), 5000);
    });
    try {
      const results = await Promise.race([Promise.all(workers.map((w) => w.next())), deadline]);
      for (const r of results) expect(r.outcome).toMatch(/^ERR_SHARDMAP_REENTRANT: /);
      expect(results.map((r) => r.value)).toEqual([10, 20]); // the updates kept their values
      expect(a.get('k')).toBe(10);
      expect(b.get('k')).toBe(20);
      a.set('k', 11); // and nothing is left locked
      b.set('k', 21);
      expect(a.stats().lockHolders).toEqual([]);
    } finally {
      clearTimeout(timer);
      await Promise.all(workers.map((w) => w.worker.terminate()));
    }
  });
});
