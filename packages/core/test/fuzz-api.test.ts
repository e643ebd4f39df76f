import { serialize } from 'node:v8';
/**
 * API fuzz: every method of ShardedMap given garbage (wrong types, huge strings and bigints, deep
 * nesting, cyclic and null-prototype objects, symbols, functions, Proxies — throwing, revoked, or
 * wrapping a Uint8Array —, objects with throwing getters, views of the map's own buffer) must
 *  - throw only what the contract documents for that method (TypeError ERR_SHARDMAP_KEY /
 *    ERR_SHARDMAP_VALUE, RangeError ERR_SHARDMAP_FULL, ERR_SHARDMAP_BAD_BUFFER for attach,
 *    ERR_SHARDMAP_OPTION for create), or the very error that user code (a getter, a Proxy trap, a
 *    callback) threw, or, like Map.forEach, a TypeError for a callback that is not callable;
 *  - leave the map exactly as it was when it throws;
 *  - answer "not found" for lookups of keys that are not in the map, and store what it accepted.
 * Every case runs on a fresh 1 MiB map holding a few entries. All cases run (no stop at the first
 * failure) so the figure counts them; the first distinct failures are listed with their inputs.
 * SHARDMAP_SEED replays a run (fast-check seed).
 */
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ShardedMap } from '@shardmap/core';
import { canonKey, canonValue, fmt } from './helpers/model.js';

const RUNS_PER_CONFIG = Number(process.env.SHARDMAP_FUZZ_RUNS ?? 1200);
/** A call slower than this on a 1 MiB map is a hang in the making (Map answers in microseconds). */
const SLOW_MS = 1000;
const SEED = process.env.SHARDMAP_SEED !== undefined ? Number(process.env.SHARDMAP_SEED) | 0 : (Math.random() * 2 ** 31) | 0;

type AnyMap = ShardedMap<any, any>;
const SENTINEL = new Error('thrown by user code (getter, trap or callback)');
const boom = (): never => {
  throw SENTINEL;
};

interface Config {
  options: { keys?: any; values?: any };
  /** Entries every case starts with (keys chosen so that generated garbage does not hit them). */
  prefill: [unknown, unknown][];
}
const CONFIGS: Config[] = [
  { options: {}, prefill: [['\u0001pre', 1], [[1e9, 'pre'], { v: [1, 'x'] }], [987654321987n, 'text']] },
  { options: { keys: 'string', values: 'number' }, prefill: [['\u0001pre-a', 1.5], ['\u0001pre-b', -0]] },
  { options: { keys: 'int32', values: 'int32' }, prefill: [[0x7654321, 7], [-0x7654321, -7]] },
  { options: { keys: 'bigint', values: 'bigint' }, prefill: [[987654321987654321n, 5n]] },
  { options: { keys: 'bytes', values: 'bytes' }, prefill: [[new Uint8Array([0xfe, 0xed, 0x01]), new Uint8Array([9, 9])]] },
  { options: { keys: 'number', values: 'json' }, prefill: [[0.123456789, { a: [1, null] }]] },
  { options: { keys: 'any', values: 'string' }, prefill: [['\u0001pre', 'v'], [true, 'yes']] },
];

// --- garbage -----------------------------------------------------------------------------------
function nest(depth: number, wrap: (v: unknown) => unknown): unknown {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = wrap(v);
  return v;
}
const once = <T>(make: () => T): (() => T) => {
  let v: T | undefined;
  return () => (v ??= make());
};
const HUGE_STRING = once(() => 'x'.repeat(2 ** 20)); // 2 MiB of UTF-16: more than the map may hold
const BIG_STRING = once(() => 'y'.repeat(200_000));
const DEEP_ARRAY = once(() => nest(100_000, (v) => [v]));
const DEEP_OBJECT = once(() => nest(100_000, (v) => ({ v })));
const revoked = (target: object) => {
  const r = Proxy.revocable(target, {});
  r.revoke();
  return r.proxy;
};
const cyclic = () => {
  const o: Record<string, unknown> = { a: 1 };
  o.self = o;
  return o;
};
const sparse = (length: number) => {
  const a: unknown[] = [];
  a.length = length;
  return a;
};

