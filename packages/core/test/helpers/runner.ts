/**
 * Executes a command sequence against a ShardedMap and a `Map` model keyed by `canonKey`, and
 * throws (with the step and the command) at the first divergence. Every returned value is
 * scribbled on afterwards and every argument is scribbled on after the call: the map must copy.
 */
import { ShardedMap } from '@shardmap/core';
import { bigValue, keyFromInt, valueFromInt } from './arbitraries.js';
import type { Cmd } from './commands.js';
import { canonKey, canonValue, contentEq, deepCopy, fmt, scribble, storedForm, valueDiff } from './model.js';
import type { KeyCodec, ValueCodec } from './model.js';

type AnyMap = ShardedMap<any, any>;
interface Entry { key: unknown; value: unknown }

/** Commands that may store new data, hence may meet the maxBytes ceiling. */
const WRITES = new Set(['set', 'loadOrStore', 'swap', 'cas', 'update', 'add', 'bulkSet', 'bigSet']);

const I32 = (x: number) => x >= -(2 ** 31) && x <= 2 ** 31 - 1;
const I64 = (x: bigint) => x >= -(2n ** 63n) && x < 2n ** 63n;

export class Runner {
  readonly model = new Map<string, Entry>();
  step = -1;
  cmd: Cmd | undefined;

  /** Writes refused with ERR_SHARDMAP_FULL so far (only when constructed with allowFull). */
  fulls = 0;

  constructor(public map: AnyMap, readonly kc: KeyCodec, readonly vc: ValueCodec, readonly allowFull = false) {}

  fail(msg: string): never {
    throw new Error(`step ${this.step} ${this.cmd ? describe(this.cmd) : ''}: ${msg}`);
  }

  check(cond: boolean, msg: string): void {
    if (!cond) this.fail(msg);
  }

  same(actual: unknown, expected: unknown, what: string): void {
    const d = valueDiff(actual, expected);
    if (d) this.fail(`${what}: ${d}`);
  }

  run(cmds: Cmd[]): void {
    for (this.step = 0; this.step < cmds.length; this.step++) {
      this.cmd = cmds[this.step]!;
      try {
        this.exec(this.cmd);
      } catch (e: any) {
        if (!this.allowFull || e?.code !== 'ERR_SHARDMAP_FULL' || !WRITES.has(this.cmd.op)) throw e;
        this.check(e instanceof RangeError, `ERR_SHARDMAP_FULL as ${e?.name}, not RangeError`);
        // The model only records calls that returned, so it is the state before the failure.
        this.fulls++;
        this.verifyAll();
      }
      this.check(this.map.size === this.model.size, `size ${this.map.size} !== model ${this.model.size}`);
    }
    this.cmd = undefined;
    this.verifyAll();
  }

  /** Full comparison: snapshot, entries and a get of every model key. */
  verifyAll(): void {
    this.checkCollection([...this.map.entries()], 'final entries');
    this.checkSnapshot();
    for (const e of this.model.values()) {
      const k = deepCopy(e.key, 0);
      this.check(this.map.has(k), `final has(${fmt(k)}) is false`);
      this.same(this.map.get(k), e.value, `final get(${fmt(k)})`);
    }
  }

  private put(key: unknown, value: unknown): void {
    const c = canonKey(key);
    const prev = this.model.get(c);
    this.model.set(c, { key: prev ? prev.key : deepCopy(key, 0), value: storedForm(value, this.vc) });
  }

