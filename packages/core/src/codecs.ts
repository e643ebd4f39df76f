/**
 * Key and value codecs: what a map may hold, and the normalised form the table works on.
 *
 * Keys become a ProbeKey: a type tag plus ONE payload (a number, a string, or bytes) and the
 * seeded hash. The table compares tags, then payloads: numbers by SameValueZero, strings by
 * UTF-16 code units in place, bytes by content. Under 'any', values of different types have
 * different tags and are never equal (1, '1', 1n and [1] are four keys). Bigints are stored as
 * their decimal string (tag K_BIGINT); tuples as a canonical byte encoding (tag K_TUPLE), equal
 * exactly when their elements are equal key by key.
 *
 * Values become an EncodedValue the same way. Numbers are stored inline as float64 (so -0 and NaN
 * survive), strings as UTF-16 blobs, Uint8Arrays as bytes, structured values as CBOR bytes
 * (serializer.ts), 'json' values as their JSON text.
 */
import { corruptError, keyError, valueError } from './errors.js';
import { hashBytes, hashNumber, hashString, hashInt32 } from './hash.js';
import { decodeStructured, encodeStructured } from './serializer.js';

export const KEY_CODECS = ['any', 'string', 'number', 'int32', 'bigint', 'bytes'] as const;
export const VALUE_CODECS = ['any', 'string', 'number', 'int32', 'bigint', 'bytes', 'json'] as const;
export type KeyCodecName = (typeof KEY_CODECS)[number];
export type ValueCodecName = (typeof VALUE_CODECS)[number];

// Tags: shared by keys and values where they mean the same; stored in a slot's SLOT_TAGS word.
export const T_UNDEFINED = 1;
export const T_NULL = 2;
export const T_FALSE = 3;
export const T_TRUE = 4;
export const T_NUMBER = 5;
export const T_STRING = 6;
export const T_BIGINT = 7;
export const T_BYTES = 8;
export const T_TUPLE = 9; // keys only
export const T_STRUCT = 10; // values only: CBOR bytes
export const T_JSON = 11; // values only: JSON text as UTF-16

/** Tags that are the whole value: undefined, null, false, true (no payload). */
export const isInlineTag = (tag: number): boolean => tag >= T_UNDEFINED && tag <= T_TRUE;

/** The value an inline tag stands for. */
export const inlineValue = (tag: number): undefined | null | boolean => tag === T_UNDEFINED ? undefined : tag === T_NULL ? null : tag === T_TRUE;

/** Tags whose payload is a blob of UTF-16 code units (the others with a blob hold bytes). */
export const isTextTag = (tag: number): boolean => tag === T_STRING || tag === T_BIGINT || tag === T_JSON;
export const hasBlob = (tag: number): boolean => tag >= T_STRING;

const NO_BYTES = new Uint8Array(0);

/** A key, normalised. One per map instance, reused by every call (calls never nest while it is live). */
export class ProbeKey {
  tag = 0;
  num = 0;
  str = '';
  bytes: Uint8Array = NO_BYTES;
  hash = 0;
}

/** Fills `probe` from `key`; false if the codec cannot hold the key (lookups answer "not found"). */
export const prepareKey = (codec: number, key: unknown, probe: ProbeKey, seed: number, mask: number): boolean => {
  switch (typeof key) {
    case 'number':
      if (codec === 1 || codec === 4 || codec === 5) return false;
      if (codec === 3 && (key | 0) !== key) return false;
      probe.tag = T_NUMBER;
      probe.num = key === 0 ? 0 : key; // -0 is 0 (SameValueZero)
      probe.hash = hashNumber(key, seed) & mask;
      return true;
    case 'string':
      if (codec !== 0 && codec !== 1) return false;
      probe.tag = T_STRING;
      probe.str = key;
      probe.hash = hashString(key, seed) & mask;
      return true;
    case 'bigint':
      if (codec !== 0 && codec !== 4) return false;
      probe.tag = T_BIGINT;
      probe.str = key.toString();
      probe.hash = (hashString(probe.str, seed) ^ 0x2b) & mask;
      return true;
    case 'boolean':
    case 'undefined':
      if (codec !== 0) return false;
      probe.tag = key === undefined ? T_UNDEFINED : key ? T_TRUE : T_FALSE;
      probe.hash = hashInt32(probe.tag, seed ^ 0x3c) & mask;
      return true;
    case 'object':
      return prepareObjectKey(codec, key, probe, seed, mask);
    default:
      return false;
  }
};

