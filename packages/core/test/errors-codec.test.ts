/**
 * Error rows "a key its codec cannot hold" (TypeError ERR_SHARDMAP_KEY) and "a value its codec
 * cannot hold" (TypeError ERR_SHARDMAP_VALUE), for every codec and every method that writes.
 * Lookups may throw ERR_SHARDMAP_KEY or answer "not found". After every error the map must hold
 * exactly what it held before and still work.
 */
import { describe, expect, it } from 'vitest';
import { ShardedMap } from '@shardmap/core';
import { expectCode, expectUnchangedAndUsable, state, thrown } from './helpers/assert.js';
import { fmt } from './helpers/model.js';
import type { KeyCodec, ValueCodec } from './helpers/model.js';

const cyclic: Record<string, unknown> = { a: 1 };
cyclic.self = cyclic;

const BAD_KEYS: Record<KeyCodec, unknown[]> = {
  any: [{}, { a: 1 }, () => 1, Symbol('k'), new Date(0), new Map(), [1, {}], [Symbol('k')], [[() => 1]]],
  string: [1, 1n, null, undefined, true, {}, Symbol('k'), ['a'], new Uint8Array(1)],
  number: ['1', 1n, null, undefined, true, {}, [1], Symbol('k')],
  int32: [1.5, NaN, Infinity, -Infinity, 2 ** 31, -(2 ** 31) - 1, '1', 1n, null, undefined],
  bigint: [1.5, '1', null, undefined, {}, true, Symbol('k')],
  bytes: ['ab', [1, 2], 1, null, undefined, {}, Symbol('k')],
};
const GOOD_KEYS: Record<KeyCodec, unknown[]> = {
  any: [1, '1', 1n, [1], new Uint8Array([1]), null],
  string: ['a', '', 'ключ'],
  number: [1, NaN, -0.5],
  int32: [1, -1, 2 ** 31 - 1],
  bigint: [1n, -5n],
  bytes: [new Uint8Array([1]), new Uint8Array(0)],
};

const BAD_VALUES: Record<ValueCodec, unknown[]> = {
  any: [Symbol('v'), () => 1, { f: () => 1 }, [Symbol('v')], new WeakMap(), { s: Symbol('v') }],
  string: [1, null, undefined, {}, 1n, Symbol('v'), new Uint8Array(1)],
  number: ['1', 1n, null, undefined, {}, true],
  int32: [1.5, NaN, 2 ** 31, -(2 ** 31) - 1, '1', 1n, undefined],
  bigint: [1.5, '1', null, {}, undefined],
  bytes: ['ab', [1], 1, null, {}, undefined],
  json: [undefined, Symbol('v'), () => 1, 1n, cyclic, { a: 1n }],
};
/** A key of each codec that GOOD_KEYS lacks, for the usability probe after an error. */
const PROBE_KEY: Record<KeyCodec, unknown> = {
  any: 'probe',
  string: 'probe',
  number: 12345.5,
  int32: 12345,
  bigint: 12345n,
  bytes: new Uint8Array([0xfe, 0xfd]),
};
const GOOD_VALUE: Record<ValueCodec, unknown> = {
  any: { n: 1, d: new Date(5), b: new Uint8Array([9]) },
  string: 'fine',
  number: 1.5,
  int32: 7,
  bigint: 7n,
  bytes: new Uint8Array([7, 7]),
  json: { ok: [1, 'two', null] },
};

