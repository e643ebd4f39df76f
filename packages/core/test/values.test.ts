/**
 * Values round-trip by value, as Map would return them but always as copies: -0 stays -0, NaN
 * stays NaN, Dates come back as Dates, Uint8Arrays as fresh unshared copies; mutating what went
 * in or what came out never changes the map. Every value codec, every returning method.
 */
import { describe, expect, it } from 'vitest';
import { ShardedMap } from '@shardmap/core';
import { valueDiff, fmt, scribble, deepCopy } from './helpers/model.js';
import type { ValueCodec } from './helpers/model.js';

const SAMPLES: Record<ValueCodec, unknown[]> = {
  any: [
    undefined, null, true, false, 0, -0, NaN, Infinity, -Infinity, 2 ** 53, 1.5, '', 'ключ😀', '\uD800', 0n, -(2n ** 90n),
    new Uint8Array([1, 2, 3]), new Uint8Array(0), new Date(0), new Date(-1e12),
    { a: 1, nested: { b: [1, 'x', { c: null }], u: undefined, d: new Date(7), z: -0 } },
    [[], [[]], [1, [2, [3]]], { bytes: new Uint8Array([9]) }, NaN],
    { '0': 'zero', '10': 'ten', long: 'x'.repeat(5000) },
  ],
  string: ['', 'a', 'é😀', '\uD800', '\uDFFF\uD800', 'x'.repeat(100_000)],
  number: [0, -0, NaN, Infinity, -Infinity, Number.MIN_VALUE, Number.MAX_VALUE, 2 ** 53 + 2, -1.5],
  int32: [0, 1, -1, 2 ** 31 - 1, -(2 ** 31)],
  bigint: [0n, 1n, -1n, 2n ** 63n - 1n, -(2n ** 63n)],
  bytes: [new Uint8Array(0), new Uint8Array([0]), new Uint8Array(70_000).fill(3)],
  json: [null, true, 0, 1.25, 'é😀', [], {}, { a: [1, { b: 'c' }], d: null }],
};

function check(actual: unknown, expected: unknown, what: string) {
  const d = valueDiff(actual, expected);
  expect(d, `${what}: ${fmt(actual)} vs ${fmt(expected)}`).toBeNull();
}

describe('value round trip', () => {
  for (const vc of Object.keys(SAMPLES) as ValueCodec[]) {
    it(`values '${vc}': get, iteration, snapshot and the sync.Map methods return equal copies`, () => {
      const m = ShardedMap.create<number, any>({ keys: 'int32', values: vc, shards: 2 });
      const samples = SAMPLES[vc];
      samples.forEach((v, i) => {
        const input = deepCopy(v, i % 3);
        m.set(i, input);
        scribble(input); // the map must have copied it
      });
      samples.forEach((v, i) => {
        const got = m.get(i);
        check(got, v, `get(${i})`);
        scribble(got);
        check(m.get(i), v, `get(${i}) after scribbling the previous result`);
      });
      for (const [k, v] of m.entries()) check(v, samples[k], `entries() ${k}`);
      for (const [k, v] of m.snapshot()) check(v, samples[k], `snapshot() ${k}`);
      m.forEach((v, k) => check(v, samples[k], `forEach ${k}`));
      m.range((k, v) => void check(v, samples[k], `range ${k}`));
      samples.forEach((v, i) => {
        const los = m.loadOrStore(i, samples[0]);
        expect(los.loaded).toBe(true);
        check(los.value, v, `loadOrStore(${i})`);
        scribble(los.value);
        const sw = m.swap(i, deepCopy(v, 1));
        check(sw.previous, v, `swap(${i}).previous`);
        scribble(sw.previous);
        m.update(i, (cur) => {
          check(cur, v, `update(${i}) argument`);
          scribble(cur);
          return deepCopy(v, 2);
        });
        check(m.get(i), v, `get(${i}) after update`);
        const ld = m.loadAndDelete(i);
        check(ld.value, v, `loadAndDelete(${i})`);
        expect(m.has(i)).toBe(false);
      });
      expect(m.size).toBe(0);
    });
  }

  it("'any' stores undefined as a present value", () => {
    const m = ShardedMap.create<string, unknown>();
    m.set('u', undefined);
    expect(m.has('u')).toBe(true);
    expect(m.size).toBe(1);
    expect(m.loadOrStore('u', 5)).toEqual({ value: undefined, loaded: true });
    expect(m.swap('u', undefined)).toEqual({ previous: undefined, loaded: true });
    expect([...m.entries()]).toEqual([['u', undefined]]);
    expect(m.compareAndDelete('u', undefined)).toBe(true);
    expect(m.has('u')).toBe(false);
  });

  it('a Buffer value comes back as bytes with the same content, not sharing memory', () => {
    const m = ShardedMap.create<string, Uint8Array>({ values: 'bytes' });
    const b = Buffer.from('hello');
    m.set('b', b);
    b.fill(0);
    const got = m.get('b')!;
    expect(got instanceof Uint8Array).toBe(true);
    expect(got.buffer instanceof SharedArrayBuffer).toBe(false);
    expect(Buffer.from(got).toString()).toBe('hello');
    expect(m.get('b')).not.toBe(got);
  });

  it("'any' keeps lone surrogates in strings nested inside objects and arrays", () => {
    const m = ShardedMap.create<string, unknown>();
    const samples = ['\uD800', '\uDC00', 'a\uDBFFb', '\uDC00\uD800'];
    for (const s of samples) {
      m.set('top', s);
      expect(m.get('top'), `top-level ${JSON.stringify(s)}`).toBe(s);
      m.set('nested', { s, list: [s] });
      expect(m.get('nested'), `nested ${JSON.stringify(s)}`).toEqual({ s, list: [s] });
    }
  });

  it("'any' keeps every valid Date exactly, including the extremes of the Date range", () => {
    const m = ShardedMap.create<string, unknown>();
    for (const t of [0, -1, 1.7e12 + 123, 4398949048788855, 8.64e15 - 1, -8.64e15 + 1, 8.64e15, -8.64e15]) {
      m.set('d', new Date(t));
      expect((m.get('d') as Date).getTime(), `Date(${t})`).toBe(t);
      m.set('n', [{ d: new Date(t) }]);
      expect((m.get('n') as { d: Date }[])[0]!.d.getTime(), `nested Date(${t})`).toBe(t);
    }
  });

  it("'json' returns what JSON.parse(JSON.stringify(v)) returns", () => {
    const m = ShardedMap.create<string, unknown>({ values: 'json' });
    const v = { d: new Date(0), arr: [1, 'two'], nested: { x: null } };
    m.set('k', v);
    expect(m.get('k')).toEqual(JSON.parse(JSON.stringify(v)));
  });
});
