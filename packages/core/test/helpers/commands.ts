/**
 * Random command sequences over the whole ShardedMap surface, as plain data (so fast-check can
 * print and shrink them). `runner.ts` executes them against a map and a `Map` model.
 */
import fc from 'fast-check';
import { deltaArb, keyArb, valueArb } from './arbitraries.js';
import type { KeyCodec, ValueCodec } from './model.js';

export type Cmd =
  | { op: 'get' | 'has' | 'delete' | 'loadAndDelete'; k: unknown; kv: number }
  | { op: 'set' | 'loadOrStore' | 'swap'; k: unknown; v: unknown; kv: number; vv: number }
  | { op: 'cas'; k: unknown; useCurrent: boolean; expected: unknown; v: unknown; kv: number; vv: number }
  | { op: 'cad'; k: unknown; useCurrent: boolean; expected: unknown; kv: number; vv: number }
  | { op: 'update'; k: unknown; action: 'set' | 'delete' | 'throw' | 'mutate'; v: unknown; kv: number; vv: number }
  | { op: 'add'; k: unknown; delta: number; kv: number }
  | { op: 'bigSet'; k: unknown; size: number; kv: number }
  | { op: 'range'; stopAfter: number }
  | { op: 'bulkSet' | 'bulkDelete'; from: number; count: number }
  | { op: 'clear' | 'snapshot' | 'keys' | 'values' | 'entries' | 'iterator' | 'forEach' | 'stats' | 'reattach' };

export interface CmdOptions {
  /** Largest bulk insert/delete; keep small when every key collides. */
  bulkMax: number;
  /** Also set values of 1-300 KB (for runs against a small maxBytes). */
  bigValues?: boolean;
}

export function commandArb(kc: KeyCodec, vc: ValueCodec, o: CmdOptions): fc.Arbitrary<Cmd> {
  const k = keyArb(kc);
  const v = valueArb(vc);
  const variant = fc.integer({ min: 0, max: 2 });
  const w = <T>(weight: number, arbitrary: fc.Arbitrary<T>) => ({ weight, arbitrary });
  const lookup = (op: 'get' | 'has' | 'delete' | 'loadAndDelete') => fc.record({ op: fc.constant(op), k, kv: variant });
  const write = (op: 'set' | 'loadOrStore' | 'swap') => fc.record({ op: fc.constant(op), k, v, kv: variant, vv: variant });
  const simple = (op: 'clear' | 'snapshot' | 'keys' | 'values' | 'entries' | 'iterator' | 'forEach' | 'stats' | 'reattach') =>
    fc.constant({ op } as Cmd);
  const numeric = vc === 'any' || vc === 'number' || vc === 'int32' || vc === 'bigint';
  const arbs = [
    w(4, lookup('get')),
    w(2, lookup('has')),
    w(2, lookup('delete')),
    w(1, lookup('loadAndDelete')),
    w(6, write('set')),
    w(2, write('loadOrStore')),
    w(2, write('swap')),
    w(3, fc.record({ op: fc.constant('cas' as const), k, useCurrent: fc.boolean(), expected: v, v, kv: variant, vv: variant })),
    w(2, fc.record({ op: fc.constant('cad' as const), k, useCurrent: fc.boolean(), expected: v, kv: variant, vv: variant })),
    w(3, fc.record({ op: fc.constant('update' as const), k, action: fc.constantFrom('set' as const, 'delete' as const, 'throw' as const, 'mutate' as const), v, kv: variant, vv: variant })),
    w(numeric ? 3 : 0, fc.record({ op: fc.constant('add' as const), k, delta: deltaArb(vc), kv: variant })),
    w(1, fc.record({ op: fc.constant('range' as const), stopAfter: fc.integer({ min: 0, max: 20 }) })),
    w(2, fc.record({ op: fc.constantFrom('bulkSet' as const, 'bulkDelete' as const), from: fc.integer({ min: 0, max: 400 }), count: fc.integer({ min: 1, max: o.bulkMax }) })),
    w(o.bigValues ? 12 : 0, fc.record({ op: fc.constant('bigSet' as const), k, size: fc.integer({ min: 1000, max: 300_000 }), kv: variant })),
    w(1, simple('clear')),
    w(1, simple('snapshot')),
    w(1, simple('keys')),
    w(1, simple('values')),
    w(1, simple('entries')),
    w(1, simple('iterator')),
    w(1, simple('forEach')),
    w(1, simple('stats')),
    w(1, simple('reattach')),
  ].filter((a) => a.weight > 0);
  return fc.oneof(...(arbs as { weight: number; arbitrary: fc.Arbitrary<Cmd> }[]));
}

export interface MapOptions {
  keys: KeyCodec;
  values: ValueCodec;
  shards: number;
  capacity?: number;
  maxBytes?: number;
  seed: number;
}

export function optionsArb(kc: KeyCodec, vc: ValueCodec): fc.Arbitrary<MapOptions> {
  return fc.record(
    {
      keys: fc.constant(kc),
      values: fc.constant(vc),
      shards: fc.constantFrom(1, 2, 4, 16),
      capacity: fc.constantFrom(1, 4, 64),
      maxBytes: fc.constantFrom(16 * 2 ** 20, 64 * 2 ** 20),
      seed: fc.integer({ min: 0, max: 0x7fffffff }),
    },
    { requiredKeys: ['keys', 'values', 'shards', 'seed'] },
  );
}
