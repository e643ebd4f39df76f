/**
 * Key identity from the contract's "Keys and values": SameValueZero numbers, code-unit strings,
 * bigints by value, bytes by content (any view), tuples element-wise, and under 'any' no two
 * types equal. Also what keys() hands back, and that a key found in one instance is found by an
 * attached instance.
 */
import { describe, expect, it } from 'vitest';
import { ShardedMap } from '@shardmap/core';
import { thrown } from './helpers/assert.js';
import { canonKey, fmt } from './helpers/model.js';

describe('key equality', () => {
  it("under 'any', 1, '1', 1n, [1], true and new Uint8Array([1]) are six keys", () => {
    const m = ShardedMap.create<any, any>();
    const keys = [1, '1', 1n, [1], true, new Uint8Array([1]), [[1]], ['1'], [1n]];
    keys.forEach((k, i) => m.set(k, i));
    expect(m.size).toBe(keys.length);
    keys.forEach((k, i) => expect(m.get(k), fmt(k)).toBe(i));
    const canon = [...m.keys()].map(canonKey).sort();
    expect(canon).toEqual(keys.map(canonKey).sort());
  });

  it("0, -0, '0', 0n, '', null, undefined, false, [] are distinct under 'any'; -0 and 0 are one", () => {
    const m = ShardedMap.create<any, any>();
    const keys = [0, '0', 0n, '', null, undefined, false, [], [0], new Uint8Array(0)];
    keys.forEach((k, i) => m.set(k, i));
    expect(m.size).toBe(keys.length);
    expect(m.get(-0)).toBe(0);
    m.set(-0, 'minus zero');
    expect(m.size).toBe(keys.length);
    expect(m.get(0)).toBe('minus zero');
    expect(m.get([-0])).toBe(8);
  });

  it('NaN is found by any NaN, in every numeric codec and inside tuples', () => {
    for (const keys of ['any', 'number'] as const) {
      const m = ShardedMap.create<any, any>({ keys });
      m.set(NaN, 1);
      expect(m.get(Number('x'))).toBe(1);
      expect(m.get(0 / 0)).toBe(1);
      m.set(-NaN, 2);
      expect(m.size).toBe(1);
      expect(Number.isNaN([...m.keys()][0])).toBe(true);
    }
    const t = ShardedMap.create<any, any>();
    t.set([NaN, 'a'], 1);
    expect(t.get([0 / 0, 'a'])).toBe(1);
  });

  it('keys() gives back +0 for a -0 key, as Map does', () => {
    for (const keys of ['any', 'number', 'int32'] as const) {
      const m = ShardedMap.create<any, any>({ keys });
      m.set(-0, 1);
      expect(m.get(0), keys).toBe(1);
      expect(Object.is([...m.keys()][0], 0), `keys '${keys}' returned -0`).toBe(true);
    }
  });

  it('strings compare by code units: lone surrogates, U+FFFD and paired surrogates are distinct', () => {
    for (const keys of ['any', 'string'] as const) {
      const m = ShardedMap.create<any, any>({ keys });
      const ks = ['\uD800', '\uDC00', '\uFFFD', '\uD800\uDC00', '\u{10000}x', '\uDC00\uD800', '?', 'é', 'e\u0301', 'x'.repeat(10_000), 'x'.repeat(10_001)];
      ks.forEach((k, i) => m.set(k, i));
      expect(m.size, `keys '${keys}'`).toBe(ks.length);
      ks.forEach((k, i) => expect(m.get(k), `keys '${keys}' ${fmt(k)}`).toBe(i));
      const back = new Set([...m.keys()] as string[]);
      ks.forEach((k) => expect(back.has(k), `keys() lost ${fmt(k)}`).toBe(true));
    }
  });

  it('bytes keys equal by content across Uint8Array, Buffer and subarray views', () => {
    for (const keys of ['any', 'bytes'] as const) {
      const m = ShardedMap.create<any, any>({ keys });
      const content = [3, 1, 4, 1, 5, 9, 2, 6];
      m.set(new Uint8Array(content), 'pi');
      const big = new Uint8Array([0xaa, ...content, 0xbb]);
      expect(m.get(big.subarray(1, 9)), keys).toBe('pi');
      expect(m.get(Buffer.from(content)), keys).toBe('pi');
      expect(m.has(new Uint8Array(content.slice(0, 7))), keys).toBe(false);
      m.set(Buffer.from(content), 'pi2');
      expect(m.size).toBe(1);
      const k = [...m.keys()][0] as Uint8Array;
      expect(k instanceof Uint8Array).toBe(true);
      expect(k.buffer instanceof SharedArrayBuffer, 'keys() returned a view of shared memory').toBe(false);
      expect([...k]).toEqual(content);
      k[0] = 99; // a returned key is a copy
      expect(m.get(new Uint8Array(content))).toBe('pi2');
    }
  });

  it('nested tuples compare element-wise and are copied on the way in', () => {
    const m = ShardedMap.create<any, any>();
    const key: unknown[] = [1, ['a', [2n, new Uint8Array([7])]], NaN, null];
    m.set(key, 'nested');
    (key[1] as unknown[])[0] = 'b';
    expect(m.get([1, ['a', [2n, Buffer.from([7])]], NaN, null])).toBe('nested');
    expect(m.get([1, ['a', [2n, new Uint8Array([7])]], NaN])).toBeUndefined();
    expect(m.get([1, ['a', [2, new Uint8Array([7])]], NaN, null])).toBeUndefined();
    expect(m.get([1, 'a', 2n, new Uint8Array([7]), NaN, null])).toBeUndefined();
    expect(canonKey([...m.keys()][0])).toBe(canonKey([1, ['a', [2n, new Uint8Array([7])]], NaN, null]));
  });

  it("a bigint key outside 64 bits is either refused with ERR_SHARDMAP_KEY or kept exactly (never truncated)", () => {
    for (const keys of ['bigint', 'any'] as const) {
      const m = ShardedMap.create<any, any>({ keys });
      m.set(0n, 'zero');
      m.set(-1n, 'minus one');
      for (const k of [2n ** 64n, 2n ** 64n - 1n, -(2n ** 63n) - 1n, 2n ** 100n]) {
        const e = thrown(() => m.set(k, 'big'));
        if (e) {
          expect(keys, `'any' must hold every bigint key (${k})`).toBe('bigint');
          expect(e instanceof TypeError && (e as any).code === 'ERR_SHARDMAP_KEY', `${k}: ${e}`).toBe(true);
        } else {
          expect(m.get(k), `${k}`).toBe('big');
          m.delete(k);
        }
        expect(m.get(0n), `after ${k}`).toBe('zero');
        expect(m.get(-1n), `after ${k}`).toBe('minus one');
      }
      expect(m.size).toBe(2);
    }
  });

  it('int32 keys cover the whole range; -0 is 0', () => {
    const m = ShardedMap.create<number, number>({ keys: 'int32', values: 'int32' });
    for (const k of [-(2 ** 31), -1, 0, 1, 2 ** 31 - 1]) m.set(k, k | 0);
    m.set(-0, 5);
    expect(m.size).toBe(5);
    expect(m.get(0)).toBe(5);
    expect(m.get(-(2 ** 31))).toBe(-(2 ** 31));
    expect(m.get(2 ** 31 - 1)).toBe(2 ** 31 - 1);
  });

  it('a key set through one instance is found through an attached instance (every shape)', () => {
    const m = ShardedMap.create<any, any>();
    const keys = [NaN, -0, '0', 0n, '', '\uD83D\uDE00'.repeat(300), new Uint8Array([1, 2]), [1, ['x', 2n]], null, undefined, true, 2n ** 70n, 1.5];
    keys.forEach((k, i) => m.set(k, i));
    const other = ShardedMap.attach<any, any>(structuredClone(m.handle));
    keys.forEach((k, i) => expect(other.get(Array.isArray(k) ? structuredClone(k) : k), fmt(k)).toBe(i));
    expect(other.size).toBe(keys.length);
  });
});
