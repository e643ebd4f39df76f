/** Assertions shared by the error and semantics suites. */
import { expect } from 'vitest';
import type { ShardedMap } from '@shardmap/core';
import { canonKey, canonValue, valueDiff } from './model.js';

type AnyMap = ShardedMap<any, any>;

/** The whole map as sorted canonical "key=value" lines, read through snapshot() and entries(). */
export function state(map: AnyMap): string[] {
  const snap = [...map.snapshot()].map(([k, v]) => `${canonKey(k)}=${canonValue(v)}`).sort();
  const iter = [...map.entries()].map(([k, v]) => `${canonKey(k)}=${canonValue(v)}`).sort();
  expect(iter, 'entries() disagrees with snapshot()').toEqual(snap);
  expect(map.size, 'size disagrees with snapshot()').toBe(snap.length);
  return snap;
}

export function thrown(fn: () => unknown): any {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
}

/** fn must throw an instance of `ctor` whose `.code` is `code`. */
export function expectCode(fn: () => unknown, ctor: Function, code: string, what = ''): void {
  const e = thrown(fn);
  expect(e, `${what}: expected ${ctor.name} ${code}, nothing was thrown`).toBeDefined();
  expect(e instanceof ctor, `${what}: expected ${ctor.name}, got ${e?.name}: ${e?.message}`).toBe(true);
  expect(e.code, `${what}: wrong code (${e?.message})`).toBe(code);
}

/** The map still holds `before` and still works: a probe key can be set, read and removed. */
export function expectUnchangedAndUsable(map: AnyMap, before: string[], probeKey: unknown, probeValue: unknown, what = ''): void {
  expect(state(map), `${what}: map changed by a failed call`).toEqual(before);
  map.set(probeKey, probeValue);
  expect(valueDiff(map.get(probeKey), probeValue), `${what}: probe get after the error`).toBeNull();
  expect(map.has(probeKey)).toBe(true);
  expect(map.delete(probeKey)).toBe(true);
  expect(state(map), `${what}: probe set/delete left a trace`).toEqual(before);
}
