/**
 * The front's keys and values on their way in and out (map.ts calls these; no engine does):
 * filling the front's scratch ProbeKey and EncodedValue before an operation — where user code in
 * getters runs, before any lock — add()'s checks and arithmetic, and the copy of a value just
 * stored that loadOrStore() and update() hand back. They were ShardedMap's private methods; each
 * takes what it reads and fills as arguments, so none needs the map's fields.
 */
import { type EncodedValue, type ProbeKey, T_BIGINT, T_BYTES, T_NUMBER, T_STRING, T_STRUCT, encodeValue, finishValue, prepareKey, prepareKeyOrThrow } from './codecs.js';
import { notNumericError, valueError } from './errors.js';
import { hashNumber, hashString } from './hash.js';
import type { BufferConfig } from './buffer.js';

/** Value codecs add() works on: any, number, int32, bigint. */
const CODEC_ADD = new Set([0, 2, 3, 4]);

/**
 * Fills `probe` for a lookup; false if no such key can be stored (the answer is "absent").
 * prepareKey with the number-key case inlined (the JIT does not inline prepareKey whole).
 */
export const prepareLookup = (key: unknown, probe: ProbeKey, c: BufferConfig): boolean => {
  if (typeof key === 'number' && (c.keyCodec === 0 || c.keyCodec === 2)) {
    probe.tag = T_NUMBER;
    probe.num = key === 0 ? 0 : key;
    probe.hash = hashNumber(key, c.seed) & c.hashMask;
    return true;
  }
  return prepareKey(c.keyCodec, key, probe, c.seed, c.hashMask);
};

/**
 * prepareLookup for get()'s keys that are not numbers of a number-key map, with the string case
 * spelled out: through prepareKey the hash was one call further, where V8 left it out of line
 * (get of a 16-char string: striped 2322 -> see the commit). Kept apart from prepareLookup, whose
 * larger bytecode made has() of an int key dearer (syncmap 776 -> 817).
 */
export const prepareOtherLookup = (key: unknown, probe: ProbeKey, c: BufferConfig): boolean => {
  if (typeof key === 'string' && (c.keyCodec === 0 || c.keyCodec === 1)) {
    probe.tag = T_STRING;
    probe.str = key;
    probe.hash = hashString(key, c.seed) & c.hashMask;
    return true;
  }
  return prepareKey(c.keyCodec, key, probe, c.seed, c.hashMask);
};

/** Encodes the value into `value`, then the key into `probe` (both may run user getters); throws what the codecs throw. */
export const prepareWrite = (c: BufferConfig, key: unknown, v: unknown, probe: ProbeKey, value: EncodedValue): void => {
  encodeValue(c.valueCodec, v, value);
  prepareKeyOrThrow(c.keyCodec, key, probe, c.seed, c.hashMask);
};

/**
 * What get() would now return for the value just stored (`v`, the front's EncodedValue): a copy,
 * never the caller's object, and in the codec's form (a 'json' Date comes back as its string).
 */
export const storedCopy = (v: EncodedValue): unknown => {
  if (v.tag === T_BYTES) return new Uint8Array(v.bytes); // a plain copy (Buffer#slice is a view)
  if (v.tag === T_STRUCT) return finishValue(v.tag, 0, '', new Uint8Array(v.bytes)); // a plain, private copy
  return finishValue(v.tag, v.num, v.str, v.bytes);
};

/** add()'s argument checks: the map's values can be numeric and `delta` fits them. True for a bigint map. */
export const checkAddable = (valueCodec: number, delta: unknown): boolean => {
  if (!CODEC_ADD.has(valueCodec)) throw notNumericError(`needs numeric values; this map's value codec is not numeric`);
  const isBig = valueCodec === 4;
  if (isBig ? !(typeof delta === 'bigint' || Number.isInteger(delta)) : typeof delta !== 'number') {
    throw valueError(isBig ? 'bigint' : 'number', delta, 'not a valid delta');
  }
  if (valueCodec === 3 && ((delta as number) | 0) !== delta) throw valueError('int32', delta, 'not an int32 delta');
  return isBig;
};

/** Fills `value` with current + delta (add's arithmetic and checks); `current` is the stored value (0 or 0n if absent). */
export const addInto = (value: EncodedValue, valueCodec: number, current: unknown, delta: number, isBig: boolean): void => {
  if (isBig) {
    value.tag = T_BIGINT;
    value.str = ((current as bigint) + BigInt(delta)).toString();
    return;
  }
  if (typeof current !== 'number') throw notNumericError('on a value that is not a number');
  const next = current + delta;
  if (valueCodec === 3 && (next | 0) !== next) throw valueError('int32', next, 'the sum leaves the int32 range');
  value.tag = T_NUMBER;
  value.num = next;
};
