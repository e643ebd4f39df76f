/**
 * The reference model for ShardedMap: key identity, value equality and copying, written from
 * CONTRACT.md ("Keys and values") without looking at the implementation.
 *
 * - `canonKey` maps a key to a string such that two keys are the same map key exactly when their
 *   canonical strings are equal: numbers by SameValueZero, strings by code units, bigints by value,
 *   byte views by content, tuples element-wise, and (under 'any') different types never equal.
 * - `sameValue` is the strict round-trip check: what `get` returns must equal what was stored,
 *   with `-0` and `NaN` preserved, Dates as Dates, Uint8Arrays as fresh (unshared) copies.
 * - `contentEq` is the compareAndSwap comparison; it answers 'ambiguous' where the contract does
 *   not decide (property order, a nested -0 against 0), so the caller can skip the assertion.
 */

export type KeyCodec = 'any' | 'string' | 'number' | 'int32' | 'bigint' | 'bytes';
export type ValueCodec = KeyCodec | 'json';

export const KEY_CODECS: KeyCodec[] = ['any', 'string', 'number', 'int32', 'bigint', 'bytes'];
export const VALUE_CODECS: ValueCodec[] = ['any', 'string', 'number', 'int32', 'bigint', 'bytes', 'json'];

const hex = (u8: Uint8Array): string => Array.from(u8, (b) => b.toString(16).padStart(2, '0')).join('');

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function isBytes(x: unknown): x is Uint8Array {
  return x instanceof Uint8Array;
}

/** Canonical identity of a key (see file comment). Throws on a shape the model does not know. */
export function canonKey(k: unknown): string {
  switch (typeof k) {
    case 'number':
      return Number.isNaN(k) ? 'n:NaN' : `n:${k === 0 ? 0 : k}`;
    case 'string':
      // JSON.stringify escapes lone surrogates, so distinct code-unit sequences stay distinct.
      return `s:${JSON.stringify(k)}`;
    case 'bigint':
      return `b:${k.toString()}`;
    case 'boolean':
      return `B:${k}`;
    case 'undefined':
      return 'u';
  }
  if (k === null) return 'null';
  if (isBytes(k)) return `y:${hex(k)}`;
  if (Array.isArray(k)) return `[${k.map(canonKey).join(',')}]`;
  throw new Error(`model: not a key shape: ${String(k)}`);
}

