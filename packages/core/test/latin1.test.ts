/**
 * Strings stored one byte per code unit (slots.ts, T_LATIN1): a string is stored that way exactly
 * when every unit is below 256, so a key is found whichever form it was stored in, by lookups of
 * strings built in any way, in every mode; values come back as they went in; and the narrow form
 * takes half the blob bytes.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ShardedCache, ShardedMap } from '@shardmap/core';

/** Units at the edges: 0, 127, 128, 255 fit a byte; 256, 0xd800 (a lone surrogate), 0xffff do not. */
const unit = fc.constantFrom(0, 0x41, 0x7f, 0x80, 0xe9, 0xff, 0x100, 0x3b1, 0xd800, 0xdc00, 0xffff);
const text = fc.array(unit, { maxLength: 40 }).map((units) => String.fromCharCode(...units));

const makers = {
  striped: () => ShardedMap.create<string, string>({ keys: 'string', values: 'string', shards: 4, maxBytes: 1 << 24 }),
  syncmap: () => ShardedMap.create<string, string>({ keys: 'string', values: 'string', shards: 4, mode: 'syncmap', maxBytes: 1 << 24 }),
  any: () => ShardedMap.create<unknown, unknown>({ shards: 4, maxBytes: 1 << 24 }) as unknown as ShardedMap<string, string>,
};

describe('strings of one byte per unit and of two, side by side', () => {
  for (const [name, make] of Object.entries(makers)) {
    it(`${name}: set/get/has/delete/keys agree with a Map on strings with and without units above 255`, () => {
      fc.assert(
        fc.property(fc.array(fc.tuple(fc.constantFrom('set', 'delete'), text, text), { maxLength: 60 }), (ops) => {
          const m = make();
          const model = new Map<string, string>();
          for (const [op, k, v] of ops) {
            if (op === 'set') (m.set(k, v), model.set(k, v));
            else expect(m.delete(k)).toBe(model.delete(k));
          }
          expect(m.size).toBe(model.size);
          for (const [k, v] of model) {
            const rebuilt = [...k].join(''); // a different string object of the same units
            expect(m.get(rebuilt)).toBe(v);
            expect(m.has(k)).toBe(true);
          }
          for (const [, k] of ops) if (!model.has(k)) expect(m.get(k)).toBe(undefined);
          expect(new Map(m.entries())).toEqual(model);
        }),
        { numRuns: 60 },
      );
    });
  }

  it('a key one unit away from a stored one is another key, in either direction', () => {
    const m = makers.striped();
    m.set('caf\u00e9', 'narrow');
    m.set('caf\u0100', 'wide');
    m.set('caf\u00e9\u0100', 'wide, longer');
    expect(m.get('caf\u00e9')).toBe('narrow');
    expect(m.get('caf\u0100')).toBe('wide');
    expect(m.get('caf\u01e9')).toBe(undefined); // 0x1e9 & 0xff === 0xe9: not the narrow key
    expect(m.get('caf\u00e9\u0100')).toBe('wide, longer');
    expect(m.size).toBe(3);
  });

  it('a narrow key takes half the blob bytes of a wide one of the same length', () => {
    const bytes = (wide: boolean) => {
      const m = ShardedMap.create<string, number>({ keys: 'string', values: 'number', shards: 1 });
      const before = m.stats().bytesUsed;
      for (let i = 0; i < 1000; i++) m.set(`${wide ? '\u0100' : 'k'}${String(i).padStart(15, '0')}`, i); // 16 units
      return (m.stats().bytesUsed - before) / 1000;
    };
    const narrow = bytes(false);
    const wide = bytes(true);
    expect(wide - narrow).toBeGreaterThanOrEqual(15); // 32-byte blobs against 16-byte ones
    expect(wide - narrow).toBeLessThanOrEqual(17);
  });

  it('ShardedCache: narrow and wide keys and values, with eviction', () => {
    const cache = ShardedCache.create<string, string>({ maxEntries: 64, shards: 2 });
    const keys = Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? `n${i}\u00ff` : `w${i}\u2603`));
    for (const k of keys) cache.set(k, k + k);
    expect(cache.size).toBeLessThanOrEqual(64);
    let found = 0;
    for (const k of keys) {
      const v = cache.get(k);
      if (v !== undefined) (expect(v).toBe(k + k), found++);
    }
    expect(found).toBe(cache.size);
    for (const [k, v] of cache.entries()) expect(v).toBe(k + k);
  });
});
