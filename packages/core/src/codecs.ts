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
 * survive), strings as blobs of one byte per code unit when every unit fits one (T_LATIN1),
 * of UTF-16 units otherwise, Uint8Arrays as bytes, structured values as CBOR bytes (serializer.ts),
 * 'json' values as their JSON text.
 */
import { corruptError, keyError, valueError } from './errors.js';
import { hashBytes, hashNumber, hashString, hashInt32 } from './hash.js';
import { decodeStructured, encodeStructured } from './serializer.js';
import { T_UNDEFINED, T_NULL, T_FALSE, T_TRUE, T_NUMBER, T_STRING, T_BIGINT, T_BYTES, T_TUPLE, T_STRUCT, T_JSON, T_LATIN1, T_LAST, isInlineTag, inlineValue, isTextTag, narrowTag, hasBlob, isBytes } from './tags.js';
import { encodeTuple } from './tuple.js';

// The tags and tuple encoding are tags.ts's and tuple.ts's; every module imports them from here.
export { T_UNDEFINED, T_NULL, T_FALSE, T_TRUE, T_NUMBER, T_STRING, T_BIGINT, T_BYTES, T_TUPLE, T_STRUCT, T_JSON, T_LATIN1, T_LAST, isInlineTag, inlineValue, isTextTag, narrowTag, hasBlob, isBytes } from './tags.js';
export { MAX_TUPLE_LENGTH, decodeTuple, encodeTuple } from './tuple.js';

export const KEY_CODECS = ['any', 'string', 'number', 'int32', 'bigint', 'bytes'] as const;
export const VALUE_CODECS = ['any', 'string', 'number', 'int32', 'bigint', 'bytes', 'json'] as const;
export type KeyCodecName = (typeof KEY_CODECS)[number];
export type ValueCodecName = (typeof VALUE_CODECS)[number];

const NO_BYTES = new Uint8Array(0);

/** A key, normalised. One per map instance, reused by every call (calls never nest while it is live). */
export class ProbeKey {
  tag = 0;
  num = 0;
  str = '';
  bytes: Uint8Array = NO_BYTES;
  hash = 0;
}

/** `probe` as number key `num` (-0 folded) of masked hash `hash`: a number path's way into the generic one. */
export const numberProbe = (probe: ProbeKey, num: number, hash: number): ProbeKey => {
  probe.tag = T_NUMBER;
  probe.num = num === 0 ? 0 : num;
  probe.hash = hash;
  return probe;
};

/** `probe` as string key `str` of masked hash `hash` (lookups tag strings T_STRING: tags.ts). */
export const stringProbe = (probe: ProbeKey, str: string, hash: number): ProbeKey => {
  probe.tag = T_STRING;
  probe.str = str;
  probe.hash = hash;
  return probe;
};

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
      out.tag = narrowTag(T_STRING, value);
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
      out.tag = narrowTag(T_STRING, value);
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
  if (tag < T_BIGINT || tag === T_LATIN1) return finishInline(tag, num, str);
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
    case T_LATIN1:
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
const STRINGS = (1 << T_STRING) | (1 << T_LATIN1);
const VALUE_TAGS = [(0xffe & ~(1 << T_TUPLE)) | (1 << T_LATIN1), STRINGS, 1 << T_NUMBER, 1 << T_NUMBER, 1 << T_BIGINT, 1 << T_BYTES, 1 << T_JSON];
const KEY_TAGS = [0x3fe | (1 << T_LATIN1), STRINGS, 1 << T_NUMBER, 1 << T_NUMBER, 1 << T_BIGINT, 1 << T_BYTES];

/** True if a value with this tag (and inline number) can have been stored by this codec. */
export const plausibleValue = (codec: number, tag: number, num: number): boolean => {
  // Bound the tag first: shift counts are taken mod 32, so tag 38 would test bit 6.
  return tag > 0 && tag <= T_LAST && ((VALUE_TAGS[codec]! >>> tag) & 1) === 1 && (codec !== 3 || (num | 0) === num);
};

export const plausibleKey = (codec: number, tag: number, num: number): boolean => tag > 0 && tag <= T_LAST && ((KEY_TAGS[codec]! >>> tag) & 1) === 1 && (codec !== 3 || (num | 0) === num || tag !== T_NUMBER);

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
