// runWorkload: threads start together on a shared-memory barrier, count their ops, and the run is
// verified from what they report — including catching targets that misbehave on purpose.
import { ShardedMap } from '@shardmap/core';
import { runWorkload, WorkloadVerificationError, type WorkloadOptions, type WorkloadResult } from '@shardmap/harness';
import { describe, expect, it } from 'vitest';

const FAULTY = new URL('./fixtures/workers-faulty-adapter.mjs', import.meta.url);
const SLOW_OPEN = new URL('./fixtures/workers-slow-open-adapter.mjs', import.meta.url);

/** A small counted run on two threads; `seed` fixed so a failure can be replayed. */
const small = (extra: WorkloadOptions = {}): WorkloadOptions => ({ threads: 2, ops: 20_000, keys: 2_000, seed: 1234, ...extra });

function checkStatus(result: WorkloadResult, name: string): string | undefined {
  return result.verification.checks.find((c) => c.name === name)?.status;
}

/** Runs with the faulty adapter and returns the verification error it must raise. */
async function faultyRun(fault: string, extra: WorkloadOptions = {}): Promise<WorkloadVerificationError> {
  const map = ShardedMap.create<number, number>();
  const error = await runWorkload(small({ target: { adapter: FAULTY, config: { handle: map.handle, fault } }, ...extra })).catch((e: unknown) => e);
  expect(error, `fault ${fault} went unnoticed`).toBeInstanceOf(WorkloadVerificationError);
  return error as WorkloadVerificationError;
}

describe('runWorkload: barrier and counters', () => {
  it('a counted run does exactly the requested ops, split over the threads, and verifies', async () => {
    const result = await runWorkload(small({ ops: 20_001 }));
    expect(result.ops).toBe(20_001);
    expect(result.perThread.map((t) => t.ops)).toEqual([10_001, 10_000]);
    expect(Object.values(result.opCounts).reduce((a, b) => a + b, 0)).toBe(20_001);
    for (const t of result.perThread) expect(Object.values(t.opCounts).reduce((a, b) => a + b, 0)).toBe(t.ops);
    // the default mix (70/10/8/5/5/2) is exact over every 100 ops
    expect(result.opCounts.get).toBeGreaterThanOrEqual(0.69 * 20_001);
    expect(result.opCounts.range).toBeGreaterThan(0);
    expect(result.verification.verified).toBe(true);
    expect(result.verification.checks.filter((c) => c.status === 'fail')).toEqual([]);
    expect(checkStatus(result, 'final-size')).toBe('pass');
    expect(checkStatus(result, 'add-totals')).toBe('pass');
    expect(result.latencyUs.samples).toBeGreaterThan((20_000 / 64) * 0.7);
    // sampling is not aliased with the 100-slot op vector: every op kind in the mix gets timed
    for (const op of ['get', 'set', 'delete', 'update', 'add', 'range'] as const) expect(result.latencyByOpUs[op].samples, op).toBeGreaterThan(0);
    expect(result.latencyUs.p50).toBeGreaterThan(0);
    expect(result.latencyUs.p99).toBeGreaterThanOrEqual(result.latencyUs.p50);
    expect(result.mapStats?.size).toBeTypeOf('number');
  });

  it('no thread starts its timed ops before the slowest thread is ready', async () => {
    const map = ShardedMap.create<number, number>();
    const openedAt = new SharedArrayBuffer(3 * 8);
    const result = await runWorkload(small({
      threads: 3,
      target: { adapter: SLOW_OPEN, config: { handle: map.handle, openedAt, delays: [0, 600, 100] } },
    }));
    const lastReady = Math.max(...new Float64Array(openedAt));
    const starts = result.perThread.map((t) => t.startedAt);
    expect(Math.min(...starts)).toBeGreaterThanOrEqual(lastReady - 1); // 1 ms: clocks of different threads
    expect(Math.max(...starts) - Math.min(...starts)).toBeLessThan(450); // released together, not 600 ms apart
  });

  it('a timed run stops after its duration, with ops counted per thread', async () => {
    const result = await runWorkload({ threads: 2, durationMs: 300, keys: 1_000, seed: 7 });
        expect(result.elapsedMs).toBeGreaterThanOrEqual(290);
    expect(result.elapsedMs).toBeLessThan(5_000);
    expect(result.perThread).toHaveLength(2);
    for (const t of result.perThread) expect(t.ops).toBeGreaterThan(0);
    expect(result.opsPerSec).toBeGreaterThan(0);
  });

  it('reports progress while running', async () => {
    const seen: number[] = [];
    await runWorkload({ threads: 2, durationMs: 400, keys: 1_000, progressIntervalMs: 50, onProgress: (p) => seen.push(p.ops) });
    expect(seen.length).toBeGreaterThanOrEqual(3);
    expect(seen.at(-1)!).toBeGreaterThan(0);
    expect([...seen].sort((a, b) => a - b)).toEqual(seen); // never goes backwards
  });

  it('disjoint per-thread keys: every result matches the owning thread\'s exact model (zipf, bustle exchange)', async () => {
    const result = await runWorkload(small({ partition: 'disjoint', distribution: 'zipf', mix: 'exchange' }));
    expect(checkStatus(result, 'model')).toBe('pass');
    expect(result.verification.verified).toBe(true);
  });

  it('drives an async target through the same harness', async () => {
    const map = ShardedMap.create<number, number>();
    const result = await runWorkload(small({ target: { adapter: FAULTY, config: { handle: map.handle, fault: 'async' } } }));
    expect(result.target).toBe('workers-faulty-adapter');
    expect(result.verification.verified).toBe(true);
    expect(map.size).toBeGreaterThan(0);
  });
});