/** Named factories (the map is passed for values that are views of its own buffer). */
const SPECIALS: [string, (m: AnyMap) => unknown][] = [
  ['huge string (2^20 units)', HUGE_STRING],
  ['200k-unit string', BIG_STRING],
  ['lone surrogates', () => '\ud800\udc00\udc00\ud800'],
  ['2n ** 100000n', () => 2n ** 100000n],
  ['-0', () => -0],
  ['NaN', () => NaN],
  ['array nested 100,000 deep', DEEP_ARRAY],
  ['object nested 100,000 deep', DEEP_OBJECT],
  ['array nested 60 deep', () => nest(60, (v) => [v])],
  ['cyclic object', cyclic],
  ['cyclic array', () => {
    const a: unknown[] = [1];
    a.push(a);
    return a;
  }],
  ['sparse array of length 1e6', () => sparse(1e6)],
  ['sparse array of length 2^20', () => sparse(2 ** 20)],
  ['Symbol()', () => Symbol('garbage')],
  ['Symbol.iterator', () => Symbol.iterator],
  ['arrow function', () => () => 1],
  ['class', () => class Garbage {}],
  ['async function', () => async () => 1],
  ['generator function', () => function* gen() {}],
  ['object with a throwing getter', () => ({ a: 1, get b() { return boom(); } })],
  ['array with a throwing element getter', () => Object.defineProperty([1, 2], 1, { get: boom, enumerable: true })],
  ['object whose toJSON throws', () => ({ toJSON: boom })],
  ['object with throwing Symbol.toPrimitive', () => ({ [Symbol.toPrimitive]: boom, valueOf: boom, toString: boom })],
  ['Proxy whose every trap throws', () => new Proxy({}, { get: boom, ownKeys: boom, getPrototypeOf: boom, has: boom, getOwnPropertyDescriptor: boom })],
  ['Proxy of an array whose length throws', () => new Proxy([1, 2], { get: (t, p) => (p === 'length' ? boom() : Reflect.get(t, p)) })],
  ['Proxy of a Uint8Array', () => new Proxy(new Uint8Array([1, 2, 3]), {})],
  ['revoked Proxy of an object', () => revoked({})],
  ['revoked Proxy of an array', () => revoked([])],
  ['Object.create(null)', () => Object.assign(Object.create(null), { a: 1 })],
  ['object with __proto__ own key', () => JSON.parse('{"__proto__": {"x": 1}, "constructor": 2}')],
  ['new String("a")', () => new String('a')],
  ['new Number(1)', () => new Number(1)],
  ['Date(NaN)', () => new Date(NaN)],
  ['Map', () => new Map([[1, 2]])],
  ['WeakMap', () => new WeakMap()],
  ['RegExp', () => /x/g],
  ['Error', () => new Error('e')],
  ['Promise', () => Promise.resolve(1)],
  ['Int16Array', () => new Int16Array([1, -1])],
  ['Float64Array', () => new Float64Array([NaN])],
  ['DataView', () => new DataView(new ArrayBuffer(4))],
  ['ArrayBuffer', () => new ArrayBuffer(4)],
  ['SharedArrayBuffer', () => new SharedArrayBuffer(8)],
  ['Buffer', () => Buffer.from('abc')],
  ['Uint8Array over the whole map buffer', (m) => new Uint8Array(m.handle.memory.buffer)],
  ['Uint8Array over the map header', (m) => new Uint8Array(m.handle.memory.buffer, 0, 256)],
  ['the map itself', (m) => m],
  ['the map handle', (m) => m.handle],
  ['{ kind: "shardmap", buffer: new SharedArrayBuffer(1024) }', () => ({ kind: 'shardmap', buffer: new SharedArrayBuffer(1024) })],
  ['globalThis', () => globalThis],
  ['Math', () => Math],
  ['process.env', () => process.env],
];

