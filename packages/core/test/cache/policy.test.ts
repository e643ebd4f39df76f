/**
 * The eviction policy in shared memory (src/cache/policy.ts) against its plain model
 * (model.ts): random operation sequences must give the same victims and the same lists, and
 * after every operation every node is in exactly one list (or free), the sizes add up and stay
 * within maximum. Set SHARDMAP_SEED to replay a seed that fast-check printed.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EvictionPolicy, FREE, PROBATION, PROTECTED, WINDOW, policyLayout } from '../../src/cache/policy.js';
import { SEED } from '../helpers/seed.js';
import { PolicyModel } from './model.js';

type Op = { kind: 'insert'; key: number } | { kind: 'access'; pick: number } | { kind: 'remove'; pick: number } | { kind: 'clear' };

const CANARY = 0x5a5a5a5a;

/** A policy between canaries, so a write outside its region shows. */
function makePolicy(maximum: number): { policy: EvictionPolicy; i32: Int32Array; base: number; end: number } {
  const len = policyLayout(maximum).int32s;
  const base = 4;
  const i32 = new Int32Array(new SharedArrayBuffer((len + 8) * 4));
  i32.fill(CANARY);
  return { policy: EvictionPolicy.init(i32, base, maximum), i32, base, end: base + len };
}

function listOf(p: EvictionPolicy, seg: number): number[] {
  const out: number[] = [];
  for (let n = p.first(seg); n >= 0; n = p.after(n)) {
    out.push(n);
    if (out.length > p.maximum + 1) throw new Error(`policy: list ${seg} does not end`);
  }
  return out;
}

