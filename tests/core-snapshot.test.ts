/**
 * "snapshot() is one instant for the whole map": writers store a round number into 16 keys in
 * index order, so any single instant shows non-increasing values that differ by at most one;
 * concurrent snapshots must never show anything else.
 */
import { describe, expect, it } from 'vitest';
import { createTestMap } from './helpers/modes.js';
import { startWorkers } from './helpers/workers.js';

async function snapshotsUnderWrites(options: object, writers: number, snapshotters: number, snapshots: number) {
  const K = 16;
  const m = createTestMap<string, number>({ keys: 'string', values: 'int32', ...options });
  for (let w = 0; w < writers; w++) for (let j = 0; j < K; j++) m.set(`w${w}:${j}`, 0);
  const stop = new SharedArrayBuffer(4);
  const datas = [
    ...Array.from({ length: writers }, () => ({ role: 'writer', handle: m.handle, stop, K })),
    ...Array.from({ length: snapshotters }, () => ({ role: 'snapshotter', handle: m.handle, snapshots, writers, K })),
  ];
  const started = startWorkers<{ rounds?: number; moving?: number }>('snapshot.mjs', datas, 60_000);
  await Promise.all(started.each.slice(writers)).finally(() => Atomics.store(new Int32Array(stop), 0, 1));
  const results = await started.results;
  expect(results.slice(0, writers).every((r) => r.rounds! > 1)).toBe(true);
}

describe('snapshot is one instant', () => {
  it('2 writers x 16 keys over 16 shards, 2 snapshotters x 2000 snapshots', () => snapshotsUnderWrites({ shards: 16 }, 2, 2, 2000));
  it('3 writers, 4 shards, 1 snapshotter x 3000 snapshots', () => snapshotsUnderWrites({ shards: 4 }, 3, 1, 3000));
});