  private exec(c: Cmd): void {
    const m = this.map;
    if (c.op === 'bulkSet' || c.op === 'bulkDelete') {
      for (let i = c.from; i < c.from + c.count; i++) {
        const k = keyFromInt(this.kc, i);
        if (c.op === 'bulkSet') {
          const v = valueFromInt(this.vc, i);
          this.check(m.set(k, v) === m, 'set did not return the map');
          this.put(k, v);
        } else {
          const had = this.model.delete(canonKey(k));
          this.check(m.delete(k) === had, `bulk delete(${fmt(k)}) !== ${had}`);
        }
      }
      return;
    }
    if (!('k' in c)) return this.execWhole(c);
    const K = deepCopy(c.k, c.kv);
    const ck = canonKey(c.k);
    const e = this.model.get(ck);
    const V = 'v' in c ? deepCopy(c.v, c.vv) : undefined;
    switch (c.op) {
      case 'get': {
        const r = m.get(K);
        this.same(r, e?.value, 'get');
        scribble(r);
        break;
      }
      case 'has':
        this.check(m.has(K) === !!e, `has !== ${!!e}`);
        break;
      case 'delete':
        this.check(m.delete(K) === !!e, `delete !== ${!!e}`);
        this.model.delete(ck);
        break;
      case 'loadAndDelete': {
        const r = m.loadAndDelete(K);
        this.check(r.loaded === !!e, `loaded ${r.loaded} !== ${!!e}`);
        this.same(r.value, e?.value, 'loadAndDelete value');
        this.model.delete(ck);
        break;
      }
      case 'set':
        this.check(m.set(K, V) === m, 'set did not return the map');
        this.put(c.k, c.v);
        break;
      case 'loadOrStore': {
        const r = m.loadOrStore(K, V);
        this.check(r.loaded === !!e, `loaded ${r.loaded} !== ${!!e}`);
        // Not loaded: Go returns "the given value"; under 'json' that may be the value as given
        // or as stored (JSON drops -0), so either is accepted.
        if (e || valueDiff(r.value, c.v) !== null) this.same(r.value, e ? e.value : storedForm(c.v, this.vc), 'loadOrStore value');
        if (!e) this.put(c.k, c.v);
        scribble(r.value);
        break;
      }
      case 'swap': {
        const r = m.swap(K, V);
        this.check(r.loaded === !!e, `loaded ${r.loaded} !== ${!!e}`);
        this.same(r.previous, e?.value, 'swap previous');
        this.put(c.k, c.v);
        scribble(r.previous);
        break;
      }
      case 'cas':
      case 'cad': {
        const expected = c.useCurrent && e ? deepCopy(e.value, c.vv) : deepCopy(c.expected, c.vv);
        const r = c.op === 'cas' ? m.compareAndSwap(K, expected, V) : m.compareAndDelete(K, expected);
        const tri = e ? contentEq(e.value, storedForm(expected, this.vc)) : 'ne';
        if (tri !== 'ambiguous') this.check(r === (tri === 'eq'), `returned ${r}, model says ${tri} (stored ${fmt(e?.value)})`);
        if (r) {
          this.check(!!e, 'succeeded on an absent key');
          if (c.op === 'cas') this.put(c.k, c.v);
          else this.model.delete(ck);
        }
        scribble(expected);
        break;
      }
      case 'update':
        this.execUpdate(c, K, V, e, ck);
        break;
      case 'add':
        this.execAdd(c.delta, K, e, c.k);
        break;
      case 'bigSet': {
        const big = bigValue(this.vc, c.size);
        this.check(m.set(K, big) === m, 'set did not return the map');
        this.put(c.k, big);
        break;
      }
    }
    scribble(K);
    scribble(V);
  }

  private execUpdate(c: Extract<Cmd, { op: 'update' }>, K: unknown, V: unknown, e: Entry | undefined, ck: string): void {
    let calls = 0;
    let stored: unknown;
    const boom = new Error(`update callback failure at step ${this.step}`);
    const fn = (cur: unknown) => {
      calls++;
      this.same(cur, e?.value, 'update callback argument');
      if (c.action === 'throw') throw boom;
      if (c.action === 'delete') return undefined;
      if (c.action === 'mutate' && cur !== null && typeof cur === 'object') {
        scribble(cur);
        stored = storedForm(cur, this.vc);
        return cur;
      }
      stored = storedForm(V, this.vc);
      return V;
    };
    let r: unknown;
    try {
      r = this.map.update(K, fn);
    } catch (err: any) {
      if (this.allowFull && err?.code === 'ERR_SHARDMAP_FULL' && c.action !== 'throw') throw err;
      this.check(c.action === 'throw' && err === boom, `update threw ${String(err)}`);
      this.check(calls === 1, `callback ran ${calls} times`);
      return;
    }
    this.check(c.action !== 'throw', 'update swallowed the callback error');
    this.check(calls === 1, `callback ran ${calls} times`);
    if (c.action === 'delete' || stored === undefined) {
      this.check(r === undefined, `update returned ${fmt(r)} after deleting`);
      this.model.delete(ck);
    } else {
      // As with loadOrStore, the result may be the callback's value as returned (JSON keeps -0).
      const returned = c.action === 'mutate' && e?.value !== null && typeof e?.value === 'object' ? undefined : V;
      if (returned === undefined || valueDiff(r, returned) !== null) this.same(r, stored, 'update result');
      this.model.set(ck, { key: e ? e.key : deepCopy(c.k, 0), value: stored });
    }
  }