interface Arg {
  label: string;
  make: (m: AnyMap) => unknown;
}
const label = (v: unknown): string => {
  try {
    const s = fmt(v);
    return s.length > 80 ? `${s.slice(0, 77)}...` : s;
  } catch {
    return `<${typeof v}>`;
  }
};
const garbage: fc.Arbitrary<Arg> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...SPECIALS).map(([name, make]): Arg => ({ label: name, make })) },
  {
    weight: 3,
    arbitrary: fc
      .anything({ maxDepth: 3, withBigInt: true, withDate: true, withMap: true, withSet: true, withTypedArray: true, withSparseArray: true, withNullPrototype: true, withBoxedValues: true, withObjectString: true })
      .map((v): Arg => ({ label: label(v), make: () => v })),
  },
  { weight: 1, arbitrary: fc.oneof(fc.double(), fc.integer(), fc.bigInt(), fc.string({ unit: 'binary' })).map((v): Arg => ({ label: label(v), make: () => v })) },
);
/** A valid key of the config that is not in the map, or one that is. */
const freshKey: Record<string, unknown> = { any: 'fresh', string: 'fresh', int32: 12345, bigint: 12345n, bytes: new Uint8Array([7]), number: 0.5 };
const goodValue: Record<string, unknown> = { any: { ok: 1 }, string: 'ok', number: 2.5, int32: 3, bigint: 3n, bytes: new Uint8Array([3]), json: { ok: true } };
const argFor = (c: Config): fc.Arbitrary<Arg> =>
  fc.oneof(
    { weight: 4, arbitrary: garbage },
    { weight: 1, arbitrary: fc.constant<Arg>({ label: 'a fresh valid key', make: () => freshKey[c.options.keys ?? 'any'] }) },
    { weight: 1, arbitrary: fc.constant<Arg>({ label: 'a present key', make: () => c.prefill[0]![0] }) },
    { weight: 1, arbitrary: fc.constant<Arg>({ label: 'a valid value', make: () => goodValue[c.options.values ?? 'any'] }) },
  );

// --- methods and what each may throw --------------------------------------------------------------
type Kind = 'lookup' | 'write' | 'read' | 'callback' | 'attach' | 'create' | 'clear';
const METHODS: Record<string, { kind: Kind; codes: string[]; run: (m: AnyMap, a: unknown, b: unknown, c: unknown) => unknown }> = {
  get: { kind: 'lookup', codes: ['ERR_SHARDMAP_KEY'], run: (m, a) => m.get(a) },
  has: { kind: 'lookup', codes: ['ERR_SHARDMAP_KEY'], run: (m, a) => m.has(a) },
  delete: { kind: 'lookup', codes: ['ERR_SHARDMAP_KEY'], run: (m, a) => m.delete(a) },
  loadAndDelete: { kind: 'lookup', codes: ['ERR_SHARDMAP_KEY'], run: (m, a) => m.loadAndDelete(a) },
  compareAndDelete: { kind: 'lookup', codes: ['ERR_SHARDMAP_KEY'], run: (m, a, b) => m.compareAndDelete(a, b) },
  compareAndSwap: { kind: 'lookup', codes: ['ERR_SHARDMAP_KEY', 'ERR_SHARDMAP_VALUE'], run: (m, a, b, c) => m.compareAndSwap(a, b, c) },
  set: { kind: 'write', codes: ['ERR_SHARDMAP_KEY', 'ERR_SHARDMAP_VALUE', 'ERR_SHARDMAP_FULL'], run: (m, a, b) => m.set(a, b) },
  loadOrStore: { kind: 'write', codes: ['ERR_SHARDMAP_KEY', 'ERR_SHARDMAP_VALUE', 'ERR_SHARDMAP_FULL'], run: (m, a, b) => m.loadOrStore(a, b) },
  swap: { kind: 'write', codes: ['ERR_SHARDMAP_KEY', 'ERR_SHARDMAP_VALUE', 'ERR_SHARDMAP_FULL'], run: (m, a, b) => m.swap(a, b) },
  add: { kind: 'write', codes: ['ERR_SHARDMAP_KEY', 'ERR_SHARDMAP_VALUE', 'ERR_SHARDMAP_FULL'], run: (m, a, b) => m.add(a, b as number) },
  'update (value from garbage)': { kind: 'write', codes: ['ERR_SHARDMAP_KEY', 'ERR_SHARDMAP_VALUE', 'ERR_SHARDMAP_FULL'], run: (m, a, b) => m.update(a, () => b) },
  'update (garbage callback)': { kind: 'callback', codes: ['ERR_SHARDMAP_KEY', 'ERR_SHARDMAP_VALUE', 'ERR_SHARDMAP_FULL'], run: (m, a, b) => m.update(a, b as any) },
  forEach: { kind: 'callback', codes: [], run: (m, a, b) => (m.forEach as any)(b, a) },
  range: { kind: 'callback', codes: [], run: (m, a, b) => m.range(b as any) },
  'keys/values/entries/iterator': { kind: 'read', codes: [], run: (m, a) => [...(m.keys as any)(a), ...(m.values as any)(a), ...(m.entries as any)(a), ...m] },
  'snapshot/stats/size': { kind: 'read', codes: [], run: (m, a) => [(m.snapshot as any)(a), (m.stats as any)(a), m.size] },
  clear: { kind: 'clear', codes: [], run: (m, a) => (m.clear as any)(a) },
  attach: { kind: 'attach', codes: ['ERR_SHARDMAP_BAD_BUFFER'], run: (_m, a) => ShardedMap.attach(a as any) },
  create: { kind: 'create', codes: ['ERR_SHARDMAP_OPTION', 'ERR_SHARDMAP_FULL'], run: (_m, a) => ShardedMap.create(a as any) },
};
const CLASS_OF: Record<string, Function> = {
  ERR_SHARDMAP_KEY: TypeError,
  ERR_SHARDMAP_VALUE: TypeError,
  ERR_SHARDMAP_FULL: RangeError,
  ERR_SHARDMAP_OPTION: RangeError,
  ERR_SHARDMAP_BAD_BUFFER: Error,
};

