/**
 * Map's argument handling where ShardedMap mirrors it (forEach), and the errors a new user meets
 * first: an unknown option, a map passed where its handle belongs; and what console.log shows.
 */
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ShardedMap } from '../src/index.js';

describe.each(['striped', 'syncmap'] as const)("Map fidelity, mode '%s'", (mode) => {
  it('forEach throws TypeError for a non-callable callback before anything else, as Map does, even on an empty map', () => {
    for (const bad of [undefined, null, 1, 'f', {}, Symbol('s')]) {
      const empty = ShardedMap.create({ mode });
      expect(() => empty.forEach(bad as never), String(bad)).toThrow(TypeError);
      expect(() => new Map().forEach(bad as never)).toThrow(TypeError);
    }
  });

  it("forEach passes thisArg as the callback's this, and (value, key, map)", () => {
    const m = ShardedMap.create<string, number>({ mode });
    m.set('a', 1);
    const self = { seen: [] as unknown[] };
    m.forEach(function (this: typeof self, value, key, map) {
      this.seen.push([value, key, map === m]);
    }, self);
    expect(self.seen).toEqual([[1, 'a', true]]);
    let strictThis: unknown = 'unset';
    m.forEach(function (this: unknown) {
      strictThis = this;
    });
    expect(strictThis).toBeUndefined();
  });

  it('util.inspect shows the size, mode, shards and memory, not the bytes', () => {
    const m = ShardedMap.create({ mode, shards: 4 });
    m.set(1, 2);
    const shown = inspect(m);
    expect(shown).toMatch(new RegExp(`^ShardedMap\\(1\\) <${mode}, 4 shards, \\d+ bytes used of \\d+>$`));
  });
});

describe('errors a new user meets first', () => {
  it('an unknown option throws ERR_SHARDMAP_OPTION naming it', () => {
    expect(() => ShardedMap.create({ shard: 4 } as never)).toThrow(expect.objectContaining({ code: 'ERR_SHARDMAP_OPTION', message: expect.stringContaining('shard') }));
    expect(() => ShardedMap.create({ valus: 'number' } as never)).toThrow(/valus/);
  });

  it('attach(map) instead of attach(map.handle) says to pass .handle', () => {
    const m = ShardedMap.create();
    expect(() => ShardedMap.attach(m as never)).toThrow(expect.objectContaining({ code: 'ERR_SHARDMAP_BAD_BUFFER', message: expect.stringContaining('map.handle') }));
    expect(ShardedMap.attach(m.handle).size).toBe(0);
  });
});