/**
 * Keys that are objects: null, byte arrays, tuples. Exotic objects (Proxies, revoked ones, views
 * of foreign realms) can make the built-ins used here throw; such a key is one the codec cannot
 * hold, never an undocumented error.
 */
const prepareObjectKey = (codec: number, key: object | null, probe: ProbeKey, seed: number, mask: number): boolean => {
  try {
    return prepareObjectKeyUnguarded(codec, key, probe, seed, mask);
  } catch {
    return false;
  }
};

const prepareObjectKeyUnguarded = (codec: number, key: object | null, probe: ProbeKey, seed: number, mask: number): boolean => {
  {
    {
      if (key === null) {
        if (codec !== 0) return false;
        probe.tag = T_NULL;
        probe.hash = hashInt32(T_NULL, seed ^ 0x3c) & mask;
        return true;
      }
      if (isBytes(key)) {
        if (codec !== 0 && codec !== 5) return false;
        probe.tag = T_BYTES;
        probe.bytes = privateBytes(key);
        probe.hash = hashBytes(probe.bytes, seed) & mask;
        return true;
      }
      if (codec !== 0 || !Array.isArray(key)) return false;
      const encoded = encodeTuple(key);
      if (encoded === null) return false;
      probe.tag = T_TUPLE;
      probe.bytes = encoded;
      probe.hash = (hashBytes(encoded, seed) ^ 0x4d) & mask;
      return true;
    }
  }
};

/** A real Uint8Array (a Proxy of one passes instanceof but not the built-ins' brand checks). */
export const isBytes = (x: unknown): x is Uint8Array => ArrayBuffer.isView(x) && x instanceof Uint8Array;

/**
 * Bytes safe to read under a lock: a view of shared memory (possibly of the map's own buffer,
 * which the call itself may change or grow) is copied first.
 */
export const privateBytes = (bytes: Uint8Array): Uint8Array => bytes.buffer instanceof ArrayBuffer ? bytes : new Uint8Array(bytes);

export const prepareKeyOrThrow = (codec: number, key: unknown, probe: ProbeKey, seed: number, mask: number): void => {
  if (!prepareKey(codec, key, probe, seed, mask)) {
    const name = KEY_CODECS[codec]!;
    throw keyError(name, key, codec === 0 ? 'keys are primitives, Uint8Arrays, or arrays of these' : '');
  }
};

// --- tuples: canonical bytes ---------------------------------------------------------------
// element := tag:u8 payload; number: f64 (-0 as 0, one NaN); string/bigint: u32 length + UTF-16
// units; bytes: u32 length + bytes; tuple: u32 count + elements; undefined/null/booleans: none.

class ByteWriter {
  buf = new Uint8Array(64);
  view = new DataView(this.buf.buffer);
  pos = 0;
  reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.pos + n));
    next.set(this.buf);
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
}

export const encodeTuple = (tuple: readonly unknown[]): Uint8Array | null => {
  const w = new ByteWriter();
  return writeTuple(w, tuple, 0) ? w.buf.slice(0, w.pos) : null;
};

/** Longest tuple key: a key is compared whole on every probe that meets its hash. */
export const MAX_TUPLE_LENGTH = 65536;

const writeTuple = (w: ByteWriter, tuple: readonly unknown[], depth: number): boolean => {
  if (depth > 64 || tuple.length > MAX_TUPLE_LENGTH) return false;
  w.reserve(5);
  w.buf[w.pos++] = T_TUPLE;
  w.view.setUint32(w.pos, tuple.length, true);
  w.pos += 4;
  for (let i = 0; i < tuple.length; i++) {
    const e = tuple[i];
    if (Array.isArray(e)) {
      if (!writeTuple(w, e, depth + 1)) return false;
    } else if (!writeElement(w, e)) return false;
  }
  return true;
};

const writeElement = (w: ByteWriter, e: unknown): boolean => {
  w.reserve(9);
  if (typeof e === 'number') {
    w.buf[w.pos++] = T_NUMBER;
    w.view.setFloat64(w.pos, e === 0 ? 0 : e !== e ? NaN : e, true);
    w.pos += 8;
  } else if (typeof e === 'string' || typeof e === 'bigint') {
    const s = typeof e === 'string' ? e : e.toString();
    w.buf[w.pos++] = typeof e === 'string' ? T_STRING : T_BIGINT;
    w.view.setUint32(w.pos, s.length, true);
    w.pos += 4;
    w.reserve(s.length * 2);
    for (let i = 0; i < s.length; i++, w.pos += 2) w.view.setUint16(w.pos, s.charCodeAt(i), true);
  } else if (isBytes(e)) {
    w.buf[w.pos++] = T_BYTES;
    w.view.setUint32(w.pos, e.length, true);
    w.pos += 4;
    w.reserve(e.length);
    w.buf.set(e, w.pos);
    w.pos += e.length;
  } else if (e === undefined || e === null || typeof e === 'boolean') {
    w.buf[w.pos++] = e === undefined ? T_UNDEFINED : e === null ? T_NULL : e ? T_TRUE : T_FALSE;
  } else {
    return false;
  }
  return true;
};