describe('runWorkload: verification catches broken results', () => {
  it('a target that drops writes fails the size check', async () => {
    const error = await faultyRun('drop-set');
    expect(error.code).toBe('ERR_SHARDMAP_HARNESS_VERIFY');
    expect(checkStatus(error.result, 'final-size')).toBe('fail');
    expect(error.message).toMatch(/final-size: size = prefill \d+ \+ inserted \d+ − deleted \d+: expected \d+, got \d+/);
  });

  it('a target that drops adds fails the counter totals', async () => {
    const error = await faultyRun('drop-add');
    expect(checkStatus(error.result, 'add-totals')).toBe('fail');
  });

  it('a target that returns another key\'s value fails the value check', async () => {
    const error = await faultyRun('wrong-value');
    expect(checkStatus(error.result, 'values')).toBe('fail');
    expect(error.message).toMatch(/does not belong to key/);
  });

  it('a range that visits a key twice fails the uniqueness check', async () => {
    const error = await faultyRun('range-twice');
    expect(checkStatus(error.result, 'range-unique')).toBe('fail');
  });

  it('a dropped write is caught by the per-thread model too (disjoint keys)', async () => {
    const error = await faultyRun('drop-set', { partition: 'disjoint' });
    expect(checkStatus(error.result, 'model')).toBe('fail');
  });

  it('failOnMismatch: false returns verified: false with reasons instead of throwing', async () => {
    const map = ShardedMap.create<number, number>();
    const result = await runWorkload(small({ failOnMismatch: false, target: { adapter: FAULTY, config: { handle: map.handle, fault: 'drop-add' } } }));
    expect(result.verification.verified).toBe(false);
    expect(result.verification.failures[0]).toMatch(/^add-totals: /);
  });
});

describe('runWorkload: errors', () => {
  it('a target missing an op the mix needs fails with the op named, and no thread is left behind', async () => {
    const map = ShardedMap.create<number, number>();
    const threadsBefore = (process.report.getReport() as { workers: unknown[] }).workers.length;
    await expect(runWorkload(small({ target: { adapter: FAULTY, config: { handle: map.handle, fault: 'no-update' } } })))
      .rejects.toThrow(/the mix runs "update" but the target has no update\(\)/);
    expect((process.report.getReport() as { workers: unknown[] }).workers.length).toBe(threadsBefore);
  });

  it('a thread that never finishes (a deadlocked target) fails the run instead of hanging it', async () => {
    const map = ShardedMap.create<number, number>();
    const threadsBefore = (process.report.getReport() as { workers: unknown[] }).workers.length;
    const run = runWorkload({ threads: 2, durationMs: 200, stopTimeoutMs: 500, keys: 1_000, target: { adapter: FAULTY, config: { handle: map.handle, fault: 'hang' } } });
    await expect(run).rejects.toMatchObject({ code: 'ERR_SHARDMAP_HARNESS_STALLED', message: expect.stringMatching(/^workload thread 1 did not finish within 500 ms/) });
    expect((process.report.getReport() as { workers: unknown[] }).workers.length).toBe(threadsBefore);
  });

  it('rejects bad options by name before starting threads', async () => {
    await expect(runWorkload({ mix: 'get=60,set=30' })).rejects.toThrow(/option "mix" percentages must add up to 100, got 90/);
    await expect(runWorkload({ threads: 0 })).rejects.toThrow(/option "threads"/);
    await expect(runWorkload({ durationMs: 10, ops: 10 })).rejects.toThrow(/exclude each other/);
    await expect(runWorkload({ sampleEvery: 0.5 })).rejects.toThrow(/option "sampleEvery" must be an integer/);
  });
});