function checkInvariants(p: EvictionPolicy, m: PolicyModel): void {
  const lists = [listOf(p, WINDOW), listOf(p, PROBATION), listOf(p, PROTECTED)];
  expect(lists).toEqual([[...m.window.keys()], [...m.probation.keys()], [...m.protected.keys()]]);
  const seen = new Set<number>();
  lists.forEach((list, i) => {
    for (const n of list) {
      expect(seen.has(n), `node ${n} in two lists`).toBe(false);
      seen.add(n);
      expect(p.segmentOf(n)).toBe(WINDOW + i);
    }
  });
  for (let n = 0; n <= p.maximum; n++) if (!seen.has(n)) expect(p.segmentOf(n)).toBe(FREE);
  expect(p.size).toBe(seen.size);
  expect(p.size).toBeLessThanOrEqual(p.maximum);
  expect(p.windowMax).toBe(m.windowMax);
  expect(p.windowMax).toBeGreaterThanOrEqual(1);
  expect(p.windowMax).toBeLessThanOrEqual(p.maximum);
}

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('insert' as const), key: fc.integer({ min: 0, max: 400 }) }) },
  { weight: 8, arbitrary: fc.record({ kind: fc.constant('access' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('remove' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'clear' as const }) },
);

/** Replays `ops` on both; keys map to hashes by fmix32, so repeated keys build frequency. */
function replay(maximum: number, ops: readonly Op[], check: boolean): void {
  const { policy, i32, base, end } = makePolicy(maximum);
  const model = new PolicyModel(maximum);
  const nodeKey = new Map<number, number>();
  const keyNode = new Map<number, number>();
  const live = (): number[] => [...nodeKey.keys()];
  const forget = (node: number): void => {
    keyNode.delete(nodeKey.get(node)!);
    nodeKey.delete(node);
  };
  for (const op of ops) {
    if (op.kind === 'insert') {
      const existing = keyNode.get(op.key);
      if (existing !== undefined) {
        policy.onAccess(existing);
        model.onAccess(existing);
      } else {
        let node = 0;
        while (nodeKey.has(node)) node++;
        nodeKey.set(node, op.key);
        keyNode.set(op.key, node);
        const hash = fmix32(op.key ^ 0x6b43a9b5);
        const victim = policy.onInsert(node, hash);
        expect(victim).toBe(model.onInsert(node, hash));
        if (victim >= 0) forget(victim);
      }
    } else if (op.kind === 'access' || op.kind === 'remove') {
      const nodes = live();
      // Sometimes a node that is free: the replay of a stale hit, or a double remove.
      const node = op.pick % 5 === 0 ? op.pick % (maximum + 1) : nodes.length > 0 ? nodes[op.pick % nodes.length]! : 0;
      if (op.kind === 'access') {
        policy.onAccess(node);
        model.onAccess(node);
      } else {
        policy.onRemove(node);
        model.onRemove(node);
        if (nodeKey.has(node)) forget(node);
      }
    } else {
      policy.clear();
      model.clear();
      nodeKey.clear();
      keyNode.clear();
    }
    if (check) checkInvariants(policy, model);
  }
  checkInvariants(policy, model);
  for (let i = 0; i < base; i++) expect(i32[i]).toBe(CANARY);
  for (let i = end; i < i32.length; i++) expect(i32[i]).toBe(CANARY);
}

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

describe('eviction policy against its model', () => {
  it('same victims and lists, invariants after every op (small caches)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 24 }), fc.array(opArb, { maxLength: 400 }), (maximum, ops) => replay(maximum, ops, true)),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('same victims through many climbs and agings (long runs)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 64 }), fc.array(opArb, { minLength: 2000, maxLength: 6000 }), (maximum, ops) => replay(maximum, ops, false)),
      { seed: SEED ^ 1, numRuns: 20 },
    );
  });

  it('same victims on skewed keys in larger caches (hot candidates, decaying steps)', () => {
    const skewedOp = fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.nat()).map(([u, r]): Op =>
      r % 4 === 0 ? { kind: 'access', pick: r } : { kind: 'insert', key: Math.floor(u ** 3 * 3000) },
    );
    fc.assert(
      fc.property(fc.integer({ min: 40, max: 300 }), fc.array(skewedOp, { minLength: 15_000, maxLength: 25_000 }), (maximum, ops) => replay(maximum, ops, false)),
      { seed: SEED ^ 2, numRuns: 6 },
    );
  });

  it('moves the window: the climber changes windowMax on a skewed then a scanning load', () => {
    const maximum = 50;
    const { policy } = makePolicy(maximum);
    const seen = new Set<number>([policy.windowMax]);
    let node = 0;
    const resident = new Map<number, number>();
    for (let i = 0; i < 40_000; i++) {
      const key = i < 20_000 ? (i * 7919) % 60 : i % 200;
      const hit = resident.get(key);
      if (hit !== undefined) policy.onAccess(hit);
      else {
        while ([...resident.values()].includes(node)) node = (node + 1) % (maximum + 1);
        resident.set(key, node);
        const v = policy.onInsert(node, fmix32(key));
        if (v >= 0) for (const [k, n] of resident) if (n === v) resident.delete(k);
      }
      seen.add(policy.windowMax);
    }
    expect(seen.size).toBeGreaterThan(2);
  });

  it('rejects a maximum outside 1..2^26', () => {
    const i32 = new Int32Array(new SharedArrayBuffer(4096));
    expect(() => EvictionPolicy.init(i32, 0, 0)).toThrow(/maximum/);
  });
});

describe('a scribbled policy region', () => {
  it('a list head that names a node of another list is reported as corrupt, not followed', () => {
    const maximum = 16;
    const { policy, i32, base } = makePolicy(maximum);
    for (let node = 0; node < maximum; node++) expect(policy.onInsert(node, Math.imul(node + 1, 0x9e3779b1))).toBe(-1);
    expect(policy.windowMax).toBe(1);
    const inProbation = policy.first(PROBATION);
    expect(policy.segmentOf(inProbation)).toBe(PROBATION);
    policy.onRemove(policy.after(inProbation)); // room for one more, the window keeps its one node
    // The window's sentinel is node maximum + WINDOW: point its head at a probation node.
    i32[base + policyLayout(maximum).next + maximum + WINDOW] = inProbation;
    let thrown: unknown;
    try {
      policy.onInsert(maximum, 12345); // the window overflows: its "least recent" moves to probation
    } catch (e) {
      thrown = e;
    }
    expect((thrown as { code?: string } | undefined)?.code).toBe('ERR_SHARDMAP_CORRUPT');
  });
});