export const decodeTuple = (bytes: Uint8Array): unknown[] => {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const at = { pos: 0 };
  try {
    const tuple = readElement(bytes, view, at);
    if (!Array.isArray(tuple) || at.pos !== bytes.length) throw new Error('trailing or missing bytes');
    return tuple;
  } catch (error) {
    throw corruptError('codecs', `a stored tuple key does not decode: ${error instanceof Error ? error.message : String(error)}`);
  }
};

const readElement = (bytes: Uint8Array, view: DataView, at: { pos: number }): unknown => {
  const tag = bytes[at.pos++];
  switch (tag) {
    case T_NUMBER:
      at.pos += 8;
      return view.getFloat64(at.pos - 8, true);
    case T_STRING:
    case T_BIGINT: {
      const n = view.getUint32(at.pos, true);
      let s = '';
      for (let i = 0, p = at.pos + 4; i < n; i++, p += 2) s += String.fromCharCode(view.getUint16(p, true));
      at.pos += 4 + 2 * n;
      return tag === T_STRING ? s : BigInt(s);
    }
    case T_BYTES: {
      const n = view.getUint32(at.pos, true);
      at.pos += 4 + n;
      return bytes.slice(at.pos - n, at.pos);
    }
    case T_TUPLE: {
      const n = view.getUint32(at.pos, true);
      at.pos += 4;
      const out: unknown[] = [];
      for (let i = 0; i < n; i++) out.push(readElement(bytes, view, at));
      return out;
    }
    default:
      if (isInlineTag(tag!)) return inlineValue(tag!);
      throw new Error(`shardmap (codecs): unknown tuple element tag ${String(tag)}`);
  }
};

// --- values ------------------------------------------------------------------------------------

/** A value, normalised: tag + one payload. One per map instance, reused. */
export class EncodedValue {
  tag = 0;
  num = 0;
  str = '';
  bytes: Uint8Array = NO_BYTES;
}

/** Fills `out` from `value` or throws ERR_SHARDMAP_VALUE. Runs before any lock is taken. */
export const encodeValue = (codec: number, value: unknown, out: EncodedValue): void => {
  if (typeof value === 'object' && value !== null) return encodeObjectValue(codec, value, out);
  encodePrimitiveValue(codec, value, out);
};

/** Objects may be exotic (Proxies, revoked ones): any error from the built-ins becomes ERR_SHARDMAP_VALUE. */
const encodeObjectValue = (codec: number, value: object, out: EncodedValue): void => {
  try {
    encodePrimitiveValue(codec, value, out);
  } catch (error) {
    if ((error as { code?: unknown } | null)?.code === 'ERR_SHARDMAP_VALUE') throw error;
    throw valueError(VALUE_CODECS[codec]!, value, error instanceof Error ? error.message : String(error));
  }
};

const encodePrimitiveValue = (codec: number, value: unknown, out: EncodedValue): void => {
  const name = VALUE_CODECS[codec]!;
  switch (codec) {
    case 2: // number
      if (typeof value !== 'number') throw valueError(name, value);
      out.tag = T_NUMBER;
      out.num = value;
      return;
    case 3: // int32
      if (typeof value !== 'number' || (value | 0) !== value) throw valueError(name, value, 'not an int32');
      out.tag = T_NUMBER;
      out.num = value;
      return;
    case 1: // string
      if (typeof value !== 'string') throw valueError(name, value);
      out.tag = T_STRING;
      out.str = value;
      return;
    case 4: // bigint
      if (typeof value !== 'bigint') throw valueError(name, value);
      out.tag = T_BIGINT;
      out.str = value.toString();
      return;
    case 5: // bytes
      if (!isBytes(value)) throw valueError(name, value);
      out.tag = T_BYTES;
      out.bytes = privateBytes(value);
      return;
    case 6: {
      // json
      let text: string | undefined;
      try {
        text = JSON.stringify(value);
      } catch (error) {
        throw valueError(name, value, (error as Error).message);
      }
      if (typeof text !== 'string') throw valueError(name, value, 'JSON.stringify gives nothing for it');
      out.tag = T_JSON;
      out.str = text;
      return;
    }
    default:
      encodeAnyValue(value, out);
  }
};