  private execAdd(delta: number, K: unknown, e: Entry | undefined, key: unknown): void {
    const cur = e?.value;
    let expected: number | bigint;
    if (this.vc === 'bigint') {
      expected = ((cur as bigint | undefined) ?? 0n) + BigInt(delta);
      if (!I64(expected)) return;
    } else if (this.vc === 'any' && e && typeof cur !== 'number') {
      if (typeof cur === 'bigint') return; // the contract does not say what add does to a bigint under 'any'
      let err: any;
      try {
        this.map.add(K, delta);
      } catch (x) {
        err = x;
      }
      this.check(err instanceof TypeError && (err as any).code === 'ERR_SHARDMAP_VALUE', `add on ${fmt(cur)} gave ${String(err)} (code ${err?.code})`);
      return;
    } else {
      expected = ((cur as number | undefined) ?? 0) + delta;
      if (this.vc === 'int32' && !I32(expected)) return;
    }
    const r = this.map.add(K, delta);
    const ok = typeof r === 'bigint' ? r === expected : typeof expected === 'bigint' ? r === Number(expected) : Object.is(r, expected);
    this.check(ok, `add returned ${fmt(r)}, expected ${fmt(expected)}`);
    this.put(key, expected);
  }

  private execWhole(c: Cmd): void {
    const m = this.map;
    switch (c.op) {
      case 'clear':
        m.clear();
        this.model.clear();
        break;
      case 'snapshot':
        this.checkSnapshot();
        break;
      case 'keys':
        this.checkKeys([...m.keys()], 'keys()');
        break;
      case 'values': {
        const got = [...m.values()].map((v) => (this.same(v, storedForm(v, this.vc), 'values() item'), canonValue(v))).sort();
        const want = [...this.model.values()].map((e) => canonValue(e.value)).sort();
        this.check(got.join('\n') === want.join('\n'), `values() ${got.length} items differ from the model's ${want.length}`);
        break;
      }
      case 'entries':
        this.checkCollection([...m.entries()], 'entries()');
        break;
      case 'iterator':
        this.checkCollection([...m], '[Symbol.iterator]()');
        break;
      case 'forEach': {
        const seen: [unknown, unknown][] = [];
        m.forEach((v: unknown, k: unknown, self: unknown) => {
          this.check(self === m, 'forEach third argument is not the map');
          seen.push([k, v]);
        });
        this.checkCollection(seen, 'forEach');
        break;
      }
      case 'range': {
        const seen: [unknown, unknown][] = [];
        m.range((k: unknown, v: unknown) => {
          seen.push([k, v]);
          return seen.length <= c.stopAfter;
        });
        const want = Math.min(this.model.size, c.stopAfter + 1);
        this.check(seen.length === want, `range made ${seen.length} calls, expected ${want}`);
        if (want === this.model.size) this.checkCollection(seen, 'range');
        else this.checkEntries(seen, 'range');
        break;
      }
      case 'stats': {
        const s = m.stats();
        this.check(s.size === this.model.size, `stats().size ${s.size} !== ${this.model.size}`);
        this.check(s.capacity >= s.size, `stats().capacity ${s.capacity} < size ${s.size}`);
        this.check(s.loadFactor >= 0 && s.loadFactor <= 1, `stats().loadFactor ${s.loadFactor}`);
        break;
      }
      case 'reattach':
        this.map = ShardedMap.attach(structuredClone(m.handle));
        break;
    }
  }

  private checkSnapshot(): void {
    const s = this.map.snapshot();
    this.check(s instanceof Map, 'snapshot() is not a Map');
    this.checkCollection([...s], 'snapshot()');
  }

  private checkKeys(keys: unknown[], what: string): void {
    const seen = new Set<string>();
    for (const k of keys) {
      const c = canonKey(k);
      this.check(!seen.has(c), `${what} yielded ${fmt(k)} twice`);
      seen.add(c);
      this.check(this.model.has(c), `${what} yielded ${fmt(k)}, which the model lacks`);
      if (k instanceof Uint8Array) this.check(!(k.buffer instanceof SharedArrayBuffer), `${what} key is a shared view`);
    }
    this.check(seen.size === this.model.size, `${what} yielded ${seen.size} keys, model has ${this.model.size}`);
  }

  /** Each entry is in the model with the model's value, no key twice (no completeness check). */
  private checkEntries(entries: [unknown, unknown][], what: string): void {
    const seen = new Set<string>();
    for (const pair of entries) {
      this.check(Array.isArray(pair) && pair.length === 2, `${what} item is not a [key, value] pair`);
      const [k, v] = pair;
      const c = canonKey(k);
      this.check(!seen.has(c), `${what} yielded ${fmt(k)} twice`);
      seen.add(c);
      const e = this.model.get(c);
      this.check(!!e, `${what} yielded ${fmt(k)}, which the model lacks`);
      this.same(v, e!.value, `${what} value of ${fmt(k)}`);
    }
  }

  private checkCollection(entries: [unknown, unknown][], what: string): void {
    this.checkEntries(entries, what);
    this.checkKeys(entries.map((p) => p[0]), what);
  }
}

export function describe(c: Cmd): string {
  return `${c.op}(${Object.entries(c).filter(([k]) => k !== 'op').map(([k, v]) => `${k}=${fmt(v)}`).join(' ')})`;
}