describe('ERR_SHARDMAP_KEY', () => {
  for (const kc of Object.keys(BAD_KEYS) as KeyCodec[]) {
    it(`keys '${kc}': writes throw, lookups throw or miss, map unchanged`, () => {
      const map = ShardedMap.create<any, any>({ keys: kc, values: 'number', capacity: 4 });
      GOOD_KEYS[kc].forEach((k, i) => map.set(k, i));
      const before = state(map);
      for (const bad of BAD_KEYS[kc]) {
        const what = `keys '${kc}', key ${fmt(bad)}`;
        const writes: [string, () => unknown][] = [
          ['set', () => map.set(bad, 1)],
          ['loadOrStore', () => map.loadOrStore(bad, 1)],
          ['swap', () => map.swap(bad, 1)],
          ['update', () => map.update(bad, () => 1)],
          ['add', () => map.add(bad, 1)],
        ];
        for (const [name, call] of writes) {
          expectCode(call, TypeError, 'ERR_SHARDMAP_KEY', `${what}: ${name}`);
          expectUnchangedAndUsable(map, before, PROBE_KEY[kc], 99, `${what}: ${name}`);
        }
        const lookups: [string, () => unknown, unknown][] = [
          ['get', () => map.get(bad), undefined],
          ['has', () => map.has(bad), false],
          ['delete', () => map.delete(bad), false],
          ['loadAndDelete', () => map.loadAndDelete(bad), { value: undefined, loaded: false }],
          ['compareAndSwap', () => map.compareAndSwap(bad, 1, 2), false],
          ['compareAndDelete', () => map.compareAndDelete(bad, 1), false],
        ];
        for (const [name, call, miss] of lookups) {
          let r: unknown;
          const e = thrown(() => (r = call()));
          if (e !== undefined) {
            expect(e instanceof TypeError && (e as any).code === 'ERR_SHARDMAP_KEY', `${what}: ${name} threw ${e?.name} ${e?.code}: ${e?.message}`).toBe(true);
          } else {
            expect(r, `${what}: ${name} must answer "not found"`).toEqual(miss);
          }
          expectUnchangedAndUsable(map, before, PROBE_KEY[kc], 99, `${what}: ${name}`);
        }
      }
    });
  }
});

describe('ERR_SHARDMAP_VALUE', () => {
  for (const vc of Object.keys(BAD_VALUES) as ValueCodec[]) {
    it(`values '${vc}': every writing method throws, map unchanged`, () => {
      const map = ShardedMap.create<any, any>({ keys: 'string', values: vc, capacity: 4 });
      map.set('present', GOOD_VALUE[vc]);
      map.set('other', GOOD_VALUE[vc]);
      const before = state(map);
      for (const bad of BAD_VALUES[vc]) {
        const what = `values '${vc}', value ${fmt(bad)}`;
        const calls: [string, () => unknown][] = [
          ['set absent', () => map.set('absent', bad)],
          ['set present', () => map.set('present', bad)],
          ['loadOrStore absent', () => map.loadOrStore('absent', bad)],
          ['swap absent', () => map.swap('absent', bad)],
          ['swap present', () => map.swap('present', bad)],
          ['compareAndSwap matching', () => map.compareAndSwap('present', GOOD_VALUE[vc], bad)],
        ];
        // update treats a returned undefined as "delete", so undefined is no bad value there.
        if (bad !== undefined) {
          calls.push(['update absent', () => map.update('absent', () => bad)]);
          calls.push(['update present', () => map.update('present', () => bad)]);
        }
        for (const [name, call] of calls) {
          expectCode(call, TypeError, 'ERR_SHARDMAP_VALUE', `${what}: ${name}`);
          expectUnchangedAndUsable(map, before, 'probe', GOOD_VALUE[vc], `${what}: ${name}`);
        }
      }
    });
  }
});

describe('a throwing update callback', () => {
  it('propagates the error and leaves the key as it was (present and absent)', () => {
    const map = ShardedMap.create<any, any>({ capacity: 2 });
    for (let i = 0; i < 50; i++) map.set(i, { i });
    const before = state(map);
    const boom = new Error('boom');
    for (const key of [7, 'absent']) {
      let seen: unknown = 'not called';
      const e = thrown(() =>
        map.update(key, (cur) => {
          seen = cur;
          throw boom;
        }),
      );
      expect(e, `update(${fmt(key)}) must rethrow the callback's error`).toBe(boom);
      expect(seen).toEqual(key === 7 ? { i: 7 } : undefined);
      expectUnchangedAndUsable(map, before, 'probe', 1, `update(${fmt(key)}) throwing`);
    }
  });
});