const encodeAnyValue = (value: unknown, out: EncodedValue): void => {
  switch (typeof value) {
    case 'number':
      out.tag = T_NUMBER;
      out.num = value;
      return;
    case 'string':
      out.tag = T_STRING;
      out.str = value;
      return;
    case 'boolean':
      out.tag = value ? T_TRUE : T_FALSE;
      return;
    case 'undefined':
      out.tag = T_UNDEFINED;
      return;
    case 'bigint':
      out.tag = T_BIGINT;
      out.str = value.toString();
      return;
    case 'object':
      if (value === null) {
        out.tag = T_NULL;
      } else if (isBytes(value)) {
        out.tag = T_BYTES;
        out.bytes = privateBytes(value);
      } else {
        out.tag = T_STRUCT;
        out.bytes = encodeStructured(value);
      }
      return;
    default:
      throw valueError('any', value, `a ${typeof value} cannot cross threads`);
  }
};

/** Turns a validated raw payload (copied out of the buffer) into the value users get. */
export const finishValue = (tag: number, num: number, str: string, bytes: Uint8Array): unknown => {
  if (tag < T_BIGINT) return finishInline(tag, num, str);
  try {
    return finishDecoded(tag, str, bytes);
  } catch (error) {
    // These bytes were written by an encoder: failing to decode them means they were overwritten.
    throw corruptError('codecs', `a stored value does not decode: ${error instanceof Error ? error.message : String(error)}`);
  }
};

const finishInline = (tag: number, num: number, str: string): unknown => {
  switch (tag) {
    case T_NUMBER:
      return num;
    case T_STRING:
      return str;
    default:
      if (isInlineTag(tag)) return inlineValue(tag);
      throw corruptError('codecs', `unknown value tag ${tag}`);
  }
};

const finishDecoded = (tag: number, str: string, bytes: Uint8Array): unknown => {
  switch (tag) {
    case T_BIGINT:
      return BigInt(str);
    case T_BYTES:
      return bytes;
    case T_JSON:
      return JSON.parse(str) as unknown;
    case T_STRUCT:
      return decodeStructured(bytes);
    default:
      throw corruptError('codecs', `unknown value tag ${tag}`);
  }
};

/** Per codec, the tags its values (index 0) and keys (index 1) can have: a bit per tag. */
const VALUE_TAGS = [0xffe & ~(1 << T_TUPLE), 1 << T_STRING, 1 << T_NUMBER, 1 << T_NUMBER, 1 << T_BIGINT, 1 << T_BYTES, 1 << T_JSON];
const KEY_TAGS = [0x3fe, 1 << T_STRING, 1 << T_NUMBER, 1 << T_NUMBER, 1 << T_BIGINT, 1 << T_BYTES];

/** True if a value with this tag (and inline number) can have been stored by this codec. */
export const plausibleValue = (codec: number, tag: number, num: number): boolean => {
  // Bound the tag first: shift counts are taken mod 32, so tag 38 would test bit 6.
  return tag > 0 && tag <= T_JSON && ((VALUE_TAGS[codec]! >>> tag) & 1) === 1 && (codec !== 3 || (num | 0) === num);
};

export const plausibleKey = (codec: number, tag: number, num: number): boolean => tag > 0 && tag <= T_TUPLE && ((KEY_TAGS[codec]! >>> tag) & 1) === 1 && (codec !== 3 || (num | 0) === num || tag !== T_NUMBER);

/**
 * Content equality of values, as compareAndSwap/compareAndDelete need it. `b` is the caller's
 * (maybe exotic: a revoked Proxy cannot even be inspected, so it equals nothing stored).
 */
export const sameValue = (a: unknown, b: unknown): boolean => {
  try {
    return sameValueUnguarded(a, b);
  } catch {
    return false;
  }
};

const sameValueUnguarded = (a: unknown, b: unknown): boolean => {
  if (a === b || (a !== a && b !== b)) return true; // SameValueZero
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (a instanceof Date || b instanceof Date) {
    return a instanceof Date && b instanceof Date && sameValueUnguarded(a.getTime(), b.getTime());
  }
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    if (!(a instanceof Uint8Array && b instanceof Uint8Array) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (const k of ka) {
    if (!Object.prototype.hasOwnProperty.call(b, k)) return false;
    if (!sameValueUnguarded((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  }
  return true;
};
