/**
 * compareAndSwap / compareAndDelete compare by content (primitives by SameValueZero), and an
 * absent key never matches — not even `undefined` (Go's TestCompareAndSwap_NonExistingKey,
 * CompareAndDelete on an absent key is false).
 */
import { describe, expect, it } from 'vitest';
import { ShardedMap } from '@shardmap/core';
import { fmt } from './helpers/model.js';

describe('compareAndSwap / compareAndDelete', () => {
  it('absent key: both return false and nothing is stored (Go TestCompareAndSwap_NonExistingKey)', () => {
    const m = ShardedMap.create<any, any>();
    for (const expected of [undefined, null, 0, 42, 'x']) {
      expect(m.compareAndSwap('absent', expected, 42), fmt(expected)).toBe(false);
      expect(m.compareAndDelete('absent', expected), fmt(expected)).toBe(false);
    }
    expect(m.has('absent')).toBe(false);
    expect(m.size).toBe(0);
    m.set('gone', 1);
    m.delete('gone');
    expect(m.compareAndSwap('gone', 1, 2)).toBe(false);
    expect(m.has('gone')).toBe(false);
  });

  const EQUAL: [string, string, unknown, unknown][] = [
    ['any', 'nested objects', { a: [1, 2], b: { c: 'd' } }, { a: [1, 2], b: { c: 'd' } }],
    ['any', 'Uint8Array vs Buffer', new Uint8Array([1, 2, 3]), Buffer.from([1, 2, 3])],
    ['any', 'Uint8Array vs subarray', new Uint8Array([1, 2, 3]), new Uint8Array([0, 1, 2, 3, 4]).subarray(1, 4)],
    ['any', 'Dates with one time', new Date(5), new Date(5)],
    ['any', 'NaN', NaN, NaN],
    ['any', '-0 vs 0', -0, 0],
    ['any', '0 vs -0', 0, -0],
    ['any', 'undefined', undefined, undefined],
    ['any', 'big bigint', 2n ** 90n, 2n ** 90n],
    ['number', 'NaN', NaN, 0 / 0],
    ['number', '-0 vs 0', -0, 0],
    ['int32', 'same int', 7, 7],
    ['bigint', 'same bigint', 2n ** 62n, 2n ** 62n],
    ['string', 'same string', 'é😀', 'é😀'],
    ['bytes', 'Buffer', new Uint8Array([9, 9]), Buffer.from([9, 9])],
    ['json', 'nested json', { a: [1, null] }, { a: [1, null] }],
  ];
  for (const [values, name, stored, expected] of EQUAL) {
    it(`values '${values}': ${name} match`, () => {
      const m = ShardedMap.create<string, any>({ values: values as any });
      m.set('k', stored);
      const repl = values === 'any' || values === 'json' ? { replaced: true } : stored;
      expect(m.compareAndSwap('k', expected, repl), 'compareAndSwap').toBe(true);
      m.set('k', stored);
      expect(m.compareAndDelete('k', expected), 'compareAndDelete').toBe(true);
      expect(m.has('k')).toBe(false);
    });
  }

  const DIFFERENT: [string, string, unknown, unknown][] = [
    ['any', "1 vs '1'", 1, '1'],
    ['any', '1 vs 1n', 1, 1n],
    ['any', '1 vs [1]', 1, [1]],
    ['any', 'undefined vs null', undefined, null],
    ['any', 'bytes differ', new Uint8Array([1, 2]), new Uint8Array([1, 3])],
    ['any', 'bytes vs array', new Uint8Array([1, 2]), [1, 2]],
    ['any', 'nested differ', { a: [1, 2] }, { a: [1, 2, 3] }],
    ['any', 'Dates differ', new Date(5), new Date(6)],
    ['any', 'Date vs its number', new Date(5), 5],
    ['any', "'' vs 0", '', 0],
    ['number', '1 vs 2', 1, 2],
    ['bigint', '1n vs 2n', 1n, 2n],
    ['string', 'lone surrogates', '\uD800', '\uDC00'],
    ['bytes', 'prefix', new Uint8Array([1, 2]), new Uint8Array([1])],
  ];
  for (const [values, name, stored, expected] of DIFFERENT) {
    it(`values '${values}': ${name} do not match`, () => {
      const m = ShardedMap.create<string, any>({ values: values as any });
      m.set('k', stored);
      const repl = values === 'number' ? 3 : values === 'bigint' ? 3n : values === 'string' ? 'r' : values === 'bytes' ? new Uint8Array([3]) : 'r';
      expect(m.compareAndSwap('k', expected, repl)).toBe(false);
      expect(m.compareAndDelete('k', expected)).toBe(false);
      expect(m.has('k')).toBe(true);
      expect(m.compareAndSwap('k', stored, repl)).toBe(true);
    });
  }

  it('a successful compareAndSwap stores a copy of the replacement', () => {
    const m = ShardedMap.create<string, any>();
    m.set('k', 1);
    const repl = { list: [1] };
    expect(m.compareAndSwap('k', 1, repl)).toBe(true);
    repl.list.push(2);
    expect(m.get('k')).toEqual({ list: [1] });
    expect(m.compareAndSwap('k', { list: [1] }, 2)).toBe(true);
    expect(m.get('k')).toBe(2);
  });
});
