// The workload's building blocks, in-process: mix parsing, the op vector, the seeded PRNG, the
// Zipf and uniform samplers, the per-thread key split and the value encoding.
import { describe, expect, it } from 'vitest';
import { buildOpVector, checkMix, MIX_PRESETS, OP_NAMES, parseMix, withoutOps } from '../packages/harness/src/mix.js';
import { createRandom, isValueOf, keySlice, prefillKeys, uniformSampler, valueFor, zipfSampler } from '../packages/harness/src/keys.js';

const SEED = 20251121;

describe('mixes', () => {
  it('parses presets, named percentages with bustle aliases, and positional percentages', () => {
    expect(parseMix('read-heavy')).toEqual({ get: 98, set: 1, delete: 1 });
    expect(parseMix('read=90, insert=5,remove=4,iterate=1')).toEqual({ get: 90, set: 5, delete: 4, range: 1 });
    expect(parseMix('10/40/40/10')).toEqual({ get: 10, set: 40, delete: 40, update: 10 });
    expect(() => parseMix('get=90,fly=10')).toThrow(/cannot read "fly=10"/);
    expect(() => parseMix('1/1/1/1/1/1/94')).toThrow(/at most 6/);
  });

  it('checks that a mix adds up to 100 with known ops', () => {
    expect(checkMix({ get: 99.5, add: 0.5 })).toMatchObject({ get: 99.5, add: 0.5, set: 0 });
    expect(() => checkMix({ get: 99 })).toThrow(/add up to 100, got 99/);
    expect(() => checkMix({ get: 101, set: -1 })).toThrow(/"set" must be a non-negative percentage/);
    for (const { mix } of Object.values(MIX_PRESETS)) expect(() => checkMix(mix)).not.toThrow();
  });

  it('drops ops from a mix and scales the rest back to 100 (the postMessage comparison)', () => {
    const typical = checkMix(parseMix('typical'));
    const rest = withoutOps(typical, ['update', 'range']);
    expect(rest).toEqual({ get: 84.3, set: 8.43, delete: 5.27, update: 0, add: 2, range: 0 });
    expect(() => checkMix(rest)).not.toThrow();
    expect(withoutOps(checkMix({ get: 50, update: 50 }), ['update'])).toEqual({ get: 100, set: 0, delete: 0, update: 0, add: 0, range: 0 });
    expect(() => withoutOps(checkMix({ update: 100 }), ['update'])).toThrow(/nothing left/);
  });

  it('builds an op vector with exactly the mix\'s proportions, shuffled', () => {
    const vector = buildOpVector(checkMix(parseMix('mixed')), createRandom(SEED, 0));
    expect(vector).toHaveLength(100);
    const counts = OP_NAMES.map((_, code) => vector.filter((c) => c === code).length);
    expect(counts).toEqual([70, 10, 8, 5, 5, 2]);
    const typical = buildOpVector(checkMix(parseMix('typical')), createRandom(SEED, 0));
    expect(typical).toHaveLength(1000);
    expect(OP_NAMES.map((_, code) => typical.filter((c) => c === code).length)).toEqual([800, 80, 50, 50, 19, 1]);
    expect([...vector.slice(0, 20)].every((c) => c === 0)).toBe(false); // not left in sorted order
    const fine = buildOpVector(checkMix({ get: 99.9, set: 0.1 }), createRandom(SEED, 0));
    expect(fine).toHaveLength(1000);
    expect(fine.filter((c) => c === 1)).toHaveLength(1);
  });
});

describe('keys', () => {
  it('the PRNG is reproducible per (seed, stream) and different across streams', () => {
    const draw = (seed: number, stream: number) => { const r = createRandom(seed, stream); return Array.from({ length: 5 }, r); };
    expect(draw(SEED, 0)).toEqual(draw(SEED, 0));
    expect(draw(SEED, 0)).not.toEqual(draw(SEED, 1));
    expect(draw(SEED, 0).every((x) => x >= 0 && x < 1)).toBe(true);
  });

  it('uniform covers the key space evenly', () => {
    const n = 10, draws = 100_000;
    const sample = uniformSampler(n, createRandom(SEED, 0));
    const hist = new Array<number>(n).fill(0);
    for (let i = 0; i < draws; i++) hist[sample()]! += 1;
    for (const h of hist) expect(Math.abs(h - draws / n)).toBeLessThan(draws / n * 0.05);
  });

  it('zipf(0.99) is heavily skewed, stays in range, and spreads hot keys over the space', () => {
    const n = 10_000, draws = 200_000;
    const sample = zipfSampler(n, 0.99, createRandom(SEED, 0));
    const hist = new Map<number, number>();
    for (let i = 0; i < draws; i++) {
      const k = sample();
      expect(k >= 0 && k < n && Number.isInteger(k)).toBe(true);
      hist.set(k, (hist.get(k) ?? 0) + 1);
    }
    const byCount = [...hist.entries()].sort((a, b) => b[1] - a[1]);
    // rank 1 of zipf(0.99) over 10k keys has p ≈ 1/H(10k, 0.99) ≈ 0.1; the top 1 % of keys take well over half
    expect(byCount[0]![1] / draws).toBeGreaterThan(0.08);
    expect(byCount.slice(0, n / 100).reduce((s, [, c]) => s + c, 0) / draws).toBeGreaterThan(0.5);
    expect(byCount.slice(0, 5).map(([k]) => k)).not.toEqual([0, 1, 2, 3, 4]); // scrambled
  });

  it('disjoint slices partition the keys; prefill shares never overlap', () => {
    const keys = 1003, threads = 3;
    const owned = new Set<number>();
    for (let w = 0; w < threads; w++) {
      const s = keySlice('disjoint', keys, w, threads);
      for (let i = 0; i < s.count; i++) {
        const k = s.first + i * s.stride;
        expect(owned.has(k)).toBe(false);
        owned.add(k);
      }
    }
    expect(owned.size).toBe(keys);
    const prefilled = [0, 1, 2].flatMap((w) => prefillKeys('shared', keySlice('shared', keys, w, threads), 0.5, w, threads));
    expect(new Set(prefilled).size).toBe(prefilled.length);
    expect(prefilled).toHaveLength(Math.floor(keys * 0.5));
  });

  it('values name their key', () => {
    expect(isValueOf(valueFor(17, 100, 3), 17, 100)).toBe(true);
    expect(isValueOf(valueFor(18, 100, 3), 17, 100)).toBe(false);
    expect(isValueOf(17, 17, 100)).toBe(false); // tag 0 is never written
    expect(isValueOf('317', 17, 100)).toBe(false);
  });
});
