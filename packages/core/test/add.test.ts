/**
 * add(key, delta): an atomic counter on 'number', 'int32', 'bigint' values and on numbers under
 * 'any'; absent counts as 0; integers stay exact up to 2^53. Non-numeric targets throw TypeError
 * ERR_SHARDMAP_VALUE and leave the map unchanged.
 */
import { describe, expect, it } from 'vitest';
import { ShardedMap } from '@shardmap/core';
import { expectCode, expectUnchangedAndUsable, state } from './helpers/assert.js';
import { fmt } from './helpers/model.js';

const asBig = (x: number | bigint) => (typeof x === 'bigint' ? x : BigInt(x));

describe('add', () => {
  for (const values of ['number', 'int32', 'bigint', 'any'] as const) {
    it(`values '${values}': absent is 0, returns the new value, sums exactly`, () => {
      const m = ShardedMap.create<string, any>({ values, shards: 2 });
      const r = m.add('c', 5);
      expect(asBig(r)).toBe(5n);
      expect(m.get('c')).toBe(values === 'bigint' ? 5n : 5);
      let expected = 5;
      for (let i = 0; i < 10_000; i++) {
        const d = (i % 7) - 3;
        expected += d;
        expect(asBig(m.add('c', d))).toBe(BigInt(expected));
      }
      expect(m.get('c')).toBe(values === 'bigint' ? BigInt(expected) : expected);
      expect(asBig(m.add('c', 0))).toBe(BigInt(expected));
      expect(m.size).toBe(1);
      for (let k = 0; k < 300; k++) m.add(`k${k}`, k); // new keys through add force growth
      for (let k = 0; k < 300; k++) expect(asBig(m.get(`k${k}`))).toBe(BigInt(k));
      expect(m.size).toBe(301);
    });
  }

  for (const values of ['number', 'any'] as const) {
    it(`values '${values}': integers stay exact up to 2^53`, () => {
      const m = ShardedMap.create<string, number>({ values });
      m.set('c', 2 ** 53 - 10);
      for (let i = 9; i >= 0; i--) expect(m.add('c', 1)).toBe(2 ** 53 - i);
      expect(m.get('c')).toBe(2 ** 53);
      expect(m.add('d', 2 ** 52)).toBe(2 ** 52);
      expect(m.add('d', 2 ** 52)).toBe(2 ** 53);
      expect(m.add('e', -(2 ** 53) + 1)).toBe(-(2 ** 53) + 1);
      expect(m.add('e', 2 ** 53 - 1)).toBe(0);
      expect(m.add('f', 0.1)).toBe(0.1);
      expect(m.add('f', 0.2)).toBe(0.1 + 0.2);
    });
  }

  it("values 'bigint': stays exact beyond 2^53 (the stored value is a bigint)", () => {
    const m = ShardedMap.create<string, bigint>({ values: 'bigint' });
    m.set('c', 2n ** 60n);
    const r = m.add('c', 1);
    expect(typeof r === 'bigint' ? r === 2n ** 60n + 1n : r === Number(2n ** 60n + 1n), `add returned ${fmt(r)}`).toBe(true);
    expect(m.get('c')).toBe(2n ** 60n + 1n);
    m.add('c', -3);
    expect(m.get('c')).toBe(2n ** 60n - 2n);
  });

  it("values 'int32': near the edges", () => {
    const m = ShardedMap.create<string, number>({ values: 'int32' });
    m.set('c', 2 ** 31 - 2);
    expect(m.add('c', 1)).toBe(2 ** 31 - 1);
    m.set('d', -(2 ** 31) + 1);
    expect(m.add('d', -1)).toBe(-(2 ** 31));
  });

  describe('ERR_SHARDMAP_VALUE', () => {
    it("under 'any', a stored value that is not a number", () => {
      const m = ShardedMap.create<string, unknown>();
      const stored: unknown[] = ['5', { n: 1 }, [1], null, true, undefined, new Uint8Array([1]), new Date(1), ''];
      stored.forEach((v, i) => m.set(`k${i}`, v));
      m.set('num', 1);
      const before = state(m);
      stored.forEach((v, i) => {
        expectCode(() => m.add(`k${i}`, 1), TypeError, 'ERR_SHARDMAP_VALUE', `add on ${fmt(v)}`);
        expectUnchangedAndUsable(m, before, 'probe', 1, `add on ${fmt(v)}`);
      });
    });

    for (const values of ['string', 'bytes'] as const) {
      it(`values '${values}': add is refused for absent and present keys`, () => {
        const m = ShardedMap.create<string, any>({ values });
        m.set('present', values === 'string' ? '1' : new Uint8Array([1]));
        const before = state(m);
        for (const k of ['present', 'absent']) {
          expectCode(() => m.add(k, 1), TypeError, 'ERR_SHARDMAP_VALUE', `${values} add(${k})`);
          expect(state(m)).toEqual(before);
        }
      });
    }

    it("values 'int32': a result outside int32 or a fractional delta is refused", () => {
      const m = ShardedMap.create<string, number>({ values: 'int32' });
      m.set('max', 2 ** 31 - 1);
      m.set('min', -(2 ** 31));
      const before = state(m);
      expectCode(() => m.add('max', 1), TypeError, 'ERR_SHARDMAP_VALUE', 'int32 overflow');
      expectCode(() => m.add('min', -1), TypeError, 'ERR_SHARDMAP_VALUE', 'int32 underflow');
      expectCode(() => m.add('max', -0.5), TypeError, 'ERR_SHARDMAP_VALUE', 'fractional delta');
      expectCode(() => m.add('absent', 2 ** 31), TypeError, 'ERR_SHARDMAP_VALUE', 'absent + 2^31');
      expectUnchangedAndUsable(m, before, 'probe', 3, 'int32 add errors');
    });

    it("values 'bigint': a fractional delta is refused with a TypeError", () => {
      const m = ShardedMap.create<string, bigint>({ values: 'bigint' });
      m.set('c', 1n);
      const before = state(m);
      expectCode(() => m.add('c', 0.5), TypeError, 'ERR_SHARDMAP_VALUE', 'bigint + 0.5');
      expectUnchangedAndUsable(m, before, 'probe', 3n, 'bigint add error');
    });
  });
});