// --- one case --------------------------------------------------------------------------------------
/** The map as canonical key → value lines; also checks that size, snapshot and entries agree. */
function stateOf(m: AnyMap): Map<string, string> {
  const snap = new Map([...m.snapshot()].map(([k, v]) => [canonKey(k), canonValue(v)]));
  const iterated = [...m.entries()].map(([k]) => canonKey(k));
  if (m.size !== snap.size || iterated.length !== snap.size || new Set(iterated).size !== snap.size) {
    throw new Error(`size ${m.size}, snapshot ${snap.size}, entries ${iterated.length} (${new Set(iterated).size} distinct)`);
  }
  return snap;
}
const same = (a: Map<string, string>, b: Map<string, string>, except?: string) =>
  [...new Set([...a.keys(), ...b.keys()])].every((k) => k === except || a.get(k) === b.get(k));
/** Holes of a sparse array read as undefined, as the map returns them. */
const dense = (k: unknown): unknown => (Array.isArray(k) ? Array.from(k, dense) : k);
const tryCanonKey = (k: unknown): string | undefined => {
  try {
    return canonKey(dense(k));
  } catch {
    return undefined;
  }
};

/** Runs one call; returns why it broke the contract, or null. */
/** Primitives by Object.is (NaN, -0); structured values by their structured-clone bytes (a number's
 *  bytes depend on V8's internal representation, so primitives cannot be compared that way). */
function sameContent(x: unknown, y: unknown): boolean {
  if (typeof x !== 'object' || x === null || typeof y !== 'object' || y === null) return Object.is(x, y);
  return serialize(x).equals(serialize(y));
}

function runCase(config: Config, method: string, args: Arg[]): string | null {
  const m = ShardedMap.create<any, any>({ ...config.options, maxBytes: 2 ** 20, shards: 4 });
  for (const [k, v] of config.prefill) m.set(k, v);
  const spec = METHODS[method]!;
  const [a, b, c] = args.map((x) => x.make(m));
  const before = stateOf(m);
  const keyId = tryCanonKey(a);
  const present = keyId !== undefined && before.has(keyId);
  let result: unknown;
  const started = performance.now();
  try {
    result = spec.run(m, a, b, c);
  } catch (e: any) {
    if (performance.now() - started > SLOW_MS) return `took ${Math.round(performance.now() - started)} ms to throw`;
    const code = e?.code;
    const userError = e === SENTINEL || (spec.kind === 'callback' && e instanceof TypeError && code === undefined);
    const documented = spec.codes.includes(code) && e instanceof CLASS_OF[code]!;
    if (!userError && !documented) return `undocumented error ${e?.constructor?.name ?? typeof e} ${code ?? '(no code)'}: ${String(e?.message).slice(0, 120)}`;
    return same(before, stateOf(m)) ? null : `the map changed although the call threw ${code ?? e?.message}`;
  }
  if (performance.now() - started > SLOW_MS) return `took ${Math.round(performance.now() - started)} ms`;
  const after = stateOf(m);
  const r = result as any;
  switch (spec.kind) {
    case 'lookup': {
      if (present) return same(before, after, keyId) ? null : 'a lookup changed other entries';
      const notFound = method === 'get' ? r === undefined : method === 'loadAndDelete' ? r.loaded === false && r.value === undefined : r === false;
      if (!notFound) return `answered ${label(r)} for a key that is not in the map`;
      return same(before, after) ? null : 'a lookup of an absent key changed the map';
    }
    case 'write': {
      // A view of the map's own buffer changes while the call writes: only count its entries.
      if (a instanceof Uint8Array && a.buffer instanceof SharedArrayBuffer) return after.size <= before.size + 1 ? null : 'more than one entry added';
      if (!same(before, after, keyId)) return `${keyId === undefined ? 'accepted a key the contract does not allow, or ' : ''}changed other entries`;
      const removed = method.startsWith('update') && r === undefined;
      if (keyId !== undefined && after.has(keyId) === removed) return `after success the key is ${removed ? 'still' : 'not'} there`;
      if (!present && (method === 'loadOrStore' || method === 'swap') && r.loaded !== false) return `loaded=${r.loaded} for an absent key`;
      // loadOrStore returns what get() would: a copy of the value given, equal by content
      // (compared as structured-clone bytes: Invalid Dates, NaN and -0 compare as they should).
      if (!present && method === 'loadOrStore' && !sameContent(r.value, m.get(a as never))) return 'loadOrStore did not return the stored value';
      return null;
    }
    case 'callback':
      return method.startsWith('update') && keyId !== undefined && !same(before, after, keyId) ? 'update changed other entries' : null;
    case 'read':
    case 'attach':
    case 'create':
      return same(before, after) ? null : `${method} changed the map`;
    case 'clear':
      return after.size === 0 ? null : 'clear left entries';
  }
}