/** Strict, printable identity of a value (for multisets of values); -0 and NaN kept apart. */
export function canonValue(v: unknown): string {
  switch (typeof v) {
    case 'number':
      return Object.is(v, -0) ? 'n:-0' : `n:${v}`;
    case 'string':
      return `s:${JSON.stringify(v)}`;
    case 'bigint':
      return `b:${v}`;
    case 'boolean':
      return `B:${v}`;
    case 'undefined':
      return 'u';
  }
  if (v === null) return 'null';
  if (isBytes(v)) return `y:${hex(v)}`;
  if (v instanceof Date) return `d:${v.getTime()}`;
  if (Array.isArray(v)) return `[${v.map(canonValue).join(',')}]`;
  if (typeof v === 'object') {
    const keys = Object.keys(v).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonValue((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return `?${String(v)}`;
}

/** Why `actual` (returned by the map) differs from `expected` (the model), or null if equal. */
export function valueDiff(actual: unknown, expected: unknown, path = '$'): string | null {
  if (typeof expected === 'number') {
    return typeof actual === 'number' && Object.is(actual, expected) ? null : `${path}: ${fmt(actual)} !== ${fmt(expected)}`;
  }
  if (expected === null || typeof expected !== 'object') {
    return actual === expected ? null : `${path}: ${fmt(actual)} !== ${fmt(expected)}`;
  }
  if (isBytes(expected)) {
    if (!isBytes(actual)) return `${path}: expected a Uint8Array, got ${fmt(actual)}`;
    if (actual.buffer instanceof SharedArrayBuffer) return `${path}: returned Uint8Array is a view of shared memory`;
    return sameBytes(actual, expected) ? null : `${path}: bytes ${hex(actual).slice(0, 200)} !== ${hex(expected).slice(0, 200)}`;
  }
  if (expected instanceof Date) {
    if (!(actual instanceof Date)) return `${path}: expected a Date, got ${fmt(actual)}`;
    return Object.is(actual.getTime(), expected.getTime()) ? null : `${path}: date ${actual.getTime()} !== ${expected.getTime()}`;
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return `${path}: expected an array, got ${fmt(actual)}`;
    if (actual.length !== expected.length) return `${path}: length ${actual.length} !== ${expected.length}`;
    for (let i = 0; i < expected.length; i++) {
      const d = valueDiff(actual[i], expected[i], `${path}[${i}]`);
      if (d) return d;
    }
    return null;
  }
  if (actual === null || typeof actual !== 'object' || Array.isArray(actual) || isBytes(actual) || actual instanceof Date) {
    return `${path}: expected a plain object, got ${fmt(actual)}`;
  }
  const ek = Object.keys(expected).sort();
  const ak = Object.keys(actual).sort();
  if (ek.join('\u0000') !== ak.join('\u0000')) return `${path}: keys [${ak}] !== [${ek}]`;
  for (const k of ek) {
    const d = valueDiff((actual as Record<string, unknown>)[k], (expected as Record<string, unknown>)[k], `${path}.${k}`);
    if (d) return d;
  }
  return null;
}

export type Tri = 'eq' | 'ne' | 'ambiguous';

/** compareAndSwap's "by content" comparison; primitives by SameValueZero (CONTRACT.md). */
export function contentEq(a: unknown, b: unknown, nested = false): Tri {
  if (typeof a === 'number' && typeof b === 'number') {
    if (Number.isNaN(a) && Number.isNaN(b)) return 'eq';
    if (a !== b) return 'ne';
    // Nested -0 against 0: the contract only says "primitives by SameValueZero" at top level.
    return nested && !Object.is(a, b) ? 'ambiguous' : 'eq';
  }
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return a === b ? 'eq' : 'ne';
  if (isBytes(a) || isBytes(b)) return isBytes(a) && isBytes(b) && sameBytes(a, b) ? 'eq' : 'ne';
  if (a instanceof Date || b instanceof Date) {
    return a instanceof Date && b instanceof Date && Object.is(a.getTime(), b.getTime()) ? 'eq' : 'ne';
  }
  if (Array.isArray(a) !== Array.isArray(b)) return 'ne';
  const ak = Object.keys(a);
  const bk = Object.keys(b);
  if (ak.length !== bk.length || [...ak].sort().join('\u0000') !== [...bk].sort().join('\u0000')) return 'ne';
  let result: Tri = ak.join('\u0000') === bk.join('\u0000') ? 'eq' : 'ambiguous';
  for (const k of ak) {
    const r = contentEq((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], true);
    if (r === 'ne') return 'ne';
    if (r === 'ambiguous') result = 'ambiguous';
  }
  return result;
}

/** What the map is expected to hold after storing `v` under `codec` (a detached deep copy). */
export function storedForm(v: unknown, codec: ValueCodec): unknown {
  if (codec === 'json') return JSON.parse(JSON.stringify(v));
  return deepCopy(v, 0);
}

/**
 * A fresh deep copy of a generated key/value. `variant` chooses how byte arrays are presented:
 * 0 plain Uint8Array, 1 Buffer, 2 subarray of a larger array (the map must treat all alike).
 */
export function deepCopy(v: unknown, variant: number): unknown {
  if (isBytes(v)) {
    if (variant === 1) return Buffer.from(v);
    if (variant === 2) {
      const big = new Uint8Array(v.length + 7).fill(0xee);
      big.set(v, 3);
      return big.subarray(3, 3 + v.length);
    }
    return new Uint8Array(v);
  }
  if (v instanceof Date) return new Date(v.getTime());
  if (Array.isArray(v)) return v.map((x) => deepCopy(x, variant));
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = deepCopy(x, variant);
    return out;
  }
  return v;
}

/** Scribble over a value returned by the map; the map must not notice (returned values are copies). */
export function scribble(v: unknown): void {
  if (isBytes(v)) {
    if (v.length > 0) v[0] = (v[0]! ^ 0xff) & 0xff;
  } else if (v instanceof Date) {
    v.setTime(12345);
  } else if (Array.isArray(v)) {
    v.push('scribbled');
  } else if (v !== null && typeof v === 'object') {
    (v as Record<string, unknown>).scribbled = true;
  }
}

export function fmt(x: unknown, depth = 0): string {
  if (depth > 6) return '…';
  if (typeof x === 'bigint') return `${x}n`;
  if (typeof x === 'number' && Object.is(x, -0)) return '-0';
  if (isBytes(x)) return `${x.constructor.name}[${hex(x)}]`;
  if (x instanceof Date) return `Date(${x.getTime()})`;
  if (typeof x === 'string') return JSON.stringify(x);
  if (Array.isArray(x)) return `[${x.map((y) => fmt(y, depth + 1)).join(', ')}]`;
  if (x !== null && typeof x === 'object') {
    return `{${Object.entries(x).map(([k, y]) => `${JSON.stringify(k)}: ${fmt(y, depth + 1)}`).join(', ')}}`;
  }
  return String(x);
}

/** Per-test seed: SHARDMAP_SEED overrides; printed by fast-check and by our own messages. */
export function testSeed(): number {
  const env = process.env.SHARDMAP_SEED;
  return env !== undefined ? Number(env) : (Date.now() ^ (Math.random() * 0x7fffffff)) >>> 0;
}

/** mulberry32: small seeded PRNG for tests that do not go through fast-check. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
