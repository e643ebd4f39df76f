/**
 * compareAndSwap and compareAndDelete on one key from 4+ workers (Go's concurrent cache test,
 * hashtriemap): values are unique tokens, so the successes form a history we can audit. No token
 * may be consumed (replaced by CAS or removed by CAD) twice; everything consumed was produced;
 * and what is left in the map is exactly the one token produced and never consumed.
 */
import { describe, expect, it } from 'vitest';
import { createTestMap } from './helpers/modes.js';
import { runWorkers, seedFor } from './helpers/workers.js';

interface Log { created: string[]; swaps: [string, string][]; deletes: string[] }

const ID = {
  object: (v: any) => `${v.w}:${v.s}`,
  int: (v: number) => `${Math.floor(v / 1_000_000)}:${v % 1_000_000}`,
  bytes: (v: Uint8Array) => `${v[0]}:${v[1]! | (v[2]! << 8) | (v[3]! << 16)}`,
};

async function fight(options: object, kind: keyof typeof ID, workers: number, ops: number) {
  const seed = seedFor();
  const m = createTestMap<string, any>(options);
  const key = 'the-key';
  const datas = Array.from({ length: workers }, (_, i) => ({ handle: m.handle, seed: seed + i, ops, kind, key }));
  const logs = await runWorkers<Log>('cas.mjs', datas);
  const what = `seed ${seed}`;
  const produced = new Set<string>();
  const consumed = new Map<string, string>();
  const twice: string[] = [];
  const consume = (tok: string, how: string) => {
    if (consumed.has(tok)) twice.push(`token ${tok} consumed by ${consumed.get(tok)} and again by ${how}`);
    consumed.set(tok, how);
  };
  logs.forEach((l, w) => {
    for (const c of l.created) produced.add(c);
    for (const [from, to] of l.swaps) {
      produced.add(to);
      consume(from, `CAS in worker ${w}`);
    }
    for (const d of l.deletes) consume(d, `CAD in worker ${w}`);
  });
  expect(twice, `${what}: two operations succeeded on one observed value`).toEqual([]);
  expect([...consumed.keys()].filter((t) => !produced.has(t)), `${what}: consumed but never stored`).toEqual([]);
  const left = [...produced].filter((t) => !consumed.has(t));
  const final = m.get(key);
  expect(left, `${what}: tokens produced but never consumed`).toEqual(final === undefined ? [] : [ID[kind](final)]);
  const successes = logs.reduce((s, l) => s + l.swaps.length + l.deletes.length, 0);
  expect(successes, `${what}: no CAS/CAD ever succeeded`).toBeGreaterThan(workers);
}

describe('compareAndSwap / compareAndDelete on one key', () => {
  it("object values under 'any', 4 workers", () => fight({}, 'object', 4, 20_000));
  it("int32 values, 6 workers", () => fight({ values: 'int32' }, 'int', 6, 20_000));
  it("bytes values, 4 workers, 1 shard", () => fight({ values: 'bytes', shards: 1 }, 'bytes', 4, 20_000));
});
