/**
 * mode 'syncmap': a thread that dies inside update() leaves its shard locked and the key's cell
 * SEALED (lock-free writers must not pass a seal). Recovery takes the lock over and unseals the
 * cell: the value is the one before the call, and lock-free writes of that key work again.
 */
import { Worker } from 'node:worker_threads';
import { ShardedMap } from '@shardmap/core';
import { describe, expect, it } from 'vitest';

async function dieInsideUpdate(map: ShardedMap<string, number>, key: string): Promise<number> {
  const gate = new Int32Array(new SharedArrayBuffer(8));
  const worker = new Worker(new URL('./fixtures/seal-holder.mjs', import.meta.url), { workerData: { handle: map.handle, gate: gate.buffer, key } });
  const token = await new Promise<number>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  // Wait until the callback runs: the lock is held and the cell sealed.
  while (Atomics.load(gate, 0) === 0) await Atomics.waitAsync(gate, 0, 0, 1000).value;
  await worker.terminate();
  return token;
}

describe("mode 'syncmap': recovery after a death inside update()", () => {
  it('recoverThread unseals the cell: the old value stays and lock-free writes of the key take no lock', async () => {
    const map = ShardedMap.create<string, number>({ mode: 'syncmap', shards: 2 });
    for (let i = 0; i < 16; i++) map.set(`k${i}`, i);
    map.range(() => true); // promote: every key in its shard's snapshot
    const token = await dieInsideUpdate(map, 'k3');

    const report = ShardedMap.recoverThread(map.handle, token);
    expect(report.owners).toBe(1);
    expect(report.shardsRecovered).toBe(1);
    expect(map.get('k3')).toBe(3); // the update never happened

    const locks = () => map.stats().lockAcquisitions; // stats() itself locks each of the 2 shards
    const before = locks();
    map.set('k3', 30); // a snapshot key, inline value: one compareExchange, unless still sealed
    expect(map.swap('k3', 31)).toEqual({ previous: 30, loaded: true });
    expect(locks() - before - 2).toBe(0);
    expect(map.delete('k3')).toBe(true); // a presence change: under the lock (syncmap/engine.ts invariant 8)
    expect(map.get('k3')).toBeUndefined();
    for (let i = 0; i < 16; i++) if (i !== 3) expect(map.get(`k${i}`)).toBe(i);
    expect(map.size).toBe(15);
  });
});