describe('API fuzz: garbage arguments to every method', () => {
  it(`${CONFIGS.length} codec configurations × ${RUNS_PER_CONFIG} cases`, { timeout: 300_000 }, () => {
    let cases = 0;
    const failures = new Map<string, { example: string; count: number }>(); // distinct reason → first example
    let failed = 0;
    CONFIGS.forEach((config, ci) => {
      const arg = argFor(config);
      const arb = fc.tuple(fc.constantFrom(...Object.keys(METHODS)), arg, arg, arg);
      for (const [method, ...args] of fc.sample(arb, { numRuns: RUNS_PER_CONFIG, seed: SEED + ci })) {
        cases++;
        let why: string | null;
        try {
          why = runCase(config, method, args);
        } catch (e: any) {
          why = `the map is broken after the call: ${e?.message}`;
        }
        if (why === null) continue;
        failed++;
        const id = why.replace(/\d+/g, 'N');
        const seen = failures.get(id);
        if (seen) seen.count++;
        else failures.set(id, { count: 1, example: `${JSON.stringify(config.options)} ${method}(${args.map((x) => x.label).join(', ')}) → ${why}` });
      }
    });
    console.log(`FIGURE api-fuzz: cases=${cases} failing=${failed} distinct=${failures.size} seed=${SEED}`);
    const listed = [...failures.values()].map((f) => `${f.count}× e.g. ${f.example}`);
    for (const line of listed) console.log(`  api-fuzz failure: ${line}`);
    expect(listed, `API fuzz: ${failed} of ${cases} cases broke the contract (SHARDMAP_SEED=${SEED})`).toEqual([]);
  });
});

/**
 * A sparse array of length 2^32 - 1 holds nothing, and Map answers for it at once; as a key or a
 * value it can never fit a map (its canonical form is longer than any maxBytes), so the map must
 * answer — throw the documented error or "not found" — at once too. Runs in a worker so that a
 * hang fails the test instead of stalling the run.
 */
describe('hostile shapes answer at once', () => {
  const core = new URL('../dist/bundle/index.js', import.meta.url).href;
  for (const call of ['m.set(sparse, 1)', 'm.get(sparse)', 'm.has(sparse)', "m.set('k', sparse)", "m.loadOrStore('k', sparse)"]) {
    it(`${call} with a sparse array of length 2^32-1`, async () => {
      const source = `
        const { parentPort } = require('node:worker_threads');
        import(${JSON.stringify(core)}).then(({ ShardedMap }) => {
          const m = ShardedMap.create({ maxBytes: 2 ** 20 });
          const sparse = [];
          sparse.length = 2 ** 32 - 1;
          try { ${call}; parentPort.postMessage('returned'); }
          catch (e) { parentPort.postMessage(String(e && e.code || e)); }
        });`;
      const w = new Worker(source, { eval: true, resourceLimits: { maxOldGenerationSizeMb: 512 } });
      const outcome = await new Promise<string>((resolve) => {
        const timer = setTimeout(() => resolve('no answer after 5000 ms'), 5000);
        w.once('message', (m) => (clearTimeout(timer), resolve(String(m))));
        w.once('error', (e) => (clearTimeout(timer), resolve(`worker died: ${e.message}`)));
      });
      await w.terminate();
      console.log(`FIGURE hostile-shape: call="${call}" outcome="${outcome}"`);
      expect(outcome).toMatch(/^(returned|ERR_SHARDMAP_(KEY|VALUE|FULL))$/);
    });
  }
});
